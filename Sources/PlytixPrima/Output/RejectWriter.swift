/// A CSV file that people open in Excel (`rejects.csv`, `finance-review.csv`): UTF-8 with a
/// BOM, CRLF, every cell made visible and neutralised against formulas, hashed as written.
final class ExcelCSVFile {
    private let writer: DurableFileWriter
    private let encoder = CSVLineEncoder(delimiter: UInt8(ascii: ","), lineEnding: .crlf, encoding: .utf8)
    private let name: String
    private let kind: String
    private var line: [UInt8] = []
    private(set) var rows = 0

    init(directory: String, name: String, kind: String, header: [String]) throws(OutputError) {
        writer = try DurableFileWriter(path: directory + "/" + name)
        self.name = name
        self.kind = kind
        try writer.write([0xEF, 0xBB, 0xBF] + encoder.line(header))
    }

    func append(_ cells: [String]) throws(OutputError) {
        line.removeAll(keepingCapacity: true)
        encoder.append(cells.map { ExcelSafety.neutralise(Self.visible($0)) }, to: &line)
        try writer.write(line)
        rows += 1
    }

    /// A NUL byte becomes U+2400 (␀): Excel and many CSV tools stop reading at a NUL, and the
    /// clerk should see where the invisible character was.
    static func visible(_ cell: String) -> String {
        guard cell.utf8.contains(0) else { return cell }
        var scalars = String.UnicodeScalarView()
        for scalar in cell.unicodeScalars { scalars.append(scalar == "\u{0}" ? "\u{2400}" : scalar) }
        return String(scalars)
    }

    func finish() throws(OutputError) -> OutputFile {
        let (sha256, bytes) = try writer.finish(sync: false)
        return OutputFile(name: name, kind: kind, rows: rows, sha256: sha256, bytes: bytes)
    }
}

/// Writes `rejects.csv` for operations and finance: one line per failure, values cut to 200
/// characters.
final class RejectWriter {
    static let header = ["source_file", "line", "sku", "field", "value", "rule", "reason", "prima_column"]
    static let valueLimit = 200

    private let file: ExcelCSVFile
    private let sourceFile: String

    init(path: String, sourceFile: String) throws(OutputError) {
        file = try ExcelCSVFile(
            directory: FileSystem.parentPath(of: path), name: FileSystem.lastComponent(of: path), kind: "rejects", header: Self.header)
        self.sourceFile = sourceFile
    }

    var rows: Int { file.rows }

    func append(_ reject: RejectReason) throws(OutputError) {
        let value = reject.value.count > Self.valueLimit ? String(reject.value.prefix(Self.valueLimit)) : reject.value
        try file.append([sourceFile, String(reject.line), reject.sku, reject.field, value, reject.rule.rawValue, reject.reason, reject.primaColumn])
    }

    func finish() throws(OutputError) -> OutputFile { try file.finish() }
}

/// Keeps spreadsheet programs from running a cell as a formula (CSV injection).
public enum ExcelSafety {
    /// Prefixes a value that starts with `=`, `+`, `-`, `@`, tab or CR with an apostrophe,
    /// which Excel shows as text and does not execute. A plain signed number (`-1.00`, `+3`,
    /// `-0,5`) cannot be a formula and stays a number finance can sum.
    public static func neutralise(_ value: String) -> String {
        guard let first = value.utf8.first, !isPlainNumber(value.utf8) else { return value }
        switch first {
        case UInt8(ascii: "="), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "@"), 9, 13:
            return "'" + value
        default:
            return value
        }
    }

    /// Exactly an optional sign, digits, and optionally one `.` or `,` followed by digits.
    static func isPlainNumber(_ bytes: String.UTF8View) -> Bool {
        var rest = bytes[...]
        if let sign = rest.first, sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") { rest = rest.dropFirst() }
        let whole = rest.prefix(while: \.isASCIIDigit)
        guard !whole.isEmpty else { return false }
        rest = rest.dropFirst(whole.count)
        guard let separator = rest.first else { return true }
        guard separator == UInt8(ascii: ".") || separator == UInt8(ascii: ",") else { return false }
        let fraction = rest.dropFirst()
        return !fraction.isEmpty && fraction.allSatisfy(\.isASCIIDigit)
    }
}
