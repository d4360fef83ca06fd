import Foundation
import Testing
@testable import PlytixPrima
import PlytixPrimaTestSupport

// The pipeline file: the shipped default, and every way a hand-edited one can be wrong. Each
// error must name the file, the key path and the problem, with the line where YAML knows it.

enum PipelineFixture {
    static let path = "pipelines/test.yml"

    static func parse(_ yaml: String) throws(ConfigError) -> PipelineConfig {
        try PipelineLoader.parse(yaml: yaml, name: "test", path: path)
    }

    /// The ConfigError `yaml` fails with, or nil when it loads.
    static func error(_ yaml: String) -> ConfigError? {
        do {
            _ = try parse(yaml)
            return nil
        } catch {
            return error
        }
    }

    /// The default pipeline with `old` (which must occur exactly once) replaced by `new`.
    static func defaultPipeline(replacing old: String, with new: String, sourceLocation: SourceLocation = #_sourceLocation) -> String {
        let parts = DefaultPipeline.yaml.components(separatedBy: old)
        #expect(parts.count == 2, "'\(old)' must occur exactly once in the default pipeline", sourceLocation: sourceLocation)
        return parts.joined(separator: new)
    }

    /// The 1-based line of the first line of `yaml` that contains `text`.
    static func line(of text: String, in yaml: String) -> Int? {
        yaml.components(separatedBy: "\n").firstIndex { $0.contains(text) }.map { $0 + 1 }
    }

    /// The package's root folder, found from this file's path.
    static var repositoryRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }
}

// MARK: - The default pipeline

@Suite struct DefaultPipelineTests {
    static let config = try! PipelineFixture.parse(DefaultPipeline.yaml)

