import Foundation
import GRDB

/// A run as the state store records it.
struct RunRecord: Sendable, Codable {
    var runID: String
    var pipeline: String
    var sourceName: String
    var sourceSHA256: String
    var status: RunStatus
    var counts: RunCounts
    var createdAt: Date
    var note: String?
}

/// The state changes of one run, written while the run is staged and applied in one transaction
/// only once the run is published: state never runs ahead of the outbox. A delta whose run was
/// published but not committed (a crash in between) is applied at the next start.
///
/// Records: `H` header (the run), `T` upsert a published item with its column fingerprints,
/// parent, family level and source print (`S`, the same without the print, and `U` and `V`, with
/// the whole import line, without and with the parent, are only read: deltas of older binaries),
/// `Q` keep the source print of an unchanged item, `D` discontinue a SKU,
/// `K` a kit's published component set, `X` a former kit's set removed, `P` a published
/// variant's parent recorded without re-sending it, `R` open a reject, `C` close a SKU's
/// rejects, `E` end with the run's final counts (a delta without it is incomplete and never
/// applied).
final class StateDeltaWriter {
    let file: BinaryRecordWriter
    var path: String { file.path }

    /// With `growth`, a reader may follow the delta while it is written (`LiveStateCommit`).
    init(path: String, run: RunRecord, growth: GrowingFile? = nil) throws(OutputError) {
        file = try BinaryRecordWriter(path: path, growth: growth)
        file.putByte(UInt8(ascii: "H"))
        file.putBytes(try JSONOutput.encode(run))
        try file.endRecord()
    }

    /// `sourcePrint`: `SourcePrint.stored` for the row; `0` keeps none.
    func upsert(_ row: AcceptedRow, variantLevel: Int = 0, sourcePrint: UInt64 = 0) throws(OutputError) {
        file.putByte(UInt8(ascii: "T"))
        file.putString(row.sku)
        file.putHash(row.hash)
        file.putBytes(row.columns.bytes)
        file.putInt(row.modified.map { Int($0) } ?? Int.min)
        file.putString(row.parent)
        file.putInt(variantLevel)
        file.putInt(Int(bitPattern: UInt(sourcePrint)))
        try file.endRecord()
    }

    /// A state-only note: the source print of an item whose record did not change (its print
    /// was not kept yet, or the build or pipeline configuration changed since).
    func keepSourcePrint(sku: String, _ sourcePrint: UInt64) throws(OutputError) {
        file.putByte(UInt8(ascii: "Q"))
        file.putString(sku)
        file.putInt(Int(bitPattern: UInt(sourcePrint)))
        try file.endRecord()
    }

    /// A kit's component set as published (`A#2,B#1`).
    func publishKit(sku: String, components: String) throws(OutputError) {
        file.putByte(UInt8(ascii: "K"))
        file.putString(sku)
        file.putString(components)
        try file.endRecord()
    }

    /// A state-only correction: the parent and level of a published variant whose record did
    /// not change (its store predates variant tracking).
    func relink(sku: String, parent: String, variantLevel: Int) throws(OutputError) {
        file.putByte(UInt8(ascii: "P"))
        file.putString(sku)
        file.putString(parent)
        file.putInt(variantLevel)
        try file.endRecord()
    }

    /// A product that is no longer a kit: its bill of materials was removed.
    func clearKit(sku: String) throws(OutputError) {
        file.putByte(UInt8(ascii: "X"))
        file.putString(sku)
        try file.endRecord()
    }

    func discontinue(_ sku: String) throws(OutputError) {
        file.putByte(UInt8(ascii: "D"))
        file.putString(sku)
        try file.endRecord()
    }

    func openReject(sku: String, rule: RuleCode) throws(OutputError) {
        file.putByte(UInt8(ascii: "R"))
        file.putString(sku)
        file.putString(rule.rawValue)
        try file.endRecord()
    }

    func closeRejects(sku: String) throws(OutputError) {
        file.putByte(UInt8(ascii: "C"))
        file.putString(sku)
        try file.endRecord()
    }

    /// Marks the delta complete, with the run's final counts, and makes it durable.
    func finish(counts: RunCounts) throws(OutputError) {
        file.putByte(UInt8(ascii: "E"))
        file.putBytes(try JSONOutput.encode(counts))
        try file.sync()
        file.endGrowth()
    }
}

/// One record of a delta after its header.
enum StateDeltaEntry {
    /// `sourcePrint`: `0` when the record carries none (it clears an older one).
    case upsert(sku: String, hash: [UInt8], columns: PublishedColumns, modified: Int64?, parent: String?, variantLevel: Int, sourcePrint: UInt64)
    case keepSourcePrint(sku: String, sourcePrint: UInt64)
    case publishKit(sku: String, components: String)
    case relink(sku: String, parent: String, variantLevel: Int)
    case clearKit(sku: String)
    case discontinue(sku: String)
    case openReject(sku: String, rule: String)
    case closeRejects(sku: String)
    /// The last record: the run's final counts. A delta without it is incomplete.
    case end(RunCounts)
    /// `F` / `G`: a finance discrepancy opened or closed (see `FinanceDeltaRecord`).
    case finance(FinanceDeltaRecord)
}

