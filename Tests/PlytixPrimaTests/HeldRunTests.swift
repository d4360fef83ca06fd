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
