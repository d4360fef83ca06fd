import Foundation
import GRDB
import Testing
@testable import PlytixPrima
import PlytixPrimaTestSupport

/// The diff's fast path (`SourcePrint`): an export row identical to the one its Prima record was
/// published from is not validated or transformed again, and nothing about the outcome may
/// differ from mapping it in full: item types that change, relationships through such rows,
/// configuration and store changes, and the finance review.
@Suite struct SourcePrintTests {
    typealias F = RelationshipFixture

    static func diff(_ root: TempRoot, _ run: String) throws -> [String: Any] {
        try #require(try StateFixture.report(root, run)["diff"] as? [String: Any])
    }

    static func skus(_ count: Int) -> [String] { (0..<count).map { "P-\($0 + 10)" } }

    static func export(_ skus: [String], _ overrides: [String: [String: String]] = [:]) -> ExportBuilder {
        var export = ExportBuilder()
        for sku in skus { export.add(sku, overrides[sku] ?? [:]) }
        return export
    }

    static func execute(_ root: TempRoot, _ sql: String) throws {
        let queue = try DatabaseQueue(path: root.path + "/state/plytix-prima.sqlite")
        try queue.write { db in try db.execute(sql: sql) }
    }

    @Test func unchangedRowsSkipMappingAndOnlyTheChangedOneIsSent() throws {
        let root = TempRoot("print-basic")
        root.drop("one.csv", Self.export(Self.skus(12)).bytes)
        let first = try F.run(root)
        #expect(try Self.diff(root, first)["unchanged_export_rows"] as? Int == 0)

        root.drop("two.csv", Self.export(Self.skus(12), ["P-11": ["Weight (kg)": "0.50"]]).bytes)
        let second = try F.run(root)
        #expect(try root.manifest(second).counts == RunCounts(read: 12, accepted: 12, updated: 1, unchanged: 11))
        #expect(try Self.diff(root, second)["unchanged_export_rows"] as? Int == 11)
        #expect(try F.items(root, second).map { "\($0[0]) \($0[1])" } == ["U P-11"])
        // The changed row's new print is kept, so a third export identical to the second maps nothing.
        root.drop("three.csv", Self.export(Self.skus(12), ["P-11": ["Weight (kg)": "0.50"], "P-12": ["Label": "Renamed"]]).bytes)
        let third = try F.run(root)
        #expect(try Self.diff(root, third)["unchanged_export_rows"] as? Int == 11)
        #expect(try F.items(root, third).map { "\($0[0]) \($0[1])" } == ["U P-12"])
    }

    @Test func aStockItemThatGainsItsFirstVariantIsSentAsAStyleAndBackAgain() throws {
        let root = TempRoot("print-style")
        root.drop("one.csv", Self.export(["PLAIN-1", "OTHER-1"]).bytes)
        try F.run(root)

        // PLAIN-1's row is the same, but a new variant now names it: it must become a style.
        var second = Self.export(["PLAIN-1", "OTHER-1"])
        second.add("VAR-1", ["Variant of": "PLAIN-1"])
        root.drop("two.csv", second.bytes)
        let run2 = try F.run(root)
        #expect(try F.items(root, run2).map { "\($0[0]) \($0[1]) \($0[3])" } == ["U PLAIN-1 STYLE", "A VAR-1 STOCK"])
        #expect(try Self.diff(root, run2)["remapped_for_item_type"] as? Int == 1)
        #expect(try Self.diff(root, run2)["unchanged_export_rows"] as? Int == 1)
        #expect(try root.manifest(run2).counts == RunCounts(read: 3, accepted: 3, new: 1, updated: 1, unchanged: 1))
        #expect(try F.orderingProblems(root) == [])

        // The same three rows again: the style is what Prima has, nothing is sent.
        var third = second
        third.add("NEW-1")
        root.drop("three.csv", third.bytes)
        let run3 = try F.run(root)
        #expect(try F.items(root, run3).map { "\($0[0]) \($0[1])" } == ["A NEW-1"])
        #expect(try Self.diff(root, run3)["unchanged_export_rows"] as? Int == 3)

        // VAR-1 moves to OTHER-1: PLAIN-1 is a stock item again, OTHER-1 a style.
        var fourth = Self.export(["PLAIN-1", "OTHER-1", "NEW-1"])
        fourth.add("VAR-1", ["Variant of": "OTHER-1"])
        root.drop("four.csv", fourth.bytes)
        let run4 = try F.run(root)
        let types = try F.items(root, run4).map { "\($0[0]) \($0[1]) \($0[3])" }
        // PLAIN-1 stays a style while Prima's VAR-1 still names it (a published variant counts).
        #expect(types == ["U OTHER-1 STYLE", "U VAR-1 STOCK"], "\(types)")
        #expect(try Self.diff(root, run4)["remapped_for_item_type"] as? Int == 1)

        // Once Prima's VAR-1 names OTHER-1, PLAIN-1's unchanged row goes out as a stock item again.
        fourth.add("NEW-2")
        root.drop("five.csv", fourth.bytes)
        let run5 = try F.run(root)
        // Mapped again after the other rows; both are standalone, so either order imports.
        #expect(try F.items(root, run5).map { "\($0[0]) \($0[1]) \($0[3])" } == ["A NEW-2 STOCK", "U PLAIN-1 STOCK"])
        #expect(try Self.diff(root, run5)["remapped_for_item_type"] as? Int == 1)
        #expect(try Self.diff(root, run5)["unchanged_export_rows"] as? Int == 3)
    }

