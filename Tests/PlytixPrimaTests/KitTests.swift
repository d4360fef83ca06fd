import Foundation
import Testing
@testable import PlytixPrima
import PlytixPrimaTestSupport

/// Kits and bundles (`Bundle Contents`): KIT items after their components, `bom-NNNN.csv`,
/// missing, rejected and nested components, loops, kits that change, and chunk boundaries.
@Suite struct KitTests {
    typealias F = RelationshipFixture

    static func kit(_ contents: String) -> [String: String] { ["Bundle Contents": contents] }

    @Test func aKitFollowsItsComponentsAndGetsABillOfMaterials() throws {
        let root = TempRoot("kits-basic")
        var export = ExportBuilder()
        export.add("KIT-1", Self.kit("PILLOW-1#2, SHEET-1"))
        export.add("PILLOW-1")
        export.add("SHEET-1")
        root.drop("export.csv", export.bytes)
        let run = try F.run(root)
        #expect(try F.itemCodes(root, run) == ["PILLOW-1", "SHEET-1", "KIT-1"])
        #expect(try F.itemTypes(root, run)["KIT-1"] == "KIT")
        #expect(try F.bom(root, run) == ["A,KIT-1,10,PILLOW-1,2", "A,KIT-1,20,SHEET-1,1"])
        let manifest = try root.manifest(run)
        #expect(manifest.files.map(\.name) == ["items-0001.csv", "bom-0001.csv", "rejects.csv", "report.json"])
        #expect(manifest.files.map(\.kind) == ["items", "bom", "rejects", "report"])
        let text = try #require(root.text(run + "/bom-0001.csv"))
        #expect(text.hasPrefix("Action,ParentItemCode,LineNo,ComponentItemCode,QuantityPer\r\n"))
        let relationships = try #require(try StateFixture.report(root, run)["relationships"] as? [String: Int])
        #expect(relationships["kits"] == 1 && relationships["kits_added"] == 1 && relationships["bom_lines"] == 2)
        #expect(StateFixture.manifestProblems(root) == [])
    }

