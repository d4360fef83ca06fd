import Foundation
import Testing
@testable import PlytixPrima
import PlytixPrimaTestSupport

/// Variants (`Variant of`): parents before children whatever the export order, styles, missing,
/// rejected and looping parents, three levels at most, parents known from earlier runs.
@Suite struct VariantTests {
    typealias F = RelationshipFixture

    static func variant(of parent: String) -> [String: String] { ["Variant of": parent] }

    @Test func parentsComeBeforeVariantsLevelByLevelWhateverTheExportOrder() throws {
        let root = TempRoot("variants-order")
        var export = ExportBuilder()
        export.add("SUB-1", Self.variant(of: "VAR-1"))  // a sub-variant, first in the file
        export.add("VAR-1", Self.variant(of: "PAR-1"))
        export.add("VAR-2", Self.variant(of: "PAR-1"))
        export.add("PLAIN-1")
        export.add("PAR-1")
        export.add("PLAIN-2")
        root.drop("export.csv", export.bytes)
        let run = try F.run(root)
        #expect(try F.itemCodes(root, run) == ["PLAIN-1", "PLAIN-2", "PAR-1", "VAR-1", "VAR-2", "SUB-1"])
        let rows = Dictionary(try F.items(root, run).map { ($0[1], $0) }, uniquingKeysWith: { a, _ in a })
        #expect(rows["PAR-1"]?[3] == "STYLE" && rows["PAR-1"]?[2] == "")
        #expect(rows["VAR-1"]?[3] == "STYLE", "a variant with sub-variants is the style of its family branch")
        #expect(rows["VAR-2"]?[3] == "STOCK" && rows["VAR-2"]?[2] == "PAR-1")
        #expect(rows["SUB-1"]?[2] == "VAR-1" && rows["PLAIN-1"]?[3] == "STOCK")
        #expect(try F.orderingProblems(root) == [])
        let report = try StateFixture.report(root, run)
        let relationships = try #require(report["relationships"] as? [String: Int])
        #expect(relationships["variants"] == 3 && relationships["styles"] == 2 && relationships["kits"] == 0)
        #expect(StateFixture.manifestProblems(root) == [])
    }

    @Test func missingParentsAreRejectedWithWhy() throws {
        let root = TempRoot("variants-missing")
        var export = ExportBuilder()
        export.add("ORPHAN-1", Self.variant(of: "NOWHERE"))
        export.add("DRAFTKID-1", Self.variant(of: "DRAFT-P"))
        export.add("DRAFT-P", ["Status": "Draft"])
        export.add("OK-1")
        root.drop("export.csv", export.bytes)
        let run = try F.run(root)
        #expect(F.rejects(root, run) == ["ORPHAN-1 unknown_parent", "DRAFTKID-1 unknown_parent"])
        let orphan = try #require(F.reason(root, run, sku: "ORPHAN-1", rule: "unknown_parent"))
        #expect(orphan.contains("'NOWHERE'") && orphan.contains("not in this export and was never sent to Prima"), "\(orphan)")
        let draftKid = try #require(F.reason(root, run, sku: "DRAFTKID-1", rule: "unknown_parent"))
        #expect(draftKid.contains("not sales-ready"), "\(draftKid)")
        let line = try #require(StateFixture.rows(root, run + "/rejects.csv").first)
        #expect(line[3] == "Variant of" && line[4] == "NOWHERE" && line[7] == "ParentItemCode")
        #expect(try F.itemCodes(root, run) == ["OK-1"])
        #expect(try root.manifest(run).counts == RunCounts(read: 4, accepted: 1, rejected: 2, skipped: 1, new: 1))
    }

