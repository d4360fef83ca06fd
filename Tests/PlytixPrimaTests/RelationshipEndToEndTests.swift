import Foundation
import Testing
@testable import PlytixPrima
import PlytixPrimaTestSupport

/// The import-order promise end to end: a generated catalogue with variants, sub-variants and
/// kits, written children-first, published twice; no row of any published file references an item
/// that is not published earlier in manifest order or known from a previous run.
@Suite struct RelationshipEndToEndTests {
    typealias F = RelationshipFixture

    /// A generated export, parsed, rows reversed (every variant and kit before what it references).
    static func reversedSample(rows: Int, in directory: TempDirectory) throws -> (header: [String], rows: [[String]], summary: SampleExportSummary) {
        let path = directory.path + "/sample.csv"
        let summary = try SampleExport.write(SampleExportOptions(rows: rows, kitRate: 0.06, variantRate: 0.35, descriptionBytes: 80), to: path)
        let table = parseCSV(try #require(directory.readText("sample.csv")))
        return (table[0], Array(table.dropFirst().reversed()), summary)
    }

    static func csv(_ header: [String], _ rows: [[String]]) -> String {
        func quote(_ value: String) -> String { "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }
        return ([header] + rows).map { $0.map(quote).joined(separator: ",") }.joined(separator: "\r\n") + "\r\n"
    }

    @Test func everyReferenceIsPublishedEarlierInManifestOrder() throws {
        let root = TempRoot("relationships-e2e", fullMode: true)
        root.writePipeline(yaml: DefaultPipeline.yaml.replacingOccurrences(of: "  rows_per_chunk: 5000\n  max_chunk", with: "  rows_per_chunk: 150\n  max_chunk")
            .replacingOccurrences(of: "    rows_per_chunk: 5000        # a kit's", with: "    rows_per_chunk: 40          # a kit's"))
        let sample = try Self.reversedSample(rows: 1500, in: root.directory)
        let column = Dictionary(uniqueKeysWithValues: sample.header.enumerated().map { ($1, $0) })
        let (sku, variantOf, contents, label) = (column["SKU"]!, column["Variant of"]!, column["Bundle Contents"]!, column["Label"]!)
        root.drop("catalogue-1.csv", Self.csv(sample.header, sample.rows), age: 300)
        let first = try F.run(root)

        let report = try StateFixture.report(root, first)
        let relationships = try #require(report["relationships"] as? [String: Int])
        #expect(relationships["variants"] == sample.summary.variants && relationships["kits"] == sample.summary.kits)
        #expect(sample.summary.variants > 400 && sample.summary.kits > 60)
        let counts = try root.manifest(first).counts
        #expect(counts.rejected == sample.summary.defective, "only the planted defects are rejected: \(report["rejects_by_rule"] ?? "")")
        #expect(try root.manifest(first).files.filter { $0.kind == "items" }.count > 5, "several item chunks")
        #expect(try root.manifest(first).files.filter { $0.kind == "bom" }.count > 1, "several BOM chunks")
        #expect(try F.orderingProblems(root) == [])

        // The same catalogue with some labels and kit quantities changed.
        var changed = sample.rows
        var changedKits: Set<String> = []
        for index in changed.indices where index % 7 == 0 {
            if !changed[index][contents].isEmpty {
                changed[index][contents] = changed[index][contents].split(separator: ",").map { $0.split(separator: "#")[0] + "#5" }.joined(separator: ",")
                changedKits.insert(changed[index][sku])
            } else if !changed[index][variantOf].isEmpty || index % 2 == 0 {
                changed[index][label] += " v2"
            }
        }
        root.drop("catalogue-2.csv", Self.csv(sample.header, changed))
        let second = try F.run(root)
        let bom = try F.bom(root, second)
        #expect(Set(bom.map { $0.split(separator: ",", omittingEmptySubsequences: false)[1] }.map(String.init)) == changedKits)
        #expect(bom.allSatisfy { $0.hasPrefix("R,") && $0.hasSuffix(",5") })
        #expect(try root.manifest(second).counts.updated > 50)
        #expect(try F.orderingProblems(root) == [])
        #expect(StateFixture.manifestProblems(root) == [])
    }
}

/// Variants and kits read from an XML channel (`variant_of`, `bundle_contents`).
@Suite struct XMLRelationshipTests {
    typealias F = RelationshipFixture

    static func product(_ sku: String, _ overrides: [String: String] = [:]) -> String {
        let fields = ExportBuilder.validProduct(sku).merging(overrides) { $1 }
        let elements = fields.sorted { $0.key < $1.key }.map { key, value in
            let name = FieldSource.xmlName(for: key)
            let escaped = value.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            return "<\(name)>\(escaped)</\(name)>"
        }
        return "<product>" + elements.joined() + "</product>"
    }

    @Test func relationshipsFromXMLElements() throws {
        let root = TempRoot("relationships-xml")
        let products = [
            Self.product("KIT-1", ["Bundle Contents": "VAR-1#2,PLAIN-1"]),
            Self.product("VAR-1", ["Variant of": "PAR-1"]),
            Self.product("ORPHAN", ["Variant of": "NOBODY"]),
            Self.product("PAR-1"),
            Self.product("PLAIN-1"),
        ]
        root.drop("export.xml", "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<products>" + products.joined(separator: "\n") + "</products>\n")
        let run = try F.run(root)
        #expect(try F.itemCodes(root, run) == ["PLAIN-1", "PAR-1", "VAR-1", "KIT-1"])
        #expect(try F.itemTypes(root, run) == ["PLAIN-1": "STOCK", "PAR-1": "STYLE", "VAR-1": "STOCK", "KIT-1": "KIT"])
        #expect(try F.bom(root, run) == ["A,KIT-1,10,VAR-1,2", "A,KIT-1,20,PLAIN-1,1"])
        let reject = try #require(StateFixture.rows(root, run + "/rejects.csv").first)
        #expect(reject[2] == "ORPHAN" && reject[3] == "variant_of" && reject[5] == "unknown_parent")
        #expect(try F.orderingProblems(root) == [])
    }
}