    @Test func missingAndRejectedComponentsRejectTheKitNamingEveryOne() throws {
        let root = TempRoot("kits-missing")
        var export = ExportBuilder()
        export.add("KIT-M", Self.kit("GHOST-1#1,OK-1#1,GHOST-2#3,DRAFT-1"))
        export.add("KIT-R", Self.kit("BAD-1#1,OK-1"))
        export.add("KIT-BOTH", Self.kit("BAD-1,GHOST-3"))
        export.add("OK-1")
        export.add("DRAFT-1", ["Status": "Draft"])
        export.add("BAD-1", ["Weight (kg)": "heavy"])
        root.drop("export.csv", export.bytes)
        let run = try F.run(root)
        #expect(Set(F.rejects(root, run)) == [
            "KIT-M unknown_component", "KIT-R component_rejected", "BAD-1 number",
            "KIT-BOTH unknown_component", "KIT-BOTH component_rejected",
        ])
        let missing = try #require(F.reason(root, run, sku: "KIT-M", rule: "unknown_component"))
        #expect(missing.contains("3 components") && missing.contains("'GHOST-1'") && missing.contains("'GHOST-2'") && missing.contains("'DRAFT-1'"))
        #expect(!missing.contains("'OK-1'"))
        #expect(F.reason(root, run, sku: "KIT-R", rule: "component_rejected")?.contains("'BAD-1' is rejected") == true)
        let line = try #require(StateFixture.rows(root, run + "/rejects.csv").first { $0[2] == "KIT-M" })
        #expect(line[3] == "Bundle Contents" && line[7] == "ItemType")
        #expect(try F.itemCodes(root, run) == ["OK-1"])
        #expect(try F.bom(root, run) == [])
        #expect(try root.manifest(run).counts == RunCounts(read: 6, accepted: 1, rejected: 4, skipped: 1, new: 1))
    }

    @Test func nestedKitsComeAfterTheKitsTheyHold() throws {
        let root = TempRoot("kits-nested")
        var export = ExportBuilder()
        export.add("GIFTBOX", Self.kit("BEDSET#1,CARD#1"))
        export.add("BEDSET", Self.kit("PILLOW#2,DUVET#1"))
        export.add("PILLOW")
        export.add("DUVET")
        export.add("CARD")
        root.drop("export.csv", export.bytes)
        let run = try F.run(root)
        #expect(try F.itemCodes(root, run) == ["PILLOW", "DUVET", "CARD", "BEDSET", "GIFTBOX"])
        #expect(Set(try F.bom(root, run)) == [
            "A,GIFTBOX,10,BEDSET,1", "A,GIFTBOX,20,CARD,1", "A,BEDSET,10,PILLOW,2", "A,BEDSET,20,DUVET,1",
        ])
        #expect(try F.orderingProblems(root) == [])
    }

    @Test func loopsThroughNestedKitsAndKitsHoldingThemselves() throws {
        let root = TempRoot("kits-cycle")
        var export = ExportBuilder()
        export.add("KA", Self.kit("KB#1,P1"))
        export.add("KB", Self.kit("KA#1"))
        export.add("KC", Self.kit("KA#1"))
        export.add("KSELF", Self.kit("KSELF#1,P1"))
        export.add("P1")
        root.drop("export.csv", export.bytes)
        let run = try F.run(root)
        #expect(Set(F.rejects(root, run)) == ["KA bom_cycle", "KB bom_cycle", "KC component_rejected", "KSELF bom_cycle"])
        #expect(F.reason(root, run, sku: "KSELF", rule: "bom_cycle")?.contains("lists itself") == true)
        #expect(F.reason(root, run, sku: "KA", rule: "bom_cycle")?.contains("'KB'") == true)
        #expect(try F.itemCodes(root, run) == ["P1"])
    }

    @Test func duplicateComponentsAndBadQuantitiesAreRejected() throws {
        let root = TempRoot("kits-rows")
        var export = ExportBuilder()
        export.add("K-DUP", Self.kit("P1#1,P1#2"))
        export.add("K-QTY", Self.kit("P1#0,P2#-2"))
        export.add("K-WORD", Self.kit("P1#two"))
        export.add("K-OK", Self.kit("P1#1.5,P2#3"))
        export.add("P1")
        export.add("P2")
        root.drop("export.csv", export.bytes)
        let run = try F.run(root)
        #expect(Set(F.rejects(root, run)) == ["K-DUP duplicate_component", "K-QTY invalid_quantity", "K-WORD invalid_quantity"])
        #expect(try F.bom(root, run) == ["A,K-OK,10,P1,1.5", "A,K-OK,20,P2,3"])
    }

    @Test func anUnchangedKitIsNotResentAChangedOneIsReplacedWholeAndAFormerKitLosesItsBOM() throws {
        let root = TempRoot("kits-diff")
        let parts = ["P1", "P2", "P3"]
        root.drop("1.csv", StateFixture.export(parts + ["KIT", "KIT2"], ["KIT": Self.kit("P1#1,P2#2"), "KIT2": Self.kit("P3")]).bytes, age: 400)
        let first = try F.run(root)
        #expect(try F.bom(root, first) == ["A,KIT,10,P1,1", "A,KIT,20,P2,2", "A,KIT2,10,P3,1"])

        // The same kits again: nothing to send.
        root.drop("2.csv", StateFixture.export(parts + ["KIT", "KIT2"], ["KIT": Self.kit("P1#1, P2#2"), "KIT2": Self.kit("P3#1")]).bytes, age: 300)
        let second = try F.run(root)
        #expect(try F.itemCodes(root, second) == [] && (try F.bom(root, second)) == [])
        #expect(try root.manifest(second).counts.unchanged == 5)

        // KIT's quantity changes: the item is updated and its whole set replaced (`R`), never a line diff.
        root.drop("3.csv", StateFixture.export(["KIT"], ["KIT": Self.kit("P1#1,P2#3")]).bytes, age: 200)
        let third = try F.run(root)
        #expect(try F.items(root, third).map { "\($0[0]),\($0[1]),\($0[3])" } == ["U,KIT,KIT"])
        #expect(try F.bom(root, third) == ["R,KIT,10,P1,1", "R,KIT,20,P2,3"])
        let relationships = try #require(try StateFixture.report(root, third)["relationships"] as? [String: Int])
        #expect(relationships["kits_replaced"] == 1 && relationships["kits_added"] == 0)

        // Only the label changes: the item goes, the bill of materials does not.
        root.drop("4.csv", StateFixture.export(["KIT"], ["KIT": Self.kit("P1#1,P2#3").merging(["Label": "New label"]) { $1 }]).bytes, age: 100)
        let fourth = try F.run(root)
        #expect(try F.itemCodes(root, fourth) == ["KIT"] && (try F.bom(root, fourth)) == [])

        // KIT2 is no longer a kit: a stock item again, and its bill of materials is removed.
        root.drop("5.csv", StateFixture.export(["KIT2"]).bytes)
        let fifth = try F.run(root)
        #expect(try F.items(root, fifth).map { "\($0[0]),\($0[1]),\($0[3])" } == ["U,KIT2,STOCK"])
        #expect(try F.bom(root, fifth) == ["D,KIT2,,,"])
        #expect(try F.orderingProblems(root) == [])
    }

    @Test func aKitsLinesNeverStraddleTwoFiles() throws {
        let root = TempRoot("kits-chunks")
        let yaml = TempRoot.pipelineYAML.replacingOccurrences(of: "    rows_per_chunk: 5000        # a kit's", with: "    rows_per_chunk: 5           # a kit's")
        #expect(yaml != TempRoot.pipelineYAML)
        root.writePipeline(yaml: yaml)
        let parts = (1...8).map { "P\($0)" }
        func contents(_ count: Int) -> String { parts.prefix(count).joined(separator: ",") }
        let export = StateFixture.export(parts + ["K3A", "K3B", "K8", "K2"], [
            "K3A": Self.kit(contents(3)), "K3B": Self.kit(contents(3)), "K8": Self.kit(contents(8)), "K2": Self.kit(contents(2)),
        ])
        root.drop("export.csv", export.bytes)
        let run = try F.run(root)
        let bomFiles = try root.manifest(run).files.filter { $0.kind == "bom" }
        #expect(bomFiles.map(\.name) == ["bom-0001.csv", "bom-0002.csv", "bom-0003.csv", "bom-0004.csv"])
        #expect(bomFiles.map(\.rows) == [3, 3, 8, 2], "K3A; K3B (6 would pass 5); K8 alone, over the limit; K2")
        let kitsPerFile = bomFiles.map { Set(StateFixture.rows(root, run + "/" + $0.name).map { $0[1] }) }
        #expect(kitsPerFile == [["K3A"], ["K3B"], ["K8"], ["K2"]])
        #expect(try F.orderingProblems(root) == [])
        #expect(StateFixture.manifestProblems(root) == [])
    }
}
