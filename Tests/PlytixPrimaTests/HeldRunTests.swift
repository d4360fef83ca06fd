import Foundation
import Testing
@testable import PlytixPrima
import PlytixPrimaTestSupport

@Suite struct HeldRunTests {
    /// A full export of 20 products, then one of only 10: the guard holds the second run.
    func rootWithAHeldRun() throws -> (TempRoot, HeldRuns.Held) {
        let root = TempRoot("held", fullMode: true)
        var full = ExportBuilder()
        for i in 1...20 { full.add("H-\(i)") }
        root.drop("full.csv", full.bytes, age: 120)
        var half = ExportBuilder()
        for i in 1...10 { half.add("H-\(i)") }
        root.drop("half.csv", half.bytes, age: 60)
        let result = try root.runOnce()
        #expect(result.exitCode == ExitStatus.held)
        let held = try #require(HeldRuns.list(layout: root.layout).first)
        return (root, held)
    }

    func activeSKUs(_ root: TempRoot) throws -> Int {
        let state = try StateStore.open(layout: root.layout)
        var count = 0
        try state.forEachActiveSKU(pipeline: DefaultPipeline.name) { _ in count += 1 }
        return count
    }

    @Test func approvePublishesTheRunAndCommitsItsDiscontinues() throws {
        let (root, held) = try rootWithAHeldRun()
        #expect(try activeSKUs(root) == 20)
        let published = try HeldRuns.approve(held.runID, layout: root.layout)
        #expect(FileSystem.exists(published + "/manifest.json"))
        #expect(root.text("outbox/plytix-to-prima/\(held.runID)/discontinue-0001.csv")?.components(separatedBy: "\r\n").count == 12)
        #expect(try activeSKUs(root) == 10)
        #expect(HeldRuns.list(layout: root.layout).isEmpty)
        #expect(root.directory.list("state/held").isEmpty)
    }

    @Test func anApprovalInterruptedAfterTheRenameIsCommittedAtTheNextStart() throws {
        let (root, held) = try rootWithAHeldRun()
        // What a crash right after approve's rename leaves behind: the run published, its delta still held.
        try FileSystem.rename(held.path, to: root.path + "/outbox/plytix-to-prima/" + held.runID)
        #expect(try activeSKUs(root) == 20)
        _ = try root.runOnce()
        #expect(try activeSKUs(root) == 10)
        #expect(root.directory.list("state/held").isEmpty)
    }

    @Test func discardDropsTheRunAndKeepsState() throws {
        let (root, held) = try rootWithAHeldRun()
        try HeldRuns.discard(held.runID, layout: root.layout)
        #expect(HeldRuns.list(layout: root.layout).isEmpty)
        #expect(!root.directory.exists("outbox/plytix-to-prima/\(held.runID)"))
        #expect(try activeSKUs(root) == 20)
        #expect(root.directory.list("inbox/archive").contains("half.csv"))
        let status = try StatusReport.gather(layout: root.layout)
        #expect(status.pipelines.first?.lastRuns.first?.status == "discarded")
    }
}

@Suite struct OwnPendingDeltaTests {
    /// Stages and publishes a second export the way FileProcessor does, but stops before the
    /// commit, as a failed commit would leave it: the delta pending under this worker's name.
    func publishedButUncommitted(_ root: TempRoot, worker: String) throws -> (runID: String, delta: String) {
        let state = try StateStore.open(layout: root.layout)
        var second = ExportBuilder()
        for i in 1...20 { second.add("P-\(i)", ["Brand": i == 1 ? "Changed" : "Acme"]) }
        let input = root.directory.write("second.csv", second.bytes)
        let config = try PipelineLoader.load(named: DefaultPipeline.name, in: root.layout.pipelines)
        let staging = root.layout.staging + "/\(worker)-1"
        try FileSystem.makeDirectory(staging)
        try FileSystem.makeDirectory(root.layout.pendingDeltas)
        let staged = try RunProcessor(config: config).stage(
            inputPath: input, sourceName: "second.csv", startedAt: Date(), into: staging, state: state,
            deltaPrefix: root.layout.pendingDeltas + "/\(worker)-1")
        _ = try RunPublisher.publish(staged, layout: root.layout)
        return (staged.runID, try #require(staged.deltaPath))
    }

    func firstRun(_ root: TempRoot) throws {
        var first = ExportBuilder()
        for i in 1...20 { first.add("P-\(i)") }
        root.drop("first.csv", first.bytes)
        _ = try root.runOnce()
    }

    @Test func aPublishedRunWhoseCommitFailedIsCommittedBeforeThePipelinesNextRun() throws {
        let root = TempRoot("own-delta", fullMode: true)
        try firstRun(root)
        let (runID, delta) = try publishedButUncommitted(root, worker: "wtest")
        let state = try StateStore.open(layout: root.layout)
        #expect(try !state.isCommitted(runID: runID))
        #expect(CrashRecovery.settlePublishedDeltas(pipeline: DefaultPipeline.name, layout: root.layout, state: state) == nil)
        #expect(try state.isCommitted(runID: runID))
        #expect(!FileSystem.exists(delta))
    }

    @Test func aDeltaThatStillCannotBeCommittedBlocksThePipeline() throws {
        let root = TempRoot("own-delta-stuck", fullMode: true)
        try firstRun(root)
        let (runID, delta) = try publishedButUncommitted(root, worker: "wtest")
        // Cut off its end record: applying it fails every time.
        let bytes = try #require(FileManager.default.contents(atPath: delta))
        #expect(FileManager.default.createFile(atPath: delta, contents: bytes.prefix(bytes.count - 40)))
        let state = try StateStore.open(layout: root.layout)
        #expect(CrashRecovery.settlePublishedDeltas(pipeline: DefaultPipeline.name, layout: root.layout, state: state) == runID)
        #expect(FileSystem.exists(delta))
        #expect(CrashRecovery.settlePublishedDeltas(pipeline: "another-pipeline", layout: root.layout, state: state) == nil)
    }

    /// A peer that published and died before committing, while this worker waited for the lock:
    /// the next run of the pipeline commits the peer's delta before it diffs, so the peer's
    /// changes are not sent again.
    @Test func thePipelinesNextRunCommitsADeadPeersPublishedDeltaFirst() throws {
        let root = TempRoot("peer-delta", fullMode: true)
        try firstRun(root)
        let (runID, delta) = try publishedButUncommitted(root, worker: "wdead")
        var third = ExportBuilder()
        for i in 1...20 { third.add("P-\(i)", ["Brand": i == 1 ? "Changed" : "Acme"]) }
        third.add("P-21")
        root.drop("third.csv", third.bytes)
        _ = try root.runOnce()
        let state = try StateStore.open(layout: root.layout)
        #expect(try state.isCommitted(runID: runID))
        #expect(!FileSystem.exists(delta))
        // P-1's change was published by the peer's run: the third run only adds P-21.
        let last = try #require(root.runs().last)
        let manifest = try root.manifest(last)
        #expect(manifest.counts.new == 1)
        #expect(manifest.counts.updated == 0)
    }
}
