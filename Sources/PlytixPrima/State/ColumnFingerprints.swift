internal import CZlib

/// Per output column, the CRC-32 of the value Prima got (its UTF-8): what the state store keeps
/// of a published record so `report.json` can name the columns an update changed
/// (`diff.updated_columns`), at 4 bytes a column instead of the whole ~1 KB import line.
/// A changed value is missed only when its CRC-32 collides (1 in 2^32); whether a record
/// changed at all is decided by `RecordHash`, never by these.
struct ColumnFingerprints: Equatable, Sendable {
    /// Big-endian CRC-32s, 4 bytes per column in output order: the stored form.
    let bytes: [UInt8]

    init(values: some Sequence<String>) {
        var bytes: [UInt8] = []
        for var value in values {
            let crc = value.withUTF8 { utf8 in UInt32(crc32(0, utf8.baseAddress, UInt32(utf8.count))) }
            bytes.append(contentsOf: [UInt8(crc >> 24), UInt8(truncatingIfNeeded: crc >> 16), UInt8(truncatingIfNeeded: crc >> 8), UInt8(truncatingIfNeeded: crc)])
        }
        self.bytes = bytes
    }

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