/// Reads a delta back: its run first, then its entries in order. The one place that knows the
/// record layout `StateDeltaWriter` writes.
final class StateDeltaReader {
    let run: RunRecord
    private let file: BinaryRecordReader
    var path: String { file.path }

    /// With `growth`, follows a delta that is still being written.
    init(path: String, following growth: GrowingFile? = nil) throws {
        file = try BinaryRecordReader(path: path, following: growth)
        guard try file.nextKind() == UInt8(ascii: "H") else { throw StateError("\(path) is not a state delta") }
        run = try JSONOutput.decoder.decode(RunRecord.self, from: Data(try file.bytes()))
    }

    func next() throws -> StateDeltaEntry? {
        guard let kind = try file.nextKind() else { return nil }
        switch kind {
        case UInt8(ascii: "T"), UInt8(ascii: "S"):
            let sku = try file.string(), hash = try file.bytes(), prints = try file.bytes(), modified = try file.int()
            let parent = try file.string(), level = try file.int()
            let sourcePrint = kind == UInt8(ascii: "T") ? UInt64(UInt(bitPattern: try file.int())) : 0
            return .upsert(
                sku: sku, hash: hash, columns: .fingerprints(ColumnFingerprints(bytes: prints)),
                modified: modified == Int.min ? nil : Int64(modified), parent: parent.isEmpty ? nil : parent, variantLevel: level,
                sourcePrint: sourcePrint)
        case UInt8(ascii: "Q"):
            return .keepSourcePrint(sku: try file.string(), sourcePrint: UInt64(UInt(bitPattern: try file.int())))
        case UInt8(ascii: "U"):
            let sku = try file.string(), hash = try file.bytes(), line = try file.bytes(), modified = try file.int()
            return .upsert(
                sku: sku, hash: hash, columns: .legacyLine(line), modified: modified == Int.min ? nil : Int64(modified), parent: nil,
                variantLevel: 0, sourcePrint: 0)
        case UInt8(ascii: "V"):
            let sku = try file.string(), hash = try file.bytes(), line = try file.bytes(), modified = try file.int()
            let parent = try file.string(), level = try file.int()
            return .upsert(
                sku: sku, hash: hash, columns: .legacyLine(line), modified: modified == Int.min ? nil : Int64(modified),
                parent: parent.isEmpty ? nil : parent, variantLevel: level, sourcePrint: 0)
        case UInt8(ascii: "K"): return .publishKit(sku: try file.string(), components: try file.string())
        case UInt8(ascii: "X"): return .clearKit(sku: try file.string())
        case UInt8(ascii: "P"): return .relink(sku: try file.string(), parent: try file.string(), variantLevel: try file.int())
        case UInt8(ascii: "D"): return .discontinue(sku: try file.string())
        case UInt8(ascii: "R"): return .openReject(sku: try file.string(), rule: try file.string())
        case UInt8(ascii: "C"): return .closeRejects(sku: try file.string())
        case UInt8(ascii: "E"): return .end(try JSONOutput.decoder.decode(RunCounts.self, from: Data(try file.bytes())))
        case FinanceDeltaRecord.openKind, FinanceDeltaRecord.closeKind:
            return .finance(try FinanceDeltaRecord.read(kind: kind, from: file)!)
        default: throw StateError("\(file.path) holds an unknown record (\(kind))")
        }
    }
}

enum StateDelta {
    /// The run of a complete delta with its final counts, or `nil` if incomplete.
    static func record(at path: String) -> RunRecord? {
        guard let reader = try? StateDeltaReader(path: path) else { return nil }
        var run = reader.run
        while let entry = (try? reader.next()) ?? nil {
            if case .end(let counts) = entry {
                run.counts = counts
                return run
            }
        }
        return nil
    }

    /// The run a delta belongs to, or `nil` if the file is not a delta.
    static func header(at path: String) -> RunRecord? {
        (try? StateDeltaReader(path: path))?.run
    }
}

extension StateStore {
    /// Applies a complete delta in one transaction; does nothing if its run is already committed.
    /// Returns the run it committed.
    @discardableResult
    func apply(deltaAt path: String, status: RunStatus = .published) throws -> RunRecord {
        let reader = try StateDeltaReader(path: path)
        var run = reader.run
        run.status = status
        try pool.write { db in
            guard try Self.applyEntries(of: reader, to: &run, in: db) else { return }
            try Self.recordCommitted(run, in: db)
        }
        return run
    }

