import Foundation
import Synchronization
import PlytixPrimaTestSupport
import Testing

@testable import PlytixPrima

/// The per-row stages across threads, when the catalogue of what Prima has is still loading.
@Suite struct FirstPassPipelineTests {
    static func exportFile(_ directory: TempDirectory, rows: Int) -> String {
        directory.write("export.csv", MiniExport.csv((0..<rows).map { MiniExport.row("P-\($0)") }))
    }

    /// Every accepted row the pipeline hands back, in order.
    static func drain(_ pipeline: FirstPassPipeline) -> [AcceptedRow] {
        var pending: [Int: MappedMessage] = [:]
        var expected = 0
        var accepted: [AcceptedRow] = []
        while let message = pipeline.next(&pending, expected: &expected) {
            guard case .rows(let batch) = message else { continue }
            for case .accepted(let row) in batch.rows { accepted.append(row) }
        }
        pipeline.finish()
        return accepted
    }

    static func pending(_ path: String) -> FirstPassPipeline {
        FirstPassPipeline(
            path: path, name: "export.csv", config: DefaultLayout.config, layout: DefaultLayout.layout, cataloguePending: true, workers: 2)
    }

    @Test(.timeLimit(.minutes(1)))
    func rowsWaitForTheCatalogueAndAreRecognisedAgainstIt() {
        let directory = TempDirectory("first-pass")
        let path = Self.exportFile(directory, rows: 1000)
        let first = Self.pending(path)
        // The reader is already reading; the mapping threads start once the catalogue arrives.
        Thread.sleep(forTimeInterval: 0.05)
        first.publish(KnownCatalogue())
        let rows = Self.drain(first)
        #expect(rows.map(\.sku) == (0..<1000).map { "P-\($0)" })
        // With a state store every row is printed, so that the next run can recognise it.
        #expect(rows.allSatisfy { $0.sourcePrint != 0 && $0.publishedAsStyle == nil })

        // Prima has P-7 as published from this very row: the catalogue handed over late is the
        // one the mapping threads recognise it against.
        let hash = RecordHash(line: Array("P-7 as published".utf8))
        var catalogue = KnownCatalogue()
        catalogue.insert(
            key: SKUFingerprint("P-7"), hashHigh: hash.high, modified: nil, active: true, parent: nil,
            sourcePrint: SourcePrint.stored(rows[7].sourcePrint, style: false, recordHash: hash))
        catalogue.insert(key: SKUFingerprint("P-8"), hashHigh: hash.high, modified: nil, active: true, parent: nil, sourcePrint: 0)
        catalogue.finishLoading()
        let second = Self.pending(path)
        Thread.sleep(forTimeInterval: 0.05)
        second.publish(catalogue)
        let again = Self.drain(second)
        #expect(again.map(\.sku) == rows.map(\.sku))
        #expect(again.indices.filter { again[$0].publishedAsStyle != nil } == [7])
        #expect(again[7].publishedAsStyle == false)
        #expect(again[7].catalogueSlot == catalogue.slot(of: SKUFingerprint("P-7")))
        #expect(again[8].catalogueSlot == catalogue.slot(of: SKUFingerprint("P-8")), "found, though it has no print to match")
        #expect(again[9].catalogueSlot == -1)
    }

    @Test func withoutAStateStoreNoRowIsPrinted() {
        let directory = TempDirectory("first-pass")
        let pipeline = Self.pending(Self.exportFile(directory, rows: 10))
        pipeline.publish(nil)
        let rows = Self.drain(pipeline)
        #expect(rows.count == 10)
        #expect(rows.allSatisfy { $0.sourcePrint == 0 })
    }

    /// The state store failed to load: the run gives up before any catalogue is handed over, and
    /// the mapping threads waiting for one must still end.
    @Test(.timeLimit(.minutes(1)))
    func aPipelineStillWaitingForItsCatalogueCanBeCancelled() {
        let directory = TempDirectory("first-pass")
        let pipeline = Self.pending(Self.exportFile(directory, rows: 20_000))
        pipeline.cancel()
        // A catalogue that comes after the cancellation changes nothing.
        pipeline.publish(KnownCatalogue())
        var pending: [Int: MappedMessage] = [:]
        var expected = 0
        #expect(pipeline.next(&pending, expected: &expected) == nil)
    }

