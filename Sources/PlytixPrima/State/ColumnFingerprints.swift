internal import CZlib

/// Per output column, the CRC-32 of the value Prima got (its UTF-8): what the state store keeps
/// of a published record so `report.json` can name the columns an update changed
/// (`diff.updated_columns`), at 4 bytes a column instead of the whole ~1 KB import line.
/// A changed value is missed only when its CRC-32 collides (1 in 2^32); whether a record
/// changed at all is decided by `RecordHash`, never by these.
struct ColumnFingerprints: Equatable, Sendable {
    /// Big-endian CRC-32s, 4 bytes per column in output order: the stored form.
    let bytes: [UInt8]

    /// Once per accepted row: one allocation, and no copy of a value (a native string's UTF-8
    /// is read where it lies; by index, as iterating copied, and retained, every value).
    init(values: [String]) {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(values.count * 4)
        for index in values.indices {
            let crc = values[index].utf8.withContiguousStorageIfAvailable(Self.crc) ?? Self.crc(Array(values[index].utf8))
            for shift in stride(from: 24, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: crc >> UInt32(shift))) }
        }
        self.bytes = bytes
    }

    private static func crc(_ utf8: UnsafeBufferPointer<UInt8>) -> UInt32 {
        UInt32(crc32(0, utf8.baseAddress, UInt32(utf8.count)))
    }

    private static func crc(_ utf8: [UInt8]) -> UInt32 { utf8.withUnsafeBufferPointer(crc) }

    init(bytes: [UInt8]) { self.bytes = bytes }

    /// The same with one column's value changed (a parent whose item type becomes a style).
    func replacing(column: Int, with value: String) -> ColumnFingerprints {
        guard column < count else { return self }
        var bytes = self.bytes
        bytes.replaceSubrange((column * 4)..<(column * 4 + 4), with: ColumnFingerprints(values: [value]).bytes)
        return ColumnFingerprints(bytes: bytes)
    }

    var count: Int { bytes.count / 4 }

    /// Indices of the columns whose values differ; a column only one side has counts as changed.
    func changedColumns(comparedTo other: ColumnFingerprints) -> [Int] {
        (0..<max(count, other.count)).filter { column in fingerprint(column) != other.fingerprint(column) }
    }

    private func fingerprint(_ column: Int) -> ArraySlice<UInt8>? {
        column < count ? bytes[(column * 4)..<(column * 4 + 4)] : nil
    }
}

/// What the state store holds of a SKU's last published record, to compare an update with.
enum PublishedColumns: Equatable {
    case fingerprints(ColumnFingerprints)
    /// The whole import line, as stores before `v4-compact-lines` kept it: reading it needs the
    /// pipeline's output settings, which the store does not know.
    case legacyLine([UInt8])
}
