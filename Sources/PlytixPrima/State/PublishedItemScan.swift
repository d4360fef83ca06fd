import GRDB
internal import GRDBSQLite

/// Walks `published_item` rows through SQLite's C API, reading SKUs as the bytes SQLite holds.
/// Loading a million-product catalogue through GRDB's `Row` made two million strings and boxed
/// every value; the run only needs fingerprints of them (`SKUFingerprint(utf8:)`).
struct PublishedItemScan {
    private let statement: OpaquePointer

    /// Runs `sql` with `?1` bound to `pipeline`, calling `body` for each row.
    static func forEach(_ db: Database, sql: String, pipeline: String, _ body: (PublishedItemScan) throws -> Void) throws {
        let connection = try SQLiteC.connection(of: db)
        let statement = try SQLiteC.prepare(sql, on: connection)
        defer { sqlite3_finalize(statement) }
        try SQLiteC.check(SQLiteC.bindText(pipeline, at: 1, of: statement), connection)
        var code: Int32
        while true {
            code = sqlite3_step(statement)
            if code == SQLITE_DONE { return }
            guard code == SQLITE_ROW else { throw SQLiteC.error(code, connection) }
            try body(PublishedItemScan(statement: statement))
        }
    }

    /// Column `index`'s bytes (text or blob), valid until the next row; empty for NULL.
    func bytes(_ index: Int32) -> UnsafeBufferPointer<UInt8> {
        // `sqlite3_column_blob` first, then the length, as SQLite's documentation asks.
        let base = sqlite3_column_blob(statement, index)
        let count = Int(sqlite3_column_bytes(statement, index))
        guard let base, count > 0 else { return UnsafeBufferPointer(start: nil, count: 0) }
        return UnsafeBufferPointer(start: base.assumingMemoryBound(to: UInt8.self), count: count)
    }

    func isNull(_ index: Int32) -> Bool { sqlite3_column_type(statement, index) == SQLITE_NULL }

    func int64(_ index: Int32) -> Int64 { sqlite3_column_int64(statement, index) }

    func string(_ index: Int32) -> String { String(decoding: bytes(index), as: UTF8.self) }
}