    @Test func onlyTheFirstHandOverCounts() {
        let handOver = RecognizerHandOver()
        let recognizer = UnchangedRowRecognizer(
            config: DefaultLayout.config, layout: DefaultLayout.layout, format: .csv, published: nil)
        let group = DispatchGroup()
        let seen = Mutex<[Int]>([])
        for _ in 0..<3 {
            DispatchQueue.global().async(group: group) {
                let count = handOver.wait().count
                seen.withLock { $0.append(count) }
            }
        }
        handOver.hand([.csv: recognizer])
        handOver.hand([:])
        group.wait()
        #expect(seen.withLock { $0 } == [1, 1, 1])
        #expect(handOver.wait()[.csv] === recognizer)
    }
}

/// Pass 2 reads the spool back on a thread of its own, looking up each row's SKU on the way.
@Suite struct SpoolPrefetchTests {
    static func accepted(_ sku: String, line: Int, slot: Int32? = nil) -> AcceptedRow {
        var row = AcceptedRow(
            line: line, sku: sku, encoded: Array("\(sku),x\r\n".utf8), hash: RecordHash(line: Array(sku.utf8)), actionOffset: nil,
            modified: nil, itemTypeOffset: nil, columns: ColumnFingerprints(bytes: []))
        row.catalogueSlot = slot
        return row
    }

    static func drain(_ prefetch: SpoolPrefetch) throws -> [SpoolPrefetch.Row] {
        var rows: [SpoolPrefetch.Row] = []
        while let batch = try prefetch.nextBatch() { rows += batch }
        return rows
    }

    static func line(_ row: SpoolPrefetch.Row) -> Int {
        switch row.record {
        case .accepted(let accepted): accepted.line
        case .rejected(let reasons): reasons[0].line
        case .skipped(let line, _, _): line
        case .unreadable(let fault): fault.line
        }
    }

    @Test func rowsComeBackInOrderWithWhatTheCatalogueAndTheIndexSay() throws {
        let directory = TempDirectory("prefetch")
        let path = directory.path + "/rows.spool"
        var catalogue = KnownCatalogue()
        catalogue.insert(sku: "KNOWN", hash: RecordHash(line: [1]), modified: 120, active: true)
        catalogue.insert(sku: "GONE", hash: RecordHash(line: [2]), modified: nil, active: false)
        catalogue.finishLoading()
        var index = SKUIndex()
        for (sku, line) in [("KNOWN", 2), ("NEW", 3), ("TWICE", 4), ("TWICE", 5), ("GONE", 6), ("BAD", 7)] { index.record(sku, line: line) }
        // Enough rows for many batches, so the reader waits for the consumer on the way.
        let filler = (0..<3000).map { "F-\($0)" }
        for (offset, sku) in filler.enumerated() { index.record(sku, line: 100 + offset) }

        let writer = try RowSpoolWriter(path: path)
        try writer.appendAccepted(Self.accepted("KNOWN", line: 2, slot: catalogue.slot(of: SKUFingerprint("KNOWN"))))
        try writer.appendAccepted(Self.accepted("NEW", line: 3, slot: -1))
        try writer.appendAccepted(Self.accepted("TWICE", line: 4))
        try writer.appendRejected([RejectReason(line: 5, sku: "TWICE", field: "Label", value: "", rule: .required, reason: "empty")])
        try writer.appendSkipped(line: 6, sku: "GONE", status: "Archived")
        try writer.appendUnreadable(RowFault(line: 7, sku: "BAD", rule: .required, reason: "broken"))
        for (offset, sku) in filler.enumerated() { try writer.appendAccepted(Self.accepted(sku, line: 100 + offset)) }
        try writer.flush()

        let rows = try Self.drain(SpoolPrefetch(path: path, catalogue: catalogue, index: index))
        #expect(rows.map(Self.line) == [2, 3, 4, 5, 6, 7] + (0..<3000).map { 100 + $0 })
        #expect(rows[0].known?.modified == 120 && rows[0].known?.active == true)
        #expect(rows[1].known == nil, "not in the catalogue")
        #expect(rows[4].known?.active == false, "a skipped row's record is looked up by its SKU")
        #expect(rows[2].duplicate?.count == 2 && rows[3].duplicate?.count == 2 && rows[2].duplicate?.firstLine == 4)
        #expect([0, 1, 4, 5].allSatisfy { rows[$0].duplicate == nil })
        #expect(rows.dropFirst(6).allSatisfy { $0.known == nil && $0.duplicate == nil })

        // One at a time (as pass 2 takes them): the same rows in the same order, across batches.
        // (Pass 2 reads its spool once and gives back what it read 16 MiB at a time; this spool
        // is far smaller, so it can be read a second time.)
        var oneByOne = SpoolPrefetch(path: path, catalogue: catalogue, index: index).rows()
        var lines: [Int] = []
        while let row = try oneByOne.next() { lines.append(Self.line(row)) }
        #expect(lines == rows.map(Self.line))
        #expect(try oneByOne.next() == nil)
    }