    @Test func relationshipsThroughUnmappedRowsStillHold() throws {
        let root = TempRoot("print-relationships")
        var export = Self.export(["PAR-1", "COMP-1", "COMP-2"])
        export.add("VAR-1", ["Variant of": "PAR-1"])
        export.add("KIT-1", ["Bundle Contents": "COMP-1#2,COMP-2"])
        root.drop("one.csv", export.bytes)
        try F.run(root)

        // The parent turns invalid: its unchanged variant goes with it. A new kit is built from
        // unchanged components, and the unchanged kit keeps its bill of materials unsent.
        var second = Self.export(["PAR-1", "COMP-1", "COMP-2"], ["PAR-1": ["GTIN": "123"]])
        second.add("VAR-1", ["Variant of": "PAR-1"])
        second.add("KIT-1", ["Bundle Contents": "COMP-1#2,COMP-2"])
        second.add("KIT-2", ["Bundle Contents": "KIT-1,COMP-2#3"])
        root.drop("two.csv", second.bytes)
        let run = try F.run(root)
        #expect(F.rejects(root, run) == ["PAR-1 gtin", "VAR-1 parent_rejected"])
        #expect(try F.itemCodes(root, run) == ["KIT-2"])
        #expect(try F.bom(root, run) == ["A,KIT-2,10,KIT-1,1", "A,KIT-2,20,COMP-2,3"])
        #expect(try Self.diff(root, run)["unchanged_export_rows"] as? Int == 3)
        let relationships = try #require(try StateFixture.report(root, run)["relationships"] as? [String: Int])
        #expect(relationships["kits"] == 2 && relationships["variants"] == 0 && relationships["styles"] == 0)
    }

    @Test func aChangedPipelineMapsEveryRowAgain() throws {
        let root = TempRoot("print-config")
        root.drop("one.csv", Self.export(Self.skus(5)).bytes)
        try F.run(root)
        // Upper-cased descriptions: the same rows now give other records.
        root.writePipeline(yaml: TempRoot.pipelineYAML.replacingOccurrences(
            of: "    transforms: [collapse_whitespace]\n    max_length: 60", with: "    transforms: [collapse_whitespace, upper_case]\n    max_length: 60"))
        root.drop("two.csv", Self.export(Self.skus(5) + ["NEW-1"]).bytes)
        let run = try F.run(root)
        #expect(try Self.diff(root, run)["unchanged_export_rows"] as? Int == 0)
        let items = try F.items(root, run)
        #expect(items.filter { $0[0] == "U" }.count == 5 && items.allSatisfy { $0[4] == $0[4].uppercased() }, "\(items)")
    }

    @Test func aRecordRewrittenWithoutItsPrintIsMappedInFull() throws {
        let root = TempRoot("print-rewritten")
        root.drop("one.csv", Self.export(Self.skus(4)).bytes)
        try F.run(root)
        // Another binary published P-10 since (a different record), leaving the print behind;
        // and P-11's print was never kept (a store from before prints).
        try Self.execute(root, "UPDATE published_item SET record_hash = zeroblob(16) WHERE sku = 'P-10'")
        try Self.execute(root, "UPDATE published_item SET source_print = NULL WHERE sku = 'P-11'")
        root.drop("two.csv", Self.export(Self.skus(4) + ["NEW-1"]).bytes)
        let run = try F.run(root)
        #expect(try F.items(root, run).map { "\($0[0]) \($0[1])" } == ["U P-10", "A NEW-1"])
        #expect(try Self.diff(root, run)["unchanged_export_rows"] as? Int == 2)
        // Both prints are kept again: nothing but the new row is mapped next time.
        root.drop("three.csv", Self.export(Self.skus(4) + ["NEW-1", "NEW-2"]).bytes)
        let third = try F.run(root)
        #expect(try Self.diff(root, third)["unchanged_export_rows"] as? Int == 5)
        #expect(try F.itemCodes(root, third) == ["NEW-2"])
    }

