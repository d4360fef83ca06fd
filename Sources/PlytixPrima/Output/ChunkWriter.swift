/// A file the run publishes, as the manifest lists it.
public struct OutputFile: Sendable, Equatable, Codable {
    public var name: String
    /// `items` (Prima import files, in import order), `rejects`, `report`.
    public var kind: String
    /// Data rows (CSV files, header excluded); 0 for other files.
    public var rows: Int
    public var sha256: String
    public var bytes: Int64
}

/// Writes Prima import rows into numbered chunk files (`items-0001.csv`, …), each with the
/// header, starting a new file when the row or byte limit would be passed.
final class ChunkWriter {
    private let directory: String
    private let prefix: String
    private let kind: String
    private let settings: OutputSettings
    let encoder: CSVLineEncoder
    private let alwaysWritesFirstChunk: Bool
    private let headerLine: [UInt8]
    private var current: DurableFileWriter?
    private var currentName = ""
    private var currentRows = 0
    private var line: [UInt8] = []
    /// Closed chunks, whose digests `sealer` takes: name, rows, size and path.
    private var closed: [(name: String, rows: Int, bytes: Int64, path: String)] = []
    private let sealer = ChunkSealer()
    private(set) var totalRows = 0

    /// Numbers the first file `firstNumber` (a series that continues another writer's).
    private let firstNumber: Int

    init(
        directory: String, prefix: String, kind: String, headers: [String], settings: OutputSettings, alwaysWritesFirstChunk: Bool = true,
        firstNumber: Int = 1
    ) {
        self.alwaysWritesFirstChunk = alwaysWritesFirstChunk
        self.firstNumber = firstNumber
        self.directory = directory
        self.prefix = prefix
        self.kind = kind
        self.settings = settings
        self.encoder = CSVLineEncoder(delimiter: settings.delimiter, lineEnding: settings.lineEnding, encoding: settings.encoding)
        var header: [UInt8] = settings.byteOrderMark ? [0xEF, 0xBB, 0xBF] : []
        encoder.append(headers, to: &header)
        self.headerLine = header
        line.reserveCapacity(4096)
    }

    func append(_ values: [String]) throws(OutputError) {
        line.removeAll(keepingCapacity: true)
        encoder.append(values, to: &line)
        try append(encodedLine: line)
    }

    /// Appends a line already encoded in the output's conventions (terminator included).
    func append(encodedLine line: [UInt8]) throws(OutputError) {
        if let writer = current {
            let full = currentRows >= settings.rowsPerChunk
                || writer.size + Int64(line.count) > Int64(settings.maxChunkBytes)
            if full { try closeCurrent() }
        }
        if current == nil { try openNext() }
        try current!.write(line)
        currentRows += 1
        totalRows += 1
    }

    /// Appends lines that must stay in one file (a kit's bill of materials): a new chunk starts
    /// first if they would not fit; lines more than a chunk's limit get a chunk of their own.
    func append(group lines: [[UInt8]]) throws(OutputError) {
        if let writer = current, currentRows > 0 {
            let bytes = lines.reduce(0) { $0 + $1.count }
            let full = currentRows + lines.count > settings.rowsPerChunk || writer.size + Int64(bytes) > Int64(settings.maxChunkBytes)
            if full { try closeCurrent() }
        }
        if current == nil { try openNext() }
        for line in lines {
            try current!.write(line)
            currentRows += 1
            totalRows += 1
        }
    }

    /// Closes the last chunk; returns every chunk written, in order. A run always has its first
    /// chunk, header only when no row was accepted, so the importer's input is never missing.
    func finish() throws(OutputError) -> [OutputFile] {
        if alwaysWritesFirstChunk && closed.isEmpty && current == nil { try openNext() }
        try closeCurrent()
        let digests = try sealer.finish()
        var files: [OutputFile] = []
        for chunk in closed {
            guard let digest = digests[chunk.path], digest.bytes == chunk.bytes else {
                throw OutputError("\(chunk.path) changed after it was written (\(chunk.bytes) bytes written, \(digests[chunk.path]?.bytes ?? 0) read back)")
            }
            files.append(OutputFile(name: chunk.name, kind: kind, rows: chunk.rows, sha256: digest.sha256, bytes: chunk.bytes))
        }
        return files
    }

    /// `items-0001.csv`: numbered from 1, at least four digits.
    static func fileName(prefix: String, number: Int) -> String {
        "\(prefix)-\(String(repeating: "0", count: max(0, 4 - String(number).count)))\(number).csv"
    }

    private func openNext() throws(OutputError) {
        let number = firstNumber + closed.count
        currentName = Self.fileName(prefix: prefix, number: number)
        let writer = try DurableFileWriter(path: directory + "/" + currentName, hashing: false)
        try writer.write(headerLine)
        current = writer
        currentRows = 0
    }

    private func closeCurrent() throws(OutputError) {
        guard let writer = current else { return }
        let bytes = try writer.finishUnhashed(sync: false)
        sealer.submit(writer.path)
        closed.append((currentName, currentRows, bytes, writer.path))
        current = nil
        if closed.count == 1 && kind == "items" { CrashPoint.afterFirstChunk.reach() }
    }
}