    /// Applies the delta's entries (its run's counts come from the last one). `false` when the
    /// run is already committed: nothing is applied. Throws when the delta is incomplete.
    /// `progress` is called with the count applied every 256 entries; it may throw to stop.
    static func applyEntries(
        of reader: StateDeltaReader, to run: inout RunRecord, in db: Database, progress: (Int) throws -> Void = { _ in }
    ) throws -> Bool {
        if try String.fetchOne(db, sql: "SELECT status FROM run WHERE run_id = ?", arguments: [run.runID]) == RunStatus.published.rawValue {
            return false
        }
        let upsert = try PublishedItemUpsert(db, pipeline: run.pipeline, runID: run.runID)
        let publishKit = try db.cachedStatement(sql: """
            INSERT INTO published_kit (pipeline, sku, components, run_id) VALUES (?, ?, ?, ?)
            ON CONFLICT (pipeline, sku) DO UPDATE SET components = excluded.components, run_id = excluded.run_id
            """)
        let clearKit = try db.cachedStatement(sql: "DELETE FROM published_kit WHERE pipeline = ? AND sku = ?")
        let relink = try db.cachedStatement(sql: "UPDATE published_item SET parent_sku = ?, variant_level = ? WHERE pipeline = ? AND sku = ?")
        let keepSourcePrint = try db.cachedStatement(sql: "UPDATE published_item SET source_print = ? WHERE pipeline = ? AND sku = ?")
        let discontinue = try db.cachedStatement(sql: "UPDATE published_item SET discontinued_run_id = ? WHERE pipeline = ? AND sku = ?")
        let openReject = try db.cachedStatement(sql: """
            INSERT INTO open_reject (pipeline, sku, rule, first_run, last_run) VALUES (?, ?, ?, ?, ?)
            ON CONFLICT (pipeline, sku, rule) DO UPDATE SET last_run = excluded.last_run
            """)
        let closeRejects = try db.cachedStatement(sql: "DELETE FROM open_reject WHERE pipeline = ? AND sku = ?")
        let finance = try FinanceDeltaApplier(db)
        // The end record is the last: reading stops there (a delta still being written has no more).
        var applied = 0
        while let entry = try reader.next() {
            applied += 1
            if applied & 255 == 0 { try progress(applied) }
            switch entry {
            case .upsert(let sku, let hash, .fingerprints(let prints), let modified, let parent, let level, let sourcePrint):
                try upsert.execute(
                    sku: sku, hash: hash, line: [], prints: prints.bytes, modified: modified, parent: parent, variantLevel: level,
                    sourcePrint: sourcePrint)
            case .upsert(let sku, let hash, .legacyLine(let line), let modified, let parent, let level, let sourcePrint):
                try upsert.execute(
                    sku: sku, hash: hash, line: line, prints: nil, modified: modified, parent: parent, variantLevel: level,
                    sourcePrint: sourcePrint)
            case .keepSourcePrint(let sku, let sourcePrint):
                try keepSourcePrint.execute(arguments: [Int64(bitPattern: sourcePrint), run.pipeline, sku])
            case .publishKit(let sku, let components):
                try publishKit.execute(arguments: [run.pipeline, sku, components, run.runID])
            case .clearKit(let sku):
                try clearKit.execute(arguments: [run.pipeline, sku])
            case .relink(let sku, let parent, let level):
                try relink.execute(arguments: [parent, level, run.pipeline, sku])
            case .discontinue(let sku):
                try discontinue.execute(arguments: [run.runID, run.pipeline, sku])
            case .openReject(let sku, let rule):
                try openReject.execute(arguments: [run.pipeline, sku, rule, run.runID, run.runID])
            case .closeRejects(let sku):
                try closeRejects.execute(arguments: [run.pipeline, sku])
            case .end(let counts):
                run.counts = counts
                return true
            case .finance(let record):
                try finance.apply(record, pipeline: run.pipeline, runID: run.runID)
            }
        }
        throw StateError("\(reader.path) is incomplete")
    }

    /// The run's own rows, written last in its commit: the run and the file it processed.
    static func recordCommitted(_ run: RunRecord, in db: Database) throws {
        try record(run, in: db)
        try db.execute(
            sql: "INSERT OR REPLACE INTO processed_file (pipeline, sha256, source_name, run_id, processed_at) VALUES (?, ?, ?, ?, ?)",
            arguments: [run.pipeline, run.sourceSHA256, run.sourceName, run.runID, Self.timestamp(Date())])
    }

    /// Records a run that changes no item (held, discarded, duplicate).
    func record(_ run: RunRecord) throws {
        try pool.write { db in try Self.record(run, in: db) }
    }

    private static func record(_ run: RunRecord, in db: Database) throws {
        let counts = String(decoding: try JSONOutput.encode(run.counts), as: UTF8.self)
        try db.execute(
            sql: """
                INSERT INTO run (run_id, pipeline, source_name, source_sha256, status, counts, created_at, finished_at, note)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (run_id) DO UPDATE SET status = excluded.status, counts = excluded.counts,
                    finished_at = excluded.finished_at, note = excluded.note
                """,
            arguments: [run.runID, run.pipeline, run.sourceName, run.sourceSHA256, run.status.rawValue, counts,
                        Self.timestamp(run.createdAt), Self.timestamp(Date()), run.note])
    }

    static func timestamp(_ date: Date) -> String {
        ISO8601DateFormatter.string(from: date, timeZone: TimeZone(identifier: "UTC")!, formatOptions: [.withInternetDateTime, .withFractionalSeconds])
    }
}
