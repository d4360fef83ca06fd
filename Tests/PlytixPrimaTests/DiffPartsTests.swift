import Crypto
import Foundation
import Testing
@testable import PlytixPrima
import PlytixPrimaTestSupport

@Suite struct ExportTimestampTests {
    static let day: Int64 = 1_795_132_800  // 2026-11-20T00:00:00Z
    static let cases: [(String, Int64)] = [
        ("1970-01-01", 0),
        ("2026-11-20", day),
        ("2026-11-20T10:11:12Z", day + 36_672),
        ("2026-11-20 10:11:12", day + 36_672),
        ("2026-11-20T10:11:12.123Z", day + 36_672),
        ("2026-11-20T10:11", day + 36_660),
        ("2026-11-20T11:11:12+01:00", day + 36_672),
        ("2026-11-20T09:41:12-0030", day + 36_672),
        ("2000-02-29T00:00:00Z", 951_782_400),
    ]

    @Test(arguments: cases)
    func parsesISODatesAndTimes(text: String, seconds: Int64) {
        #expect(ExportTimestamp.seconds(text) == seconds)
    }

    @Test(arguments: ["", "yesterday", "20/11/2026", "2026-13-01", "2026-11-20T25:00", "2026-11-20T10:11:12Q", "2026-11-20X10:11"])
    func refusesWhatIsNotAnISOTime(text: String) {
        #expect(ExportTimestamp.seconds(text) == nil)
    }
}

@Suite struct KnownCatalogueTests {
    @Test func findsEverySKUWhateverTheInsertOrder() {
        var catalogue = KnownCatalogue(expectedCount: 500)
        let skus = (0..<500).map { "SKU-\(($0 * 7919) % 500)" }
        for (index, sku) in skus.enumerated() {
            catalogue.insert(sku: sku, hash: RecordHash(line: Array(sku.utf8)), modified: Int64(index) * 60, active: index % 3 != 0)
        }
        catalogue.finishLoading()
        #expect(catalogue.activeCount == (0..<500).filter { $0 % 3 != 0 }.count)
        for (index, sku) in skus.enumerated() {
            let entry = catalogue.entry(for: sku)
            #expect(entry != nil)
            #expect(entry.map { KnownCatalogue.matches($0, RecordHash(line: Array(sku.utf8))) } == true)
            #expect(entry?.modified == Int64(index) * 60)
            #expect(entry?.active == (index % 3 != 0))
        }
        #expect(catalogue.entry(for: "SKU-500") == nil)
        #expect(catalogue.entry(for: "") == nil)
    }

    /// Lookups go through a directory of key ranges: every size from empty to thousands finds
    /// each SKU it holds and none it does not.
    @Test func findsEverySKUAtEverySize() {
        for size in [0, 1, 2, 3, 17, 1024, 3001] {
            var catalogue = KnownCatalogue(expectedCount: size)
            for index in 0..<size { catalogue.insert(sku: "K-\(index)", hash: RecordHash(line: [UInt8(index & 0xFF)]), modified: nil, active: true) }
            catalogue.finishLoading()
            let missing = (0..<size).filter { catalogue.entry(for: "K-\($0)") == nil }
            #expect(missing.isEmpty, "size \(size): \(missing.prefix(5))")
            #expect((size..<(size + 50)).allSatisfy { catalogue.entry(for: "K-\($0)") == nil }, "size \(size)")
        }
    }

    /// Pass 1 finds each SKU's slot, pass 2 reads the entry there; a slot that does not hold the
    /// SKU (another catalogue's, or out of range) is never trusted.
    @Test func entriesAreReadAtTheSlotFoundEarlier() {
        var catalogue = KnownCatalogue()
        let skus = (0..<300).map { "S-\($0)" }
        for (index, sku) in skus.enumerated() {
            catalogue.insert(sku: sku, hash: RecordHash(line: [UInt8(index & 0xFF)]), modified: Int64(index) * 60, active: true)
        }
        catalogue.finishLoading()
        let keys = skus.map { SKUFingerprint($0) }
        let slots = keys.map { catalogue.slot(of: $0) }
        #expect(Set(slots).count == skus.count && slots.allSatisfy { $0 >= 0 && $0 < 300 })
        for (index, key) in keys.enumerated() {
            let modified = Int64(index) * 60
            #expect(catalogue.entry(for: key, slot: slots[index])?.modified == modified)
            #expect(catalogue.entry(for: key, slot: nil)?.modified == modified, "not looked up: searched")
            #expect(catalogue.entry(for: key, slot: slots[(index + 1) % 300])?.modified == modified, "another SKU's slot")
            #expect(catalogue.entry(for: key, slot: 300 + Int32(index))?.modified == modified, "out of range")
        }
        #expect(catalogue.entry(for: keys[0], slot: -1)?.modified == 0, "a slot is a hint: -1 is checked by a search")
        let missing = SKUFingerprint("S-300")
        #expect(catalogue.slot(of: missing) == -1)
        #expect(catalogue.entry(for: missing, slot: -1) == nil)
        #expect(catalogue.entry(for: missing, slot: slots[0]) == nil)
    }

