import GRDB
internal import GRDBSQLite

/// Walks `published_item` rows through SQLite's C API, reading SKUs as the bytes SQLite holds.
/// Loading a million-product catalogue through GRDB's `Row` made two million strings and boxed
/// every value; the run only needs fingerprints of them (`SKUFingerprint(utf8:)`).
struct PublishedItemScan {
    private let statement: OpaquePointer

    /// Runs `sql` with `?1` bound to `pipeline`, calling `body` for each row.
    static func forEach(_ db: Database, sql: String, pipeline: String, _ body: (PublishedItemScan) throws -> Void) throws {
        guard let connection = db.sqliteConnection else { throw DatabaseError(resultCode: .SQLITE_MISUSE, message: "database is closed") }
        var prepared: OpaquePointer?
        var code = sqlite3_prepare_v2(connection, sql, -1, &prepared, nil)
        guard code == SQLITE_OK, let statement = prepared else { throw Self.error(code, connection) }
        defer { sqlite3_finalize(statement) }
        code = pipeline.withCString { sqlite3_bind_text(statement, 1, $0, Int32(pipeline.utf8.count), transient) }
        guard code == SQLITE_OK else { throw Self.error(code, connection) }
        while true {
            code = sqlite3_step(statement)
            if code == SQLITE_DONE { return }
            guard code == SQLITE_ROW else { throw Self.error(code, connection) }
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

    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

    private static func error(_ code: Int32, _ connection: OpaquePointer) -> DatabaseError {
        DatabaseError(resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(connection)))
    }
}
