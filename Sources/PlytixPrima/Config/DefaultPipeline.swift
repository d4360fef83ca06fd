/// The shipped default pipeline, written by `plytix-prima init` as `pipelines/plytix-to-prima.yml`.
/// (The repository's copy of that file is kept identical by a test.)
public enum DefaultPipeline {
    public static let name = "plytix-to-prima"

    /// Ends with a line break, like the repository's file (the blank line before the closing
    /// delimiter is that line break: a multi-line literal drops the last one).
    public static let yaml = #"""
# plytix-to-prima: the default pipeline.
#
# Reads Plytix catalogue exports (CSV or XML, optionally gzipped) from the top level of inbox/
# and writes Prima item-import files to outbox/plytix-to-prima/<run-id>/.
#
# Every name below is configuration: the `source` of a column is the Plytix channel's output
# label (CSV header; `xml` is the XML element), and `header` is the exact, case-sensitive
# column name of your Prima installation's item import. This layout is conservative: it fits
# the strictest common ERP limits. Prices and VAT codes are never written: Prima owns them.
version: 1

input:
  patterns: ["*.csv", "*.xml", "*.csv.gz", "*.xml.gz"]
  format: auto                  # auto | csv | xml (auto: by name, else by the first character)
  encoding: utf-8               # utf-8 | windows-1252
  delimiter: auto               # auto (one of , ; | tab, from the header) | "," | ";" | "|" | tab
  quote: '"'
  max_record_bytes: 1048576     # a longer row is rejected (record_too_long)
  decimal_separator: auto       # auto (12.5 or 12,5) | "." | ","
  multi_value_separator: ","
  category_level_separator: ">"
  relationship_separator: ","   # between a kit's components in Bundle Contents
  relationship_quantity_separator: "#"   # SKU#quantity; a missing quantity means 1
  max_inflated_bytes: 34359738368   # a .gz that inflates past 32 GiB is refused (gzip bomb)
  xml:
    root_element: products
    product_element: product

status:
  source: Status
  xml: status
  sales_ready: [Complete, Completed]    # case-insensitive; these rows go to Prima
  not_sales_ready: [Draft, Archived]    # skipped (counted, not rejected); any other status is skipped too and flagged in report.json

columns:
  - header: Action
    derived: action               # A (add) for every emitted row

  - header: ItemCode
    source: SKU
    xml: sku
    key: true
    required: true
    max_length: 20
    allowed_characters: "A-Za-z0-9-_./"

  - header: ParentItemCode
    source: Variant of
    xml: variant_of
    relationship: variant_of      # the parent must be accepted too, or published earlier
    max_length: 20
    allowed_characters: "A-Za-z0-9-_./"

  - header: ItemType
    derived: item_type            # KIT when Bundle Contents lists components (SKU#quantity), STYLE for a parent of variants, else STOCK
    source: Bundle Contents
    xml: bundle_contents
    values: { kit: KIT, style: STYLE, stock: STOCK }

  - header: Description
    source: Label
    xml: label
    required: true
    transforms: [collapse_whitespace]
    max_length: 60

  - header: LongDescription
    source: Description
    xml: description
    transforms: [strip_html, collapse_whitespace]
    max_length: 1000

  - header: Status
    constant: ACTIVE

  - header: Barcode
    source: GTIN
    xml: gtin
    type: gtin

  - header: CategoryPath
    source: Categories
    xml: categories
    transforms: [first_category_path]
    max_length: 250

  - header: Brand
    source: Brand
    xml: brand
    max_length: 50

  - header: Colour
    source: Colour
    xml: colour
    max_length: 20

  - header: Size
    source: Size
    xml: size
    max_length: 20

  - header: NetWeightKg
    source: Weight (kg)
    xml: weight_kg
    required: true
    type: decimal
    greater_than: 0

  - header: LengthCm
    source: Length (cm)
    xml: length_cm
    type: decimal
    at_least: 0

  - header: WidthCm
    source: Width (cm)
    xml: width_cm
    type: decimal
    at_least: 0

  - header: HeightCm
    source: Height (cm)
    xml: height_cm
    type: decimal
    at_least: 0

  - header: CommodityCode
    source: HS Code
    xml: hs_code
    required: true
    type: hs_code

  - header: CountryOfOrigin
    source: Country of Origin
    xml: country_of_origin
    required: true
    type: country

  - header: SupplierCode
    source: Supplier
    xml: supplier
    max_length: 20

  - header: SupplierItemCode
    source: Supplier Code
    xml: supplier_code
    required: true
    max_length: 50

  - header: ImageUrl
    source: Thumbnail
    xml: thumbnail
    type: url
    max_length: 255

diff:
  mode: full                    # full (Plytix "All products") | delta ("Updates only")
  last_modified: Last modified  # a row older than what was last published is skipped as stale
  last_modified_xml: last_modified
  discontinue_statuses: [Archived]   # a known SKU exported with this status is discontinued
  max_discontinue_share: 0.10   # a full export discontinuing more than 10% of the catalogue is held
  max_update_share: 0.50        # ... or updating more than 50% of it
  discontinued_status: DISCONTINUED

relationships:
  max_variant_levels: 3         # parent → variant → sub-variant
  max_kit_levels: 5             # kits inside kits, at most this deep
  bom:                          # bom-NNNN.csv: one line per kit component
    headers: [Action, ParentItemCode, LineNo, ComponentItemCode, QuantityPer]
    line_number_step: 10        # LineNo 10, 20, 30…
    rows_per_chunk: 5000        # a kit's lines never straddle two files

finance:
  # Prima owns every price, cost and VAT code: an output column whose header or source is one of
  # these names (or a price/VAT source below) is refused when the pipeline loads. No flag forces it.
  prima_owned: [Price, Prices, Trade Price, Retail Price, Sale Price, Cost, Cost Price, Unit Cost, Standard Cost, VAT, VAT Code, VATCode, Tax Code, TaxCode, PriceList]
  # Plytix price columns, each compared with one Prima price list (never written), e.g. also
  #   - { source: Trade Price, xml: trade_price, price_list: TRADE }
  prices:
    - source: Price
      xml: price
      price_list: RETAIL
  # The Plytix VAT column, compared with Prima's item VAT code and Prima's VAT codes.
  vat:
    source: VAT Code
    xml: vat_code
  # Prima's own exports, the master data the comparison uses (found in inbox/prima/).
  reference:
    folder: prima
    price_list_patterns: ["price-list*.csv", "price-list*.csv.gz"]
    vat_code_patterns: ["vat-codes*.csv", "vat-codes*.csv.gz"]
    # encoding utf-8 or windows-1252; delimiter auto, ",", ";", "|" or tab; decimals "." "," or auto
    encoding: utf-8
    delimiter: auto
    decimal_separator: auto
    price_list_columns: { item_code: ItemCode, price_list: PriceList, price: Price, vat_code: VATCode }
    vat_code_columns: { vat_code: VATCode, rate: Rate, description: Description }

output:
  delimiter: ","
  line_ending: crlf             # crlf | lf
  encoding: utf-8               # utf-8 | windows-1252
  byte_order_mark: false
  rows_per_chunk: 5000
  max_chunk_bytes: 52428800     # 50 MiB

"""#
}
