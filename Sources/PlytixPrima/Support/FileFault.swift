/// Why a whole input file cannot be used: the file is quarantined with this as its reason.
///
/// Structural failure (the file as a whole cannot be trusted) is a `FileFault`;
/// a failure confined to one row is a `RejectReason` instead.
public struct FileFault: Error, Sendable, Equatable, CustomStringConvertible {
    /// A stable, machine-readable code; `NAME.reason.txt` and the run summary show it.
    public struct Code: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        public static let emptyFile = Code(rawValue: "empty_file")
        public static let unreadable = Code(rawValue: "unreadable")
        public static let unsupportedEncoding = Code(rawValue: "unsupported_encoding")
        public static let unknownFormat = Code(rawValue: "unknown_format")
        public static let gzipTruncated = Code(rawValue: "gzip_truncated")
        public static let gzipCorrupt = Code(rawValue: "gzip_corrupt")
        public static let gzipTooLarge = Code(rawValue: "gzip_too_large")
        public static let gzipTrailingData = Code(rawValue: "gzip_trailing_data")
        public static let doubleCompressed = Code(rawValue: "double_compressed")
        public static let xmlMalformed = Code(rawValue: "xml_malformed")
        public static let xmlDoctype = Code(rawValue: "xml_doctype")
        public static let xmlWrongRoot = Code(rawValue: "xml_wrong_root")
        public static let unterminatedQuote = Code(rawValue: "unterminated_quote")
        public static let missingColumn = Code(rawValue: "missing_column")
        public static let duplicateColumn = Code(rawValue: "duplicate_column")
    }

    public let code: Code
    /// A sentence an operator understands: what is wrong and, where possible, what to do.
    public let message: String
    /// 1-based line in the (decompressed) input, when known.
    public var line: Int?
    /// Byte offset in the (decompressed) input, when known.
    public var byteOffset: Int64?

    public init(_ code: Code, _ message: String, line: Int? = nil, byteOffset: Int64? = nil) {
        self.code = code
        self.message = message
        self.line = line
        self.byteOffset = byteOffset
    }

    /// `code: message (line N, byte B)`.
    public var description: String {
        var location: [String] = []
        if let line { location.append("line \(line)") }
        if let byteOffset { location.append("byte \(byteOffset)") }
        let suffix = location.isEmpty ? "" : " (\(location.joined(separator: ", ")))"
        return "\(code.rawValue): \(message)\(suffix)"
    }
}
