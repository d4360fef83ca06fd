import Foundation
import Synchronization
import Testing
import GRDB
@testable import PlytixPrima
import PlytixPrimaTestSupport

/// The state store on disk: created on first use, refused with a clear error (never a silent
/// full re-send) when missing or damaged, and shared safely by two workers (promise 10).
@Suite struct StateStoreTests {
    static let statePath = "state/" + StateStore.fileName

    @Test func theFirstRunCreatesTheStateStore() throws {
        let root = TempRoot("state-first", fullMode: true)
        #expect(!root.directory.exists(Self.statePath))
        root.drop("first.csv", StateFixture.export(["F-1", "F-2"]).bytes)
        let result = try StateFixture.run(root)
        #expect(result.status == 0, "\(result.summary)")
        #expect(root.directory.exists(Self.statePath))
        let state = try StateFixture.snapshot(root)
        #expect(state.items.map(\.sku) == ["F-1", "F-2"])
        #expect(state.runs == ["first.csv published"])
        let runs = try #require(try StateFixture.pipelineStatus(root)["last_runs"] as? [[String: Any]])
        #expect(runs.count == 1)
        #expect((runs.first?["counts"] as? [String: Int])?["new"] == 2)
    }

    /// One store may serve several pipelines: each loads only its own published items, however
    /// the rows are found (a pipeline holding half the store or more walks the whole table, a
    /// smaller one the pipeline's index: both ways are taken here).
    @Test func eachPipelineLoadsOnlyItsOwnPublishedItems() throws {
        let root = TempRoot("state-pipelines", fullMode: true)
        root.drop("first.csv", StateFixture.export(["A-1", "A-2", "A-3"]).bytes, age: 120)
        try #require(try StateFixture.run(root).status == 0)
        let store = try StateStore.open(layout: root.layout)
        try store.pool.write { db in
            try db.execute(sql: """
                INSERT INTO published_item (pipeline, sku, record_hash, line, run_id)
                SELECT 'other-pipeline', sku || '-OTHER', record_hash, line, run_id FROM published_item
                """)
        }
        let own = try store.catalogue(pipeline: DefaultPipeline.name)
        let other = try store.catalogue(pipeline: "other-pipeline")
        #expect(own.activeCount == 3 && other.activeCount == 3)
        for sku in ["A-1", "A-2", "A-3"] {
            #expect(own.entry(for: sku) != nil && own.entry(for: sku + "-OTHER") == nil)
            #expect(other.entry(for: sku) == nil && other.entry(for: sku + "-OTHER") != nil)
        }
        #expect(try store.catalogue(pipeline: "no-such-pipeline").isEmpty)
        try store.pool.write { db in
            try db.execute(sql: "INSERT INTO published_item (pipeline, sku, record_hash, line, run_id) VALUES ('small', 'S-1', x'00', x'', 'r')")
        }
        let small = try store.catalogue(pipeline: "small")
        #expect(small.activeCount == 1 && small.entry(for: "S-1") != nil && small.entry(for: "A-1") == nil)
    }