    @Test func hasTheDocumentedColumnsInOrder() {
        // Counted from the YAML: 21 `- header:` entries.
        let headers = Self.config.columns.map(\.header)
        #expect(headers == [
            "Action", "ItemCode", "ParentItemCode", "ItemType", "Description", "LongDescription", "Status", "Barcode",
            "CategoryPath", "Brand", "Colour", "Size", "NetWeightKg", "LengthCm", "WidthCm", "HeightCm", "CommodityCode",
            "CountryOfOrigin", "SupplierCode", "SupplierItemCode", "ImageUrl",
        ])
        let declared = DefaultPipeline.yaml.components(separatedBy: "\n").filter { $0.hasPrefix("  - header: ") }.count
        #expect(headers.count == 21 && declared == 21)
    }

    @Test func columnsReadTheDocumentedSources() {
        let sources = Self.config.columns.map { column in column.source.map { "\($0.csv)|\($0.xml)" } ?? "-" }
        #expect(sources == [
            "-", "SKU|sku", "Variant of|variant_of", "-", "Label|label", "Description|description", "-", "GTIN|gtin",
            "Categories|categories", "Brand|brand", "Colour|colour", "Size|size", "Weight (kg)|weight_kg",
            "Length (cm)|length_cm", "Width (cm)|width_cm", "Height (cm)|height_cm", "HS Code|hs_code",
            "Country of Origin|country_of_origin", "Supplier|supplier", "Supplier Code|supplier_code", "Thumbnail|thumbnail",
        ])
        let columns = Self.config.columns
        #expect(columns[0].value == .action)
        #expect(columns[3].value == .itemType(relationship: FieldSource(csv: "Bundle Contents", xml: "bundle_contents"), kit: "KIT", style: "STYLE", stock: "STOCK"))
        #expect(columns[6].value == .constant("ACTIVE"))
        #expect(!columns.contains { ($0.source?.csv ?? "").lowercased().contains("price") || ($0.source?.csv ?? "").contains("VAT") })
    }

    @Test func rulesAreTheDocumentedOnes() {
        let byHeader = Dictionary(uniqueKeysWithValues: Self.config.columns.map { ($0.header, $0) })
        #expect(Self.config.columns.filter(\.required).map(\.header) == [
            "ItemCode", "Description", "NetWeightKg", "CommodityCode", "CountryOfOrigin", "SupplierItemCode",
        ])
        #expect(Self.config.keyColumnIndex == 1 && Self.config.columns.filter(\.isKey).count == 1)
        let limits = Self.config.columns.compactMap { column in column.maxLength.map { "\(column.header)=\($0)" } }
        #expect(limits == [
            "ItemCode=20", "ParentItemCode=20", "Description=60", "LongDescription=1000", "CategoryPath=250", "Brand=50",
            "Colour=20", "Size=20", "SupplierCode=20", "SupplierItemCode=50", "ImageUrl=255",
        ])
        #expect(byHeader["Barcode"]?.type == .gtin)
        #expect(byHeader["NetWeightKg"]?.type == .decimal(minimum: "0", exclusive: true))
        for header in ["LengthCm", "WidthCm", "HeightCm"] {
            #expect(byHeader[header]?.type == .decimal(minimum: "0", exclusive: false))
        }
        #expect(byHeader["CommodityCode"]?.type == .hsCode)
        #expect(byHeader["CountryOfOrigin"]?.type == .country)
        #expect(byHeader["ImageUrl"]?.type == .url)
        #expect(byHeader["ItemCode"]?.allowedCharacters == AllowedCharacters("A-Za-z0-9-_./"))
        #expect(byHeader["ParentItemCode"]?.allowedCharacters == AllowedCharacters("A-Za-z0-9-_./"))
        #expect(byHeader["Description"]?.transforms == [.collapseWhitespace])
        #expect(byHeader["LongDescription"]?.transforms == [.stripHTML, .collapseWhitespace])
        #expect(byHeader["CategoryPath"]?.transforms == [.firstCategoryPath])
    }

    @Test func inputStatusAndOutputSettings() {
        let input = Self.config.input
        #expect(input.patterns == ["*.csv", "*.xml", "*.csv.gz", "*.xml.gz"])
        #expect(input.format == .auto && input.encoding == .utf8 && input.decimalSeparator == .auto)
        #expect(input.csv.delimiter == nil && input.csv.quote == UInt8(ascii: "\"") && input.csv.maxRecordBytes == 1_048_576)
        #expect(input.multiValueSeparator == "," && input.categoryLevelSeparator == ">" && input.relationshipQuantitySeparator == "#")
        #expect(input.inflate.maxInflatedBytes == 32 << 30)
        #expect(input.xml.rootElement == "products" && input.xml.productElement == "product")
        #expect(Self.config.status.source == FieldSource(csv: "Status", xml: "status"))
        #expect(Self.config.status.salesReady == ["Complete", "Completed"])
        #expect(Self.config.status.notSalesReady == ["Draft", "Archived"])
        let output = Self.config.output
        #expect(output.delimiter == UInt8(ascii: ",") && output.lineEnding == .crlf && output.encoding == .utf8)
        #expect(!output.byteOrderMark && output.rowsPerChunk == 5000 && output.maxChunkBytes == 50 << 20)
        #expect(Self.config.name == "test" && Self.config.path == PipelineFixture.path)
    }

    @Test func theRepositoryCopyIsByteIdentical() throws {
        let file = PipelineFixture.repositoryRoot.appendingPathComponent("pipelines/plytix-to-prima.yml")
        let bytes = try #require(FileManager.default.contents(atPath: file.path), "\(file.path) must exist")
        let identical = Array(bytes) == Array(DefaultPipeline.yaml.utf8)  // compared as a Bool: the bytes are too long to print
        #expect(identical, "\(bytes.count) bytes on disk, \(DefaultPipeline.yaml.utf8.count) in DefaultPipeline.yaml")
        #expect(DefaultPipeline.yaml.hasSuffix("\n"))
    }

    @Test func theRepositoryCopyLoadsFromDisk() throws {
        let path = PipelineFixture.repositoryRoot.appendingPathComponent("pipelines/plytix-to-prima.yml").path
        var loaded = try PipelineLoader.load(path: path)
        #expect(loaded.name == "plytix-to-prima" && loaded.path == path)
        loaded.name = "test"
        loaded.path = PipelineFixture.path
        #expect(loaded == Self.config)
    }

    @Test func aMinimalPipelineGetsTheDefaults() throws {
        let config = try PipelineFixture.parse("""
            columns:
              - header: ItemCode
                source: SKU
                key: true
                required: true
            """)
        #expect(config.columns.count == 1)
        #expect(config.columns[0].source == FieldSource(csv: "SKU", xml: "sku"))
        #expect(config.input == InputSettings() && config.status == StatusSettings() && config.output == OutputSettings())
    }
}

