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

    @Test func setReplacesAndEveryEntryIsVisitedOnce() {
        var table = FingerprintTable<String>()
        #expect(table.isEmpty && table.keys.isEmpty)
        for n in 0..<10_000 { table.set(SKUFingerprint("SKU-\(n)"), to: "first \(n)") }
        table.set(SKUFingerprint("SKU-7"), to: "second")
        var seen: [SKUFingerprint: String] = [:]
        table.forEach { key, value in
            #expect(seen[key] == nil)
            seen[key] = value
        }
        #expect(seen.count == 10_000 && table.count == 10_000 && Set(table.keys) == Set(seen.keys))
        #expect(seen[SKUFingerprint("SKU-7")] == "second" && seen[SKUFingerprint("SKU-9999")] == "first 9999")

        var set = FingerprintSet()
        set.insert(SKUFingerprint("P-1"))
        set.insert(SKUFingerprint("P-1"))
        #expect(set.count == 1 && set.contains(SKUFingerprint("P-1")) && !set.contains(SKUFingerprint("P-2")))
    }

    /// The relationship stage fills one table from another's keys, in that table's slot order.
    /// With one placement for every table those keys arrive sorted by home slot and pile up into
    /// a single run that every insert walks (a million-row run took minutes in pass 2).
    @Test func aTableFilledInAnotherTablesOrderKeepsItsRunsShort() throws {
        var first = FingerprintTable<Int32>()
        for n in 0..<200_000 { first.set(SKUFingerprint("SKU-\(n)"), to: Int32(n)) }
        var second = FingerprintTable<Int32>()
        let keys = first.keys
        // The first 3,000 fit the new table before it grows (4,096 slots, grown at 85%).
        for key in keys.prefix(3_000) { second.set(key, to: 1) }
        try #require(second.longestRun < 300, "the first 3,000 keys form a run of \(second.longestRun) slots")
        for key in keys.dropFirst(3_000) { second.set(key, to: 1) }
        #expect(second.count == 200_000 && keys.allSatisfy { second[$0] == 1 })
    }

    /// At the fill limit, changing the values already held (a duplicate SKU counted again)
    /// must not reallocate the table; the next new key does. An absent key left absent neither.
    @Test func onlyANewKeyGrowsTheTable() {
        var table = FingerprintTable<Int>()
        var n = 0
        table.set(SKUFingerprint("SKU-0"), to: 0)
        let capacity = table.capacity
        // Fill up to the last key that fits before growing (85%).
        while (table.count + 1) * 100 <= capacity * 85 {
            n += 1
            table.set(SKUFingerprint("SKU-\(n)"), to: n)
        }
        #expect(table.capacity == capacity)
        for k in 0...n { table.update(SKUFingerprint("SKU-\(k)")) { $0! += 1 } }
        table.update(SKUFingerprint("ABSENT")) { _ in }
        #expect(table.capacity == capacity, "updating held keys grew the table")
        #expect(table[SKUFingerprint("SKU-\(n)")] == n + 1 && table.count == n + 1)
        table.set(SKUFingerprint("NEW"), to: -1)
        #expect(table.capacity > capacity && table.count == n + 2)
        #expect((0...n).allSatisfy { table[SKUFingerprint("SKU-\($0)")] == $0 + 1 } && table[SKUFingerprint("NEW")] == -1)
    }

    /// Room made up front holds that many keys without growing, and keys already held survive
    /// the one reallocation it makes.
    @Test func reservedRoomHoldsThatManyKeys() {
        var table = FingerprintTable<Int>()
        for k in 0..<100 { table.set(SKUFingerprint("SKU-\(k)"), to: k) }
        table.reserveCapacity(50_000)
        let capacity = table.capacity
        #expect(capacity * 85 >= 50_000 * 100)
        for k in 100..<50_000 { table.set(SKUFingerprint("SKU-\(k)"), to: k) }
        #expect(table.capacity == capacity && table.count == 50_000)
        let misplaced = (0..<50_000).filter { (k: Int) -> Bool in table[SKUFingerprint("SKU-\(k)")] != k }
        #expect(misplaced.isEmpty)
        table.reserveCapacity(10)
        #expect(table.capacity == capacity, "a smaller reservation never shrinks the table")
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
