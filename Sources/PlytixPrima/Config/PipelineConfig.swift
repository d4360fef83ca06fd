/// A pipeline: which inbox files it takes, how Plytix wrote them, and the Prima layout it writes.
///
/// Every column name, limit and convention is configuration (`pipelines/NAME.yml`): Plytix
/// headers are the customer's channel labels, and Prima's import layout is the customer's install.
public struct PipelineConfig: Sendable, Equatable {
    /// The file name without `.yml`; names the outbox folder.
    public var name: String
    /// Where the configuration was read from, for messages.
    public var path: String
    public var input: InputSettings
    public var status: StatusSettings
    public var columns: [OutputColumn]
    public var output: OutputSettings
    public var diff = DiffSettings()
    public var relationships = RelationshipSettings()
    /// Prima-owned financial data and the finance review (`finance:`).
    public var finance = FinanceSettings()

    /// The output column that identifies a product (Prima's item code, from Plytix's SKU).
    public var keyColumnIndex: Int { columns.firstIndex(where: \.isKey) ?? 0 }

    /// The output column holding a variant's parent (`relationship: variant_of`), if the layout has one.
    public var variantOfColumnIndex: Int? { columns.firstIndex { $0.relationship == .variantOf } }

    /// The `item_type` column, whose source lists a kit's components, if the layout has one.
    public var itemTypeColumnIndex: Int? {
        columns.firstIndex { if case .itemType = $0.value { true } else { false } }
    }

    public init(
        name: String, path: String, input: InputSettings, status: StatusSettings,
        columns: [OutputColumn], output: OutputSettings
    ) {
        self.name = name
        self.path = path
        self.input = input
        self.status = status
        self.columns = columns
        self.output = output
    }
}

/// Names one Plytix field in both export formats.
public struct FieldSource: Sendable, Hashable, CustomStringConvertible {
    /// The CSV header (the channel's output label), e.g. `Weight (kg)`.
    public var csv: String
    /// The XML element (or attribute-named field), e.g. `weight_kg`.
    public var xml: String

    public init(csv: String, xml: String? = nil) {
        self.csv = csv
        self.xml = xml ?? FieldSource.xmlName(for: csv)
    }

    public var description: String { csv }

    /// Plytix's XML channels name elements after the label: lower case, runs of other characters as `_`.
    public static func xmlName(for label: String) -> String {
        var result = ""
        var pendingUnderscore = false
        for scalar in label.unicodeScalars {
            if scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) {
                if pendingUnderscore && !result.isEmpty { result.append("_") }
                pendingUnderscore = false
                result.unicodeScalars.append(contentsOf: String(scalar).lowercased().unicodeScalars)
            } else {
                pendingUnderscore = true
            }
        }
        return result
    }
}

/// How a run compares the export with what Prima already has (the state store).
public struct DiffSettings: Sendable, Equatable {
    public enum Mode: String, Sendable, CaseIterable {
        /// Plytix "All products": a SKU published earlier but absent from the export is discontinued.
        case full
        /// Plytix "Updates only": absent SKUs are left as they are.
        case delta
    }

    public var mode: Mode = .full
    /// The export's modification time per product; a row older than what was published is stale.
    public var lastModified: FieldSource? = FieldSource(csv: "Last modified", xml: "last_modified")
    /// Statuses that discontinue a known SKU (Plytix `Archived`); other non-sales-ready rows leave it as it is.
    public var discontinueStatuses: [String] = ["Archived"]
    /// The mass-change guard: a full export that would discontinue more than this share of the
    /// known catalogue, or update more than `maxUpdateShare`, is held for approval.
    public var maxDiscontinueShare = 0.10
    public var maxUpdateShare = 0.50
    /// Written in the Status column of `discontinue-NNNN.csv`.
    public var discontinuedStatus = "DISCONTINUED"

    public init() {}
}

public enum InputFormat: String, Sendable, CaseIterable {
    /// Decided per file: by name (`.csv`, `.xml`, before any `.gz`), else by the first byte.
    case auto, csv, xml
}

public enum TextEncoding: String, Sendable, CaseIterable {
    case utf8 = "utf-8"
    case windows1252 = "windows-1252"
}

public enum DecimalSeparator: String, Sendable, CaseIterable {
    /// Either `.` or `,` (the export never uses thousands separators).
    case auto
    case point = "."
    case comma = ","
}

