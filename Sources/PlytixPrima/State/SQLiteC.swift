import GRDB
internal import GRDBSQLite

/// The few SQLite C-API steps the hot state paths take past GRDB (`PublishedItemUpsert`,
/// `PublishedItemScan`): the connection, a prepared statement, bindings, and errors as GRDB's.
enum SQLiteC {
    static func connection(of db: Database) throws -> OpaquePointer {
        guard let connection = db.sqliteConnection else { throw DatabaseError(resultCode: .SQLITE_MISUSE, message: "database is closed") }
        return connection
    }

    /// A statement the caller finalises.
    static func prepare(_ sql: String, on connection: OpaquePointer) throws -> OpaquePointer {
        var prepared: OpaquePointer?
        let code = sqlite3_prepare_v2(connection, sql, -1, &prepared, nil)
        guard code == SQLITE_OK, let prepared else { throw error(code, connection) }
        return prepared
    }

    /// Throws GRDB's error for a result code other than `SQLITE_OK`.
    static func check(_ code: Int32, _ connection: OpaquePointer) throws {
        guard code == SQLITE_OK else { throw error(code, connection) }
    }

    static func error(_ code: Int32, _ connection: OpaquePointer) -> DatabaseError {
        DatabaseError(resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(connection)))
    }

    /// SQLite copies the bytes (`SQLITE_TRANSIENT`), so the buffer may go once bound.
    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

    static func bindText(_ text: String, at index: Int32, of statement: OpaquePointer) -> Int32 {
        text.withCString { sqlite3_bind_text(statement, index, $0, Int32(text.utf8.count), transient) }
    }

    /// An empty array binds a zero-length blob, never NULL.
    static func bindBlob(_ bytes: [UInt8], at index: Int32, of statement: OpaquePointer) -> Int32 {
        bytes.withUnsafeBytes { buffer in
            buffer.baseAddress.map { sqlite3_bind_blob(statement, index, $0, Int32(buffer.count), transient) }
                ?? sqlite3_bind_zeroblob(statement, index, 0)
        }
    }
}