    /// A store this binary creates has 16 KB pages; one made with another page size (an older
    /// binary's 4 KB) keeps its own and goes on working.
    @Test func aNewStoreHasSixteenKilobytePagesAndAnOlderOneKeepsItsOwn() throws {
        let root = TempRoot("state-pages", fullMode: true)
        root.drop("first.csv", StateFixture.export(["P-1"]).bytes, age: 120)
        try #require(try StateFixture.run(root).status == 0)
        let path = root.path + "/" + Self.statePath
        func pageSize() throws -> Int? { try DatabaseQueue(path: path).read { try Int.fetchOne($0, sql: "PRAGMA page_size") } }
        #expect(try pageSize() == 16384)
        // Rewritten as a 4 KB store (WAL is left for the VACUUM that changes the page size).
        let queue = try DatabaseQueue(path: path)
        try queue.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA journal_mode = DELETE")
            try db.execute(sql: "PRAGMA page_size = 4096")
            try db.execute(sql: "VACUUM")
            try db.execute(sql: "PRAGMA journal_mode = WAL")
        }
        try queue.close()
        #expect(try pageSize() == 4096)
        root.drop("second.csv", StateFixture.export(["P-1", "P-2"]).bytes)
        let second = try StateFixture.run(root)
        #expect(second.status == 0, "\(second.summary)")
        #expect(try pageSize() == 4096)
        #expect(try StateFixture.snapshot(root).items.map(\.sku) == ["P-1", "P-2"])
    }

    /// Publishes one run, then lets `damage` change the state folder; the next `run` must stop
    /// with exit 2 before claiming anything, and say which file is wrong.
    private func refusedAfter(_ label: String, _ damage: (TempRoot) throws -> Void) throws -> (TempRoot, StateFixture.Exit) {
        let root = TempRoot(label, fullMode: true)
        root.drop("first.csv", StateFixture.export(["M-1", "M-2", "M-3"]).bytes, age: 120)
        try #require(try StateFixture.run(root).status == 0)
        try damage(root)
        let next = StateFixture.export(["M-1", "M-2", "M-3", "M-4"])
        root.drop("second.csv", next.bytes)
        let result = try StateFixture.run(root)
        #expect(result.status == 2, "\(result.summary)")
        #expect(result.stderr.contains(root.path + "/" + Self.statePath), "the message names the state file: \(result.summary)")
        // Nothing was processed: the input waits in the inbox, untouched and unclaimed.
        let waiting = root.directory.read("inbox/second.csv") == next.bytes
        #expect(waiting, "second.csv is no longer in the inbox as dropped")
        #expect(root.runs().count == 1)
        #expect(root.directory.list("inbox/.claims").filter { !$0.hasSuffix(".lock") } == [])
        #expect(root.directory.list("outbox/.staging") == [])
        return (root, result)
    }

    @Test func aMissingStateStoreWithPublishedRunsIsRefused() throws {
        let (root, result) = try refusedAfter("state-missing") { root in
            try FileManager.default.removeItem(atPath: root.path + "/state")
        }
        #expect(result.stderr.contains("missing"), "\(result.summary)")
        #expect(result.stderr.contains("1 published run"), "\(result.summary)")
        // It did not quietly create a fresh, empty store either.
        #expect(!root.directory.exists(Self.statePath))
        // `status` refuses the same way.
        #expect(try StateFixture.cli(["status", "--root", root.path]).status == 2)
    }

    @Test func aCorruptStateStoreIsRefused() throws {
        var garbage: [UInt8] = []
        var generator = SplitMix64(seed: 7)
        for _ in 0..<8192 { garbage.append(UInt8(truncatingIfNeeded: generator.next())) }
        let (root, result) = try refusedAfter("state-corrupt") { root in
            for suffix in ["-wal", "-shm"] { try? FileManager.default.removeItem(atPath: root.path + "/" + Self.statePath + suffix) }
            root.directory.write(Self.statePath, garbage)
        }
        #expect(result.stderr.contains("cannot be used") && result.stderr.contains("backup"), "\(result.summary)")
        // The damaged file is left as it was, for whoever restores it.
        let untouched = root.directory.read(Self.statePath) == garbage
        #expect(untouched, "the damaged state file was changed")
    }

    /// A state file truncated to nothing (a failed restore, a full disk) is as good as missing:
    /// opening it as a fresh database would send the whole catalogue to Prima again.
    @Test func anEmptyStateFileWithPublishedRunsIsRefused() throws {
        let (root, result) = try refusedAfter("state-empty") { root in
            for suffix in ["-wal", "-shm"] { try? FileManager.default.removeItem(atPath: root.path + "/" + Self.statePath + suffix) }
            root.directory.write(Self.statePath, [UInt8]())
        }
        #expect(result.stderr.contains("published run"), "\(result.summary)")
        let untouched = root.directory.read(Self.statePath)?.isEmpty == true
        #expect(untouched, "the empty state file was changed")
    }

    @Test func twoConcurrentRunsPublishEachFileOnce() async throws {
        let root = TempRoot("state-concurrent")
        let files = 20, perFile = 5
        for file in 0..<files {
            let skus = (0..<perFile).map { "C\(file)-\($0)" }
            root.drop("part-\(file < 10 ? "0" : "")\(file).csv", StateFixture.export(skus).bytes, age: 120)
        }
        // Two workers on one fresh root: they also race to create the state store.
        async let first = Task.detached { try StateFixture.run(root) }.value
        async let second = Task.detached { try StateFixture.run(root) }.value
        let results = try await [first, second]
        for result in results { #expect(result.status == 0, "\(result.summary)") }

        let runs = root.runs()
        #expect(runs.count == files)
        let sources = try runs.map { try root.manifest($0).source.name }
        #expect(sources.sorted() == (0..<files).map { "part-\($0 < 10 ? "0" : "")\($0).csv" })
        let emitted = try StateFixture.emittedItems(root)
        #expect(emitted.count == files * perFile)
        #expect(Set(emitted).count == emitted.count, "a SKU was emitted twice")
        #expect(emitted.allSatisfy { $0.hasPrefix("A,") })
        #expect(StateFixture.manifestProblems(root) == [])

        let state = try StateFixture.snapshot(root)
        #expect(state.items.count == files * perFile)
        #expect(Set(state.items.map(\.sku)).count == state.items.count)
        #expect(state.runs.count == files && state.runs.allSatisfy { $0.hasSuffix(" published") })
        #expect(state.processedFiles.count == files)
        #expect(root.directory.list("inbox/archive").count == files)
        #expect(root.directory.list("inbox/.claims") == [])
        #expect(root.directory.list("outbox/.staging") == [])
        #expect(root.directory.list("state/pending") == [])
        // Both workers took part (each prints one summary line per file it published).
        let published = results.map { $0.stdout.components(separatedBy: "\n").filter { $0.contains(": published ") }.count }
        #expect(published.reduce(0, +) == files, "\(published)")
    }

    /// Two workers on exports of the same products: each run must diff against what the run
    /// before it committed, so a SKU is new (`A`) once and then updated, in export order.
    @Test func twoConcurrentRunsOnTheSameProductsApplyTheExportsInOrder() async throws {
        let root = TempRoot("state-concurrent-same")
        let files = 12
        let skus = (1...4).map { "K-\($0)" }
        for file in 0..<files {
            let export = StateFixture.export(skus, Dictionary(uniqueKeysWithValues: skus.map { ($0, ["Label": "Pillow v\(file)"]) }))
            root.drop("export-\(file < 10 ? "0" : "")\(file).csv", export.bytes, age: Double(200 - file))
        }
        async let first = Task.detached { try StateFixture.run(root) }.value
        async let second = Task.detached { try StateFixture.run(root) }.value
        let results = try await [first, second]
        for result in results { #expect(result.status == 0, "\(result.summary)") }

        let runs = root.runs()
        #expect(runs.count == files)
        // Run folders sort by start time: the exports were applied oldest first.
        #expect(try runs.map { try root.manifest($0).source.name } == (0..<files).map { "export-\($0 < 10 ? "0" : "")\($0).csv" })
        let emitted = try StateFixture.emittedItems(root)
        #expect(emitted.filter { $0.hasPrefix("A,") }.sorted() == skus.map { "A," + $0 }, "a SKU was sent as new more than once")
        #expect(emitted.filter { $0.hasPrefix("U,") }.count == (files - 1) * skus.count)
        let state = try StateFixture.snapshot(root)
        #expect(state.items.map(\.sku) == skus)
        #expect(state.items.allSatisfy { $0.columns[4] == StateFixture.fingerprint("Pillow v\(files - 1)") }, "state does not hold the newest export: \(state.items)")
        #expect(root.directory.list("inbox/.claims") == [])
    }
}

/// Workers started together on a fresh root (two `watch` processes, say) all open the new
/// store: SQLite may refuse one of them at once ("database is locked") while another switches
/// the new file to WAL, without waiting for it. None of them may fail.
@Suite struct StateStoreConcurrentOpenTests {
    @Test(.timeLimit(.minutes(1)))
    func workersOpeningAFreshStoreTogetherAllSucceed() throws {
        var failures: [String] = []
        for round in 0..<12 {
            let root = TempRoot("state-open-\(round)")
            let failed = Mutex<[String]>([])
            let ready = DispatchGroup(), go = DispatchSemaphore(value: 0), done = DispatchGroup()
            for _ in 0..<6 {
                ready.enter()
                done.enter()
                Thread {
                    ready.leave()
                    go.wait()
                    do throws(StateError) {
                        _ = try StateStore.open(layout: root.layout)
                    } catch {
                        failed.withLock { $0.append(error.message) }
                    }
                    done.leave()
                }.start()
            }
            ready.wait()
            for _ in 0..<6 { go.signal() }
            done.wait()
            failures += failed.withLock { $0 }
        }
        #expect(failures.isEmpty, "\(failures.count) failed, e.g. \(failures.first ?? "")")
    }
}

/// Opening the store is tried again while SQLite answers "database is locked" at once.
@Suite struct StateStoreLockedOpenTests {
    struct Opened: Equatable {}

    @Test func aStoreLockedForAMomentIsOpenedOnTheNextTry() throws {
        var attempts = 0
        let opened = try StateStore.retryingWhileLocked(timeout: 5, pause: 0.001) { () throws -> Opened in
            attempts += 1
            if attempts < 4 { throw DatabaseError(resultCode: .SQLITE_BUSY, message: "database is locked") }
            return Opened()
        }
        #expect(opened == Opened() && attempts == 4)
    }

    @Test func otherErrorsAndALockThatLastsAreNotHiddenByRetrying() {
        var attempts = 0
        #expect(throws: DatabaseError.self) {
            try StateStore.retryingWhileLocked(timeout: 5, pause: 0.001) { () throws -> Opened in
                attempts += 1
                throw DatabaseError(resultCode: .SQLITE_CORRUPT, message: "file is not a database")
            }
        }
        #expect(attempts == 1, "a damaged file is reported at once")
        let start = Date()
        #expect(throws: DatabaseError.self) {
            try StateStore.retryingWhileLocked(timeout: 0.2, pause: 0.01) { () throws -> Opened in
                throw DatabaseError(resultCode: .SQLITE_BUSY, message: "database is locked")
            }
        }
        #expect(Date().timeIntervalSince(start) < 5)
    }
}
