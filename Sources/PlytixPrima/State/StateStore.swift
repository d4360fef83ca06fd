import Foundation
import GRDB

/// The state store cannot be used: the run stops before claiming anything (exit 2).
public struct StateError: Error, Sendable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// What plytix-prima remembers between runs, in one SQLite file per root
/// (`state/plytix-prima.sqlite`): per pipeline and SKU the last *published* Prima record (its
/// hash and its import line), every run, the open rejects and the processed input files.
///
/// GRDB.swift gives WAL mode, a busy timeout for a second worker on the same root, prepared
/// statements and versioned migrations; state only changes after a run's output is published.
public final class StateStore: Sendable {
    public static let fileName = "plytix-prima.sqlite"
    /// The page size of a store this binary creates.
    static let pageSize = 16384
    public static let schemaVersion = "v1"

    let pool: DatabasePool
    public let path: String

    init(pool: DatabasePool, path: String) {
        self.pool = pool
        self.path = path
    }

    public static func path(in layout: RootLayout) -> String { layout.state + "/" + fileName }

    /// Opens (and on first use creates) the store. Refuses to create a fresh one where runs were
    /// already published: that would silently send the whole catalogue again.
    public static func open(layout: RootLayout) throws(StateError) -> StateStore {
        let path = Self.path(in: layout)
        // A file truncated to nothing (a failed restore, a full disk) is as good as missing:
        // SQLite would open it as a fresh, empty database. Checked before opening, which writes.
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.int64Value
        if size == nil || size == 0 {
            try refuseFreshStore(path: path, layout: layout, problem: size == nil ? "is missing" : "is empty (0 bytes)")
        }
        do {
            try FileSystem.makeDirectory(layout.state)
        } catch {
            throw StateError("cannot create \(layout.state): \(error)")
        }
        var configuration = Configuration()
        configuration.busyMode = .timeout(30)
        configuration.label = "plytix-prima state"
        // Runs before GRDB switches a new file to WAL, the last moment a page size can be set;
        // on an existing store SQLite ignores it. 16 KB pages: a million-product first run
        // commits ~240 MB, and its checkpoint copies and syncs it in a quarter of the calls
        // (~0.2 s less at the end of the run than with the default 4 KB).
        configuration.prepareDatabase { db in try db.execute(sql: "PRAGMA page_size = \(Self.pageSize)") }
        do {
            let pool = try retryingWhileLocked { try DatabasePool(path: path, configuration: configuration) }
            // A database without our schema (e.g. a fresh file put in its place) is not our state either.
            if try !pool.read({ db in try db.tableExists("run") }) {
                try refuseFreshStore(path: path, layout: layout, problem: "holds no plytix-prima state")
            }
            try migrate(pool)
            // A page read proves the file is a database (SQLite opens anything lazily).
            _ = try pool.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM run") }
            return StateStore(pool: pool, path: path)
        } catch let error as StateError {
            throw error
        } catch {
            throw StateError(
                "the state store \(path) cannot be used (\(error)). It is damaged or not a plytix-prima state file: restore it from a backup. Nothing was processed.")
        }
    }

    /// Opens an existing store without writing to it (for `check`): `nil` when the root has
    /// none. A store whose schema is older than this binary's is not used (it is migrated by
    /// the next `run`, never by a check).
    public static func openForReading(layout: RootLayout) throws(StateError) -> StateStore? {
        let path = Self.path(in: layout)
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.int64Value ?? 0
        guard size > 0 else { return nil }
        var configuration = Configuration()
        configuration.readonly = true
        configuration.busyMode = .timeout(30)
        configuration.label = "plytix-prima state (read-only)"
        do {
            let pool = try retryingWhileLocked { try DatabasePool(path: path, configuration: configuration) }
            guard try pool.read({ db in try migrator.hasCompletedMigrations(db) }) else {
                throw StateError("the state store \(path) has an older schema; the next `run` upgrades it")
            }
            return StateStore(pool: pool, path: path)
        } catch let error as StateError {
            throw error
        } catch {
            throw StateError("the state store \(path) cannot be read (\(error))")
        }
    }