    @Test func absentAndEmptyFieldsPrintApart() throws {
        let config = try PipelineLoader.parse(yaml: DefaultPipeline.yaml, name: DefaultPipeline.name, path: "x.yml")
        let printer = SourcePrinter(config: config, format: .csv)
        var scratch: [UInt8] = []
        let absent = printer.print(of: SourceRow(line: 2, values: ["A", nil, "B"]), scratch: &scratch)
        let empty = printer.print(of: SourceRow(line: 2, values: ["A", "", "B"]), scratch: &scratch)
        let joined = printer.print(of: SourceRow(line: 9, values: ["A", "B", ""]), scratch: &scratch)
        let same = printer.print(of: SourceRow(line: 7, values: ["A", nil, "B"]), scratch: &scratch)
        #expect(absent != empty && empty != joined && absent == same)
        #expect(SourcePrinter(config: config, format: .xml).print(of: SourceRow(line: 2, values: ["A", nil, "B"]), scratch: &scratch) != absent)
        var other = config
        other.columns[1].maxLength = 7
        #expect(SourcePrinter(config: other, format: .csv).print(of: SourceRow(line: 2, values: ["A", nil, "B"]), scratch: &scratch) != absent)
    }

    @Test func theFinanceReviewStillComparesUnmappedRows() throws {
        let root = TempRoot("print-finance")
        FinanceFixture.drop(root, "price-list.csv", FinanceFixture.priceList([("P-10", "RETAIL", "25.00", "S"), ("P-11", "RETAIL", "19.99", "S")]))
        FinanceFixture.drop(root, "vat-codes.csv", FinanceFixture.standardVATCodes)
        let first = try FinanceFixture.run(root, export: Self.export(Self.skus(2)), name: "one.csv").run
        let second = try FinanceFixture.run(root, export: Self.export(Self.skus(2) + ["NEW-1"]), name: "two.csv").run
        #expect(try Self.diff(root, second)["unchanged_export_rows"] as? Int == 2)
        for (run, expected) in [(first, ["P-10 price_differs"]), (second, ["P-10 price_differs", "NEW-1 no_prima_price"])] {
            let review = (FinanceFixture.review(root, run) ?? []).map { "\($0["ItemCode"] ?? "") \($0["ReasonCode"] ?? "")" }
            #expect(review == expected, "\(run): \(review)")
        }
    }

    /// XML read through gzip: unchanged products skip mapping, and a parent that becomes a
    /// style is read again (the whole compressed stream) and sent.
    /// One product per line, and all products on one line (where every row starts on line 1,
    /// so the second read must pick the row by its SKU too).
    @Test(arguments: ["\n", ""])
    func aGzippedXMLExportTakesTheFastPathAndRemapsAStyle(separator: String) throws {
        let root = TempRoot("print-xml")
        func export(_ products: [String]) throws -> [UInt8] {
            try gzip(Array(("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<products>" + products.joined(separator: separator) + "</products>\n").utf8))
        }
        let base = ["PLAIN-1", "PLAIN-2", "PLAIN-3"].map { XMLRelationshipTests.product($0) }
        root.drop("one.xml.gz", try export(base))
        try F.run(root)
        root.drop("two.xml.gz", try export(base + [XMLRelationshipTests.product("VAR-1", ["Variant of": "PLAIN-2"])]))
        let run = try F.run(root)
        #expect(try F.items(root, run).map { "\($0[0]) \($0[1]) \($0[3])" } == ["U PLAIN-2 STYLE", "A VAR-1 STOCK"])
        #expect(try Self.diff(root, run)["unchanged_export_rows"] as? Int == 2)
        #expect(try Self.diff(root, run)["remapped_for_item_type"] as? Int == 1)
        #expect(try F.orderingProblems(root) == [])
    }

