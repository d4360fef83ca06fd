import Foundation
import Logging
import Testing
@testable import PlytixPrima
import PlytixPrimaTestSupport

/// Contract checks from the review of issues 3 (state, diff, exactly-once) and 6 (watch).
@Suite struct IssueReviewTests {
    // MARK: - issue 3: manifest, discontinue file, report

    /// A full-mode root with 20 published SKUs, then an export in which one changed and one is gone.
    @Test func aFullExportWithOneChangeAndOneAbsenceFollowsTheContract() throws {
        let root = TempRoot("review-full", fullMode: true)
        let skus = (1...20).map { "R-\($0)" }
        root.drop("first.csv", StateFixture.export(skus).bytes, age: 120)
        #expect(try root.runOnce().exitCode == ExitStatus.success)
        var second = StateFixture.export(skus.dropLast(), ["R-1": ["Label": "Linen pillow R-1"]])
        second.rows = second.rows.filter { $0["SKU"] != "R-20" }
        root.drop("second.csv", second.bytes, age: 60)
        #expect(try root.runOnce().exitCode == ExitStatus.success)
        let run = try #require(root.runs().last)
        let manifestJSON = try #require(root.directory.read(run + "/manifest.json"))
        let manifest = try #require(try JSONSerialization.jsonObject(with: Data(manifestJSON)) as? [String: Any])
        let counts = try #require(manifest["counts"] as? [String: Int])
        for key in ["read", "accepted", "rejected", "skipped", "new", "updated", "unchanged"] {
            #expect(counts[key] != nil, "manifest counts lack \(key)")
        }
        #expect(counts["updated"] == 1 && counts["unchanged"] == 18 && counts["new"] == 0)
        #expect(counts["read"] == counts["new"]! + counts["updated"]! + counts["unchanged"]! + counts["rejected"]! + counts["skipped"]!)
        let kinds = try #require(manifest["files"] as? [[String: Any]]).compactMap { $0["kind"] as? String }
        #expect(kinds == ["items", "discontinue", "rejects", "report"])
        let discontinue = parseCSV(root.text(run + "/discontinue-0001.csv") ?? "")
        #expect(discontinue == [["ItemCode", "Status"], ["R-20", "DISCONTINUED"]])
        let diff = try #require(try StateFixture.report(root, run)["diff"] as? [String: Any])
        #expect(diff["updated_total"] as? Int == 1)
        let updated = try #require(diff["updated_columns"] as? [[String: [String]]])
        #expect(updated.first?["R-1"]?.isEmpty == false)
    }

    /// An open reject is closed once the SKU is accepted again (here: unchanged).
    @Test func aRejectIsClosedWhenTheSKUIsAcceptedLater() throws {
        let root = TempRoot("review-reject")
        root.drop("a.csv", StateFixture.export(["C-1"]).bytes, age: 180)
        _ = try root.runOnce()
        root.drop("b.csv", StateFixture.export(["C-1"], ["C-1": ["GTIN": "123"]]).bytes, age: 120)
        _ = try root.runOnce()
        #expect((try StateFixture.pipelineStatus(root)["open_rejects_by_rule"] as? [String: Int])?["gtin"] == 1)
        root.drop("c.csv", StateFixture.export(["C-1"], ["C-1": ["Last modified": "2026-11-21T10:00:00Z"]]).bytes, age: 60)
        _ = try root.runOnce()
        #expect((try StateFixture.pipelineStatus(root)["open_rejects_by_rule"] as? [String: Int])?.isEmpty == true)
    }

    // MARK: - issue 3: status

