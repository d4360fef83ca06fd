import Foundation
import Testing
@testable import PlytixPrima
import PlytixPrimaTestSupport

/// Diff semantics end to end through the binary: only real changes reach Prima (new `A`,
/// changed `U`, unchanged counted, absent and archived discontinued in full mode, stale skipped,
/// the same file twice a duplicate), open rejects, and the mass-change guard (promise 12).
@Suite struct DiffTests {
    static func skus(_ prefix: String, _ count: Int) -> [String] {
        (0..<count).map { prefix + "-" + (($0 < 10) ? "0" : "") + String($0) }
    }

    /// The rows of every items file of a run, in manifest order.
    static func itemsFiles(_ root: TempRoot, _ run: String) throws -> [[String]] {
        try root.manifest(run).files.filter { $0.kind == "items" }.flatMap { StateFixture.rows(root, run + "/" + $0.name) }
    }

    @Test func firstRunAddsEverythingAndTheSameBytesAgainAreADuplicate() throws {
        let root = TempRoot("diff-dup", fullMode: true)
        let export = StateFixture.export(Self.skus("S", 10))
        root.drop("monday.csv", export.bytes, age: 120)
        let first = try StateFixture.run(root)
        #expect(first.status == 0, "\(first.summary)")
        let run = try #require(root.runs().first)
        let items = try Self.itemsFiles(root, run)
        #expect(items.map { $0[0] } == Array(repeating: "A", count: 10))
        #expect(items.map { $0[1] } == Self.skus("S", 10))
        #expect(try root.manifest(run).counts == RunCounts(read: 10, accepted: 10, new: 10))

        // Identical bytes under another name: archived, reported, nothing published.
        root.drop("tuesday.csv", export.bytes)
        let again = try StateFixture.run(root)
        #expect(again.status == 0, "\(again.summary)")
        let runID = (run as NSString).lastPathComponent
        #expect(again.stdout.contains("tuesday.csv: duplicate of the file processed in run \(runID); archived, nothing published"), "\(again.summary)")
        #expect(root.runs() == [run])
        #expect(root.directory.list("inbox/archive") == ["monday.csv", "tuesday.csv"])
        let runs = try #require(try StateFixture.pipelineStatus(root)["last_runs"] as? [[String: Any]])
        #expect(runs.map { $0["status"] as? String } == ["duplicate", "published"])
        #expect(runs.first?["source"] as? String == "tuesday.csv")
        #expect(StateFixture.manifestProblems(root) == [])
    }

