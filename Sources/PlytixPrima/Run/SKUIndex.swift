/// What the per-row stages decided for a SKU's row.
enum RowStanding: UInt8 {
    case accepted
    case rejected
    /// Not sales-ready: Prima keeps what it has.
    case skipped
    /// Not sales-ready with a discontinue status (`Archived`): discontinued in this run if known.
    case discontinuing
}

/// A compact per-SKU index for one run: how often each SKU occurs, where first, and what the
/// per-row stages decided for it.
///
/// SKUs are kept as 128-bit fingerprints, not strings, so a million-product export costs tens
/// of megabytes, not hundreds. (Two different SKUs colliding in 128 bits is not a practical risk.)
struct SKUIndex {
    /// Eight bytes, so a million SKUs stay a few tens of megabytes.
    struct Entry {
        var firstLine: UInt32
        /// Occurrences, saturating at 65,535 (only "more than one" matters).
        var count: UInt16
        var standing: RowStanding

        /// Occurs more than once: every occurrence is rejected as a duplicate.
        var isDuplicate: Bool { count > 1 }
    }

    private var table = FingerprintTable<Entry>()

    mutating func record(_ sku: String, line: Int, standing: RowStanding = .accepted) {
        guard !sku.isEmpty else { return }
        record(key: SKUFingerprint(sku), line: line, standing: standing)
    }

    /// An accepted row's SKU, by the fingerprint its mapping thread made (`AcceptedRow.key`).
    mutating func record(_ row: AcceptedRow) {
        guard !row.sku.isEmpty else { return }
        record(key: row.key, line: row.line, standing: .accepted)
    }

    private mutating func record(key: SKUFingerprint, line: Int, standing: RowStanding) {
        table.update(key) { entry in
            if var existing = entry {
                if existing.count < UInt16.max { existing.count += 1 }
                entry = existing
            } else {
                entry = Entry(firstLine: UInt32(clamping: line), count: 1, standing: standing)
            }
        }
    }

    func entry(for sku: String) -> Entry? {
        guard !sku.isEmpty else { return nil }
        return table[SKUFingerprint(sku)]
    }

    func entry(for key: SKUFingerprint) -> Entry? { table[key] }

    var distinctCount: Int { table.count }
}

/// A hash table keyed by SKU fingerprints, for the run's largest per-SKU structure. Fingerprints
/// are already uniformly random, so a slot is found by scaling the key into the table (no
/// power-of-two sizes) and probing linearly; the table grows by half when 85% full. A million
/// SKUs take about 30 MB, where a Swift `Dictionary` (at most 75% full, power-of-two sizes) takes
/// about 50 MB.
///
/// Each table scrambles the keys with its own salt first. Without it, a table filled from another
/// table's keys (in that table's slot order, which follows the keys) would fill its slots front to
/// back into one long run, and every insert would walk that run.
struct FingerprintTable<Value> {
    fileprivate struct Slot {
        var key: SKUFingerprint
        var value: Value?
    }

    private var slots: [Slot] = []
    private(set) var count = 0
    private let salt = UInt64.random(in: 0...UInt64.max) | 1

    subscript(key: SKUFingerprint) -> Value? {
        guard !slots.isEmpty else { return nil }
        var position = home(of: key, capacity: slots.count)
        while let value = slots[position].value {
            if slots[position].key == key { return value }
            position = position + 1 == slots.count ? 0 : position + 1
        }
        return nil
    }

    /// Calls `change` with the key's value (`nil` when absent); a non-`nil` result is stored.
    /// There is no removal: `change` must leave a present key's value non-`nil`. The table
    /// grows only for a new key, so changing the values it holds never reallocates it.
    mutating func update(_ key: SKUFingerprint, _ change: (inout Value?) -> Void) {
        var position = 0
        if !slots.isEmpty {
            position = home(of: key, capacity: slots.count)
            while slots[position].value != nil {
                if slots[position].key == key {
                    change(&slots[position].value)
                    precondition(slots[position].value != nil, "a FingerprintTable value cannot be removed")
                    return
                }
                position = position + 1 == slots.count ? 0 : position + 1
            }
        }
        var value: Value?
        change(&value)
        guard let value else { return }
        if (count + 1) * 100 > slots.count * 85 {
            grow()
            position = home(of: key, capacity: slots.count)
            while slots[position].value != nil { position = position + 1 == slots.count ? 0 : position + 1 }
        }
        slots[position] = Slot(key: key, value: value)
        count += 1
    }

