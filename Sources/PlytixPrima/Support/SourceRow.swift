/// One product as a reader found it, before validation: the raw values of the
/// pipeline's input fields, in the order of `InputLayout.fields`.
public struct SourceRow: Sendable, Equatable {
    /// 1-based line of the row's first character in the (decompressed) input.
    public var line: Int
    /// Raw values; `nil` when the export has no such column or element for this product.
    public var values: [String?]
    /// Fields whose bytes were not clean text; their `values` hold a lossy decoding for the reject file.
    public var encodingIssues: [EncodingIssue]
    /// The row's `SourcePrint` when the reader made it (CSV with a state store).
    var sourcePrint: UInt64?
    /// Set when the reader recognised the row its Prima record was published from (and whether
    /// that record went out as a style): only the fields pass 2 needs were decoded.
    var publishedAsStyle: Bool?
    /// Where the reader found the row's SKU in what Prima has (`KnownCatalogue.slots(of:)`);
    /// `nil` when it did not look.
    var catalogueSlot: Int32?

    public init(line: Int, values: [String?], encodingIssues: [EncodingIssue] = []) {
        self.line = line
        self.values = values
        self.encodingIssues = encodingIssues
    }
}

/// A field of a row whose bytes are not valid text in the export's encoding, or hold a NUL.
public struct EncodingIssue: Sendable, Equatable {
    public var fieldIndex: Int
    public var containsNUL: Bool

    public init(fieldIndex: Int, containsNUL: Bool) {
        self.fieldIndex = fieldIndex
        self.containsNUL = containsNUL
    }
}

/// A row the reader could not turn into values (wrong cell count, bad bytes, too long).
/// It becomes a reject; reading goes on with the next row.
public struct RowFault: Sendable, Equatable {
    public var line: Int
    /// The row's SKU when it could still be read.
    public var sku: String
    public var rule: RuleCode
    /// The input column concerned, when one is.
    public var field: String
    public var value: String
    public var reason: String

    public init(line: Int, sku: String = "", rule: RuleCode, field: String = "", value: String = "", reason: String) {
        self.line = line
        self.sku = sku
        self.rule = rule
        self.field = field
        self.value = value
        self.reason = reason
    }
}

/// What a reader hands on for each record of the input.
public enum ReadOutcome: Sendable, Equatable {
    case row(SourceRow)
    case rejected(RowFault)
}

/// A stable rule code as shown in the `rule` column of `rejects.csv`.
public struct RuleCode: RawRepresentable, Hashable, Sendable, Comparable, CustomStringConvertible {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(_ rawValue: String) { self.rawValue = rawValue }
    public var description: String { rawValue }
    public static func < (lhs: RuleCode, rhs: RuleCode) -> Bool { lhs.rawValue < rhs.rawValue }

    public static let required = RuleCode("required")
    public static let maxLength = RuleCode("max_length")
    public static let pattern = RuleCode("pattern")
    public static let number = RuleCode("number")
    public static let gtin = RuleCode("gtin")
    public static let hsCode = RuleCode("hs_code")
    public static let country = RuleCode("country")
    public static let url = RuleCode("url")
    public static let duplicateSKU = RuleCode("duplicate_sku")
    public static let malformedRow = RuleCode("malformed_row")
    public static let encoding = RuleCode("encoding")
    public static let recordTooLong = RuleCode("record_too_long")
}