// MARK: - Errors

@Suite struct PipelineLoaderErrorTests {
    /// Asserts that `yaml` fails at `key`, with `message` in the text and on the line holding `lineText`.
    func expectError(
        _ yaml: String, key: String, message: String, lineText: String?, line: Int? = nil,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        guard let error = PipelineFixture.error(yaml) else {
            Issue.record("the pipeline loaded, but should fail at \(key)", sourceLocation: sourceLocation)
            return
        }
        #expect(error.file == PipelineFixture.path, sourceLocation: sourceLocation)
        #expect(error.key == key, sourceLocation: sourceLocation)
        #expect(error.message.contains(message), "\(error.message)", sourceLocation: sourceLocation)
        if let expectedLine = line ?? lineText.flatMap({ PipelineFixture.line(of: $0, in: yaml) }) {
            #expect(error.line == expectedLine, "line of '\(lineText ?? "")'", sourceLocation: sourceLocation)
            #expect(error.description.hasPrefix("\(PipelineFixture.path):\(error.line ?? -1): \(key): "), sourceLocation: sourceLocation)
        }
    }

    @Test func unknownTopLevelKey() {
        let yaml = PipelineFixture.defaultPipeline(replacing: "version: 1\n", with: "version: 1\ncolumn_order: strict\n")
        expectError(yaml, key: "column_order", message: "unknown key 'column_order'; known keys here: version, description, input, status, columns, output", lineText: "column_order:")
    }

    @Test func misspeltColumnKeyNamesTheColumn() {
        let yaml = PipelineFixture.defaultPipeline(
            replacing: "    transforms: [collapse_whitespace]\n    max_length: 60\n",
            with: "    transforms: [collapse_whitespace]\n    max_lenght: 60\n")
        expectError(yaml, key: "columns[4] (Description).max_lenght", message: "unknown key 'max_lenght'", lineText: "max_lenght")
    }

    @Test func unknownKeysInEverySection() {
        let cases = [
            ("  format: auto ", "  formatt: auto ", "input.formatt"),
            ("  xml: status\n", "  xml: status\n  salesready: [Complete]\n", "status.salesready"),
            ("    root_element: products\n", "    root_element: products\n    root: x\n", "input.xml.root"),
            ("  rows_per_chunk: 5000\n", "  rows_per_chunk: 5000\n  chunk_rows: 1\n", "output.chunk_rows"),
            ("    values: { kit: KIT, style: STYLE, stock: STOCK }", "    values: { kit: KIT, style: STYLE, stok: STOCK }", "columns[3] (ItemType).values.stok"),
        ]
        for (old, new, key) in cases {
            let yaml = PipelineFixture.defaultPipeline(replacing: old, with: new)
            let error = PipelineFixture.error(yaml)
            #expect(error?.key == key)
            #expect(error?.message.hasPrefix("unknown key ") == true)
            #expect(error?.line != nil)
        }
    }

    @Test func aColumnWithNoSource() {
        let yaml = PipelineFixture.defaultPipeline(replacing: "  - header: Brand\n    source: Brand\n    xml: brand\n", with: "  - header: Brand\n")
        expectError(yaml, key: "columns[9] (Brand)", message: "the column names no source: give 'source' (a Plytix field), 'derived' or 'constant'", lineText: "header: Brand")
    }

