import Foundation
import GRDB
import Testing
@testable import PlytixPrima
import PlytixPrimaTestSupport

// The state commit prepared while a run writes its outputs: the delta is followed as it grows,
// applied in a transaction that lands only once the run is published, and made from the delta
// file when it could not be prepared.

@Suite struct LiveStateCommitTests {
    /// A full-mode root whose first run published P-1…P-20.
    static func twentyPublished(_ label: String) throws -> TempRoot {
        let root = TempRoot(label, fullMode: true)
        var first = ExportBuilder()
        for i in 1...20 { first.add("P-\(i)") }
        root.drop("first.csv", first.bytes)
        _ = try root.runOnce()
        return root
    }

    /// `twentyPublished`, and a second export that changes P-1's brand, drops P-20 (a full
    /// export: discontinued) and adds P-21.
    func rootAfterAFirstRun(_ label: String) throws -> (TempRoot, input: String) {
        let root = try Self.twentyPublished(label)
        var second = ExportBuilder()
        for i in 1...21 where i != 20 { second.add("P-\(i)", ["Brand": i == 1 ? "Changed" : "Acme"]) }
        return (root, root.directory.write("second.csv", second.bytes))
    }

    func stage(_ root: TempRoot, _ input: String, state: StateStore, preparesCommit: Bool) throws -> StagedRun {
        let config = try PipelineLoader.load(named: DefaultPipeline.name, in: root.layout.pipelines)
        let staging = root.layout.staging + "/wtest-1"
        try FileSystem.makeDirectory(staging)
        try FileSystem.makeDirectory(root.layout.pendingDeltas)
        return try RunProcessor(config: config).stage(
            inputPath: input, sourceName: "second.csv", startedAt: Date(), into: staging, state: state,
            deltaPrefix: root.layout.pendingDeltas + "/wtest-1", preparesCommit: preparesCommit)
    }

