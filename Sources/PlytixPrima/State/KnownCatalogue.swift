import Crypto

/// 128 bits of SHA-256 over a Prima record's import line: equal hashes mean Prima already has
/// exactly this record. (The action cell is always `A` when hashed, so it never counts.)
struct RecordHash: Hashable, Sendable {
    let high: UInt64
    let low: UInt64

    init(line: [UInt8]) {
        self = SHA256.hash(data: line).withUnsafeBytes { RecordHash(firstSixteenOf: $0) }
    }

    /// The first 16 of `raw` (at least that many) as two big-endian halves, read where they lie:
    /// a digest, or a hash in a spool's buffer.
    init(firstSixteenOf raw: UnsafeRawBufferPointer) {
        precondition(raw.count >= 16, "a record hash is 16 bytes")
        high = UInt64(bigEndian: raw.loadUnaligned(as: UInt64.self))
        low = UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
    }

    /// A kit's hash covers its components too: a kit whose contents changed is an updated item.
    init(line: [UInt8], components: [KitComponent]) {
        guard !components.isEmpty else {
            self.init(line: line)
            return
        }
        self.init(line: line + Array(("\u{0}" + components.canonicalText).utf8))
    }

    init(bytes: [UInt8]) {
        var high: UInt64 = 0, low: UInt64 = 0
        for (index, byte) in bytes.prefix(16).enumerated() {
            if index < 8 { high = high << 8 | UInt64(byte) } else { low = low << 8 | UInt64(byte) }
        }
        self.high = high
        self.low = low
    }

    init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    var bytes: [UInt8] {
        (0..<8).map { UInt8(truncatingIfNeeded: high >> (56 - 8 * $0)) } + (0..<8).map { UInt8(truncatingIfNeeded: low >> (56 - 8 * $0)) }
    }
}

/// What Prima already has for one pipeline, as compact as the diff allows: per SKU fingerprint
/// the published record's hash, the export time it came from, and whether it is still active.
/// A sorted array searched by halving (40 bytes a SKU, no hash-table slack or regrowth): a
/// million-product catalogue costs about 40 MB.
struct KnownCatalogue {
    struct Entry {
        var hash: RecordHash
        /// `Int64.min` when the export carried no modification time.
        var modified: Int64
        var active: Bool
        /// An active published variant names it as its parent.
        var isParent = false
        /// `published_item.source_print` (`SourcePrint.stored`); `0` when none was kept.
        var sourcePrint: UInt64 = 0
    }

    private struct Slot {
        var key: SKUFingerprint
        /// The first 64 bits of the record hash: a change missed by a 64-bit collision is a
        /// 1 in 2^64 event per changed row.
        var hash: UInt64
        /// Minutes since 1970 (`Int32.min`: unknown); minutes are what export times resolve to.
        var modifiedMinutes: Int32
        var active: Bool
        var isParent: Bool
        /// See `Entry.sourcePrint`.
        var sourcePrint: UInt64
    }

    private var slots: [Slot] = []
    /// Where each range of keys starts: `directory[b]` is the first slot whose key's top
    /// `directoryBits` bits are at least `b`. Fingerprints are uniform, so a range holds about
    /// one slot and a lookup touches two cache lines instead of halving through twenty
    /// (4 bytes a SKU).
    private var directory: [Int32] = [0, 0]
    private var directoryBits = 0
    /// Each active published variant's parent, so loops and depth can be followed through
    /// products that are not in the export.
    private(set) var parentOf = FingerprintTable<SKUFingerprint>()
    private var sorted = true
    /// `directory` covers every slot (set by `finishLoading()`).
    private var indexed = true
    private(set) var activeCount = 0
    var isEmpty: Bool { slots.isEmpty }

    init(expectedCount: Int = 0) { slots.reserveCapacity(expectedCount) }

    mutating func insert(sku: String, hash: RecordHash, modified: Int64?, active: Bool, parent: String? = nil, sourcePrint: UInt64 = 0) {
        insert(
            key: SKUFingerprint(sku), hashHigh: hash.high, modified: modified, active: active,
            parent: parent.flatMap { $0.isEmpty ? nil : SKUFingerprint($0) }, sourcePrint: sourcePrint)
    }

    /// `hashHigh`: the record hash's first 64 bits; `parent`: a variant's parent, `nil` for others.
    mutating func insert(key: SKUFingerprint, hashHigh: UInt64, modified: Int64?, active: Bool, parent: SKUFingerprint?, sourcePrint: UInt64) {
        if let last = slots.last, !(last.key < key) { sorted = false }
        indexed = false
        let minutes = modified.map { Int32(clamping: $0 / 60) } ?? Int32.min
        slots.append(Slot(
            key: key, hash: hashHigh, modifiedMinutes: minutes, active: active, isParent: false, sourcePrint: sourcePrint))
        if active { activeCount += 1 }
        if active, let parent { parentOf.set(key, to: parent) }
    }

    /// Sorts once after loading, then marks the parents; lookups halve the range from then on.
    mutating func finishLoading() {
        if !sorted { slots.sort { $0.key < $1.key } }
        sorted = true
        buildDirectory()
        indexed = true
        var parents: [SKUFingerprint?] = []
        parents.reserveCapacity(parentOf.count)
        parentOf.forEach { _, parent in parents.append(parent) }
        var start = 0
        while start < parents.count {
            let end = min(start + Self.lookupBatch, parents.count)
            for position in positions(of: parents[start..<end]) where position >= 0 { slots[position].isParent = true }
            start = end
        }
    }