    @Test func anXMLNameWithoutASourceIsNoSource() {
        let yaml = PipelineFixture.defaultPipeline(replacing: "  - header: Brand\n    source: Brand\n", with: "  - header: Brand\n")
        expectError(yaml, key: "columns[9] (Brand)", message: "the column names no source", lineText: "header: Brand")
    }

    @Test func twoKeyColumns() {
        let yaml = PipelineFixture.defaultPipeline(
            replacing: "    source: Variant of\n", with: "    source: Variant of\n    key: true\n    required: true\n")
        expectError(yaml, key: "columns", message: "exactly one column must be marked 'key: true' (the item code, from Plytix's SKU); found 2", lineText: "- header: Action")
    }

    @Test func noKeyColumn() {
        let yaml = PipelineFixture.defaultPipeline(replacing: "    key: true\n", with: "")
        expectError(yaml, key: "columns", message: "found 0", lineText: "- header: Action")
    }

    @Test func theKeyColumnMustReadARequiredField() {
        let notRequired = PipelineFixture.defaultPipeline(replacing: "    key: true\n    required: true\n", with: "    key: true\n")
        expectError(notRequired, key: "columns[1] (ItemCode)", message: "the key column must be 'required: true'", lineText: "header: ItemCode")
        let derived = PipelineFixture.defaultPipeline(replacing: "    derived: action ", with: "    key: true\n    required: true\n    derived: action ")
        expectError(derived, key: "columns[0] (Action)", message: "the key column must read a Plytix field ('source')", lineText: "header: Action")
    }

    @Test func duplicateHeader() {
        let yaml = PipelineFixture.defaultPipeline(replacing: "  - header: Colour\n", with: "  - header: Brand\n")
        let second = PipelineFixture.line(of: "    source: Colour", in: yaml)! - 1
        expectError(yaml, key: "columns[10]", message: "the header 'Brand' is used by two columns", lineText: nil, line: second)
    }

    @Test func badTypeName() {
        let yaml = PipelineFixture.defaultPipeline(replacing: "    type: gtin\n", with: "    type: ean\n")
        expectError(yaml, key: "columns[7] (Barcode).type", message: "unknown type 'ean'; known: text, decimal, gtin, hs_code, country, url", lineText: "type: ean")
    }

    @Test(arguments: ["-1", "abc", "0", "1.5", "''", "[60]", "99999999999999999999999"])
    func badMaxLength(value: String) {
        let yaml = PipelineFixture.defaultPipeline(replacing: "    max_length: 60\n", with: "    max_length: \(value)\n")
        let message = value == "[60]" ? "expected a single value" : "expected a whole number above 0"
        expectError(yaml, key: "columns[4] (Description).max_length", message: message, lineText: "max_length: \(value)")
    }

    @Test func boundsOnATextColumn() {
        let yaml = PipelineFixture.defaultPipeline(replacing: "    xml: brand\n", with: "    xml: brand\n    greater_than: 0\n")
        expectError(yaml, key: "columns[9] (Brand).greater_than", message: "bounds apply to 'type: decimal' only", lineText: "greater_than: 0")
        let atLeast = PipelineFixture.defaultPipeline(replacing: "    type: url\n", with: "    type: url\n    at_least: 1\n")
        expectError(atLeast, key: "columns[20] (ImageUrl).at_least", message: "bounds apply to 'type: decimal' only", lineText: "at_least: 1")
    }