    /// The store after the second export committed the way runs always did: the delta file
    /// applied after publishing.
    func committedFromTheFile() throws -> StateFixture.Snapshot {
        let (root, input) = try rootAfterAFirstRun("live-commit-reference")
        let state = try StateStore.open(layout: root.layout)
        let staged = try stage(root, input, state: state, preparesCommit: false)
        #expect(staged.preparedCommit == nil)
        try state.apply(deltaAt: try #require(staged.deltaPath))
        return try StateFixture.snapshot(root)
    }

    /// The second export staged with a prepared commit, and the store as it was before.
    func preparedRun(_ label: String) throws -> (root: TempRoot, before: StateFixture.Snapshot, state: StateStore, staged: StagedRun) {
        let (root, input) = try rootAfterAFirstRun(label)
        let before = try StateFixture.snapshot(root)
        let state = try StateStore.open(layout: root.layout)
        return (root, before, state, try stage(root, input, state: state, preparesCommit: true))
    }

    @Test func thePreparedCommitLandsOnlyWhenCommittedAndEqualsTheDeltaFilesCommit() throws {
        let expected = try committedFromTheFile()
        let (root, before, state, staged) = try preparedRun("live-commit")
        let prepared = try #require(staged.preparedCommit)
        // Applied, but not committed: the store still reads as before.
        #expect(try !state.isCommitted(runID: staged.runID))
        #expect(try StateFixture.snapshot(root) == before)
        _ = try RunPublisher.publish(staged, layout: root.layout)
        let run = try prepared.commit()
        #expect(!prepared.committedFromDeltaFile)
        #expect(run.runID == staged.runID)
        #expect(run.counts == staged.counts)
        #expect(try state.isCommitted(runID: staged.runID))
        let after = try StateFixture.snapshot(root)
        #expect(after == expected)
        #expect(after != before)
        #expect(after.items.first { $0.sku == "P-20" }?.discontinued == true)
        #expect(after.items.contains { $0.sku == "P-21" })
    }

    @Test func anAbandonedCommitLeavesTheStoreAsItWasAndFreesTheWriteLock() throws {
        let expected = try committedFromTheFile()
        let (root, before, state, staged) = try preparedRun("live-commit-abandoned")
        try #require(staged.preparedCommit).abandon()
        #expect(try !state.isCommitted(runID: staged.runID))
        #expect(try StateFixture.snapshot(root) == before)
        // The lock is free again: the delta file commits at once (a held lock would wait 30 s and fail).
        let started = Date()
        try state.apply(deltaAt: try #require(staged.deltaPath))
        #expect(Date().timeIntervalSince(started) < 10)
        #expect(try StateFixture.snapshot(root) == expected)
    }

    @Test func aStagedRunDroppedUndecidedRollsItsCommitBack() throws {
        let (root, input) = try rootAfterAFirstRun("live-commit-dropped")
        let before = try StateFixture.snapshot(root)
        let state = try StateStore.open(layout: root.layout)
        var runID = ""
        do {
            let staged = try stage(root, input, state: state, preparesCommit: true)
            #expect(staged.preparedCommit != nil)
            runID = staged.runID
        }
        #expect(try !state.isCommitted(runID: runID))
        #expect(try StateFixture.snapshot(root) == before)
        try state.record(RunRecord(
            runID: "after-drop", pipeline: DefaultPipeline.name, sourceName: "x.csv", sourceSHA256: "0", status: .discarded,
            counts: RunCounts(), createdAt: Date()))
    }

    @Test func aCommitThatCouldNotBePreparedIsMadeFromTheDeltaFile() throws {
        let (root, _) = try rootAfterAFirstRun("live-commit-busy")
        let state = try StateStore.open(layout: root.layout)
        // Another writer holds the lock for longer than the prepared transaction waits.
        var configuration = Configuration()
        configuration.allowsUnsafeTransactions = true
        let other = try DatabaseQueue(path: StateStore.path(in: root.layout), configuration: configuration)
        try other.writeWithoutTransaction { db in try db.execute(sql: "BEGIN IMMEDIATE") }
        let deltaPath = root.layout.pendingDeltas + "/wtest-1~busy.delta"
        try FileSystem.makeDirectory(root.layout.pendingDeltas)
        let run = RunRecord(
            runID: "busy-run", pipeline: DefaultPipeline.name, sourceName: "busy.csv", sourceSHA256: "ab", status: .published,
            counts: RunCounts(), createdAt: Date())
        let growth = GrowingFile()
        let delta = try StateDeltaWriter(path: deltaPath, run: run, growth: growth)
        let prepared = LiveStateCommit(store: state, deltaPath: deltaPath, growth: growth, busyTimeout: 0.05)
        try delta.discontinue("P-3")
        try delta.finish(counts: RunCounts(read: 1, discontinued: 1))
        try Self.waitUntil { prepared.preparationFailure != nil }
        try other.writeWithoutTransaction { db in try db.execute(sql: "ROLLBACK") }
        let committed = try prepared.commit()
        #expect(prepared.committedFromDeltaFile)
        #expect(committed.counts.discontinued == 1)
        #expect(try state.isCommitted(runID: "busy-run"))
        #expect(try StateFixture.snapshot(root).items.first { $0.sku == "P-3" }?.discontinued == true)
    }

    /// Polls `condition` for up to 20 s.
    static func waitUntil(_ condition: () -> Bool) throws {
        let deadline = Date().addingTimeInterval(20)
        while !condition() {
            try #require(Date() < deadline, "timed out")
            Thread.sleep(forTimeInterval: 0.01)
        }
    }

    static func openRejectCount(_ root: TempRoot) throws -> Int {
        try StateFixture.snapshot(root).openRejects.count
    }

    /// A delta of `count` open rejects (a few dozen bytes each: over 1 MB, it is written out
    /// while the run goes on), written through `growth` for a prepared commit to follow.
    static func openRejects(_ count: Int, into delta: StateDeltaWriter) throws {
        for index in 0..<count { try delta.openReject(sku: "R-\(index)", rule: .required) }
    }

    func deltaWriter(_ root: TempRoot, runID: String, growth: GrowingFile) throws -> (StateDeltaWriter, String) {
        try FileSystem.makeDirectory(root.layout.pendingDeltas)
        let path = root.layout.pendingDeltas + "/wtest-1~\(runID).delta"
        let run = RunRecord(
            runID: runID, pipeline: DefaultPipeline.name, sourceName: "\(runID).csv", sourceSHA256: runID, status: .published,
            counts: RunCounts(), createdAt: Date())
        return (try StateDeltaWriter(path: path, run: run, growth: growth), path)
    }

    @Test func aLargeDeltaIsAppliedWhileItIsWrittenAndLandsOnlyWhenCommitted() throws {
        let (root, _) = try rootAfterAFirstRun("live-commit-large")
        let state = try StateStore.open(layout: root.layout)
        let before = try Self.openRejectCount(root)
        let growth = GrowingFile()
        let (delta, path) = try deltaWriter(root, runID: "large-run", growth: growth)
        let prepared = LiveStateCommit(store: state, deltaPath: path, growth: growth)
        try Self.openRejects(120_000, into: delta)
        // The delta is not finished, yet its first megabytes are applied already...
        try Self.waitUntil { prepared.entriesApplied > 0 }
        #expect(prepared.preparationFailure == nil)
        // ...in a transaction no one else sees.
        #expect(try Self.openRejectCount(root) == before)
        try delta.finish(counts: RunCounts(read: 120_000, rejected: 120_000))
        let run = try prepared.commit()
        #expect(!prepared.committedFromDeltaFile)
        #expect(run.counts.rejected == 120_000)
        #expect(try Self.openRejectCount(root) == before + 120_000)
        #expect(try state.isCommitted(runID: "large-run"))
    }

    @Test func aPreparationHeldTooLongLetsGoOfTheLockAndTheCommitIsMadeFromTheFile() throws {
        let (root, _) = try rootAfterAFirstRun("live-commit-held-long")
        let state = try StateStore.open(layout: root.layout)
        let before = try Self.openRejectCount(root)
        let growth = GrowingFile()
        let (delta, path) = try deltaWriter(root, runID: "slow-run", growth: growth)
        let prepared = LiveStateCommit(store: state, deltaPath: path, growth: growth, maximumHold: 0.2)
        try Self.openRejects(1_000, into: delta)
        try delta.finish(counts: RunCounts(read: 1_000, rejected: 1_000))
        // Nobody decides for longer than the hold allows: the transaction is rolled back...
        try Self.waitUntil { prepared.preparationFailure != nil }
        #expect(prepared.preparationFailure is LiveStateCommit.Stop)
        // ...so other writers get the lock at once, and the decision commits from the file.
        try state.record(RunRecord(
            runID: "meanwhile", pipeline: DefaultPipeline.name, sourceName: "m.csv", sourceSHA256: "m", status: .discarded,
            counts: RunCounts(), createdAt: Date()))
        #expect(try Self.openRejectCount(root) == before)
        try prepared.commit()
        #expect(prepared.committedFromDeltaFile)
        #expect(try Self.openRejectCount(root) == before + 1_000)
    }
}
