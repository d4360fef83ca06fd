import Crypto

/// 128 bits of SHA-256 over a Prima record's import line: equal hashes mean Prima already has
/// exactly this record. (The action cell is always `A` when hashed, so it never counts.)
struct RecordHash: Hashable, Sendable {
    let high: UInt64
    let low: UInt64

    init(line: [UInt8]) {
        let digest = SHA256.hash(data: line)
        var high: UInt64 = 0, low: UInt64 = 0
        for (index, byte) in digest.prefix(16).enumerated() {
            if index < 8 { high = high << 8 | UInt64(byte) } else { low = low << 8 | UInt64(byte) }
        }
        self.high = high
        self.low = low
    }

    init(bytes: [UInt8]) {
        var high: UInt64 = 0, low: UInt64 = 0
        for (index, byte) in bytes.prefix(16).enumerated() {
            if index < 8 { high = high << 8 | UInt64(byte) } else { low = low << 8 | UInt64(byte) }
        }
        self.high = high
        self.low = low
    }

    init(data: some Collection<UInt8>) { self.init(bytes: Array(data)) }

    var bytes: [UInt8] {
        (0..<8).map { UInt8(truncatingIfNeeded: high >> (56 - 8 * $0)) } + (0..<8).map { UInt8(truncatingIfNeeded: low >> (56 - 8 * $0)) }
    }
}

/// What Prima already has for one pipeline, as compact as the diff allows: per SKU fingerprint
/// the published record's hash, the export time it came from, and whether it is still active.
/// About 50 bytes per SKU: a million-product catalogue stays well inside the memory budget.
struct KnownCatalogue {
    struct Entry {
        var hash: RecordHash
        /// `Int64.min` when the export carried no modification time.
        var modified: Int64
        var active: Bool
    }

    private var entries: [SKUFingerprint: Entry] = [:]
    private(set) var activeCount = 0

    mutating func insert(sku: String, hash: RecordHash, modified: Int64?, active: Bool) {
        entries[SKUFingerprint(sku)] = Entry(hash: hash, modified: modified ?? Int64.min, active: active)
        if active { activeCount += 1 }
    }

    func entry(for sku: String) -> Entry? { entries[SKUFingerprint(sku)] }
}