    /// Whether an accepted row's product is a parent is answered ahead, as the relationship
    /// plan would: named by a row of this export, or by a variant Prima has.
    @Test func acceptedRowsLearnWhetherTheyAreParents() throws {
        let directory = TempDirectory("prefetch")
        let path = directory.path + "/rows.spool"
        var catalogue = KnownCatalogue()
        catalogue.insert(sku: "PUBLISHED-PARENT", hash: RecordHash(line: [1]), modified: nil, active: true)
        catalogue.insert(sku: "PUBLISHED-VARIANT", hash: RecordHash(line: [2]), modified: nil, active: true, parent: "PUBLISHED-PARENT")
        catalogue.insert(sku: "PLAIN", hash: RecordHash(line: [3]), modified: nil, active: true)
        catalogue.finishLoading()
        var graph = RelationshipGraph()
        graph.noteNamedParent("NAMED-HERE")
        let skus = ["PUBLISHED-PARENT", "NAMED-HERE", "PLAIN", "NEW"]
        var index = SKUIndex()
        for (line, sku) in skus.enumerated() { index.record(sku, line: line + 2) }
        let writer = try RowSpoolWriter(path: path)
        for (line, sku) in skus.enumerated() {
            try writer.appendAccepted(Self.accepted(sku, line: line + 2, slot: catalogue.slot(of: SKUFingerprint(sku))))
        }
        try writer.appendSkipped(line: 9, sku: "NAMED-HERE", status: "Draft")
        try writer.flush()

        let rows = try Self.drain(SpoolPrefetch(path: path, catalogue: catalogue, index: index, namedParents: graph.namedParents))
        #expect(rows.map(\.isParent) == [true, true, false, false, false], "a skipped row is not asked")
        let plan = RelationshipPlan(index: index, graph: graph, catalogue: catalogue, fullExport: false, settings: RelationshipSettings())
        for row in rows.prefix(4) {
            guard case .accepted(let accepted) = row.record else { continue }
            #expect(row.isParent == plan.isParent(accepted.key, known: row.known), "\(accepted.sku)")
        }
        // Without a catalogue, only this export's rows name parents.
        let alone = try Self.drain(SpoolPrefetch(path: path, catalogue: nil, index: index, namedParents: graph.namedParents))
        #expect(alone.map(\.isParent) == [false, true, false, false, false])
    }

    @Test func aCorruptSpoolIsReportedAfterTheRowsBeforeIt() throws {
        let directory = TempDirectory("prefetch")
        let path = directory.path + "/rows.spool"
        let writer = try RowSpoolWriter(path: path)
        try writer.appendAccepted(Self.accepted("A", line: 2))
        try writer.flush()
        let bytes = try #require(FileManager.default.contents(atPath: path))
        // A record of an unknown kind after the good one.
        #expect(FileManager.default.createFile(atPath: path, contents: bytes + [9]))
        let prefetch = SpoolPrefetch(path: path, catalogue: nil, index: SKUIndex())
        #expect(try prefetch.nextBatch()?.count == 1)
        #expect(throws: OutputError.self) { _ = try prefetch.nextBatch() }
        prefetch.stop()
    }

    /// Pass 2 gave up (cancelled, or a write failed): the reading thread stops though the
    /// hand-over is full, and nothing waits for ever.
    @Test(.timeLimit(.minutes(1)))
    func stoppingEarlyEndsTheReadingThread() throws {
        let directory = TempDirectory("prefetch")
        let path = directory.path + "/rows.spool"
        let writer = try RowSpoolWriter(path: path)
        for line in 0..<20_000 { try writer.appendAccepted(Self.accepted("S-\(line)", line: line)) }
        try writer.flush()
        let prefetch = SpoolPrefetch(path: path, catalogue: nil, index: SKUIndex())
        #expect(try prefetch.nextBatch()?.count == SpoolPrefetch.batchSize)
        prefetch.stop()
        #expect(try prefetch.nextBatch() == nil)
        prefetch.stop()  // and again: returns at once
    }
}

