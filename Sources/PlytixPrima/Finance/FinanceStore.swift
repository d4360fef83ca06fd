import Foundation
import GRDB

/// The finance tables of the state store (migration `v3-finance`): Prima's reference snapshots
/// per pipeline and the open finance discrepancies.
enum FinanceSchema {
    static let migrationName = "v3-finance"

    static func register(in migrator: inout DatabaseMigrator) {
        migrator.registerMigration(migrationName) { db in
            try db.execute(sql: """
                -- Prima's price list in force: one row per item and list, replaced whole by each intake.
                CREATE TABLE IF NOT EXISTS prima_price (
                    pipeline TEXT NOT NULL,
                    sku TEXT NOT NULL,
                    price_list TEXT NOT NULL,
                    price TEXT NOT NULL,
                    vat_code TEXT NOT NULL,
                    PRIMARY KEY (pipeline, sku, price_list)
                ) WITHOUT ROWID;
                -- Per list: its precision (the most decimals any of its prices has) and size.
                CREATE TABLE IF NOT EXISTS prima_price_list (
                    pipeline TEXT NOT NULL,
                    price_list TEXT NOT NULL,
                    precision INTEGER NOT NULL,
                    items INTEGER NOT NULL,
                    PRIMARY KEY (pipeline, price_list)
                ) WITHOUT ROWID;
                CREATE TABLE IF NOT EXISTS prima_vat_code (
                    pipeline TEXT NOT NULL,
                    vat_code TEXT NOT NULL,
                    rate TEXT NOT NULL,
                    description TEXT NOT NULL,
                    PRIMARY KEY (pipeline, vat_code)
                ) WITHOUT ROWID;
                -- The snapshot in force per kind (price_list, vat_codes) and the file it came from.
                CREATE TABLE IF NOT EXISTS prima_reference_snapshot (
                    pipeline TEXT NOT NULL,
                    kind TEXT NOT NULL,
                    source_name TEXT NOT NULL,
                    source_sha256 TEXT NOT NULL,
                    intake_id TEXT NOT NULL,
                    rows INTEGER NOT NULL,
                    rejected INTEGER NOT NULL,
                    received_at TEXT NOT NULL,
                    PRIMARY KEY (pipeline, kind)
                ) WITHOUT ROWID;
                -- One open disagreement per item and price list ('' is the item's VAT code).
                CREATE TABLE IF NOT EXISTS finance_discrepancy (
                    pipeline TEXT NOT NULL,
                    sku TEXT NOT NULL,
                    price_list TEXT NOT NULL,
                    reason TEXT NOT NULL,
                    plytix_value TEXT NOT NULL,
                    prima_value TEXT NOT NULL,
                    first_run TEXT NOT NULL,
                    last_run TEXT NOT NULL,
                    PRIMARY KEY (pipeline, sku, price_list)
                ) WITHOUT ROWID;
                """)
        }
    }
}

/// A snapshot of one kind as `status` and `report.json` show it.
public struct ReferenceSnapshotInfo: Codable, Sendable, Equatable {
    public var kind: String
    public var source: String
    public var intakeID: String
    public var rows: Int
    public var rejected: Int
    public var receivedAt: String

    enum CodingKeys: String, CodingKey {
        case kind, source, intakeID = "intake_id", rows, rejected, receivedAt = "received_at"
    }
}

extension StateStore {
    /// The reference snapshots in force for a pipeline (price list and/or VAT codes).
    func referenceSnapshots(pipeline: String) throws -> [ReferenceSnapshotInfo] {
        try pool.read { db in try Self.referenceSnapshots(db, pipeline: pipeline) }
    }

    static func referenceSnapshots(_ db: Database, pipeline: String) throws -> [ReferenceSnapshotInfo] {
        try Row.fetchAll(db, sql: """
            SELECT kind, source_name, intake_id, rows, rejected, received_at FROM prima_reference_snapshot
            WHERE pipeline = ? ORDER BY kind
            """, arguments: [pipeline]).map { row in
            ReferenceSnapshotInfo(kind: row[0], source: row[1], intakeID: row[2], rows: row[3], rejected: row[4], receivedAt: row[5])
        }
    }

    /// Open finance discrepancies of a pipeline per reason code.
    static func openDiscrepanciesByReason(_ db: Database, pipeline: String) throws -> [String: Int] {
        var result: [String: Int] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT reason, count(*) FROM finance_discrepancy WHERE pipeline = ? GROUP BY reason", arguments: [pipeline]) {
            result[row[0]] = row[1]
        }
        return result
    }

    /// Open discrepancies as `(sku, price list)` pairs, streamed (`""` is the VAT code).
    func forEachOpenDiscrepancy(pipeline: String, _ body: (String, String) throws -> Void) throws {
        try pool.read { db in
            let rows = try Row.fetchCursor(db, sql: "SELECT sku, price_list FROM finance_discrepancy WHERE pipeline = ?", arguments: [pipeline])
            while let row = try rows.next() { try body(row[0], row[1]) }
        }
    }
}

/// Applies a delta's finance records inside the delta's transaction.
struct FinanceDeltaApplier {
    private let open: Statement
    private let close: Statement

    init(_ db: Database) throws {
        open = try db.cachedStatement(sql: """
            INSERT INTO finance_discrepancy (pipeline, sku, price_list, reason, plytix_value, prima_value, first_run, last_run)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (pipeline, sku, price_list) DO UPDATE SET reason = excluded.reason, plytix_value = excluded.plytix_value,
                prima_value = excluded.prima_value, last_run = excluded.last_run
            """)
        close = try db.cachedStatement(sql: "DELETE FROM finance_discrepancy WHERE pipeline = ? AND sku = ? AND price_list = ?")
    }

    func apply(_ record: FinanceDeltaRecord, pipeline: String, runID: String) throws {
        switch record {
        case .open(let sku, let priceList, let reason, let plytix, let prima):
            try open.execute(arguments: [pipeline, sku, priceList, reason, plytix, prima, runID, runID])
        case .close(let sku, let priceList):
            try close.execute(arguments: [pipeline, sku, priceList])
        }
    }
}

/// The finance records of a state delta. Letters chosen to stay clear of the core records
/// (`H U D R C E`) and of other features' ones: `F` opens (or refreshes) a finance discrepancy
/// of an item and price list (`""` for the VAT code), `G` closes one.
enum FinanceDeltaRecord: Equatable {
    case open(sku: String, priceList: String, reason: String, plytix: String, prima: String)
    case close(sku: String, priceList: String)

    static let openKind = UInt8(ascii: "F")
    static let closeKind = UInt8(ascii: "G")

    func write(to file: BinaryRecordWriter) throws(OutputError) {
        switch self {
        case .open(let sku, let priceList, let reason, let plytix, let prima):
            file.putByte(Self.openKind)
            for value in [sku, priceList, reason, plytix, prima] { file.putString(value) }
        case .close(let sku, let priceList):
            file.putByte(Self.closeKind)
            file.putString(sku)
            file.putString(priceList)
        }
        try file.endRecord()
    }

    static func read(kind: UInt8, from file: BinaryRecordReader) throws -> FinanceDeltaRecord? {
        switch kind {
        case openKind:
            return .open(sku: try file.string(), priceList: try file.string(), reason: try file.string(), plytix: try file.string(), prima: try file.string())
        case closeKind:
            return .close(sku: try file.string(), priceList: try file.string())
        default:
            return nil
        }
    }
}

extension StateDeltaWriter {
    func finance(_ record: FinanceDeltaRecord) throws(OutputError) { try record.write(to: file) }
}