    @Test func badBounds() {
        let both = PipelineFixture.defaultPipeline(replacing: "    greater_than: 0\n", with: "    greater_than: 0\n    at_least: 0\n")
        expectError(both, key: "columns[12] (NetWeightKg)", message: "give 'greater_than' or 'at_least', not both", lineText: "header: NetWeightKg")
        let notANumber = PipelineFixture.defaultPipeline(replacing: "    greater_than: 0\n", with: "    greater_than: zero\n")
        expectError(notANumber, key: "columns[12] (NetWeightKg).greater_than", message: "expected a number, found 'zero'", lineText: "greater_than: zero")
        let comma = PipelineFixture.defaultPipeline(replacing: "    greater_than: 0\n", with: "    greater_than: \"0,5\"\n")
        expectError(comma, key: "columns[12] (NetWeightKg).greater_than", message: "expected a number, found '0,5'", lineText: "greater_than:")
    }

    @Test(arguments: [
        ("xx", "expected one ASCII character (or 'tab'), found 'xx'"), ("':'", "expected auto, ',', ';', '|' or tab"),
        ("'\"'", "expected auto, ',', ';', '|' or tab"), ("\"\\n\"", "expected one ASCII character"),
        ("'§'", "expected one ASCII character"), ("''", "expected one ASCII character"),
    ])
    func badInputDelimiter(value: String, message: String) {
        let yaml = PipelineFixture.defaultPipeline(replacing: "  delimiter: auto ", with: "  delimiter: \(value) ")
        expectError(yaml, key: "input.delimiter", message: message, lineText: "  delimiter: \(value)")
    }

    @Test func goodInputDelimiters() throws {
        let cases: [(String, UInt8?)] = [("','", UInt8(ascii: ",")), ("';'", UInt8(ascii: ";")), ("'|'", UInt8(ascii: "|")), ("tab", 9), ("TAB", 9), ("\"\\t\"", 9), ("AUTO", nil)]
        for (value, byte) in cases {
            let yaml = PipelineFixture.defaultPipeline(replacing: "  delimiter: auto ", with: "  delimiter: \(value) ")
            #expect(try PipelineFixture.parse(yaml).input.csv.delimiter == byte, "\(value)")
        }
    }

    @Test func theInputQuoteCannotBeTheDelimiter() {
        let yaml = PipelineFixture.defaultPipeline(replacing: "  delimiter: auto ", with: "  delimiter: ';' ")
            .replacingOccurrences(of: "  quote: '\"'", with: "  quote: ';'")
        expectError(yaml, key: "input.quote", message: "the quote character cannot also separate columns", lineText: "  quote: ';'")
    }

    @Test func badOutputDelimiter() {
        let quote = PipelineFixture.defaultPipeline(replacing: "  delimiter: \",\"\n", with: "  delimiter: '\"'\n")
        expectError(quote, key: "output.delimiter", message: "the quote character cannot separate columns", lineText: "  delimiter: '\"'")
        let two = PipelineFixture.defaultPipeline(replacing: "  delimiter: \",\"\n", with: "  delimiter: \",,\"\n")
        expectError(two, key: "output.delimiter", message: "expected one ASCII character (or 'tab'), found ',,'", lineText: "  delimiter: \",,\"")
    }

    @Test(arguments: [
        "version: 1\ncolumns: [\n",
        "version: 1\ninput:\n  format: csv\n   encoding: utf-8\n",
        "columns:\n  - header: \"unterminated\n",
        "version: 1\n\tcolumns: []\n",
    ])
    func invalidYAMLSaysSoWithALine(yaml: String) throws {
        let error = try #require(PipelineFixture.error(yaml))
        #expect(error.file == PipelineFixture.path)
        #expect(error.key == "")
        #expect(error.message.hasPrefix("not valid YAML: "))
        let line = try #require(error.line)
        #expect((1...5).contains(line))
    }

    @Test func aControlCharacterIsAReaderErrorOnItsLine() throws {
        let error = try #require(PipelineFixture.error("version: 1\nfoo: bar\ncolumns: \u{0001}\n"))
        #expect(error.message.hasPrefix("not valid YAML: "))
        #expect(error.line == 3)
    }

