import Foundation
import Testing
@testable import PlytixPrima
import PlytixPrimaTestSupport

/// A publish that fails after the rename (fsyncing the outbox folders) has still put the run
/// where Prima's importer takes it: its state is committed, or the next run sends it again.
@Suite struct PublishFailureTests {
    func process(_ root: TempRoot, failing publish: @escaping @Sendable (StagedRun, RootLayout) throws(OutputError) -> String) throws -> FileOutcome {
        let state = try StateStore.open(layout: root.layout)
        var processor = FileProcessor(layout: root.layout, worker: try WorkerIdentity(layout: root.layout), state: state, now: { Date() })
        processor.publish = publish
        let config = try PipelineLoader.load(named: DefaultPipeline.name, in: root.layout.pipelines)
        return try #require(processor.process("second.csv", marker: nil, pipeline: config, sequence: 0))
    }

    /// After a first run of P-1…P-20, a second export in the inbox that changes P-1 and adds P-21.
    func rootAfterAFirstRun(_ label: String) throws -> TempRoot {
        let root = try LiveStateCommitTests.twentyPublished(label)
        var second = ExportBuilder()
        for i in 1...21 { second.add("P-\(i)", ["Brand": i == 1 ? "Changed" : "Acme"]) }
        root.drop("second.csv", second.bytes)
        return root
    }

    @Test func aFailureAfterTheRenameCommitsTheRunAndReportsTheProblem() throws {
        let root = try rootAfterAFirstRun("publish-fails-after-rename")
        let outcome = try process(root) { run, layout throws(OutputError) in
            _ = try RunPublisher.publish(run, layout: layout)
            throw OutputError("fsync outbox failed: Input/output error")
        }
        guard case .failed(let message) = outcome.result else { Issue.record("expected a failure, got \(outcome.result)"); return }
        #expect(message.contains("published to") && message.contains("committed") && message.contains("Input/output error"))
        #expect(root.runs().count == 2)
        let snapshot = try StateFixture.snapshot(root)
        #expect(snapshot.items.count == 21)
        #expect(snapshot.runs.contains("second.csv published"))
        #expect(root.directory.list("inbox/archive").contains("second.csv"))
        #expect(root.directory.list("state/pending").isEmpty)
        // The same export again is known as processed: nothing is sent twice.
        root.drop("again.csv", try #require(root.directory.read("inbox/archive/second.csv")))
        _ = try root.runOnce()
        #expect(root.runs().count == 2)
        #expect(try StateFixture.snapshot(root).runs.contains("again.csv duplicate"))
    }

    @Test func aFailureBeforeTheRenamePublishesNothingAndReturnsTheFile() throws {
        let root = try rootAfterAFirstRun("publish-fails-before-rename")
        let before = try StateFixture.snapshot(root)
        let outcome = try process(root) { _, _ throws(OutputError) in throw OutputError("mkdir outbox failed: No space left on device") }
        guard case .failed = outcome.result else { Issue.record("expected a failure, got \(outcome.result)"); return }
        #expect(root.runs().count == 1)
        #expect(try StateFixture.snapshot(root) == before)
        #expect(root.directory.list("inbox").contains("second.csv"))
        #expect(root.directory.list("state/pending").isEmpty)
    }
}
