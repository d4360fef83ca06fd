import Foundation
import GRDB
import Testing
@testable import PlytixPrima
import PlytixPrimaTestSupport

/// Relationships that only close together with what earlier runs published: loops and depth
/// through products Prima already has, kits that return after being discontinued, and variant
/// parents recorded for stores that predate them.
@Suite struct PublishedRelationshipTests {
    typealias F = RelationshipFixture

    static func kit(_ contents: String) -> [String: String] { ["Bundle Contents": contents] }

    @Test func aLoopThroughAPublishedVariantIsRefused() throws {
        let root = TempRoot("published-variant-loop")
        root.drop("1.csv", StateFixture.export(["A", "B"], ["B": ["Variant of": "A"]]).bytes, age: 200)
        try F.run(root)
        // Prima has B → A; now A names B as its parent.
        root.drop("2.csv", StateFixture.export(["A"], ["A": ["Variant of": "B", "Label": "Changed"]]).bytes)
        let run = try F.run(root)
        #expect(F.rejects(root, run) == ["A variant_cycle"])
        #expect(try F.itemCodes(root, run) == [])
    }

    @Test func aLoopThroughPublishedKitsIsRefused() throws {
        let root = TempRoot("published-kit-loop")
        root.drop("1.csv", StateFixture.export(["P1", "KA", "KB"], ["KA": Self.kit("P1"), "KB": Self.kit("KA")]).bytes, age: 200)
        try F.run(root)
        // Prima has KB ⊃ KA; now KA is to hold KB.
        root.drop("2.csv", StateFixture.export(["KA"], ["KA": Self.kit("KB")]).bytes)
        let run = try F.run(root)
        #expect(F.rejects(root, run) == ["KA bom_cycle"])
        #expect(F.reason(root, run, sku: "KA", rule: "bom_cycle")?.contains("'KB'") == true)
        #expect(try F.bom(root, run) == [])
    }

    @Test func everyMemberOfALoopIsACycleWhateverTheWalkOrder() throws {
        let root = TempRoot("loop-members")
        var export = ExportBuilder()
        export.add("KA", Self.kit("KB,KC"))
        export.add("KB", Self.kit("KA"))
        export.add("KC", Self.kit("KB"))
        export.add("KD", Self.kit("KC,P1"))
        export.add("P1")
        root.drop("export.csv", export.bytes)
        let run = try F.run(root)
        #expect(Set(F.rejects(root, run)) == ["KA bom_cycle", "KB bom_cycle", "KC bom_cycle", "KD component_rejected"])
    }

    @Test func reParentingAStyleCountsTheVariantsPrimaHasBelowIt() throws {
        let root = TempRoot("published-variant-depth")
        root.drop("1.csv", StateFixture.export(["L0", "L1", "L2", "L3"], ["L2": ["Variant of": "L1"], "L3": ["Variant of": "L2"]]).bytes, age: 200)
        let first = try F.run(root)
        #expect(F.rejects(root, first) == [], "L1 → L2 → L3 is three levels")
        // L1 moves below L0: with L2 and L3 below it the family would have four levels.
        root.drop("2.csv", StateFixture.export(["L1"], ["L1": ["Variant of": "L0"]]).bytes, age: 100)
        let second = try F.run(root)
        #expect(F.rejects(root, second) == ["L1 variant_too_deep"])
        #expect(F.reason(root, second, sku: "L1", rule: "variant_too_deep")?.contains("would have 4 levels") == true)
        // L2 alone may move below L0: L0 → L2 → L3.
        root.drop("3.csv", StateFixture.export(["L2"], ["L2": ["Variant of": "L0"]]).bytes)
        let third = try F.run(root)
        #expect(try F.rejects(root, third) == [] && F.itemCodes(root, third) == ["L2"])
    }

    @Test func kitDepthCountsKitsPrimaAlreadyHas() throws {
        let root = TempRoot("published-kit-depth")
        let chain = ["K1": Self.kit("P"), "K2": Self.kit("K1"), "K3": Self.kit("K2"), "K4": Self.kit("K3"), "K5": Self.kit("K4")]
        root.drop("1.csv", StateFixture.export(["P", "K1", "K2", "K3", "K4", "K5"], chain).bytes, age: 200)
        let first = try F.run(root)
        #expect(F.rejects(root, first) == [], "five levels are allowed")
        root.drop("2.csv", StateFixture.export(["K6"], ["K6": Self.kit("K5")]).bytes)
        let second = try F.run(root)
        #expect(F.rejects(root, second) == ["K6 bom_too_deep"])
        #expect(F.reason(root, second, sku: "K6", rule: "bom_too_deep")?.contains("6 levels") == true)
    }

    @Test func aKitThatReturnsAfterBeingDiscontinuedIsAddedWhole() throws {
        let root = TempRoot("kit-returns", fullMode: true)
        let others = (1...20).map { "S-\($0)" }
        let kit = ["KIT": Self.kit("S-1#2")]
        root.drop("1.csv", StateFixture.export(others + ["KIT"], kit).bytes, age: 300)
        try F.run(root)
        root.drop("2.csv", StateFixture.export(others + ["KIT"], ["KIT": Self.kit("S-1#2").merging(["Status": "Archived"]) { $1 }]).bytes, age: 200)
        let second = try F.run(root)
        #expect(StateFixture.rows(root, second + "/discontinue-0001.csv").map { $0[0] } == ["KIT"])
        // (Relabelled, so the file is not byte-identical to the first one, a duplicate.)
        root.drop("3.csv", StateFixture.export(others + ["KIT"], ["KIT": Self.kit("S-1#2").merging(["Label": "Back again"]) { $1 }]).bytes)
        let third = try F.run(root)
        #expect(try F.itemCodes(root, third) == ["KIT"])
        #expect(try F.bom(root, third) == ["A,KIT,10,S-1,2"])
    }

    @Test func anArchivedVariantDoesNotMakeItsParentAStyle() throws {
        let root = TempRoot("archived-variant")
        root.drop("1.csv", StateFixture.export(["PAR", "OLD-KID"], ["OLD-KID": ["Variant of": "PAR", "Status": "Archived"]]).bytes)
        let run = try F.run(root)
        #expect(try F.itemTypes(root, run) == ["PAR": "STOCK"])
    }

    @Test func anUnchangedVariantGetsItsParentRecordedWhenTheStoreLacksIt() throws {
        let root = TempRoot("relink", fullMode: true)
        let export = StateFixture.export(["PAR", "KID"], ["KID": ["Variant of": "PAR"]])
        root.drop("1.csv", export.bytes, age: 300)
        try F.run(root)
        // As a store from before variants were tracked: no parent recorded.
        let queue = try DatabaseQueue(path: StateStore.path(in: root.layout))
        try queue.write { db in try db.execute(sql: "UPDATE published_item SET parent_sku = NULL, variant_level = 0") }
        try queue.close()
        var again = export
        again.rows[0]["Label"] = "Relabelled parent"
        root.drop("2.csv", again.bytes)
        let second = try F.run(root)
        #expect(try F.itemCodes(root, second) == ["PAR"], "the variant itself is unchanged and not re-sent")
        let parents = try DatabaseQueue(path: StateStore.path(in: root.layout)).read { db in
            try Row.fetchAll(db, sql: "SELECT sku, parent_sku, variant_level FROM published_item ORDER BY sku").map {
                "\($0[0] as String) \(($0[1] as String?) ?? "-") \($0[2] as Int)"
            }
        }
        #expect(parents == ["KID PAR 1", "PAR - 0"])
    }
}
