import Crypto
import Foundation

/// A 64-bit fingerprint (XXH64) of one export row exactly as it was read: every input field's value
/// (an absent field distinct from an empty one), under one build of this tool, one pipeline
/// configuration and one export format.
///
/// The state store keeps it beside each published record (`published_item.source_print`), so
/// that in the next export a row whose values are all the same skips validation, transforms and
/// encoding: mapping is deterministic, so the result could only be the record Prima already has.
/// Most of a catalogue does not change between exports, which makes this the diff's fast path.
///
/// The stored value also binds (see `SourcePrint.stored`):
/// - whether the record went out as a style. That depends on other rows (a product becomes a
///   style when a variant names it), so pass 2 checks it; a row whose item type changes is
///   mapped in full after all;
/// - the published record's hash, so a record that something else rewrote since (an older
///   binary, which leaves the print behind) never matches.
struct SourcePrinter: Sendable {
    private let base: [UInt8]

    init(config: PipelineConfig, format: InputFormat) {
        var identity = config
        // Where the file lives and what it is called do not change what a row maps to.
        identity.path = ""
        identity.name = ""
        var hasher = SHA256()
        hasher.update(data: BuildIdentity.digest)
        hasher.update(data: Array(String(reflecting: identity).utf8))
        hasher.update(data: Array(format.rawValue.utf8))
        base = Array(hasher.finalize())
    }

    /// A row's print: `begin`, then `append` each input field's bytes (or `nil` for a field the
    /// export does not carry) in `InputLayout.fields` order, then `finish`. `RowBatch` prints
    /// every row this way from the bytes it holds.
    func begin(_ scratch: inout [UInt8]) {
        scratch.removeAll(keepingCapacity: true)
        scratch.append(contentsOf: base)
    }

    /// Each field starts with a tag: 1 and a length, then the value (the length keeps ("ab", "c")
    /// apart from ("a", "bc")); 0 alone for a field the export does not carry. (An absent field
    /// was one 0xFF byte, which is also the first byte of a length of 255, 511…)
    static func append(_ value: UnsafeBufferPointer<UInt8>, to scratch: inout [UInt8]) {
        scratch.append(1)
        withUnsafeBytes(of: UInt32(truncatingIfNeeded: value.count).littleEndian) { scratch.append(contentsOf: $0) }
        scratch.append(contentsOf: value)
    }

    /// A field the export does not carry.
    static func appendAbsent(to scratch: inout [UInt8]) { scratch.append(0) }

    /// A field's value, or `nil` for a field the export does not carry.
    static func append(_ value: UnsafeBufferPointer<UInt8>?, to scratch: inout [UInt8]) {
        if let value { append(value, to: &scratch) } else { appendAbsent(to: &scratch) }
    }

    static func finish(_ scratch: [UInt8]) -> UInt64 { scratch.withUnsafeBytes { XXH64.hash($0) } }
}

/// What the mapping threads need to print rows (of one export format) and to recognise the
/// ones Prima has (`RowBatch.outcomes`): they then decode only `keptFields` of a recognised row
/// (the SKU, relationships, `Last modified` and finance values pass 2 still reads), instead of
/// making a string of every field. A class: it is asked about every row, and copying a struct
/// that holds the catalogue retained each of its buffers every time.
final class UnchangedRowRecognizer: Sendable {
    let printer: SourcePrinter
    /// `nil`: print every row, recognise none (the second read of rows mapped again).
    let published: KnownCatalogue?
    /// Per input field (`InputLayout.fields` order).
    let keptFields: [Bool]

    init(config: PipelineConfig, layout: InputLayout, format: InputFormat, published: KnownCatalogue?) {
        printer = SourcePrinter(config: config, format: format)
        self.published = published
        var kept = [Bool](repeating: false, count: layout.fields.count)
        kept[layout.keyField] = true
        for column in [config.variantOfColumnIndex, config.itemTypeColumnIndex].compactMap({ $0 }) {
            if let field = layout.columnFields[column] { kept[field] = true }
        }
        if let field = layout.lastModifiedField { kept[field] = true }
        for field in layout.financeFields { kept[field] = true }
        keptFields = kept
    }

