import Testing
@testable import PlytixPrima

/// The run's per-SKU table: every key found again after growing, absent keys absent, counts right.
@Suite struct FingerprintTableTests {
    @Test func keysSurviveGrowthAndUpdatesAccumulate() {
        var table = FingerprintTable<Int>()
        let keys = (0..<50_000).map { SKUFingerprint("SKU-\($0)") }
        for (index, key) in keys.enumerated() { table.update(key) { $0 = index } }
        for key in keys.prefix(1000) { table.update(key) { $0! += 1_000_000 } }
        #expect(table.count == 50_000)
        #expect(table[keys[0]] == 1_000_000 && table[keys[999]] == 1_000_999 && table[keys[1000]] == 1000 && table[keys[49_999]] == 49_999)
        #expect((0..<1000).allSatisfy { table[SKUFingerprint("OTHER-\($0)")] == nil })
        table.update(SKUFingerprint("NOT-STORED")) { _ in }
        #expect(table.count == 50_000 && table[SKUFingerprint("NOT-STORED")] == nil, "a nil result stores nothing")
    }

    @Test func theSKUIndexCountsDuplicates() {
        var index = SKUIndex()
        index.record("A", line: 2)
        index.record("B", line: 3, standing: .rejected)
        index.record("A", line: 9, standing: .skipped)
        index.record("", line: 10)
        #expect(index.distinctCount == 2)
        #expect(index.entry(for: "A")?.count == 2 && index.entry(for: "A")?.firstLine == 2 && index.entry(for: "A")?.standing == .accepted)
        #expect(index.entry(for: "B")?.isDuplicate == false && index.entry(for: "B")?.standing == .rejected)
        #expect(index.entry(for: "C") == nil && index.entry(for: "") == nil)
    }
}