public struct InputSettings: Sendable, Equatable {
    /// Glob patterns matched against names at the top level of `inbox/`.
    public var patterns: [String] = ["*.csv", "*.xml", "*.csv.gz", "*.xml.gz"]
    /// Take a file only once `NAME.done` or `NAME.ok` stands beside it (instead of by settle time alone).
    public var requireDoneMarker = false
    public var format: InputFormat = .auto
    public var csv = CSVDialect()
    public var encoding: TextEncoding = .utf8
    public var decimalSeparator: DecimalSeparator = .auto
    public var multiValueSeparator = ","
    public var categoryLevelSeparator = ">"
    public var relationshipQuantitySeparator = "#"
    /// Between a kit's `SKU#quantity` tokens.
    public var relationshipSeparator = ","
    public var xml = XMLReaderSettings()
    public var inflate = InflateLimits()

    public init() {}
}

public struct StatusSettings: Sendable, Equatable {
    public var source = FieldSource(csv: "Status", xml: "status")
    /// Status values (case-insensitive) whose rows go to Prima.
    public var salesReady: [String] = ["Complete", "Completed"]
    /// Status values expected on rows that are not sales-ready. Every row whose status is not
    /// sales-ready is skipped; `report.json` flags skipped statuses outside this list as unexpected.
    public var notSalesReady: [String] = ["Draft", "Archived"]

    public init() {}
}

public enum ValueType: Sendable, Equatable {
    case text
    /// A decimal written with `.`; `minimum` bounds it, exclusively when `exclusive`.
    case decimal(minimum: String?, exclusive: Bool)
    case gtin
    case hsCode
    case country
    case url
}

public enum TransformKind: String, Sendable, CaseIterable {
    case collapseWhitespace = "collapse_whitespace"
    case stripHTML = "strip_html"
    case firstCategoryPath = "first_category_path"
    case upperCase = "upper_case"
    case lowerCase = "lower_case"
}

/// Where an output column's value comes from.
public enum ColumnValue: Sendable, Equatable {
    /// A Plytix field.
    case field(FieldSource)
    /// The import action: `A` (add) for every emitted row.
    case action
    case constant(String)
    /// `kit` when the relationship field (a kit's components) is not empty, else `style` for a
    /// product that is the parent of variants, else `stock`.
    case itemType(relationship: FieldSource, kit: String, style: String, stock: String)
}

/// What an output column means to the relationship stage.
public enum ColumnRelationship: String, Sendable, CaseIterable {
    /// The parent SKU of a variant (Plytix `Variant of`): the parent must exist before the variant.
    case variantOf = "variant_of"
}

/// Variants and kits: how deep they may nest and how the bill-of-materials file is laid out.
public struct RelationshipSettings: Sendable, Equatable {
    /// Parent → variant → sub-variant: a product this many levels below its top parent is rejected.
    public var maxVariantLevels = 3
    /// Kits inside kits: a kit nested deeper than this is rejected (`bom_too_deep`).
    public var maxKitLevels = 5
    public var bom = BOMLayout()

    public init() {}
}

/// `bom-NNNN.csv`: one line per kit component.
public struct BOMLayout: Sendable, Equatable {
    /// Headers of Action, ParentItemCode, LineNo, ComponentItemCode, QuantityPer, in this order.
    public var headers = ["Action", "ParentItemCode", "LineNo", "ComponentItemCode", "QuantityPer"]
    /// LineNo of a kit's first component, and the step between lines (10, 20, 30…).
    public var lineNumberStep = 10
    /// A kit's lines never straddle two files; a kit larger than this gets a file of its own.
    public var rowsPerChunk = 5000

    public init() {}
}

/// One column of Prima's item import file, in order.
public struct OutputColumn: Sendable, Equatable {
    public var header: String
    public var value: ColumnValue
    public var required = false
    public var type: ValueType = .text
    public var maxLength: Int?
    public var transforms: [TransformKind] = []
    /// Characters the value may hold (rule `pattern`), e.g. letters, digits and `-_./`.
    public var allowedCharacters: AllowedCharacters?
    /// Marks the column that identifies the product (duplicate detection, reject `sku`).
    public var isKey = false
    public var relationship: ColumnRelationship?

    public init(header: String, value: ColumnValue) {
        self.header = header
        self.value = value
    }

    /// The Plytix field this column reads, if any.
    public var source: FieldSource? {
        if case .field(let source) = value { return source }
        return nil
    }
}

public enum LineEnding: String, Sendable, CaseIterable {
    case crlf, lf

    public var bytes: [UInt8] { self == .crlf ? [13, 10] : [10] }
}

public struct OutputSettings: Sendable, Equatable {
    public var delimiter: UInt8 = UInt8(ascii: ",")
    public var lineEnding: LineEnding = .crlf
    public var encoding: TextEncoding = .utf8
    public var byteOrderMark = false
    public var rowsPerChunk = 5000
    public var maxChunkBytes = 50 << 20

    public init() {}
}
