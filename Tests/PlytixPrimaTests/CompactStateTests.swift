import Foundation
import GRDB
import Testing
@testable import PlytixPrima
import PlytixPrimaTestSupport

/// The state store keeps per-column fingerprints of a published record instead of its import
/// line (`v4-compact-lines`); stores and deltas written before that still diff correctly.
@Suite struct CompactStateTests {
    @Test func fingerprintsNameTheColumnsThatDiffer() {
        let before = ColumnFingerprints(values: ["A", "PX-1", "Pillow", "0.5"])
        let after = ColumnFingerprints(values: ["A", "PX-1", "Linen pillow", "0.5"])
        #expect(before.bytes.count == 16)
        #expect(before.changedColumns(comparedTo: after) == [2])
        #expect(before.changedColumns(comparedTo: before) == [])
        // A column only one side has counts as changed.
        #expect(before.changedColumns(comparedTo: ColumnFingerprints(values: ["A", "PX-1", "Pillow"])) == [3])
    }

    /// The stored form: stores keep these bytes, so they must never change from one build to the next.
    @Test func fingerprintsAreBigEndianCRC32sOfEachValuesUTF8() {
        let values = ["A", "", "The quick brown fox jumps over the lazy dog", "Café — 20 × 30 cm"]
        let expected: [UInt32] = [0xD3D9_9E8B, 0, 0x414F_A339, 0x957D_62D4]
        let bytes = expected.flatMap { crc in [24, 16, 8, 0].map { UInt8(truncatingIfNeeded: crc >> $0) } }
        #expect(ColumnFingerprints(values: values).bytes == bytes)
        // A value made from a slice of a longer string reads the same.
        let sliced = values.map { String(("<" + $0 + ">").dropFirst().dropLast()) }
        #expect(ColumnFingerprints(values: sliced).bytes == bytes)
    }

    /// A delta written before `v4-compact-lines` (a crash between publish and commit, then an
    /// upgrade) carries whole lines in `U` records; they are still read and applied.
    @Test func aDeltaWithImportLinesIsStillRead() throws {
        let root = TempRoot("compact-old-delta")
        let path = root.path + "/old.delta"
        let run = RunRecord(
            runID: "20261127T000000.000000Z-00000000", pipeline: DefaultPipeline.name, sourceName: "a.csv", sourceSHA256: "00",
            status: .published, counts: RunCounts(), createdAt: Date())
        do {
            let file = try BinaryRecordWriter(path: path)
            file.putByte(UInt8(ascii: "H"))
            file.putBytes(try JSONOutput.encode(run))
            file.putByte(UInt8(ascii: "U"))
            file.putString("PX-1")
            file.putBytes([UInt8](repeating: 7, count: 16))
            file.putBytes(Array("A,PX-1,Pillow\r\n".utf8))
            file.putInt(Int.min)
            try file.sync()
        }
        let reader = try StateDeltaReader(path: path)
        let entry = try #require(try reader.next())
        guard case .upsert(let sku, _, let columns, let modified, _, _, let sourcePrint) = entry, sourcePrint == 0 else {
            Issue.record("expected an upsert, got \(entry)")
            return
        }
        #expect(sku == "PX-1" && modified == nil)
        #expect(columns == .legacyLine(Array("A,PX-1,Pillow\r\n".utf8)))
    }

