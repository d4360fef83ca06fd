import GRDB
internal import GRDBSQLite

/// The `published_item` upsert of a delta's commit, bound straight through SQLite's C API.
/// A first run commits a million of them in one transaction, and GRDB's `StatementArguments`
/// box every value as an existential: that bookkeeping cost more CPU than SQLite's own insert
/// work. The pipeline and the run are the same for every row of a delta, so they are bound
/// once (`sqlite3_reset` keeps bindings).
final class PublishedItemUpsert {
    private let statement: OpaquePointer
    private let connection: OpaquePointer

    init(_ db: Database, pipeline: String, runID: String) throws {
        guard let connection = db.sqliteConnection else { throw DatabaseError(resultCode: .SQLITE_MISUSE, message: "database is closed") }
        self.connection = connection
        let sql = """
            INSERT INTO published_item (pipeline, sku, record_hash, line, column_prints, run_id, source_modified, discontinued_run_id,
                parent_sku, variant_level, source_print)
            VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, NULL, ?8, ?9, ?10)
            ON CONFLICT (pipeline, sku) DO UPDATE SET record_hash = excluded.record_hash, line = excluded.line,
                column_prints = excluded.column_prints, run_id = excluded.run_id, source_modified = excluded.source_modified,
                discontinued_run_id = NULL, parent_sku = excluded.parent_sku, variant_level = excluded.variant_level,
                source_print = excluded.source_print
            """
        var prepared: OpaquePointer?
        let code = sqlite3_prepare_v2(connection, sql, -1, &prepared, nil)
        guard code == SQLITE_OK, let prepared else { throw Self.error(code, connection) }
        statement = prepared
        try check(Self.bindText(pipeline, at: 1, of: statement))
        try check(Self.bindText(runID, at: 6, of: statement))
    }

    deinit { sqlite3_finalize(statement) }

    /// Inserts or replaces one SKU's published record. `line` is empty once a row has
    /// fingerprints (see the `v4-compact-lines` migration); `prints` is `nil` for a legacy line.
    /// `sourcePrint` `0` stores NULL: an upsert without a print clears the previous one.
    func execute(
        sku: String, hash: [UInt8], line: [UInt8], prints: [UInt8]?, modified: Int64?, parent: String?, variantLevel: Int,
        sourcePrint: UInt64
    ) throws {
        try check(Self.bindText(sku, at: 2, of: statement))
        try check(Self.bindBlob(hash, at: 3, of: statement))
        try check(Self.bindBlob(line, at: 4, of: statement))
        try check(prints.map { Self.bindBlob($0, at: 5, of: statement) } ?? sqlite3_bind_null(statement, 5))
        try check(modified.map { sqlite3_bind_int64(statement, 7, $0) } ?? sqlite3_bind_null(statement, 7))
        try check(parent.map { Self.bindText($0, at: 8, of: statement) } ?? sqlite3_bind_null(statement, 8))
        try check(sqlite3_bind_int64(statement, 9, Int64(variantLevel)))
        try check(sourcePrint == 0 ? sqlite3_bind_null(statement, 10) : sqlite3_bind_int64(statement, 10, Int64(bitPattern: sourcePrint)))
        let code = sqlite3_step(statement)
        sqlite3_reset(statement)
        guard code == SQLITE_DONE else { throw Self.error(code, connection) }
    }

    private func check(_ code: Int32) throws {
        guard code == SQLITE_OK else { throw Self.error(code, connection) }
    }

    private static func error(_ code: Int32, _ connection: OpaquePointer) -> DatabaseError {
        DatabaseError(resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(connection)))
    }

    /// SQLite copies the bytes (`SQLITE_TRANSIENT`), so the buffer may go once bound.
    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

    private static func bindText(_ text: String, at index: Int32, of statement: OpaquePointer) -> Int32 {
        text.withCString { sqlite3_bind_text(statement, index, $0, Int32(text.utf8.count), transient) }
    }

    /// An empty array binds a zero-length blob, never NULL (`line` is NOT NULL).
    private static func bindBlob(_ bytes: [UInt8], at index: Int32, of statement: OpaquePointer) -> Int32 {
        bytes.withUnsafeBytes { buffer in
            buffer.baseAddress.map { sqlite3_bind_blob(statement, index, $0, Int32(buffer.count), transient) }
                ?? sqlite3_bind_zeroblob(statement, index, 0)
        }
    }
}