    /// Runs `open` again while SQLite answers "database is locked" (`SQLITE_BUSY`), for up to
    /// `timeout`. Opening a pool switches the file to WAL, and two workers started together on
    /// a fresh root (two `watch` processes) can be refused that at once, without the busy
    /// timeout being waited: SQLite skips its busy handler where waiting could deadlock. CI saw
    /// a second watcher exit with "the state store … cannot be used (SQLite error 5: database is
    /// locked - while executing `PRAGMA journal_mode = WAL`)".
    static func retryingWhileLocked<T>(
        timeout: TimeInterval = 30, pause: TimeInterval = 0.05, _ open: () throws -> T
    ) throws -> T {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            do {
                return try open()
            } catch let error as DatabaseError where error.resultCode == .SQLITE_BUSY && Date() < deadline {
                Thread.sleep(forTimeInterval: pause)
            }
        }
    }

    /// A fresh store is only allowed on a root that has published nothing yet.
    private static func refuseFreshStore(path: String, layout: RootLayout, problem: String) throws(StateError) {
        let published = publishedRunCount(layout: layout)
        guard published > 0 else { return }
        throw StateError(
            "the state store \(path) \(problem), but outbox/ holds \(published) published run(s). Without it every product would be sent to Prima again as new. Restore the file from a backup; or, to deliberately start over and re-send everything, move the published run folders out of outbox/ first.")
    }

    static func publishedRunCount(layout: RootLayout) -> Int {
        FileSystem.list(layout.outbox).filter { !$0.hasPrefix(".") }.reduce(0) { count, pipeline in
            count + FileSystem.list(layout.outbox + "/" + pipeline).filter {
                FileSystem.exists(layout.outbox + "/" + pipeline + "/" + $0 + "/" + RunManifest.fileName)
            }.count
        }
    }

    /// Two workers may create a fresh store at the same moment: the loser of the race finds the
    /// migration applied on its second look.
    static func migrate(_ pool: DatabasePool) throws {
        do {
            try migrator.migrate(pool)
        } catch {
            usleep(200_000)
            try migrator.migrate(pool)
        }
    }

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration(schemaVersion) { db in
            try db.execute(sql: """
                -- A rowid table: its rows hold whole import lines (about 1 KB), which WITHOUT ROWID
                -- tables store poorly (a million products took 4.5 GB and 40 s to commit).
                CREATE TABLE IF NOT EXISTS published_item (
                    id INTEGER PRIMARY KEY,
                    pipeline TEXT NOT NULL,
                    sku TEXT NOT NULL,
                    record_hash BLOB NOT NULL,
                    line BLOB NOT NULL,
                    run_id TEXT NOT NULL,
                    source_modified INTEGER,
                    discontinued_run_id TEXT
                );
                CREATE UNIQUE INDEX IF NOT EXISTS published_item_key ON published_item (pipeline, sku);
                CREATE TABLE IF NOT EXISTS run (
                    run_id TEXT PRIMARY KEY,
                    pipeline TEXT NOT NULL,
                    source_name TEXT NOT NULL,
                    source_sha256 TEXT NOT NULL,
                    status TEXT NOT NULL,
                    counts TEXT NOT NULL,
                    created_at TEXT NOT NULL,
                    finished_at TEXT,
                    note TEXT
                );
                CREATE INDEX IF NOT EXISTS run_by_pipeline ON run (pipeline, run_id);
                CREATE TABLE IF NOT EXISTS open_reject (
                    pipeline TEXT NOT NULL,
                    sku TEXT NOT NULL,
                    rule TEXT NOT NULL,
                    first_run TEXT NOT NULL,
                    last_run TEXT NOT NULL,
                    PRIMARY KEY (pipeline, sku, rule)
                ) WITHOUT ROWID;
                CREATE TABLE IF NOT EXISTS processed_file (
                    pipeline TEXT NOT NULL,
                    sha256 TEXT NOT NULL,
                    source_name TEXT NOT NULL,
                    run_id TEXT NOT NULL,
                    processed_at TEXT NOT NULL,
                    PRIMARY KEY (pipeline, sha256)
                ) WITHOUT ROWID;
                """)
        }
        // Variants and kits: a published item's parent and family level, and each kit's
        // published component set (so an unchanged kit is not re-sent).
        migrator.registerMigration("v2-relationships") { db in
            try db.execute(sql: """
                ALTER TABLE published_item ADD COLUMN parent_sku TEXT;
                ALTER TABLE published_item ADD COLUMN variant_level INTEGER NOT NULL DEFAULT 0;
                CREATE TABLE IF NOT EXISTS published_kit (
                    pipeline TEXT NOT NULL,
                    sku TEXT NOT NULL,
                    components TEXT NOT NULL,
                    run_id TEXT NOT NULL,
                    PRIMARY KEY (pipeline, sku)
                ) WITHOUT ROWID;
                """)
        }
        FinanceSchema.register(in: &migrator)
        migrator.registerMigration("v4-compact-lines") { db in
            // Rows published from now on keep 4 bytes a column (`ColumnFingerprints`) instead of
            // the ~1 KB import line, and store an empty `line`: the state store of a
            // million-product catalogue shrinks from ~1.4 GB to ~0.2 GB, and so does its first
            // commit. Older rows keep their lines until their SKU is published again: turning a
            // line into fingerprints needs the pipeline's output delimiter and encoding, which
            // only the pipeline's configuration knows.
            try db.execute(sql: "ALTER TABLE published_item ADD COLUMN column_prints BLOB")
        }
        migrator.registerMigration("v5-source-prints") { db in
            // Each published record's `SourcePrint`: an export row identical to the one it came
            // from skips mapping in the next run. NULL (older rows) always maps in full.
            try db.execute(sql: "ALTER TABLE published_item ADD COLUMN source_print INTEGER")
        }
        return migrator
    }

    // MARK: - Reading what was published

    /// The compact per-SKU view the diff needs, loaded once per run.
    func catalogue(pipeline: String) throws -> KnownCatalogue {
        try pool.read { db in
            let count = try Int.fetchOne(db, sql: "SELECT count(*) FROM published_item WHERE pipeline = ?", arguments: [pipeline]) ?? 0
            let total = try Int.fetchOne(db, sql: "SELECT count(*) FROM published_item") ?? 0
            var catalogue = KnownCatalogue(expectedCount: count)
            // A store nearly always holds one pipeline's rows: walking the whole table then beats
            // walking the (pipeline, sku) index and looking each row up from it (~10% of the
            // load). A pipeline with a minority of a shared store's rows keeps the index.
            let walk = count * 2 >= total ? "NOT INDEXED" : "INDEXED BY published_item_key"
            let sql = """
                SELECT sku, record_hash, source_modified, discontinued_run_id IS NULL, parent_sku, source_print
                FROM published_item \(walk) WHERE pipeline = ?1
                """
            try PublishedItemScan.forEach(db, sql: sql, pipeline: pipeline) { row in
                var hashHigh: UInt64 = 0
                for byte in row.bytes(1).prefix(8) { hashHigh = hashHigh << 8 | UInt64(byte) }
                let parent = row.bytes(4)
                catalogue.insert(
                    key: SKUFingerprint(utf8: row.bytes(0)), hashHigh: hashHigh, modified: row.isNull(2) ? nil : row.int64(2),
                    active: row.int64(3) != 0, parent: parent.isEmpty ? nil : SKUFingerprint(utf8: parent),
                    sourcePrint: UInt64(bitPattern: row.int64(5)))
            }
            catalogue.finishLoading()
            return catalogue
        }
    }

    /// Each published kit's component set: a fingerprint of its canonical text (`A#2,B#1`) to
    /// tell whether it changed, and its components, to follow nested kits Prima already has.
    func publishedKits(pipeline: String) throws -> [SKUFingerprint: PublishedKit] {
        try pool.read { db in
            var kits: [SKUFingerprint: PublishedKit] = [:]
            let rows = try Row.fetchCursor(db, sql: "SELECT sku, components FROM published_kit WHERE pipeline = ?", arguments: [pipeline])
            while let row = try rows.next() {
                let sku: String = row[0]
                let contents: String = row[1]
                kits[SKUFingerprint(sku)] = PublishedKit(
                    contents: SKUFingerprint(contents),
                    components: contents.split(separator: ",").map { token in
                        SKUFingerprint(String(token[..<(token.lastIndex(of: "#") ?? token.endIndex)]))
                    })
            }
            return kits
        }
    }

    /// What was last published for `sku`, to name the columns that changed.
    func publishedColumns(pipeline: String, sku: String) throws -> PublishedColumns? {
        try pool.read { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT column_prints, line FROM published_item WHERE pipeline = ? AND sku = ?", arguments: [pipeline, sku]) else {
                return nil
            }
            // A line wins: a binary from before `v4-compact-lines` (a rollback) writes lines and
            // leaves the fingerprints of an earlier publication behind.
            let line: Data = row[1]
            if line.isEmpty, let prints: Data = row[0] { return .fingerprints(ColumnFingerprints(bytes: Array(prints))) }
            return .legacyLine(Array(line))
        }
    }

    /// Every SKU published and not discontinued, for discontinuing the ones a full export lacks.
    /// `isWanted` sees each SKU's fingerprint first, so only the SKUs it picks become strings.
    func forEachActiveSKU(pipeline: String, where isWanted: (SKUFingerprint) -> Bool = { _ in true }, _ body: (String) throws -> Void) throws {
        try pool.read { db in
            let sql = "SELECT sku FROM published_item WHERE pipeline = ?1 AND discontinued_run_id IS NULL ORDER BY sku"
            try PublishedItemScan.forEach(db, sql: sql, pipeline: pipeline) { row in
                if isWanted(SKUFingerprint(utf8: row.bytes(0))) { try body(row.string(0)) }
            }
        }
    }

    /// The run that already processed a file with this content, if any.
    func runForProcessedFile(pipeline: String, sha256: String) throws -> String? {
        try pool.read { db in
            try String.fetchOne(db, sql: "SELECT run_id FROM processed_file WHERE pipeline = ? AND sha256 = ?", arguments: [pipeline, sha256])
        }
    }

    /// SKUs with an open reject (to close them when the SKU is accepted again).
    func openRejectSKUs(pipeline: String) throws -> Set<String> {
        try pool.read { db in
            Set(try String.fetchAll(db, sql: "SELECT DISTINCT sku FROM open_reject WHERE pipeline = ?", arguments: [pipeline]))
        }
    }

    func isCommitted(runID: String) throws -> Bool {
        try pool.read { db in
            try String.fetchOne(db, sql: "SELECT status FROM run WHERE run_id = ?", arguments: [runID]) == RunStatus.published.rawValue
        }
    }
}

/// A run's fate as the state store records it.
public enum RunStatus: String, Sendable, Codable {
    /// Published to the outbox and committed to state.
    case published
    /// Staged but held by the mass-change guard, awaiting `approve` or `discard`.
    case held
    case discarded
    /// The same content was processed before: archived, nothing published.
    case duplicate
}