    @Test func aRejectedParentTakesItsWholeFamilyWithIt() throws {
        let root = TempRoot("variants-rejected")
        var export = ExportBuilder()
        export.add("KID-1", Self.variant(of: "PAR-1"))
        export.add("GRANDKID-1", Self.variant(of: "KID-1"))
        export.add("PAR-1", ["GTIN": "5012345678901"])  // bad check digit
        export.add("DUP-P")
        export.add("DUP-P")
        export.add("KID-2", Self.variant(of: "DUP-P"))
        root.drop("export.csv", export.bytes)
        let run = try F.run(root)
        #expect(Set(F.rejects(root, run)) == [
            "KID-1 parent_rejected", "GRANDKID-1 parent_rejected", "PAR-1 gtin", "DUP-P duplicate_sku", "KID-2 parent_rejected",
        ])
        #expect(F.reason(root, run, sku: "KID-1", rule: "parent_rejected")?.contains("parent 'PAR-1' is rejected") == true)
        #expect(F.reason(root, run, sku: "GRANDKID-1", rule: "parent_rejected")?.contains("'KID-1'") == true)
        #expect(try F.itemCodes(root, run) == [])
        #expect(try root.manifest(run).counts.rejected == 6)
    }

    @Test func loopsAndSelfReferencesAreVariantCycles() throws {
        let root = TempRoot("variants-cycle")
        var export = ExportBuilder()
        export.add("A", Self.variant(of: "B"))
        export.add("B", Self.variant(of: "A"))
        export.add("C", Self.variant(of: "A"))
        export.add("SELF", Self.variant(of: "SELF"))
        export.add("X", Self.variant(of: "Y"))
        export.add("Y", Self.variant(of: "Z"))
        export.add("Z", Self.variant(of: "X"))
        root.drop("export.csv", export.bytes)
        let run = try F.run(root)
        #expect(Set(F.rejects(root, run)) == [
            "A variant_cycle", "B variant_cycle", "C parent_rejected", "SELF variant_cycle",
            "X variant_cycle", "Y variant_cycle", "Z variant_cycle",
        ])
        #expect(F.reason(root, run, sku: "SELF", rule: "variant_cycle")?.contains("names itself") == true)
        #expect(F.reason(root, run, sku: "A", rule: "variant_cycle")?.contains("loop") == true)
    }

    @Test func threeLevelsAtMost() throws {
        let root = TempRoot("variants-deep")
        var export = ExportBuilder()
        export.add("L4", Self.variant(of: "L3"))
        export.add("L3", Self.variant(of: "L2"))
        export.add("L2", Self.variant(of: "L1"))
        export.add("L1")
        root.drop("export.csv", export.bytes)
        let run = try F.run(root)
        #expect(F.rejects(root, run) == ["L4 variant_too_deep"])
        #expect(try F.itemCodes(root, run) == ["L1", "L2", "L3"])
        #expect(F.reason(root, run, sku: "L4", rule: "variant_too_deep")?.contains("level 4") == true)
    }

    @Test func aParentPublishedEarlierIsEnoughAndStaysAStyle() throws {
        let root = TempRoot("variants-known")
        root.drop("1.csv", StateFixture.export(["PAR-1"]).bytes, age: 300)
        let first = try F.run(root)
        #expect(try F.itemTypes(root, first) == ["PAR-1": "STOCK"])

        root.drop("2.csv", StateFixture.export(["KID-1"], ["KID-1": Self.variant(of: "PAR-1")]).bytes, age: 200)
        let second = try F.run(root)
        #expect(F.rejects(root, second) == [])
        #expect(try F.itemCodes(root, second) == ["KID-1"])

        // PAR-1 alone again (relabelled): Prima has its variant, so it is now a style.
        root.drop("3.csv", StateFixture.export(["PAR-1"], ["PAR-1": ["Label": "Renamed parent"]]).bytes, age: 100)
        let third = try F.run(root)
        #expect(try F.itemTypes(root, third) == ["PAR-1": "STYLE"])
        // A sub-variant of the published variant is level 3: still allowed; one more is not.
        var export = ExportBuilder()
        export.add("SUB-1", Self.variant(of: "KID-1"))
        export.add("SUBSUB-1", Self.variant(of: "SUB-1"))
        root.drop("4.csv", export.bytes)
        let fourth = try F.run(root)
        #expect(try F.itemCodes(root, fourth) == ["SUB-1"])
        #expect(F.rejects(root, fourth) == ["SUBSUB-1 variant_too_deep"])
        #expect(try F.orderingProblems(root) == [])
    }

    @Test func aParentMissingFromAFullExportIsBeingDiscontinued() throws {
        let root = TempRoot("variants-full", fullMode: true)
        root.drop("1.csv", StateFixture.export((1...20).map { "P-\($0)" }).bytes, age: 300)
        try F.run(root)
        // P-1 is gone from the full export (discontinued), so its new variant cannot go in.
        let export = StateFixture.export((2...20).map { "P-\($0)" } + ["KID-1"], ["KID-1": Self.variant(of: "P-1")])
        root.drop("2.csv", export.bytes)
        let run = try F.run(root)
        #expect(F.rejects(root, run) == ["KID-1 unknown_parent"])
        #expect(F.reason(root, run, sku: "KID-1", rule: "unknown_parent")?.contains("missing from this full export") == true)
    }
}

/// `check` sees what Prima already has when the root has a state store.
@Suite struct CheckWithStateTests {
    @Test func checkKnowsParentsPublishedEarlierAndChangesNothing() throws {
        let root = TempRoot("check-state")
        root.drop("1.csv", StateFixture.export(["PAR-1", "KEEP-1"]).bytes, age: 300)
        try RelationshipFixture.run(root)
        let before = try StateFixture.snapshot(root)

        let file = root.directory.write("later.csv", StateFixture.export(["KID-1", "KEEP-1"], ["KID-1": ["Variant of": "PAR-1"]]).csv)
        let check = try StateFixture.cli(["check", file, "--root", root.path])
        #expect(check.status == 0, "\(check.summary)")
        #expect(check.stderr.contains("2 accepted, 0 rejected"), "\(check.summary)")
        #expect(check.stderr.contains("against the state store: 1 new, 0 updated, 1 unchanged"), "\(check.summary)")
        #expect(try StateFixture.snapshot(root) == before)

        // Without a state store the parent is unknown, as on a first run.
        let fresh = TempRoot("check-nostate")
        let unknown = try StateFixture.cli(["check", file, "--root", fresh.path])
        #expect(unknown.status == 1)
        #expect(unknown.stdout.contains("unknown_parent"), "\(unknown.summary)")
        #expect(!FileManager.default.fileExists(atPath: StateStore.path(in: fresh.layout)), "check never creates a store")
    }
}