    /// A store from before `v4-compact-lines` is migrated on open; its rows keep their import
    /// lines, which still name the changed columns, and a SKU published again gets fingerprints.
    @Test func aStoreWithImportLinesIsMigratedAndStillNamesChangedColumns() throws {
        let root = TempRoot("compact-migrate", fullMode: true)
        let catalogue = DiffTests.skus("M", 6)
        root.drop("one.csv", StateFixture.export(catalogue).bytes, age: 180)
        #expect(try StateFixture.run(root).status == 0)
        let firstRun = try #require(root.runs().first)
        try Self.turnIntoV1Store(root, publishedLines: try #require(root.text(firstRun + "/items-0001.csv")))
        let legacyLines = try DatabaseQueue(path: StateStore.path(in: root.layout)).read { db in
            try Int.fetchOne(db, sql: "SELECT count(*) FROM published_item WHERE length(line) > 100")
        }
        #expect(legacyLines == catalogue.count)

        root.drop("two.csv", StateFixture.export(catalogue, [
            "M-01": ["Colour": "Blue"],
            "M-02": ["Label": "Linen pillow", "Weight (kg)": "0.45"],
        ]).bytes, age: 120)
        let second = try StateFixture.run(root)
        #expect(second.status == 0, "\(second.summary)")
        let secondRun = try #require(root.runs().last)
        #expect(try root.manifest(secondRun).counts == RunCounts(read: 6, accepted: 6, updated: 2, unchanged: 4))
        let secondDiff = try #require(try StateFixture.report(root, secondRun)["diff"] as? [String: Any])
        #expect(secondDiff["updated_columns"] as? [[String: [String]]] == [["M-01": ["Colour"]], ["M-02": ["Description", "NetWeightKg"]]])

        let migrated = try StateFixture.snapshot(root)
        let bySKU = Dictionary(uniqueKeysWithValues: migrated.items.map { ($0.sku, $0) })
        #expect(bySKU["M-02"]?.columns[4] == StateFixture.fingerprint("Linen pillow") && bySKU["M-02"]?.legacyLine == "")
        #expect(bySKU["M-03"]?.columns == [] && bySKU["M-03"]?.legacyLine.hasPrefix("A,M-03,") == true)

        // An older binary (rolled back to) published M-01 in green: it wrote the hash and the
        // line and left the fingerprints from run two (blue) behind, so the line is what counts.
        let m01 = try #require(root.text(secondRun + "/items-0001.csv")?.components(separatedBy: "\r\n").first { $0.hasPrefix("U,M-01,") })
        let greenLine = "A" + m01.dropFirst().replacingOccurrences(of: ",Blue,", with: ",Green,") + "\r\n"
        #expect(greenLine.contains(",Green,"))
        try DatabaseQueue(path: StateStore.path(in: root.layout)).write { db in
            try db.execute(
                sql: "UPDATE published_item SET line = ?, record_hash = ? WHERE sku = 'M-01'",
                arguments: [Data(greenLine.utf8), Data(RecordHash(line: Array(greenLine.utf8)).bytes)])
        }

        // Fingerprinted (M-02), still-legacy (M-03) and rolled-back (M-01) rows side by side.
        root.drop("three.csv", StateFixture.export(catalogue, [
            "M-01": ["Colour": "Blue"],
            "M-02": ["Label": "Linen pillow", "Weight (kg)": "0.5"],
            "M-03": ["Colour": "Red"],
        ]).bytes)
        #expect(try StateFixture.run(root).status == 0)
        let thirdRun = try #require(root.runs().last)
        let thirdDiff = try #require(try StateFixture.report(root, thirdRun)["diff"] as? [String: Any])
        #expect(thirdDiff["updated_columns"] as? [[String: [String]]] == [
            ["M-01": ["Colour"]], ["M-02": ["NetWeightKg"]], ["M-03": ["Colour"]],
        ])
    }

    /// Rewrites a store as the `v1` schema held it: every row with its whole published line,
    /// no fingerprint column, and `v4-compact-lines` not applied.
    static func turnIntoV1Store(_ root: TempRoot, publishedLines items: String) throws {
        let lines = items.components(separatedBy: "\r\n").dropFirst().filter { !$0.isEmpty }
        let queue = try DatabaseQueue(path: StateStore.path(in: root.layout))
        try queue.write { db in
            for line in lines {
                let sku = line.split(separator: ",")[1]
                try db.execute(
                    sql: "UPDATE published_item SET line = ?, column_prints = NULL WHERE sku = ?",
                    arguments: [Data((line + "\r\n").utf8), String(sku)])
            }
            try db.execute(sql: "ALTER TABLE published_item DROP COLUMN column_prints")
            try db.execute(sql: "DELETE FROM grdb_migrations WHERE identifier = 'v4-compact-lines'")
        }
    }
}