    /// How many keys `positions(of:)` is handed at a time when the caller holds more: enough
    /// misses to overlap, few enough that the slots found are still cached when they are read.
    static let lookupBatch = 256

    func entry(for sku: String) -> Entry? { entry(for: SKUFingerprint(sku)) }

    /// Whether `isMissing` holds for any active record's SKU (a full export that lacks products).
    func anyActive(where isMissing: (SKUFingerprint) -> Bool) -> Bool {
        slots.contains { $0.active && isMissing($0.key) }
    }

    func entry(for key: SKUFingerprint) -> Entry? {
        guard let position = position(of: key) else { return nil }
        return entry(at: position)
    }

    /// Where `key` is in the catalogue, `-1` when it is not: one key's `slots(of:)`, which the
    /// mapping threads use in pass 1 so that pass 2 reads the entry with `entry(for:slot:)`
    /// instead of searching again (the tests check the batch against this).
    func slot(of key: SKUFingerprint) -> Int32 { position(of: key).map { Int32($0) } ?? -1 }

    /// `slot(of:)` for each of `keys` (`-1` for a `nil` key or one not found), looked up in
    /// loops of independent loads: a mapping thread asks for a whole batch of rows at once (256,
    /// `FirstPassPipeline.batchSize`, as `lookupBatch`), and the processor overlaps the cache
    /// misses (two a key, in 40 MB for a million items) instead of waiting for each in turn
    /// between rows (half a microsecond a row).
    func slots(of keys: some Collection<SKUFingerprint?>) -> [Int32] {
        positions(of: keys).map { Int32($0) }
    }

    /// The positions of `keys` (`-1`: none), in two loops: every key's range in `directory`, then
    /// every range searched.
    private func positions(of keys: some Collection<SKUFingerprint?>) -> [Int] {
        precondition(indexed, "finishLoading() must be called before lookups")
        let ranges = keys.map { key in key.map { range(of: $0) } ?? 0..<0 }
        return zip(keys, ranges).map { key, range in key.flatMap { search($0, in: range) } ?? -1 }
    }

    /// The entry of `key`, read at `slot` when that is where `slot(of:)` found it. A slot is only
    /// a hint: one that does not hold the key (another catalogue's, a stale one), `-1` (not
    /// found) and `nil` (not looked up) are all answered by a search, so a SKU that pass 1
    /// normalised differently from pass 2 is still found.
    func entry(for key: SKUFingerprint, slot: Int32?) -> Entry? {
        guard let slot, slot >= 0, Int(slot) < slots.count, slots[Int(slot)].key == key else { return entry(for: key) }
        return entry(at: Int(slot))
    }

    private func entry(at position: Int) -> Entry {
        let slot = slots[position]
        return Entry(
            hash: RecordHash(high: slot.hash, low: 0),
            modified: slot.modifiedMinutes == Int32.min ? Int64.min : Int64(slot.modifiedMinutes) * 60,
            active: slot.active, isParent: slot.isParent, sourcePrint: slot.sourcePrint)
    }

    /// The stored print of an active record, when it has one: there is something to match.
    /// `slot`: as `slot(of:)` returned it.
    func publishedPrint(atSlot position: Int32) -> (stored: UInt64, hashHigh: UInt64)? {
        guard position >= 0 else { return nil }
        let slot = slots[Int(position)]
        guard slot.active, slot.sourcePrint != 0 else { return nil }
        return (slot.sourcePrint, slot.hash)
    }

    private mutating func buildDirectory() {
        var bits = 1
        while bits < 24 && (1 << bits) < slots.count { bits += 1 }
        directoryBits = bits
        var directory = [Int32](repeating: 0, count: (1 << bits) + 1)
        var slot = 0
        for range in 0..<(1 << bits) {
            while slot < slots.count && Int(slots[slot].key.high >> (64 - bits)) < range { slot += 1 }
            directory[range] = Int32(slot)
        }
        directory[1 << bits] = Int32(slots.count)
        self.directory = directory
    }

    private func position(of key: SKUFingerprint) -> Int? {
        precondition(indexed, "finishLoading() must be called before lookups")
        return search(key, in: range(of: key))
    }

    /// The slots that may hold `key`: those whose keys share its top `directoryBits` bits.
    private func range(of key: SKUFingerprint) -> Range<Int> {
        let entry = directoryBits == 0 ? 0 : Int(key.high >> (64 - directoryBits))
        return Int(directory[entry])..<Int(directory[entry + 1])
    }

    /// Where `key` is within `range` of the sorted slots, if it is there.
    private func search(_ key: SKUFingerprint, in range: Range<Int>) -> Int? {
        var low = range.lowerBound, high = range.upperBound
        while low < high {
            let middle = (low + high) / 2
            if slots[middle].key < key { low = middle + 1 } else { high = middle }
        }
        guard low < slots.count, slots[low].key == key else { return nil }
        return low
    }

    /// Whether `hash` is the published record's hash (compared on the bits the catalogue keeps).
    static func matches(_ entry: Entry, _ hash: RecordHash) -> Bool { entry.hash.high == hash.high }
}

extension SKUFingerprint: Comparable {
    static func < (a: SKUFingerprint, b: SKUFingerprint) -> Bool {
        a.high != b.high ? a.high < b.high : a.low < b.low
    }
}

/// A kit as Prima has it: its component set (`A#2,B#1`) as a fingerprint, and its components.
struct PublishedKit {
    var contents: SKUFingerprint
    var components: [SKUFingerprint]
}
