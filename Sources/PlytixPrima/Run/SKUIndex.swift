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

    private var entries: [SKUFingerprint: Entry] = [:]

    mutating func record(_ sku: String, line: Int, standing: RowStanding = .accepted) {
        guard !sku.isEmpty else { return }
        let key = SKUFingerprint(sku)
        if var entry = entries[key] {
            if entry.count < UInt16.max { entry.count += 1 }
            entries[key] = entry
        } else {
            entries[key] = Entry(firstLine: UInt32(clamping: line), count: 1, standing: standing)
        }
    }

    func entry(for sku: String) -> Entry? {
        guard !sku.isEmpty else { return nil }
        return entries[SKUFingerprint(sku)]
    }

    func entry(for key: SKUFingerprint) -> Entry? { entries[key] }

    var distinctCount: Int { entries.count }
}

/// Two independent 64-bit FNV-1a lanes, each finished with a strong mixer.
struct SKUFingerprint: Hashable, Sendable {
    let high: UInt64
    let low: UInt64

    init(_ sku: String) {
        var a: UInt64 = 0xcbf2_9ce4_8422_2325
        var b: UInt64 = 0x84222325_cbf29ce4
        for byte in sku.utf8 {
            a = (a ^ UInt64(byte)) &* 0x0000_0100_0000_01B3
            b = (b ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 ^ (b >> 29)
        }
        high = Self.mix(a)
        low = Self.mix(b ^ UInt64(sku.utf8.count))
    }

    /// SplitMix64's finaliser: every input bit affects every output bit.
    private static func mix(_ value: UInt64) -> UInt64 {
        var z = value &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