    /// A mapping thread looks a whole batch of SKUs up at once: each is found where a lookup of
    /// its own finds it, a SKU Prima lacks and a row without one get -1.
    @Test func aBatchOfKeysIsFoundWhereEachKeyAloneIs() {
        for size in [0, 1, 3, 1024, 3001] {
            var catalogue = KnownCatalogue(expectedCount: size)
            for index in 0..<size { catalogue.insert(sku: "B-\(index)", hash: RecordHash(line: [UInt8(index & 0xFF)]), modified: nil, active: true) }
            catalogue.finishLoading()
            let keys: [SKUFingerprint?] = (0..<(size + 40)).map { (index: Int) -> SKUFingerprint? in
                index % 7 == 3 ? nil : SKUFingerprint("B-\(size + 20 - index)")
            }
            let slots = catalogue.slots(of: keys)
            let alone = keys.map { (key: SKUFingerprint?) -> Int32 in key.map { catalogue.slot(of: $0) } ?? -1 }
            #expect(slots == alone, "size \(size)")
            let inPrima = keys.indices.filter { (index: Int) in keys[index] != nil && (0..<size).contains(size + 20 - index) }
            #expect(slots.indices.filter { slots[$0] >= 0 } == inPrima, "size \(size)")
            #expect(size < 20 || inPrima.count > size / 2)
            let none: [SKUFingerprint?] = []
            #expect(catalogue.slots(of: none) == [])
        }
    }

    /// Parents are marked in batches of lookups: every active variant's parent is marked, past
    /// the first batch too; an inactive variant's parent and a parent Prima lacks are not.
    @Test func everyActiveVariantsParentIsMarked() {
        let parents = 3 * KnownCatalogue.lookupBatch + 5
        var catalogue = KnownCatalogue()
        for index in 0..<parents {
            catalogue.insert(sku: "STYLE-\(index)", hash: RecordHash(line: [1]), modified: nil, active: true)
            catalogue.insert(sku: "V-\(index)", hash: RecordHash(line: [2]), modified: nil, active: true, parent: "STYLE-\(index)")
        }
        catalogue.insert(sku: "LONE", hash: RecordHash(line: [3]), modified: nil, active: true)
        catalogue.insert(sku: "GONE-V", hash: RecordHash(line: [4]), modified: nil, active: false, parent: "LONE")
        catalogue.insert(sku: "ORPHAN", hash: RecordHash(line: [5]), modified: nil, active: true, parent: "NOT-IN-PRIMA")
        catalogue.finishLoading()
        let unmarked = (0..<parents).filter { catalogue.entry(for: "STYLE-\($0)")?.isParent != true }
        #expect(unmarked.isEmpty, "\(unmarked.prefix(5))")
        #expect((0..<parents).allSatisfy { (index: Int) in catalogue.entry(for: "V-\(index)")?.isParent == false })
        #expect(catalogue.entry(for: "LONE")?.isParent == false, "its only variant is discontinued")
        #expect(catalogue.entry(for: "ORPHAN")?.isParent == false && catalogue.entry(for: "NOT-IN-PRIMA") == nil)
    }

    @Test func aDifferentRecordDoesNotMatch() {
        var catalogue = KnownCatalogue()
        catalogue.insert(sku: "A", hash: RecordHash(line: Array("A,1".utf8)), modified: nil, active: true)
        catalogue.finishLoading()
        let entry = catalogue.entry(for: "A")!
        #expect(!KnownCatalogue.matches(entry, RecordHash(line: Array("A,2".utf8))))
        #expect(entry.modified == Int64.min)
    }

    @Test func recordHashesRoundTripThroughTheirBytes() {
        let hash = RecordHash(line: Array("PX-1,Pillow\r\n".utf8))
        #expect(RecordHash(bytes: hash.bytes) == hash)
        #expect(hash.bytes.count == 16)
    }

    /// The stored hash is the first 16 bytes of the line's SHA-256, whichever way they are read.
    @Test func aRecordHashIsTheFirstHalfOfTheLinesSHA256() {
        let line = Array("PX-1,Pillow,Sage\r\n".utf8)
        #expect(RecordHash(line: line).bytes == Array(SHA256.hash(data: line).prefix(16)))
    }

    /// `putHash` writes what `putBytes(hash.bytes)` wrote (a delta left pending by an older
    /// build is still read), and `hash()` reads either back.
    @Test func recordHashesAreWrittenAsTheirBytesWere() throws {
        let directory = TempDirectory("hashes")
        let hashes = (0..<3).map { RecordHash(line: [UInt8($0)]) } + [RecordHash(high: .max, low: 0x0102_0304_0506_0708)]
        let writer = try BinaryRecordWriter(path: directory.path + "/new")
        let legacy = try BinaryRecordWriter(path: directory.path + "/old")
        for hash in hashes {
            writer.putHash(hash)
            legacy.putBytes(hash.bytes)
        }
        try writer.flush()
        try legacy.flush()
        let written = try Data(contentsOf: URL(fileURLWithPath: directory.path + "/new"))
        #expect(written == (try Data(contentsOf: URL(fileURLWithPath: directory.path + "/old"))))
        #expect(written.count == hashes.count * 17)
        for name in ["new", "old"] {
            let reader = try BinaryRecordReader(path: directory.path + "/" + name)
            #expect(try hashes.map { _ in try reader.hash() } == hashes)
        }
    }
}