    /// For each of a batch's keys (`nil`: the row has no SKU, and is not found): where it is in
    /// the catalogue (`KnownCatalogue.slots(of:)`, which overlaps the batch's cache misses), and
    /// the print Prima's record of it was published from, when it kept one; `nil` without a
    /// catalogue. Asked here, on the `let`: a caller that took `published` out first copied the
    /// catalogue, retaining each of its buffers (shared with the mapping threads).
    func find(_ keys: [SKUFingerprint?]) -> [Published?]? {
        guard let slots = published?.slots(of: keys) else { return nil }
        return zip(keys, slots).map { key, slot in
            key == nil ? nil : Published(slot: slot, print: published?.publishedPrint(atSlot: slot))
        }
    }

    /// Where a row's SKU is in the catalogue (`-1`: not there), and the print its record was
    /// published from, when one was kept.
    struct Published {
        var slot: Int32
        var print: (stored: UInt64, hashHigh: UInt64)?
    }
}

/// How a row's print is kept in the state store and matched again.
enum SourcePrint {
    /// Marks a record that went out as a style (its own export row says stock item).
    private static let styleMark: UInt64 = 0x5354_594C_4553_5459

    /// The value `published_item.source_print` keeps for a record published (or found unchanged)
    /// from a row with `print`. `0` is never stored: it reads as "no print".
    static func stored(_ print: UInt64, style: Bool, recordHash: RecordHash) -> UInt64 {
        print ^ (style ? styleMark : 0) ^ recordHash.high
    }

    /// Whether a row with `print` is the one the record was published from, and if so whether it
    /// went out as a style; `nil` when it is not (or nothing was stored).
    static func match(_ print: UInt64, stored: UInt64, recordHashHigh: UInt64) -> Bool? {
        guard stored != 0 else { return nil }
        let published = stored ^ recordHashHigh
        if published == print { return false }
        if published == print ^ styleMark { return true }
        return nil
    }
}

/// Identifies the running build: the SHA-256 of its executable, and the path, size, inode and
/// modification time of every shared library it has loaded (the Swift runtime, Foundation, ICU,
/// libxml2, zlib). A new build or an upgraded library may validate, transform or decode
/// differently, so prints made under another build never match: the first run after an upgrade
/// maps every row, and its diff still sends only what changed.
///
/// It must come out the same in every process of one build, or the diff's fast path silently
/// stops working.
enum BuildIdentity {
    static let digest: [UInt8] = {
        guard var hasher = executableDigest() else {
            // No readable executable: the process's start makes every print unique, so none ever matches.
            return Array(SHA256.hash(data: Array("\(ProcessInfo.processInfo.processIdentifier)-\(Date().timeIntervalSince1970)".utf8)))
        }
        for library in loadedLibraries() {
            var status = stat()
            guard stat(library, &status) == 0 else { continue }
            let stamp = "\(library)|\(status.st_size)|\(status.st_ino)|\(status.st_mtim.tv_sec).\(status.st_mtim.tv_nsec)\n"
            hasher.update(data: Array(stamp.utf8))
        }
        return Array(hasher.finalize())
    }()

    /// The executable's bytes, hashed; `nil` when a read fails (never a digest of part of it).
    private static func executableDigest() -> SHA256? {
        var hasher = SHA256()
        guard readToEnd("/proc/self/exe", { hasher.update(bufferPointer: $0) }) else { return nil }
        return hasher
    }

    /// Hands every block of the file at `path` to `body`, to the end, a megabyte a read; false
    /// when it cannot be opened or a read fails (`body` may have seen part of it). `FileHandle`
    /// read the 47 MB executable 4 KB a call: 11,000 system calls at every start.
    static func readToEnd(_ path: String, _ body: (UnsafeRawBufferPointer) -> Void) -> Bool {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
        defer { buffer.deallocate() }
        guard case .end = FileBlocks.read(descriptor, through: buffer, body) else { return false }
        return true
    }

    /// Shared objects mapped into this process, from `/proc/self/maps`, sorted. The file says
    /// its size is 0, and `String(contentsOfFile:)` read only its first block: which libraries
    /// that held depended on where address-space randomisation had put them, so the digest
    /// changed from one process to the next and about one diff run in five matched no print.
    /// It is read to its end.
    static func loadedLibraries() -> [String] {
        var maps = Data()
        guard readToEnd("/proc/self/maps", { maps.append(contentsOf: $0) }) else { return [] }
        var paths: Set<String> = []
        for line in String(decoding: maps, as: UTF8.self).split(separator: "\n") {
            guard let slash = line.firstIndex(of: "/") else { continue }
            let path = String(line[slash...])
            if path.hasSuffix(".so") || path.contains(".so.") { paths.insert(path) }
        }
        return paths.sorted()
    }
}
