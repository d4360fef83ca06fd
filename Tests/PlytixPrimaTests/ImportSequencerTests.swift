import Foundation
import Testing
@testable import PlytixPrima
import PlytixPrimaTestSupport

/// The import order of item rows: one chunk series, placement by placement, whatever order
/// the rows arrive in; small placements share chunks, large ones keep their own files.
@Suite struct ImportSequencerTests {
    static let parent = ImportPlacement(group: .parent, level: 0)
    static let variant = ImportPlacement(group: .variant, level: 0)
    static let subVariant = ImportPlacement(group: .variant, level: 1)
    static let kit = ImportPlacement(group: .kit, level: 0)

    func run(_ rows: [(String, ImportPlacement)], rowsPerChunk: Int) throws -> (files: [OutputFile], order: [String], leftovers: [String]) {
        let directory = TempDirectory("sequencer")
        var settings = OutputSettings()
        settings.rowsPerChunk = rowsPerChunk
        let sequencer = ImportSequencer(directory: directory.path, headers: ["ItemCode"], settings: settings)
        for (sku, placement) in rows { try sequencer.append(sequencer.encoder.line([sku]), placement: placement) }
        let files = try sequencer.finish()
        let order = files.flatMap { parseCSV(directory.readText($0.name) ?? "").dropFirst().map { $0[0] } }
        let leftovers = directory.list().filter { !files.map(\.name).contains($0) }
        return (files, order, leftovers)
    }

    /// The relationship plan leans on this order: an item it placed no row of (a standalone
    /// item or a parent, level 0) never has to move a variant or a kit that references it
    /// further back, so the plan does not ask which of the two it is.
    @Test func itemsWithoutReferencesComeBeforeEveryVariantAndKit() {
        for group in [ImportPlacement.Group.standalone, .parent] {
            let after = ImportPlacement(group: group, level: 0).next
            for referencing in [ImportPlacement.Group.variant, .kit] {
                #expect(max(ImportPlacement(group: referencing, level: 0), after) == ImportPlacement(group: referencing, level: 0))
            }
        }
        #expect(Self.subVariant == max(Self.variant, Self.variant.next), "a variant below a placed variant goes one level further")
    }

    @Test func rowsFollowPlacementOrderInOneSeries() throws {
        let rows: [(String, ImportPlacement)] = [
            ("K1", Self.kit), ("S1", Self.subVariant), ("V1", Self.variant), ("P1", Self.parent), ("A1", .standalone),
            ("V2", Self.variant), ("A2", .standalone), ("P2", Self.parent),
        ]
        let result = try run(rows, rowsPerChunk: 3)
        #expect(result.order == ["A1", "A2", "P1", "P2", "V1", "V2", "S1", "K1"])
        #expect(result.files.map(\.name) == ["items-0001.csv", "items-0002.csv", "items-0003.csv"])
        #expect(result.files.map(\.rows) == [3, 3, 2], "small placements share chunks")
        #expect(result.leftovers == [], "no scratch file is left")
    }

    @Test func aLargePlacementKeepsItsOwnFilesRenamedIntoTheSeries() throws {
        var rows: [(String, ImportPlacement)] = (1...7).map { ("V\($0)", Self.variant) }
        rows += [("A1", .standalone), ("P1", Self.parent), ("K1", Self.kit)]
        let result = try run(rows, rowsPerChunk: 3)
        #expect(result.order == ["A1", "P1"] + (1...7).map { "V\($0)" } + ["K1"])
        #expect(result.files.map(\.name) == (1...5).map { ChunkWriter.fileName(prefix: "items", number: $0) })
        #expect(result.files.map(\.rows) == [2, 3, 3, 1, 1])
        #expect(result.leftovers == [])
        #expect(result.files.allSatisfy { $0.kind == "items" })
    }

    @Test func nothingToSendStillWritesTheFirstChunk() throws {
        let result = try run([], rowsPerChunk: 3)
        #expect(result.files.map(\.name) == ["items-0001.csv"] && result.files[0].rows == 0)
        let onlyKits = try run([("K1", Self.kit)], rowsPerChunk: 3)
        #expect(onlyKits.files.map(\.name) == ["items-0001.csv"] && onlyKits.order == ["K1"])
    }
}