    /// How many slots the table has (for tests of its growth).
    var capacity: Int { slots.count }

    /// Makes room for `count` keys at once, so that filling the table does not grow it step by
    /// step (each step rehashes every key into fresh memory).
    mutating func reserveCapacity(_ count: Int) {
        guard count * 100 > slots.count * 85 else { return }
        grow(to: count * 100 / 85 + 1)
    }

    var isEmpty: Bool { count == 0 }

    /// Stores `value` for `key`, replacing any earlier value.
    mutating func set(_ key: SKUFingerprint, to value: Value) { update(key) { $0 = value } }

    /// Every key with its value, in slot order: it follows the salt, so it differs from one
    /// table, and one run, to the next. Sort what must come out in a stable order.
    func forEach(_ body: (SKUFingerprint, Value) throws -> Void) rethrows {
        for slot in slots { if let value = slot.value { try body(slot.key, value) } }
    }

    var keys: [SKUFingerprint] {
        var keys: [SKUFingerprint] = []
        keys.reserveCapacity(count)
        forEach { key, _ in keys.append(key) }
        return keys
    }

    /// The longest stretch of occupied slots: a lookup walks at most this far.
    var longestRun: Int {
        var longest = 0, run = 0
        for slot in slots {
            run = slot.value == nil ? 0 : run + 1
            longest = max(longest, run)
        }
        return longest
    }

    private func home(of key: SKUFingerprint, capacity: Int) -> Int {
        Int(truncatingIfNeeded: (key.low &* salt ^ key.high).multipliedFullWidth(by: UInt64(capacity)).high)
    }

    private mutating func grow() { grow(to: max(1 << 12, slots.count + slots.count / 2)) }

    private mutating func grow(to capacity: Int) {
        let old = slots
        slots = Array(repeating: Slot(key: SKUFingerprint(high: 0, low: 0), value: nil), count: capacity)
        for slot in old where slot.value != nil {
            var position = home(of: slot.key, capacity: capacity)
            while slots[position].value != nil { position = position + 1 == capacity ? 0 : position + 1 }
            slots[position] = slot
        }
    }
}

/// A set of SKU fingerprints on a `FingerprintTable`: one probe into one array, where a Swift
/// `Set` hashes the 128 bits again (SipHash) and keeps half its capacity free.
struct FingerprintSet {
    private var table = FingerprintTable<Bool>()

    mutating func insert(_ key: SKUFingerprint) { table.set(key, to: true) }
    func contains(_ key: SKUFingerprint) -> Bool { table[key] != nil }
    var isEmpty: Bool { table.isEmpty }
    var count: Int { table.count }
}

/// Two independent 64-bit FNV-1a lanes, each finished with a strong mixer.
struct SKUFingerprint: Hashable, Sendable {
    let high: UInt64
    let low: UInt64

    init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    init(_ sku: String) { self.init(utf8: sku.utf8, count: sku.utf8.count) }

    /// The same fingerprint from a SKU's UTF-8 bytes where they lie (e.g. in SQLite's row).
    init(utf8 bytes: UnsafeBufferPointer<UInt8>) { self.init(utf8: bytes, count: bytes.count) }

    @inline(__always)
    private init(utf8 bytes: some Sequence<UInt8>, count: Int) {
        var a: UInt64 = 0xcbf2_9ce4_8422_2325
        var b: UInt64 = 0x84222325_cbf29ce4
        for byte in bytes {
            a = (a ^ UInt64(byte)) &* 0x0000_0100_0000_01B3
            b = (b ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 ^ (b >> 29)
        }
        high = Self.mix(a)
        low = Self.mix(b ^ UInt64(count))
    }

    /// SplitMix64's finaliser: every input bit affects every output bit.
    private static func mix(_ value: UInt64) -> UInt64 {
        var z = value &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

extension FingerprintTable: Sendable where Value: Sendable {}
extension FingerprintTable.Slot: Sendable where Value: Sendable {}
