import Foundation

/// Puts item rows into import order while pass 2 streams them in export order.
///
/// Standalone items and components go straight to `items-0001.csv`, …. Rows of every other
/// placement (parents, variants by level, kits) wait in a scratch file of their placement; when
/// the pass is done they follow, placement by placement, in the same chunk series. A placement
/// that grows past one chunk is written to chunk files of its own (under a hidden name) as it
/// goes, and those files are renamed into the series at the end, so a large run copies at most
/// one chunk's worth of rows per placement a second time. Rows are never held in memory.
final class ImportSequencer {
    private enum Waiting {
        /// Rows so far in a scratch file (at most one chunk's worth).
        case scratch(BinaryRecordWriter, rows: Int)
        /// Past one chunk: the placement's own chunk files.
        case chunks(ChunkWriter)
    }

    private let directory: String
    private let headers: [String]
    private let settings: OutputSettings
    private let standalone: ChunkWriter
    private var waiting: [ImportPlacement: Waiting] = [:]
    static let hiddenPrefix = ".items-"

    init(directory: String, headers: [String], settings: OutputSettings) {
        self.directory = directory
        self.headers = headers
        self.settings = settings
        standalone = ChunkWriter(
            directory: directory, prefix: "items", kind: "items", headers: headers, settings: settings, alwaysWritesFirstChunk: false)
    }

    var encoder: CSVLineEncoder { standalone.encoder }

    func append(_ line: [UInt8], placement: ImportPlacement) throws(OutputError) {
        guard placement != .first else {
            try standalone.append(encodedLine: line)
            return
        }
        switch waiting[placement] {
        case nil:
            let scratch = try BinaryRecordWriter(path: "\(directory)/\(Self.hiddenPrefix)\(name(placement)).scratch")
            try add(line, to: scratch)
            waiting[placement] = .scratch(scratch, rows: 1)
        case .scratch(let scratch, let rows) where rows < settings.rowsPerChunk:
            try add(line, to: scratch)
            waiting[placement] = .scratch(scratch, rows: rows + 1)
        case .scratch(let scratch, _):
            let chunks = ChunkWriter(
                directory: directory, prefix: Self.hiddenPrefix + name(placement), kind: "items", headers: headers, settings: settings,
                alwaysWritesFirstChunk: false)
            try copy(scratch, to: chunks)
            try chunks.append(encodedLine: line)
            waiting[placement] = .chunks(chunks)
        case .chunks(let chunks):
            try chunks.append(encodedLine: line)
        }
    }

    /// Every items file in import order. A run always has `items-0001.csv` (header only when
    /// no row goes out), so the importer's input is never missing.
    func finish() throws(OutputError) -> [OutputFile] {
        var files: [OutputFile] = []
        var series = standalone
        for placement in waiting.keys.sorted() {
            switch waiting[placement]! {
            case .scratch(let scratch, _):
                try copy(scratch, to: series)
            case .chunks(let chunks):
                files += try series.finish()
                for var file in try chunks.finish() {
                    let name = ChunkWriter.fileName(prefix: "items", number: files.count + 1)
                    guard rename(directory + "/" + file.name, directory + "/" + name) == 0 else {
                        throw OutputError.system("rename \(file.name) to \(name)", errno)
                    }
                    file.name = name
                    files.append(file)
                }
                series = ChunkWriter(
                    directory: directory, prefix: "items", kind: "items", headers: headers, settings: settings,
                    alwaysWritesFirstChunk: false, firstNumber: files.count + 1)
            }
        }
        waiting = [:]
        files += try series.finish()
        if files.isEmpty {
            files = try ChunkWriter(directory: directory, prefix: "items", kind: "items", headers: headers, settings: settings).finish()
        }
        return files
    }

    /// Removes scratch and hidden chunk files (left when the run fails half-way).
    func discard() {
        for name in FileSystem.list(directory) where name.hasPrefix(Self.hiddenPrefix) {
            try? FileManager.default.removeItem(atPath: directory + "/" + name)
        }
    }

    private func name(_ placement: ImportPlacement) -> String { "\(placement.group.rawValue)-\(placement.level)" }

    private func add(_ line: [UInt8], to scratch: BinaryRecordWriter) throws(OutputError) {
        scratch.putByte(0)
        scratch.putBytes(line)
        try scratch.endRecord()
    }

    /// Moves a scratch file's rows into `chunks` and removes it.
    private func copy(_ scratch: BinaryRecordWriter, to chunks: ChunkWriter) throws(OutputError) {
        try scratch.flush()
        let reader = try BinaryRecordReader(path: scratch.path)
        while try reader.nextKind() != nil { try chunks.append(encodedLine: try reader.bytes()) }
        try? FileManager.default.removeItem(atPath: scratch.path)
    }
}