    @Test func aKeyGivenTwiceIsRefused() throws {
        let yaml = PipelineFixture.defaultPipeline(replacing: "    max_length: 60\n", with: "    max_length: 60\n    max_length: 70\n")
        let error = try #require(PipelineFixture.error(yaml))
        #expect(error.message.contains("max_length"))
        #expect(error.line != nil)
    }

    @Test(arguments: ["", "\n\n", "# only a comment\n", "   \n   \n"])
    func emptyFile(yaml: String) {
        #expect(PipelineFixture.error(yaml) == ConfigError(file: PipelineFixture.path, key: "", line: nil, message: "the file is empty"))
    }

    @Test func aDocumentMarkerAloneIsAnEmptyDocumentNotAnEmptyFile() {
        // `---` makes a document holding null: YAML's answer, reported as what it is.
        #expect(PipelineFixture.error("---\n") == ConfigError(file: PipelineFixture.path, key: "", line: 2, message: "expected a mapping of keys to values"))
    }

    @Test(arguments: ["42", "just text", "[1, 2]"])
    func aDocumentThatIsNoMapping(yaml: String) throws {
        let error = try #require(PipelineFixture.error(yaml))
        #expect(error.key == "" && error.message == "expected a mapping of keys to values" && error.line == 1)
    }

    @Test func unknownDerivedKind() {
        let yaml = PipelineFixture.defaultPipeline(replacing: "    derived: action ", with: "    derived: sequence ")
        expectError(yaml, key: "columns[0] (Action).derived", message: "unknown derived value 'sequence'; known: action, item_type", lineText: "derived: sequence")
    }

    @Test func itemTypeNeedsItsRelationshipField() {
        let yaml = PipelineFixture.defaultPipeline(replacing: "    source: Bundle Contents\n    xml: bundle_contents\n", with: "")
        expectError(yaml, key: "columns[3] (ItemType).derived", message: "'item_type' needs 'source'", lineText: "derived: item_type")
    }

    @Test func oneValueKindPerColumn() {
        let yaml = PipelineFixture.defaultPipeline(replacing: "    constant: ACTIVE\n", with: "    constant: ACTIVE\n    source: Status\n")
        expectError(yaml, key: "columns[6] (Status)", message: "give only one of 'source', 'derived' or 'constant'", lineText: "header: Status")
    }

    @Test(arguments: ["2", "1.0", "0", "'one'"])
    func wrongVersion(value: String) {
        let yaml = PipelineFixture.defaultPipeline(replacing: "version: 1\n", with: "version: \(value)\n")
        expectError(yaml, key: "version", message: "only version 1 is understood by this plytix-prima", lineText: "version:")
    }

    @Test func noColumns() {
        let yaml = "version: 1\noutput:\n  line_ending: lf\n"
        expectError(yaml, key: "", message: "the pipeline has no 'columns'", lineText: nil)
        expectError("columns: []\n", key: "columns", message: "must list at least one output column", lineText: "columns:")
        expectError("columns: ItemCode\n", key: "columns", message: "expected a list", lineText: "columns:")
    }

    @Test func aColumnWithoutAHeader() {
        let yaml = PipelineFixture.defaultPipeline(replacing: "  - header: Size\n", with: "  - name: Size\n")
        expectError(yaml, key: "columns[11].name", message: "unknown key 'name'", lineText: "name: Size")
        let noHeader = PipelineFixture.defaultPipeline(replacing: "  - header: Size\n    source: Size\n", with: "  - source: Size\n")
        expectError(noHeader, key: "columns[11]", message: "a column needs a 'header' (the exact Prima column name)", lineText: "- source: Size")
        let emptyHeader = PipelineFixture.defaultPipeline(replacing: "  - header: Size\n", with: "  - header: ''\n")
        expectError(emptyHeader, key: "columns[11].header", message: "must not be empty", lineText: "header: ''")
    }