    @Test func changedNewUnchangedAbsentArchivedAndDraftRows() throws {
        let root = TempRoot("diff-full", fullMode: true)
        let catalogue = Self.skus("S", 40)
        root.drop("catalogue-1.csv", StateFixture.export(catalogue).bytes, age: 120)
        #expect(try StateFixture.run(root).status == 0)
        let before = try StateFixture.snapshot(root)
        #expect(before.items.count == 40 && before.items.allSatisfy { !$0.discontinued })

        // S-00 relabelled, S-01 heavier, S-02 missing, S-03 archived, S-04 back to draft,
        // S-05 now invalid, N-1 new; the other 34 unchanged.
        let second = StateFixture.export(catalogue.filter { $0 != "S-02" } + ["N-1"], [
            "S-00": ["Label": "Linen pillow"],
            "S-01": ["Weight (kg)": "0.45"],
            "S-03": ["Status": "Archived"],
            "S-04": ["Status": "Draft", "Label": "Draft change"],
            "S-05": ["GTIN": "123"],
        ])
        root.drop("catalogue-2.csv", second.bytes)
        let result = try StateFixture.run(root)
        #expect(result.status == 0, "\(result.summary)")
        try #require(root.runs().count == 2)
        let run = root.runs()[1]
        let manifest = try root.manifest(run)
        #expect(manifest.counts == RunCounts(
            read: 40, accepted: 37, rejected: 1, skipped: 2, new: 1, updated: 2, unchanged: 34, discontinued: 2))
        #expect(manifest.files.map(\.name) == ["items-0001.csv", "discontinue-0001.csv", "rejects.csv", "report.json"])
        #expect(manifest.files.map(\.kind) == ["items", "discontinue", "rejects", "report"])
        #expect(result.stdout.contains("catalogue-2.csv: published"), "\(result.summary)")

        let items = try Self.itemsFiles(root, run)
        #expect(items.map { "\($0[0]),\($0[1])" } == ["U,S-00", "U,S-01", "A,N-1"])
        #expect(items[0][4] == "Linen pillow" && items[1][12] == "0.45")
        let discontinue = try #require(root.text(run + "/discontinue-0001.csv"))
        #expect(discontinue.hasPrefix("ItemCode,Status\r\n"))
        #expect(StateFixture.rows(root, run + "/discontinue-0001.csv").sorted { $0[0] < $1[0] } == [["S-02", "DISCONTINUED"], ["S-03", "DISCONTINUED"]])

        let report = try StateFixture.report(root, run)
        let diff = try #require(report["diff"] as? [String: Any])
        let updated = try #require(diff["updated_columns"] as? [[String: [String]]])
        #expect(updated == [["S-00": ["Description"]], ["S-01": ["NetWeightKg"]]])
        #expect(diff["updated_total"] as? Int == 2)
        #expect(StateFixture.manifestProblems(root) == [])

        let after = try StateFixture.snapshot(root)
        #expect(after.items.filter(\.discontinued).map(\.sku) == ["S-02", "S-03"])
        // The draft row left S-04 as Prima has it; the rejected row left S-05 as published.
        let beforeBySKU = Dictionary(uniqueKeysWithValues: before.items.map { ($0.sku, $0) })
        for item in after.items where ["S-04", "S-05"].contains(item.sku) { #expect(item == beforeBySKU[item.sku]) }
        // State keeps the published values' fingerprints (Description is column 4), with `A`
        // as the action whatever the run sent, and no import line.
        let s00 = try #require(after.items.first { $0.sku == "S-00" })
        #expect(s00.columns.count == 21 && s00.legacyLine.isEmpty)
        #expect(s00.columns[4] == StateFixture.fingerprint("Linen pillow"))
        #expect(s00.columns[0] == StateFixture.fingerprint("A"))
        #expect(after.items.count == 41)
        #expect(after.openRejects == ["S-05 gtin"])

        // A discontinued SKU that comes back is added again; the others stay as they are.
        let third = StateFixture.export(catalogue + ["N-1"], ["S-00": ["Label": "Linen pillow"], "S-01": ["Weight (kg)": "0.45"]])
        root.drop("catalogue-3.csv", third.bytes)
        #expect(try StateFixture.run(root).status == 0)
        let thirdRun = try #require(root.runs().last)
        #expect(try Self.itemsFiles(root, thirdRun).map { "\($0[0]),\($0[1])" } == ["A,S-02", "A,S-03"])
        #expect(try root.manifest(thirdRun).counts == RunCounts(read: 41, accepted: 41, new: 2, unchanged: 39))
        #expect(try StateFixture.snapshot(root).items.allSatisfy { !$0.discontinued })
        #expect(try StateFixture.snapshot(root).openRejects == [])
    }

    @Test func deltaModeNeverDiscontinuesAbsentSKUs() throws {
        let root = TempRoot("diff-delta")
        root.drop("all.csv", StateFixture.export(Self.skus("D", 10)).bytes, age: 120)
        #expect(try StateFixture.run(root).status == 0)
        root.drop("updates.csv", StateFixture.export(["D-01", "D-02", "D-03"], ["D-02": ["Colour": "Blue"]]).bytes)
        let result = try StateFixture.run(root)
        #expect(result.status == 0, "\(result.summary)")
        let run = try #require(root.runs().last)
        let manifest = try root.manifest(run)
        #expect(manifest.counts == RunCounts(read: 3, accepted: 3, updated: 1, unchanged: 2))
        #expect(!manifest.files.contains { $0.kind == "discontinue" })
        #expect(!root.directory.exists(run + "/discontinue-0001.csv"))
        #expect(try Self.itemsFiles(root, run).map { "\($0[0]),\($0[1])" } == ["U,D-02"])
        let report = try StateFixture.report(root, run)
        #expect((report["diff"] as? [String: Any])?["updated_columns"] as? [[String: [String]]] == [["D-02": ["Colour"]]])
        let state = try StateFixture.snapshot(root)
        #expect(state.items.count == 10 && state.items.allSatisfy { !$0.discontinued })
    }

    @Test func rowsOlderThanWhatWasPublishedAreSkippedAsStale() throws {
        let root = TempRoot("diff-stale", fullMode: true)
        let catalogue = Self.skus("T", 10)
        root.drop("newer.csv", StateFixture.export(catalogue).bytes, age: 120)  // Last modified 2026-11-20T10:00:00Z
        #expect(try StateFixture.run(root).status == 0)
        let before = try StateFixture.snapshot(root)

        root.drop("older.csv", StateFixture.export(catalogue, [
            "T-00": ["Label": "Older label", "Last modified": "2026-11-19T10:00:00Z"],
            "T-01": ["Label": "Newer label", "Last modified": "2026-11-21T10:00:00Z"],
            "T-02": ["Last modified": "2026-11-18T10:00:00Z"],
        ]).bytes)
        let result = try StateFixture.run(root)
        #expect(result.status == 0, "\(result.summary)")
        let run = try #require(root.runs().last)
        #expect(try root.manifest(run).counts == RunCounts(read: 10, accepted: 8, skipped: 2, updated: 1, unchanged: 7, stale: 2))
        #expect(try Self.itemsFiles(root, run).map { "\($0[0]),\($0[1])" } == ["U,T-01"])
        let diff = try #require(try StateFixture.report(root, run)["diff"] as? [String: Any])
        #expect(diff["stale"] as? [[String: String]] == [["sku": "T-00", "line": "2"], ["sku": "T-02", "line": "4"]])
        #expect(diff["stale_total"] as? Int == 2)
        // Stale rows are neither emitted nor discontinued, and what was published for them stays.
        #expect(!root.directory.exists(run + "/discontinue-0001.csv"))
        let after = try StateFixture.snapshot(root)
        #expect(after.items.first { $0.sku == "T-00" } == before.items.first { $0.sku == "T-00" })
        #expect(after.items.first { $0.sku == "T-01" }?.columns[4] == StateFixture.fingerprint("Newer label"))
        #expect(StateFixture.manifestProblems(root) == [])
    }

    @Test func anOpenRejectIsClosedOnceTheSKUIsAccepted() throws {
        let root = TempRoot("diff-rejects", fullMode: true)
        let catalogue = Self.skus("R", 20)
        root.drop("r1.csv", StateFixture.export(catalogue, ["R-01": ["GTIN": "123"], "R-02": ["Label": String(repeating: "x", count: 61)]]).bytes, age: 180)
        #expect(try StateFixture.run(root).status == 0)
        #expect(try StateFixture.pipelineStatus(root)["open_rejects_by_rule"] as? [String: Int] == ["gtin": 1, "max_length": 1])

        root.drop("r2.csv", StateFixture.export(catalogue, ["R-02": ["Label": String(repeating: "x", count: 61)]]).bytes, age: 120)
        #expect(try StateFixture.run(root).status == 0)
        #expect(try StateFixture.pipelineStatus(root)["open_rejects_by_rule"] as? [String: Int] == ["max_length": 1])
        #expect(try Self.itemsFiles(root, root.runs()[1]).map { "\($0[0]),\($0[1])" } == ["A,R-01"])

        root.drop("r3.csv", StateFixture.export(catalogue).bytes)
        #expect(try StateFixture.run(root).status == 0)
        #expect(try StateFixture.pipelineStatus(root)["open_rejects_by_rule"] as? [String: Int] == [:])
        #expect(try StateFixture.snapshot(root).openRejects == [])
        #expect(try Self.itemsFiles(root, root.runs()[2]).map { "\($0[0]),\($0[1])" } == ["A,R-02"])
        #expect(StateFixture.manifestProblems(root) == [])
    }

    // MARK: - The mass-change guard

    /// A root whose first run published 20 products, then a "full" export with only 10 of them:
    /// discontinuing 50% is held (exit 4). Returns the held run's id.
    private func heldHalfExport(_ root: TempRoot) throws -> String {
        root.drop("full.csv", StateFixture.export(Self.skus("G", 20)).bytes, age: 180)
        #expect(try StateFixture.run(root).status == 0)
        root.drop("half.csv", StateFixture.export(Self.skus("G", 10)).bytes, age: 120)
        let before = try StateFixture.snapshot(root)
        let result = try StateFixture.run(root)
        #expect(result.status == 4, "\(result.summary)")
        #expect(result.stdout.contains("half.csv: HELD run"), "\(result.summary)")
        #expect(result.stdout.contains("discontinue 10 of 20 known products"), "\(result.summary)")

        let held = root.directory.list("outbox/.held/\(DefaultPipeline.name)")
        try #require(held.count == 1)
        let runID = held[0]
        #expect(root.runs().count == 1)
        #expect(!root.directory.exists("outbox/\(DefaultPipeline.name)/\(runID)"))
        #expect(StateFixture.manifestProblems(root, in: "outbox/.held/\(DefaultPipeline.name)") == [])
        #expect(StateFixture.rows(root, "outbox/.held/\(DefaultPipeline.name)/\(runID)/discontinue-0001.csv").count == 10)
        let after = try StateFixture.snapshot(root)
        #expect(after.items == before.items, "a held run changed the published items")
        #expect(after.openRejects == before.openRejects && after.processedFiles == before.processedFiles)
        #expect(root.directory.list("inbox/archive") == ["full.csv", "half.csv"])

        let status = try StateFixture.status(root)
        let heldRuns = try #require(status["held_runs"] as? [[String: Any]])
        #expect(heldRuns.map { $0["run_id"] as? String } == [runID])
        #expect((heldRuns.first?["reason"] as? String)?.contains("discontinue 10 of 20") == true)

        // A later export of the pipeline waits behind the held run. It lists the same
        // catalogue as run 1 in other bytes (newer Last modified, same Prima records).
        let later = StateFixture.export(Self.skus("G", 20), Dictionary(uniqueKeysWithValues: Self.skus("G", 20).map { ($0, ["Last modified": "2026-11-22T10:00:00Z"]) }))
        root.drop("later.csv", later.bytes)
        let waiting = try StateFixture.run(root)
        #expect(waiting.status == ExitStatus.held, "\(waiting.summary)")
        #expect(waiting.stdout.contains("later.csv: waiting, pipeline \(DefaultPipeline.name) has a held run"), "\(waiting.summary)")
        #expect(root.directory.exists("inbox/later.csv"))
        #expect(root.runs().count == 1)
        return runID
    }

    @Test func aHalfExportIsHeldAndDiscarded() throws {
        let root = TempRoot("guard-discard", fullMode: true)
        let runID = try heldHalfExport(root)
        let before = try StateFixture.snapshot(root)

        let discard = try StateFixture.cli(["discard", runID, "--root", root.path])
        #expect(discard.status == 0, "\(discard.summary)")
        #expect(root.directory.list("outbox/.held/\(DefaultPipeline.name)") == [])
        #expect(root.runs().count == 1)
        #expect(try StateFixture.snapshot(root).items == before.items)
        #expect(root.directory.list("inbox/archive").contains("half.csv"))
        #expect((try StateFixture.status(root)["held_runs"] as? [Any])?.isEmpty == true)
        let runs = try #require(try StateFixture.pipelineStatus(root)["last_runs"] as? [[String: Any]])
        #expect(runs.contains { $0["run_id"] as? String == runID && $0["status"] as? String == "discarded" })
        #expect(try StateFixture.cli(["discard", runID, "--root", root.path]).status == 2)

        // The waiting export now runs against the untouched state: everything unchanged.
        let next = try StateFixture.run(root)
        #expect(next.status == 0, "\(next.summary)")
        let run = try #require(root.runs().last)
        #expect(root.runs().count == 2)
        #expect(try root.manifest(run).counts == RunCounts(read: 20, accepted: 20, unchanged: 20))
        #expect(try Self.itemsFiles(root, run).isEmpty)
        #expect(try StateFixture.snapshot(root).items.allSatisfy { !$0.discontinued })
        #expect(StateFixture.manifestProblems(root) == [])
    }

    @Test func aHalfExportIsHeldAndApproved() throws {
        let root = TempRoot("guard-approve", fullMode: true)
        let runID = try heldHalfExport(root)

        let approve = try StateFixture.cli(["approve", runID, "--root", root.path])
        #expect(approve.status == 0, "\(approve.summary)")
        #expect(root.directory.list("outbox/.held/\(DefaultPipeline.name)") == [])
        #expect(root.runs() == root.runs().sorted())
        #expect(root.runs().last == "outbox/\(DefaultPipeline.name)/\(runID)")
        #expect(StateFixture.manifestProblems(root) == [])
        #expect(StateFixture.rows(root, "outbox/\(DefaultPipeline.name)/\(runID)/discontinue-0001.csv").map { $0[0] } == Self.skus("G", 20).suffix(10).map { $0 })
        let state = try StateFixture.snapshot(root)
        #expect(state.items.filter(\.discontinued).map(\.sku) == Array(Self.skus("G", 20).suffix(10)))
        #expect(state.runs.contains("half.csv published"))
        #expect(root.directory.list("state/pending") == [])
        #expect((try StateFixture.status(root)["held_runs"] as? [Any])?.isEmpty == true)
        #expect(try StateFixture.cli(["approve", runID, "--root", root.path]).status == 2)

        // The waiting export brings the discontinued half back as new items.
        let next = try StateFixture.run(root)
        #expect(next.status == 0, "\(next.summary)")
        let run = try #require(root.runs().last)
        #expect(root.runs().count == 3)
        #expect(try root.manifest(run).counts == RunCounts(read: 20, accepted: 20, new: 10, unchanged: 10))
        #expect(try Self.itemsFiles(root, run).map { $0[0] } == Array(repeating: "A", count: 10))
    }

    @Test func updatingMoreThanHalfIsHeld() throws {
        let root = TempRoot("guard-update", fullMode: true)
        let catalogue = Self.skus("U", 10)
        root.drop("u1.csv", StateFixture.export(catalogue).bytes, age: 120)
        #expect(try StateFixture.run(root).status == 0)
        let before = try StateFixture.snapshot(root)
        let changes = Dictionary(uniqueKeysWithValues: catalogue.prefix(6).map { ($0, ["Brand": "Other"]) })
        root.drop("u2.csv", StateFixture.export(catalogue, changes).bytes)
        let result = try StateFixture.run(root)
        #expect(result.status == 4, "\(result.summary)")
        #expect(result.stdout.contains("update 6 of 10 known products"), "\(result.summary)")
        #expect(root.runs().count == 1)
        #expect(root.directory.list("outbox/.held/\(DefaultPipeline.name)").count == 1)
        #expect(try StateFixture.snapshot(root).items == before.items)

        // Five of ten (exactly 50%) is not more than half: published.
        let fine = TempRoot("guard-update-ok", fullMode: true)
        fine.drop("u1.csv", StateFixture.export(catalogue).bytes, age: 120)
        #expect(try StateFixture.run(fine).status == 0)
        fine.drop("u2.csv", StateFixture.export(catalogue, changes.filter { $0.key != "U-05" }).bytes)
        let published = try StateFixture.run(fine)
        #expect(published.status == 0, "\(published.summary)")
        #expect(fine.runs().count == 2)
        #expect(try fine.manifest(fine.runs()[1]).counts.updated == 5)
    }
}
