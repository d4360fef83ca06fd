import Foundation

/// Puts item rows into import order while pass 2 streams them in export order. Standalone items
/// and components go straight to the chunk files; every other placement (parents, variants by
/// level, kits) waits in a scratch file of its own in the staging folder and follows, placement
/// by placement, when the pass is done. Rows are never held in memory.
final class ImportSequencer {
    private let items: ChunkWriter
    private let directory: String
    private var buckets: [ImportPlacement: BinaryRecordWriter] = [:]

    init(items: ChunkWriter, directory: String) {
        self.items = items
        self.directory = directory
    }

    func append(_ line: [UInt8], placement: ImportPlacement) throws(OutputError) {
        guard placement != .first else {
            try items.append(encodedLine: line)
            return
        }
        let bucket: BinaryRecordWriter
        if let existing = buckets[placement] {
            bucket = existing
        } else {
            bucket = try BinaryRecordWriter(path: "\(directory)/.sequence-\(placement.group.rawValue)-\(placement.level)")
            buckets[placement] = bucket
        }
        bucket.putByte(0)
        bucket.putBytes(line)
        try bucket.endRecord()
    }

    /// Appends the waiting rows in import order and removes the scratch files.
    func finish() throws(OutputError) {
        defer { discard() }
        for placement in buckets.keys.sorted() {
            let bucket = buckets[placement]!
            try bucket.flush()
            let reader = try BinaryRecordReader(path: bucket.path)
            while try reader.nextKind() != nil { try items.append(encodedLine: try reader.bytes()) }
        }
    }

    /// Removes the scratch files (also when the run fails half-way).
    func discard() {
        for bucket in buckets.values { try? FileManager.default.removeItem(atPath: bucket.path) }
        buckets = [:]
    }
}