    @Test func badChoicesNameTheKnownValues() {
        let cases = [
            ("  encoding: utf-8               # utf-8 | windows-1252\n  delimiter", "  encoding: latin1\n  delimiter", "input.encoding", "'latin1' is not one of: utf-8, windows-1252"),
            ("  format: auto ", "  format: json ", "input.format", "'json' is not one of: auto, csv, xml"),
            ("  decimal_separator: auto ", "  decimal_separator: ';' ", "input.decimal_separator", "';' is not one of: auto, ., ,"),
            ("  line_ending: crlf ", "  line_ending: cr ", "output.line_ending", "'cr' is not one of: crlf, lf"),
            ("    transforms: [collapse_whitespace]\n    max_length: 60", "    transforms: [trim]\n    max_length: 60", "columns[4] (Description).transforms[0]",
             "'trim' is not one of: collapse_whitespace, strip_html, first_category_path, upper_case, lower_case"),
            ("    required: true\n    transforms: [collapse", "    required: maybe\n    transforms: [collapse", "columns[4] (Description).required", "expected true or false, found 'maybe'"),
        ]
        for (old, new, key, message) in cases {
            let error = PipelineFixture.error(PipelineFixture.defaultPipeline(replacing: old, with: new))
            #expect(error?.key == key)
            #expect(error?.message == message)
            #expect(error?.line != nil)
        }
    }

    @Test func otherBadValues() {
        let cases = [
            ("  patterns: [\"*.csv\", ", "  patterns: [\"in/*.csv\", ", "input.patterns", "holds '/'"),
            ("  patterns: [\"*.csv\", \"*.xml\", \"*.csv.gz\", \"*.xml.gz\"]", "  patterns: []", "input.patterns", "must list at least one pattern"),
            ("  sales_ready: [Complete, Completed] ", "  sales_ready: [] ", "status.sales_ready", "must list at least one status"),
            ("  sales_ready: [Complete, Completed] ", "  sales_ready: [Complete, ''] ", "status.sales_ready[1]", "must not be empty"),
            ("  source: Status\n  xml: status\n", "  xml: status\n", "status", "give 'source' too"),
            ("  max_chunk_bytes: 52428800 ", "  max_chunk_bytes: 4095 ", "output.max_chunk_bytes", "must be at least 4096 bytes"),
            ("\n  rows_per_chunk: 5000", "\n  rows_per_chunk: 0", "output.rows_per_chunk", "expected a whole number above 0, found '0'"),
            ("  max_record_bytes: 1048576 ", "  max_record_bytes: 1MB ", "input.max_record_bytes", "expected a whole number above 0, found '1MB'"),
            ("  multi_value_separator: \",\"", "  multi_value_separator: \"\"", "input.multi_value_separator", "must not be empty"),
            ("    allowed_characters: \"A-Za-z0-9-_./\"\n\n  - header: ParentItemCode", "    allowed_characters: \"z-a\"\n\n  - header: ParentItemCode",
             "columns[1] (ItemCode).allowed_characters", "expected ASCII characters and ranges such as A-Za-z0-9-_./"),
            ("  byte_order_mark: false", "  byte_order_mark: true\n  encoding: windows-1252", "output.byte_order_mark", "a byte-order mark exists only for utf-8 output"),
            ("    root_element: products", "    root_element: ''", "input.xml.root_element", "must not be empty"),
        ]
        for (old, new, key, message) in cases {
            var yaml = PipelineFixture.defaultPipeline(replacing: old, with: new)
            if new.contains("encoding: windows-1252") {
                yaml = yaml.replacingOccurrences(of: "  encoding: utf-8               # utf-8 | windows-1252\n  byte_order_mark", with: "  byte_order_mark")
            }
            let error = PipelineFixture.error(yaml)
            #expect(error?.key == key, "\(new)")
            #expect(error?.message.contains(message) == true, "\(error?.message ?? "loaded") should say \(message)")
            #expect(error?.line != nil, "\(new)")
        }
    }