    @Test func statusOnAFreshRootShowsNoRunsAndExitsZero() throws {
        let root = TempRoot("review-fresh")
        let result = try CLI.run(["status", "--root", root.path, "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect((json["pipelines"] as? [Any])?.isEmpty == true)
        #expect((json["held_runs"] as? [Any])?.isEmpty == true)
    }

    /// Contract (README exit codes): `status` exits 2 when the root cannot be read. A mistyped
    /// root must not be created (with a fresh state store) and reported as "No runs yet".
    @Test func statusOnAMissingRootExitsTwoAndCreatesNothing() throws {
        let scratch = TempDirectory("review-missing")
        let missing = scratch.path + "/no-such-root"
        let result = try CLI.run(["status", "--root", missing])
        #expect(result.status == 2, "stdout: \(result.stdout) stderr: \(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: missing))
    }

    // MARK: - issue 3: held runs and the exit code

    /// A run held by the guard makes later files of its pipeline wait. A later `run` (the next
    /// cron tick) that leaves files waiting behind the held run must keep exiting 4, so
    /// monitoring does not turn green while nothing reaches Prima.
    @Test func aRunThatLeavesFilesWaitingBehindAHeldRunExitsFour() throws {
        let root = TempRoot("review-held", fullMode: true)
        let skus = (1...20).map { "H-\($0)" }
        root.drop("full.csv", StateFixture.export(skus).bytes, age: 180)
        #expect(try root.runOnce().exitCode == ExitStatus.success)
        root.drop("half.csv", StateFixture.export(skus.prefix(10)).bytes, age: 120)
        #expect(try root.runOnce().exitCode == ExitStatus.held)
        root.drop("later.csv", StateFixture.export(skus).bytes, age: 60)
        let result = try StateFixture.run(root)
        #expect(root.directory.list("inbox").contains("later.csv"))
        #expect(result.status == ExitStatus.held, "\(result.summary)")
    }

    // MARK: - issue 6: watch log events

    /// Issue 6: the `published` line carries the run's counts; with the state store the counts
    /// that say what reached Prima are new / updated / unchanged / discontinued.
    @Test func thePublishedLogLineCarriesTheDiffCounts() {
        let sink = CapturedLog()
        let logger = Logger(label: "test") { _ in CapturingHandler(sink: sink) }
        let counts = RunCounts(read: 10, accepted: 8, rejected: 1, skipped: 1, new: 2, updated: 3, unchanged: 3, discontinued: 4, stale: 1)
        WatchLog.log(FileOutcome(name: "x.csv", pipeline: "p", result: .published(
            runDirectory: "outbox/p/r", runID: "r", counts: counts, rejectsByRule: [:])), to: logger)
        let event = sink.events.first
        #expect(event?.message == "published")
        for (key, value) in ["run_id": "r", "pipeline": "p", "new": "2", "updated": "3", "unchanged": "3", "discontinued": "4", "stale": "1"] {
            #expect(event?.metadata[key] == value, "published lacks \(key)")
        }
    }

    /// Issue 6: `duplicate` and `held` lines carry a run id and the pipeline.
    @Test func theDuplicateLogLineCarriesTheRunIdAndPipeline() {
        let sink = CapturedLog()
        let logger = Logger(label: "test") { _ in CapturingHandler(sink: sink) }
        WatchLog.log(FileOutcome(name: "x.csv", pipeline: "p", result: .duplicate(earlierRun: "e")), to: logger)
        let event = sink.events.first
        #expect(event?.message == "duplicate")
        #expect(event?.metadata["pipeline"] == "p")
        #expect(event?.metadata["earlier_run_id"] == "e")
    }
}

final class CapturedLog: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [(message: String, metadata: [String: String])] = []
    var events: [(message: String, metadata: [String: String])] { lock.withLock { stored } }
    func add(_ message: String, _ metadata: [String: String]) { lock.withLock { stored.append((message, metadata)) } }
}

struct CapturingHandler: LogHandler {
    let sink: CapturedLog
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace
    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }
    func log(event: LogEvent) {
        let merged = metadata.merging(event.metadata ?? [:]) { $1 }
        sink.add("\(event.message)", merged.mapValues { "\($0)" })
    }
}
