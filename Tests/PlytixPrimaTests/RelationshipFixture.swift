import Foundation
import Testing
@testable import PlytixPrima
import PlytixPrimaTestSupport

/// Helpers for the variant and kit tests: run a root in-process, read a run's items, BOM lines and
/// rejects, and check the import-order promise over every published run.
enum RelationshipFixture {
    /// Runs the inbox once and returns the newest run folder.
    @discardableResult
    static func run(_ root: TempRoot) throws -> String {
        let result = try root.runOnce()
        try #require(result.exitCode == 0, "\(result.outcomes)")
        return try #require(root.runs().last)
    }

    /// `SKU → ItemType,ParentItemCode` and the SKUs in import order, over every items file.
    static func items(_ root: TempRoot, _ run: String) throws -> [[String]] {
        try root.manifest(run).files.filter { $0.kind == "items" }.flatMap { StateFixture.rows(root, run + "/" + $0.name) }
    }

    static func itemCodes(_ root: TempRoot, _ run: String) throws -> [String] { try items(root, run).map { $0[1] } }

    /// `SKU → ItemType` of a run's items.
    static func itemTypes(_ root: TempRoot, _ run: String) throws -> [String: String] {
        Dictionary(try items(root, run).map { ($0[1], $0[3]) }, uniquingKeysWith: { a, _ in a })
    }

    /// Every BOM line of a run, as `Action,ParentItemCode,LineNo,ComponentItemCode,QuantityPer`.
    static func bom(_ root: TempRoot, _ run: String) throws -> [String] {
        try root.manifest(run).files.filter { $0.kind == "bom" }.flatMap { StateFixture.rows(root, run + "/" + $0.name) }
            .map { $0.joined(separator: ",") }
    }

    /// `sku rule` per reject line.
    static func rejects(_ root: TempRoot, _ run: String) -> [String] {
        StateFixture.rows(root, run + "/rejects.csv").map { "\($0[2]) \($0[5])" }
    }

    /// The reason column of the reject line for `sku` and `rule`.
    static func reason(_ root: TempRoot, _ run: String, sku: String, rule: String) -> String? {
        StateFixture.rows(root, run + "/rejects.csv").first { $0[2] == sku && $0[5] == rule }?[6]
    }

    /// Problems with the import order over every run so far: each item row's parent, each BOM
    /// line's kit and component must be published earlier in manifest order (in this run or an
    /// earlier one); the kinds must come as items, then bom, then discontinue; no kit's BOM
    /// lines may straddle two files.
    static func orderingProblems(_ root: TempRoot) throws -> [String] {
        var problems: [String] = []
        var published: Set<String> = []
        for run in root.runs() {
            let manifest = try root.manifest(run)
            let importKinds = manifest.files.map(\.kind).filter { ["items", "bom", "discontinue"].contains($0) }
            let order = ["items": 0, "bom": 1, "discontinue": 2]
            if importKinds != importKinds.sorted(by: { order[$0]! < order[$1]! }) { problems.append("\(run): kinds out of order \(importKinds)") }
            var kitsSeen: Set<String> = []
            for file in manifest.files {
                let rows = StateFixture.rows(root, run + "/" + file.name)
                switch file.kind {
                case "items":
                    for row in rows {
                        let parent = row[2]
                        if !parent.isEmpty && !published.contains(parent) {
                            problems.append("\(run)/\(file.name): \(row[1]) references parent \(parent) before it is published")
                        }
                        published.insert(row[1])
                    }
                case "bom":
                    var kitsHere: Set<String> = []
                    for row in rows {
                        if !published.contains(row[1]) { problems.append("\(run)/\(file.name): BOM of unpublished kit \(row[1])") }
                        if row[0] != "D" && !published.contains(row[3]) {
                            problems.append("\(run)/\(file.name): kit \(row[1]) references component \(row[3]) before it is published")
                        }
                        if kitsHere.insert(row[1]).inserted && kitsSeen.contains(row[1]) {
                            problems.append("\(run): the BOM lines of kit \(row[1]) straddle two files")
                        }
                    }
                    kitsSeen.formUnion(kitsHere)
                case "discontinue":
                    for row in rows { published.remove(row[0]) }
                default:
                    break
                }
            }
        }
        return problems
    }
}