    @Test(arguments: ["", ".hidden", "bad name", "a/b", "ünï"])
    func unsafePipelineNames(name: String) {
        do {
            _ = try PipelineLoader.parse(yaml: DefaultPipeline.yaml, name: name, path: "pipelines/x.yml")
            Issue.record("'\(name)' was accepted")
        } catch {
            #expect(error.message == "a pipeline name may hold letters, digits, '-', '_' and '.' only")
        }
    }
}

// MARK: - Files

@Suite struct PipelineLoaderFileTests {
    @Test func errorsNameTheFileOnDisk() throws {
        let folder = TempDirectory("pipelines")
        let path = folder.write("shop-a.yml", PipelineFixture.defaultPipeline(replacing: "    type: gtin\n", with: "    type: ean\n"))
        #expect(throws: ConfigError.self) { try PipelineLoader.load(path: path) }
        do {
            _ = try PipelineLoader.load(path: path)
        } catch {
            #expect(error.file == path)
            #expect(error.description.hasPrefix("\(path):"))
        }
    }

    @Test func loadAllReadsEveryPipelineSortedByName() throws {
        let folder = TempDirectory("pipelines")
        // Each pipeline takes its own Prima reference files (a shared folder and pattern is refused).
        folder.write("zeta.yml", DefaultPipeline.yaml.replacingOccurrences(of: "    folder: prima\n", with: "    folder: prima-zeta\n"))
        folder.write("alpha.yml", DefaultPipeline.yaml)
        folder.write(".hidden.yml", "not: [valid")
        folder.write("notes.txt", "ignored")
        let configs = try PipelineLoader.loadAll(in: folder.path)
        #expect(configs.map(\.name) == ["alpha", "zeta"])
    }

    @Test func missingOrEmptyFoldersAndFiles() {
        let folder = TempDirectory("pipelines")
        #expect(throws: ConfigError(file: folder.path, key: "", line: nil, message: "holds no pipeline (*.yml); run `plytix-prima init` to create the default one")) {
            try PipelineLoader.loadAll(in: folder.path)
        }
        let missing = folder.path + "/nope"
        #expect(throws: ConfigError(file: missing, key: "", line: nil, message: "the pipelines folder cannot be read (run `plytix-prima init` to create it)")) {
            try PipelineLoader.loadAll(in: missing)
        }
        #expect(throws: ConfigError(file: folder.path + "/shop.yml", key: "", line: nil, message: "no pipeline named 'shop' (expected this file)")) {
            try PipelineLoader.load(named: "shop", in: folder.path)
        }
        let latin1 = folder.write("latin.yml", [0x23, 0x20, 0xE9, 0x0A])
        #expect(throws: ConfigError(file: latin1, key: "", line: nil, message: "the file is not UTF-8 text")) {
            try PipelineLoader.load(path: latin1)
        }
    }
}

// MARK: - Excel safety

@Suite struct ExcelSafetyTests {
    @Test(arguments: [
        "=SUM(A1:A2)", "@cmd", "\tx", "\rx", "=", "-", "+", "=HYPERLINK(\"http://x\",\"y\")", "-1+A1", "+1e5", "-.5", "-1.",
        "-1.2.3", "-1,5,0", "- 1", "-1 ", "+SUM(A1)", "-5%",
    ])
    func formulaStartsGetAnApostrophe(value: String) {
        #expect(ExcelSafety.neutralise(value) == "'" + value)
    }

    @Test(arguments: [
        "", "PIL-1", "5012345678900", " =1", "'=already", "a=b", "\u{FEFF}=x", "\nx", "Ωmega", "＝1",
        // A plain signed number cannot be a formula: it stays a number finance can sum.
        "-1.00", "-5", "+1", "-0.5", "-0,5", "+3.25", "-123456",
    ])
    func otherValuesAreLeftAlone(value: String) {
        #expect(ExcelSafety.neutralise(value) == value)
    }
}
