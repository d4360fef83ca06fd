#if canImport(Glibc)
@preconcurrency import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The field names met under products, looked up by their bytes straight from libxml2's
/// NUL-terminated strings, so a child element costs no Swift `String` unless its name is new.
///
/// Wanted names map to a slot (a wanted name listed twice fills both of its positions);
/// every other name maps to `notWanted`. Names are remembered, in order of first appearance,
/// for diagnostics, up to `maxRemembered` distinct ones.
struct XMLFieldNameTable {
    static let notWanted = -1
    static let maxRemembered = 4096

    private struct Entry {
        var hash: UInt64
        var start: Int
        var length: Int
        var slot: Int
        /// Whether the document has used this name yet (wanted names are known before).
        var seen: Bool
        static let vacant = Entry(hash: 0, start: 0, length: -1, slot: XMLFieldNameTable.notWanted, seen: false)
    }

    /// All remembered names' bytes, back to back.
    private var storage: [UInt8] = []
    private var entries: [Entry]
    private var count = 0
    /// Every slot's positions in `SourceRow.values`, back to back: slot `s` fills
    /// `positionList[positionStarts[s]..<positionStarts[s + 1]]` (flat, so a lookup copies no array).
    private var positionList: [Int] = []
    private var positionStarts: [Int] = [0]
    private var slotCount: Int { positionStarts.count - 1 }
    /// Every distinct name met (wanted or not), in order of first appearance.
    private(set) var namesInOrder: [String] = []

    init(wanted: [String]) {
        entries = Array(repeating: .vacant, count: 16)
        var positions: [[Int]] = []
        for (position, name) in wanted.enumerated() {
            let bytes = Array(name.utf8)
            let hash = Self.hash(bytes)
            if let index = bytes.withUnsafeBufferPointer({ find($0, hash: hash) }) {
                positions[entries[index].slot].append(position)
            } else {
                positions.append([position])
                insert(bytes, hash: hash, slot: positions.count - 1, seen: false)
            }
        }
        for slotPositions in positions {
            positionList.append(contentsOf: slotPositions)
            positionStarts.append(positionList.count)
        }
    }

    /// Where `slot`'s positions are, for `position(at:)`.
    func positionRange(of slot: Int) -> Range<Int> { positionStarts[slot]..<positionStarts[slot + 1] }

    func position(at index: Int) -> Int { positionList[index] }

    /// The positions in `SourceRow.values` that `slot` fills.
    func positions(of slot: Int) -> [Int] { Array(positionList[positionRange(of: slot)]) }

    /// The slot of the NUL-terminated name at `name`, or `notWanted`.
    mutating func slot(for name: UnsafePointer<UInt8>) -> Int {
        let (hash, length) = Self.hash(cString: name)
        let bytes = UnsafeBufferPointer(start: name, count: length)
        if let index = find(bytes, hash: hash) {
            if !entries[index].seen {
                entries[index].seen = true
                namesInOrder.append(String(decoding: bytes, as: UTF8.self))
            }
            return entries[index].slot
        }
        // Bounded, so a document with a new element name in every product cannot grow it forever.
        if count - slotCount < Self.maxRemembered {
            insert(Array(bytes), hash: hash, slot: Self.notWanted, seen: true)
            namesInOrder.append(String(decoding: bytes, as: UTF8.self))
        }
        return Self.notWanted
    }

    // MARK: - Hash table

    private func find(_ bytes: UnsafeBufferPointer<UInt8>, hash: UInt64) -> Int? {
        let mask = entries.count - 1
        var index = Int(truncatingIfNeeded: hash) & mask
        while entries[index].length >= 0 {
            let entry = entries[index]
            if entry.hash == hash && entry.length == bytes.count && storedBytes(of: entry, equal: bytes) {
                return index
            }
            index = (index + 1) & mask
        }
        return nil
    }

    private func storedBytes(of entry: Entry, equal bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard entry.length > 0, let other = bytes.baseAddress else { return entry.length == bytes.count }
        return storage.withUnsafeBufferPointer { memcmp($0.baseAddress! + entry.start, other, entry.length) == 0 }
    }

    private mutating func insert(_ bytes: [UInt8], hash: UInt64, slot: Int, seen: Bool) {
        if (count + 1) * 2 > entries.count { grow() }
        let entry = Entry(hash: hash, start: storage.count, length: bytes.count, slot: slot, seen: seen)
        storage.append(contentsOf: bytes)
        place(entry)
        count += 1
    }

    private mutating func place(_ entry: Entry) {
        let mask = entries.count - 1
        var index = Int(truncatingIfNeeded: entry.hash) & mask
        while entries[index].length >= 0 { index = (index + 1) & mask }
        entries[index] = entry
    }

    private mutating func grow() {
        let old = entries
        entries = Array(repeating: .vacant, count: old.count * 2)
        for entry in old where entry.length >= 0 { place(entry) }
    }

    // FNV-1a: short names, no allocation, good enough spread for a few hundred names.
    private static func hash(_ bytes: some Sequence<UInt8>) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
        return hash
    }

    private static func hash(cString name: UnsafePointer<UInt8>) -> (hash: UInt64, length: Int) {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        var length = 0
        while name[length] != 0 {
            hash = (hash ^ UInt64(name[length])) &* 0x0000_0100_0000_01b3
            length += 1
        }
        return (hash, length)
    }
}