@Suite struct RowSpoolTests {
    @Test func anAcceptedRowKeepsWhereItsSKUIsInTheCatalogue() throws {
        let directory = TempDirectory("spool")
        let path = directory.path + "/rows.spool"
        let writer = try RowSpoolWriter(path: path)
        for slot: Int32? in [nil, -1, 0, 41, Int32.max] {
            var row = AcceptedRow(
                line: 2, sku: "A-1", encoded: Array("A-1,x\r\n".utf8), hash: RecordHash(line: [1]), actionOffset: nil, modified: nil,
                itemTypeOffset: nil, columns: ColumnFingerprints(bytes: []))
            row.catalogueSlot = slot
            try writer.appendAccepted(row)
        }
        try writer.flush()
        let reader = try RowSpoolReader(path: path)
        var slots: [Int32?] = []
        while let record = try reader.next() {
            if case .accepted(let row) = record { slots.append(row.catalogueSlot) }
        }
        #expect(slots == [nil, -1, 0, 41, Int32.max])
    }

    /// Pass 2's reader gives back what it has read: the file keeps its size while its blocks
    /// (and page-cache pages) are freed 16 MiB at a time, and every row still reads back whole.
    @Test func aSpoolReadOnceGivesBackWhatItHasRead() throws {
        let directory = TempDirectory("spool")
        let path = directory.path + "/rows.spool"
        let writer = try RowSpoolWriter(path: path)
        let filler = String(repeating: "soft cotton tee, relaxed fit; ", count: 50)
        for line in 0..<36_000 {
            let row = AcceptedRow(
                line: line, sku: "S-\(line)", encoded: Array("S-\(line),\(filler)\r\n".utf8), hash: RecordHash(line: [1]),
                actionOffset: nil, modified: nil, itemTypeOffset: nil, columns: ColumnFingerprints(bytes: []))
            try writer.appendAccepted(row)
        }
        try writer.flush()
        func allocated() -> (size: Int64, blocks: Int64) {
            var info = stat()
            stat(path, &info)
            return (Int64(info.st_size), Int64(info.st_blocks) * 512)
        }
        let before = allocated()
        #expect(before.size > 50 << 20)
        let reader = try RowSpoolReader(path: path, releasingReadBytes: true)
        var lines: [Int] = []
        while lines.count < 30_000, case .accepted(let row) = try reader.next() { lines.append(row.line) }
        let during = allocated()
        #expect(during.size == before.size, "the size stays")
        // A file system that cannot punch holes keeps the blocks (and the rows read the same).
        if Self.canPunchHoles(in: directory.path) {
            #expect(during.blocks <= before.blocks - (32 << 20), "read bytes were given back: \(during.blocks) of \(before.blocks)")
        }
        while case .accepted(let row) = try reader.next() { lines.append(row.line) }
        #expect(lines == Array(0..<36_000))
    }

    static func canPunchHoles(in directory: String) -> Bool {
        let path = directory + "/probe"
        guard FileManager.default.createFile(atPath: path, contents: Data(count: 1 << 16)) else { return false }
        let descriptor = open(path, O_RDWR | O_CLOEXEC)
        defer { close(descriptor) }
        return descriptor >= 0 && HolePunch.punch(descriptor, offset: 0, length: 1 << 16)
    }
}

/// The spool and delta files' numbers (varints) read back exactly, on both sides of a buffer refill.
@Suite struct BinaryRecordNumberTests {
    @Test func everyKindOfNumberRoundTripsAcrossRefills() throws {
        let directory = TempDirectory("varints")
        let path = directory.path + "/numbers.bin"
        let samples = [0, 1, -1, 127, 128, 300, Int.max, Int.min, 1 << 40, -(1 << 40), Int(Int32.max)]
        // ~1.5 MB of records: the reader's 1 MB buffer refills in the middle of some numbers.
        let writer = try BinaryRecordWriter(path: path)
        for index in 0..<150_000 {
            writer.putByte(7)
            writer.putInt(samples[index % samples.count])
            try writer.endRecord()
        }
        try writer.flush()
        let reader = try BinaryRecordReader(path: path)
        var index = 0
        while let kind = try reader.nextKind() {
            #expect(kind == 7)
            let value = try reader.int()
            if value != samples[index % samples.count] {
                Issue.record("record \(index): \(value)")
                break
            }
            index += 1
        }
        #expect(index == 150_000)
    }
}