/// A run whose state store cannot give what Prima has: the export, already being read while
/// the catalogue loaded, is let go of, nothing waits for ever, and the file stays for the next run.
@Suite struct CatalogueLoadFailureTests {
    @Test(.timeLimit(.minutes(1)))
    func aStoreThatCannotBeReadFailsTheRunAndKeepsTheExport() throws {
        let root = TempRoot("catalogue-failure")
        root.drop("one.csv", SourcePrintTests.export(SourcePrintTests.skus(5)).bytes)
        #expect(try root.runOnce().exitCode == ExitStatus.success)
        try SourcePrintTests.execute(root, "ALTER TABLE published_item RENAME TO published_item_elsewhere")
        root.drop("two.csv", SourcePrintTests.export(SourcePrintTests.skus(5000)).bytes)
        let result = try root.runOnce()
        #expect(result.exitCode == ExitStatus.failure)
        guard case .failed(let message) = try #require(result.outcomes.first).result else {
            Issue.record("expected a failed run, got \(result.outcomes)")
            return
        }
        #expect("\(message)".contains("published_item"))
        #expect(root.directory.exists("inbox/two.csv"))
        #expect(root.runs().count == 1)
    }
}

/// Stages an 80,000-row export (large enough that each pass outlasts a watcher's poll, however
/// busy the machine) and cancels it through `RunControl` once `cancelWhen(staging)` holds.
/// `inspect` gets the staging folder and the export's path when the run ends as cancelled.
enum CancelledRun {
    static func stage(
        _ label: String, config: PipelineConfig = DefaultLayout.config, cancelWhen: @escaping @Sendable (String) -> Bool,
        inspect: (_ staging: String, _ export: String) throws -> Void
    ) throws {
        let directory = TempDirectory(label)
        let export = directory.write("export.csv", MiniExport.csv((0..<80_000).map { MiniExport.row("P-\($0)") }))
        let staging = directory.path + "/staging"
        try FileManager.default.createDirectory(atPath: staging, withIntermediateDirectories: true)
        let control = RunControl()
        let watching = DispatchSemaphore(value: 0)
        Thread {
            while !cancelWhen(staging) && !control.isCancelled { usleep(200) }
            control.cancel()
            watching.signal()
        }.start()
        defer { control.cancel() }
        do {
            let staged = try RunProcessor(config: config).stage(
                inputPath: export, sourceName: "export.csv", startedAt: Date(), into: staging, control: control)
            Issue.record("the run was not stopped: \(staged.counts)")
        } catch .cancelled {
            try inspect(staging, export)
        } catch {
            Issue.record("expected a cancelled run, got \(error)")
        }
        watching.wait()
    }
}

/// A run stopped (graceful shutdown past its grace period) while its barrier pass writes: the
/// pass stops within a few thousand rows, its spool-reading thread with it, and nothing is
/// staged as done.
@Suite struct BarrierPassCancellationTests {
    @Test(.timeLimit(.minutes(2)))
    func aRunCancelledInItsBarrierPassStops() throws {
        var config = DefaultLayout.config
        config.output.rowsPerChunk = 100
        // The first import file closes after 100 rows of the barrier pass: cancel then.
        try CancelledRun.stage("cancel-barrier", config: config, cancelWhen: { staging in
            FileManager.default.fileExists(atPath: staging + "/" + ChunkWriter.fileName(prefix: "items", number: 1))
        }) { staging, _ in
            // Stopped where the barrier pass next looks (every 4,096 rows), far before the end.
            let written = try FileManager.default.contentsOfDirectory(atPath: staging).filter { $0.hasPrefix("items-") }
            #expect(!written.isEmpty && written.count < 800, "\(written.count) of 800 import files")
            #expect(!FileManager.default.fileExists(atPath: staging + "/manifest.json"))
        }
    }
}

/// A run cancelled through `RunControl` while pass 1 is still reading and mapping: it ends as
/// cancelled, its spool is removed, nothing of pass 2 is written and the export stays. (Where
/// in pass 1 it stopped is not visible from here: a cancel seen only at the end of the pass
/// would pass too.)
@Suite struct FirstPassCancellationTests {
    @Test(.timeLimit(.minutes(2)))
    func aRunCancelledInItsFirstPassStops() throws {
        // Pass 1 spools its rows as they are mapped: cancel once the spool holds a megabyte.
        try CancelledRun.stage("cancel-first", cancelWhen: { staging in
            ((try? FileManager.default.attributesOfItem(atPath: staging + "/.rows.spool")[.size] as? Int) ?? 0) >= 1 << 20
        }) { staging, export in
            let left = try FileManager.default.contentsOfDirectory(atPath: staging)
            #expect(!left.contains { $0.hasPrefix("items-") || $0 == "manifest.json" || $0 == "rejects.csv" }, "\(left)")
            #expect(!left.contains(".rows.spool"), "the spool is removed")
            #expect(FileManager.default.fileExists(atPath: export), "the export stays for the next run")
        }
    }
}
