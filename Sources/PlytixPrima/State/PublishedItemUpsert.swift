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
        let connection = try SQLiteC.connection(of: db)
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
        statement = try SQLiteC.prepare(sql, on: connection)
        try check(SQLiteC.bindText(pipeline, at: 1, of: statement))
        try check(SQLiteC.bindText(runID, at: 6, of: statement))
    }

    deinit { sqlite3_finalize(statement) }

    /// Inserts or replaces one SKU's published record. `line` is empty once a row has
    /// fingerprints (see the `v4-compact-lines` migration); `prints` is `nil` for a legacy line.
    /// `sourcePrint` `0` stores NULL: an upsert without a print clears the previous one.
    func execute(
        sku: String, hash: [UInt8], line: [UInt8], prints: [UInt8]?, modified: Int64?, parent: String?, variantLevel: Int,
        sourcePrint: UInt64
    ) throws {
        try check(SQLiteC.bindText(sku, at: 2, of: statement))
        try check(SQLiteC.bindBlob(hash, at: 3, of: statement))
        try check(SQLiteC.bindBlob(line, at: 4, of: statement))
        try check(prints.map { SQLiteC.bindBlob($0, at: 5, of: statement) } ?? sqlite3_bind_null(statement, 5))
        try check(modified.map { sqlite3_bind_int64(statement, 7, $0) } ?? sqlite3_bind_null(statement, 7))
        try check(parent.map { SQLiteC.bindText($0, at: 8, of: statement) } ?? sqlite3_bind_null(statement, 8))
        try check(sqlite3_bind_int64(statement, 9, Int64(variantLevel)))
        try check(sourcePrint == 0 ? sqlite3_bind_null(statement, 10) : sqlite3_bind_int64(statement, 10, Int64(bitPattern: sourcePrint)))
        let code = sqlite3_step(statement)
        sqlite3_reset(statement)
        guard code == SQLITE_DONE else { throw SQLiteC.error(code, connection) }
    }

    private func check(_ code: Int32) throws { try SQLiteC.check(code, connection) }
}