    /// A Windows-1252 export: rows are printed from their bytes as read, so an accented label
    /// that did not change is recognised, and one that changed by a single byte is sent.
    @Test func aWindows1252ExportIsRecognisedByItsBytes() throws {
        let root = TempRoot("print-cp1252")
        // The input's encoding; the output stays UTF-8.
        root.writePipeline(yaml: TempRoot.pipelineYAML.replacingOccurrences(
            of: "first character)\n  encoding: utf-8", with: "first character)\n  encoding: windows-1252"))
        func export(_ labels: [String: String]) -> [UInt8] {
            let text = Self.export(["P-10", "P-11", "P-12"], labels.mapValues { ["Label": $0] }).csv
            return Array(text.unicodeScalars.map { UInt8(truncatingIfNeeded: $0.value) })
        }
        root.drop("one.csv", export(["P-10": "Crème brûlée dish", "P-11": "Café cup"]))
        let first = try F.run(root)
        #expect(try F.items(root, first).map { $0[1] } == ["P-10", "P-11", "P-12"])
        root.drop("two.csv", export(["P-10": "Crème brûlée dish", "P-11": "Café cups"]))
        let second = try F.run(root)
        let items = try F.items(root, second).map { "\($0[0]) \($0[1]) \($0[4])" }
        #expect(items == ["U P-11 Café cups"], "\(items)")
        #expect(try Self.diff(root, second)["unchanged_export_rows"] as? Int == 2)
    }
}

/// The build's identity must list every library the process has loaded, whatever addresses
/// they were given: `/proc/self/maps` read only as far as its first block gave a different list
/// (and so different prints) from one process to the next.
@Suite struct BuildIdentityTests {
    @Test func everyLoadedLibraryIsListed() throws {
        let listed = Set(BuildIdentity.loadedLibraries().map { ($0 as NSString).lastPathComponent })
        // What the dynamic linker says it loaded, read independently of the code under test.
        let maps = try String(decoding: FileHandle(forReadingAtPath: "/proc/self/maps")!.readToEnd() ?? Data(), as: UTF8.self)
        let mapped = Set(maps.split(separator: "\n").compactMap { line -> String? in
            guard let slash = line.firstIndex(of: "/") else { return nil }
            let path = String(line[slash...])
            return path.hasSuffix(".so") || path.contains(".so.") ? (path as NSString).lastPathComponent : nil
        })
        #expect(mapped.count > 10, "the test process maps the Swift runtime, Foundation, ICU, libxml2, zlib…")
        #expect(mapped.isSubset(of: listed), "missing: \(mapped.subtracting(listed).sorted())")
        for name in ["libc.so.6", "libswiftCore.so", "libFoundation.so"] {
            #expect(listed.contains(name), "\(name)")
        }
    }
}

/// The executable (47 MB for a release build) and the maps file are read a megabyte at a time,
/// to their last byte.
@Suite struct BuildIdentityReadTests {
    @Test func aFileIsReadWholeInBlocks() throws {
        let directory = TempDirectory("identity")
        var generator = SplitMix64(seed: 5)
        let bytes = (0..<(5 << 19) + 123).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
        let path = directory.write("blob", bytes)
        var read: [UInt8] = []
        var blocks = 0
        #expect(BuildIdentity.readToEnd(path) { read.append(contentsOf: $0); blocks += 1 })
        #expect(read == bytes)
        #expect(blocks == 3)
        #expect(!BuildIdentity.readToEnd(directory.path + "/missing") { _ in })
    }
}

/// A print must tell every row apart: an absent field from a value of any length.
@Suite struct SourcePrintEncodingTests {
    static func print(_ fields: [[UInt8]?]) -> [UInt8] {
        var scratch: [UInt8] = []
        for field in fields {
            guard let field else {
                SourcePrinter.appendAbsent(to: &scratch)
                continue
            }
            field.withUnsafeBufferPointer { SourcePrinter.append($0, to: &scratch) }
        }
        return scratch
    }

    /// Every field starts with a tag that says whether a value follows: an absent field (once a
    /// lone 0xFF) can no longer be read as the first byte of a 255-byte value's length.
    @Test func absentFieldsAndLengthsNeverRunTogether() {
        #expect(Self.print([[UInt8](repeating: 0x41, count: 255)]).first != Self.print([nil]).first)
        #expect(Self.print([[UInt8](repeating: 0x41, count: 511)]).first != Self.print([nil]).first)
        #expect(Self.print([nil]) != Self.print([[]]), "absent is not empty")
        #expect(Self.print([nil, []]) != Self.print([[], nil]))
        #expect(Self.print([[0x61, 0x62], [0x63]]) != Self.print([[0x61], [0x62, 0x63]]))
    }
}

extension SourcePrinter {
    /// A row's print from its values' UTF-8, as `RowBatch` prints the same fields' bytes.
    func print(of row: SourceRow, scratch: inout [UInt8]) -> UInt64 {
        begin(&scratch)
        for value in row.values {
            guard var value else {
                Self.appendAbsent(to: &scratch)
                continue
            }
            value.withUTF8 { Self.append($0, to: &scratch) }
        }
        return Self.finish(scratch)
    }
}
