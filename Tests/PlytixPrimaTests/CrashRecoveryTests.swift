import Foundation
import Testing
@testable import PlytixPrima
import PlytixPrimaTestSupport

/// Promises 2, 3, 5 and 11: the binary killed (SIGKILL) at every named point of a run leaves no
/// run folder without a complete, checksum-matching manifest, never lets state run ahead of the
/// outbox, and the next start reaches exactly the outbox and state of a run never interrupted.
@Suite struct CrashRecoveryTests {
    /// Run 1: 100 products, one of them (P-050) rejected for a bad GTIN.
    static var firstExport: ExportBuilder {
        StateFixture.export((0..<100).map(sku), [sku(50): ["GTIN": "5012345678901"]])
    }

    /// Run 2: P-000…P-004 changed (newer), P-050 fixed (new, its reject closed), N-000…N-002
    /// added, P-097 archived and P-098, P-099 missing (discontinued). 5 updates and 3
    /// discontinues of 99 known products: well below the guard's 50% and 10%.
    static var secondExport: ExportBuilder {
        var overrides: [String: [String: String]] = [:]
        for i in 0..<5 { overrides[sku(i)] = ["Label": "Cotton pillow \(i) v2", "Last modified": "2026-11-21T08:00:00Z"] }
        overrides[sku(97)] = ["Status": "Archived"]
        return StateFixture.export((0..<98).map(sku) + (0..<3).map { "N-00\($0)" }, overrides)
    }

    static func sku(_ i: Int) -> String { "P-" + String(repeating: "0", count: 3 - String(i).count) + String(i) }

    /// Points reached before the run folder is renamed into the outbox.
    static let beforePublication: Set<CrashPoint> = [.afterClaim, .afterFirstChunk, .beforePublish]

    @Test(arguments: CrashPoint.allCases)
    func killedAtEveryPointEndsAsIfNeverInterrupted(_ point: CrashPoint) throws {
        // The reference: the same two exports, never interrupted.
        let reference = TempRoot("crash-ref", fullMode: true)
        reference.drop("catalogue-1.csv", Self.firstExport.bytes, age: 120)
        try #require(try StateFixture.run(reference).status == 0)
        reference.drop("catalogue-2.csv", Self.secondExport.bytes)
        let referenceSecond = try StateFixture.run(reference)
        try #require(referenceSecond.status == 0, "\(referenceSecond.summary)")
        try #require(reference.runs().count == 2)

        let root = TempRoot("crash-\(point.rawValue)", fullMode: true)
        root.drop("catalogue-1.csv", Self.firstExport.bytes, age: 120)
        try #require(try StateFixture.run(root).status == 0)
        let afterFirstRun = try StateFixture.snapshot(root)
        root.drop("catalogue-2.csv", Self.secondExport.bytes)

        // The crash.
        let killed = try StateFixture.run(root, environment: [CrashPoint.environmentVariable: point.rawValue])
        #expect(killed.signalled && killed.status == SIGKILL, "the run was to die by SIGKILL at \(point.rawValue): \(killed.summary)")

        // Promise 2: whatever is in the outbox is complete.
        #expect(StateFixture.manifestProblems(root) == [])
        let published = Self.beforePublication.contains(point) ? 1 : 2
        #expect(root.runs().count == published, "run folders after a crash at \(point.rawValue)")
        #expect(root.directory.list("outbox").filter { !$0.hasPrefix(".") } == [DefaultPipeline.name])
        // Promise 5: state never runs ahead of the outbox (and before the commit it is untouched).
        let afterCrash = try StateFixture.snapshot(root)
        switch point {
        case .afterClaim, .afterFirstChunk, .beforePublish, .afterPublish:
            #expect(afterCrash == afterFirstRun, "state changed before the run was committed (crash at \(point.rawValue))")
        case .afterCommit, .afterArchive:
            #expect(afterCrash.items == (try StateFixture.snapshot(reference)).items)
        }

        // The restart: no crash armed.
        let restart = try StateFixture.run(root)
        #expect(restart.status == 0, "\(restart.summary)")
        #expect(!restart.signalled)

        // Promise 2 again, and the outbox equals the uninterrupted one: the second export is
        // published exactly once, with the same files.
        #expect(StateFixture.manifestProblems(root) == [])
        #expect(StateFixture.manifestProblems(reference) == [])
        try #require(root.runs().count == 2, "published runs after the restart: \(root.runs())")
        for (mine, theirs) in zip(root.runs(), reference.runs()) {
            #expect(try StateFixture.publishedContent(root, mine) == (try StateFixture.publishedContent(reference, theirs)))
            #expect(try root.manifest(mine).counts == (try reference.manifest(theirs).counts))
            #expect(try root.manifest(mine).source == (try reference.manifest(theirs).source))
        }
        // Promise 3: no SKU emitted twice.
        let emitted = try StateFixture.emittedItems(root)
        #expect(emitted == (try StateFixture.emittedItems(reference)))
        #expect(emitted.count == 99 + 9)  // run 1: 99 accepted; run 2: 4 new + 5 updated
        let secondRunSKUs = emitted.dropFirst(99).map { $0.dropFirst(2) }
        #expect(Set(secondRunSKUs).count == secondRunSKUs.count)
        #expect(StateFixture.rows(root, root.runs()[1] + "/discontinue-0001.csv").map { $0[0] }.sorted() == ["P-097", "P-098", "P-099"])

        // The state equals the uninterrupted one: items, open rejects, runs, processed files.
        let final = try StateFixture.snapshot(root)
        let expected = try StateFixture.snapshot(reference)
        #expect(final.items == expected.items)
        #expect(final.openRejects == expected.openRejects)
        #expect(final.processedFiles == expected.processedFiles)
        #expect(final.runs == expected.runs, "the run history differs from an uninterrupted one")
        #expect(final.items.filter(\.discontinued).map(\.sku) == ["P-097", "P-098", "P-099"])

        // Promise 11: nothing is left behind.
        #expect(root.directory.list("inbox").filter { !$0.hasPrefix(".") } == ["archive"])
        #expect(root.directory.list("inbox/archive") == ["catalogue-1.csv", "catalogue-2.csv"])
        let archived = root.directory.read("inbox/archive/catalogue-2.csv") == Self.secondExport.bytes
        #expect(archived, "catalogue-2.csv is not archived as dropped")
        #expect(root.directory.list("inbox/.claims") == [])
        #expect(root.directory.list("outbox/.staging") == [])
        #expect(root.directory.list("state/pending") == [])
        #expect(!root.directory.exists("outbox/.held") || root.directory.list("outbox/.held") == [])

        // A third start finds nothing to do.
        let idle = try StateFixture.run(root)
        #expect(idle.status == 0)
        #expect(idle.stdout.contains("Nothing to do"), "\(idle.summary)")
        #expect(root.runs().count == 2)
    }

    /// The crash points are reachable only through the environment: a run without it is not
    /// affected by an unknown value either.
    @Test func anUnknownCrashPointIsIgnored() throws {
        let root = TempRoot("crash-unknown", fullMode: true)
        root.drop("catalogue-1.csv", Self.firstExport.bytes)
        let result = try StateFixture.run(root, environment: [CrashPoint.environmentVariable: "nowhere"])
        #expect(result.status == 0 && !result.signalled, "\(result.summary)")
        #expect(root.runs().count == 1)
    }
}
