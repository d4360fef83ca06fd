import Foundation
#if canImport(Glibc)
@preconcurrency import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A scratch file of length-prefixed records (the run's spool, a state delta): written through
/// a large buffer, read back in order with bounded memory.
final class BinaryRecordWriter {
    private let descriptor: Int32
    let path: String
    private var buffer: [UInt8] = []
    /// Told how far the file is written, for a reader that follows it while it grows.
    private let growth: GrowingFile?
    private var written: Int64 = 0

    init(path: String, growth: GrowingFile? = nil) throws(OutputError) {
        self.path = path
        self.growth = growth
        descriptor = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            growth?.end()
            throw OutputError.system("create \(path)", errno)
        }
        buffer.reserveCapacity(1 << 20 + 65536)
    }

    deinit {
        close(descriptor)
        growth?.end()
    }

    func putByte(_ value: UInt8) { buffer.append(value) }

    /// Unsigned LEB128.
    func putInt(_ value: Int) {
        var v = UInt64(bitPattern: Int64(value))
        while v >= 0x80 {
            buffer.append(UInt8(v & 0x7F) | 0x80)
            v >>= 7
        }
        buffer.append(UInt8(v))
    }

    func putBytes(_ bytes: some Collection<UInt8>) {
        putInt(bytes.count)
        buffer.append(contentsOf: bytes)
    }

    func putString(_ value: String) { putBytes(value.utf8) }

    /// A record hash as `putBytes(hash.bytes)` writes it (16 bytes, big-endian halves), without
    /// making the array: it is written once or twice for every accepted row.
    func putHash(_ hash: RecordHash) {
        buffer.append(16)  // the length, as a one-byte LEB128
        withUnsafeBytes(of: hash.high.bigEndian) { buffer.append(contentsOf: $0) }
        withUnsafeBytes(of: hash.low.bigEndian) { buffer.append(contentsOf: $0) }
    }

    /// Ends one record; writes the buffer out once it is large.
    func endRecord() throws(OutputError) {
        if buffer.count >= 1 << 20 { try flush() }
    }

    func flush() throws(OutputError) {
        if let failure = buffer.withUnsafeBytes({ POSIXWrite.all($0, to: descriptor) }) {
            throw OutputError.system("write \(path)", failure)
        }
        written += Int64(buffer.count)
        growth?.wrote(upTo: written)
        buffer.removeAll(keepingCapacity: true)
    }

    /// Nothing more will be written: a reader following the file sees its end.
    func endGrowth() { growth?.end() }

    /// Flushes and fsyncs: for files that must survive a crash (state deltas).
    func sync() throws(OutputError) {
        try flush()
        guard fsync(descriptor) == 0 else { throw OutputError.system("fsync \(path)", errno) }
    }
}

final class BinaryRecordReader {
    private let descriptor: Int32
    let path: String
    private var buffer: [UInt8] = []
    private var position = 0
    private var atEnd = false
    /// With `growth`, the file is still being written: bytes are read only once the writer has
    /// written them, and its end is where the writer stops.
    private let growth: GrowingFile?
    private var fileOffset: Int64 = 0
    /// With `releasingReadBytes`: how much of the file's start has been given back so far.
    private var released: Int64 = 0
    /// Cleared when the file system cannot punch holes (it is not asked again).
    private var releasesReadBytes: Bool

    /// `releasingReadBytes`: for a scratch file read once (the run's spool). What has been read
    /// is punched out of the file as the reader goes, so its page-cache pages (a gigabyte for a
    /// million rows, dirty and never needed on disk) are freed at once and reused for the run's
    /// output, instead of staying until the file is deleted while the output takes fresh memory.
    init(path: String, following growth: GrowingFile? = nil, releasingReadBytes: Bool = false) throws(OutputError) {
        self.path = path
        self.growth = growth
        self.releasesReadBytes = releasingReadBytes
        descriptor = open(path, (releasingReadBytes ? O_RDWR : O_RDONLY) | O_CLOEXEC)
        guard descriptor >= 0 else { throw OutputError.system("open \(path)", errno) }
    }

    /// Gives back every whole 16 MiB read so far (already copied into `buffer`). A file system
    /// that cannot punch holes keeps the bytes until the file is deleted, as before.
    private func releaseReadBytes() {
        let step: Int64 = 16 << 20
        let end = fileOffset / step * step
        guard end > released else { return }
        if HolePunch.punch(descriptor, offset: released, length: end - released) {
            released = end
        } else {
            releasesReadBytes = false
        }
    }

    deinit { close(descriptor) }

    /// The next record's first byte, or `nil` at a clean end of the file.
    func nextKind() throws(OutputError) -> UInt8? {
        guard try ensure(1) else { return nil }
        return byte()
    }

    func byteValue() throws(OutputError) -> UInt8 {
        guard try ensure(1) else { throw truncated }
        return byte()
    }

    private func byte() -> UInt8 {
        defer { position += 1 }
        return buffer[position]
    }

    func int() throws(OutputError) -> Int {
        // A varint takes at most 10 bytes: with that many buffered, it is decoded in one go
        // (pass 2 reads a dozen per spooled row, and a check per byte showed in its profile).
        if buffer.count - position >= 10 {
            let (value, end) = buffer.withUnsafeBufferPointer { bytes -> (UInt64, Int) in
                var result: UInt64 = 0
                var p = position
                for shift in stride(from: UInt64(0), to: 70, by: 7) {
                    let byte = bytes[p]
                    p += 1
                    result |= UInt64(byte & 0x7F) << shift
                    if byte < 0x80 { return (result, p) }
                }
                return (result, -1)
            }
            guard end >= 0 else { throw OutputError("\(path) holds a malformed number") }
            position = end
            return Int(Int64(bitPattern: value))
        }
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard try ensure(1) else { throw truncated }
            let byte = byte()
            result |= UInt64(byte & 0x7F) << shift
            if byte < 0x80 { return Int(Int64(bitPattern: result)) }
            shift += 7
        }
    }

    func bytes() throws(OutputError) -> [UInt8] {
        let count = try int()
        guard try ensure(count) else { throw truncated }
        defer { position += count }
        return Array(buffer[position..<(position + count)])
    }

    /// A record hash as `putHash` wrote it, without an array in between.
    func hash() throws(OutputError) -> RecordHash {
        let count = try int()
        guard try ensure(count) else { throw truncated }
        defer { position += count }
        guard count == 16 else { return RecordHash(bytes: Array(buffer[position..<(position + count)])) }
        return buffer.withUnsafeBytes { RecordHash(firstSixteenOf: UnsafeRawBufferPointer(rebasing: $0[position..<(position + 16)])) }
    }

    func string() throws(OutputError) -> String {
        let count = try int()
        guard try ensure(count) else { throw truncated }
        defer { position += count }
        return buffer.withUnsafeBufferPointer {
            String(decoding: UnsafeBufferPointer(rebasing: $0[position..<(position + count)]), as: UTF8.self)
        }
    }

    private var truncated: OutputError { OutputError("\(path) ends in the middle of a record") }

    /// Makes `count` bytes available from `position`; `false` at the end of the file.
    private func ensure(_ count: Int) throws(OutputError) -> Bool {
        while buffer.count - position < count {
            if atEnd { return false }
            if position > 0 {
                buffer.removeFirst(position)
                position = 0
            }
            var want = max(1 << 20, count - buffer.count)
            if let growth {
                let written = growth.bytesWritten(beyond: fileOffset)
                if written == fileOffset {
                    atEnd = true
                    continue
                }
                want = Int(min(Int64(want), written - fileOffset))
            }
            let oldCount = buffer.count
            buffer.append(contentsOf: repeatElement(0, count: want))
            let got = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress! + oldCount, want) }
            if got < 0 {
                buffer.removeLast(want)
                if errno == EINTR { continue }
                throw OutputError.system("read \(path)", errno)
            }
            buffer.removeLast(want - got)
            fileOffset += Int64(got)
            if got == 0 { atEnd = true }
            if releasesReadBytes { releaseReadBytes() }
        }
        return true
    }
}

/// How far a file has been written, shared by its writer and a reader that follows it while it
/// grows (the state delta, applied while the run still writes it: see `LiveStateCommit`).
final class GrowingFile: @unchecked Sendable {
    // @unchecked: every stored property is read and written only while holding `condition`.
    private let condition = NSCondition()
    private var written: Int64 = 0
    private var ended = false

    /// The writer has written the file's first `size` bytes.
    func wrote(upTo size: Int64) {
        condition.lock()
        written = size
        condition.broadcast()
        condition.unlock()
    }

    /// The writer is done (finished, failed or dropped): nothing more will come.
    func end() {
        condition.lock()
        ended = true
        condition.broadcast()
        condition.unlock()
    }

    /// Waits until more than `offset` bytes are written or the writer ends; returns how many
    /// bytes are written (`offset` itself: the end of the file).
    func bytesWritten(beyond offset: Int64) -> Int64 {
        condition.lock()
        defer { condition.unlock() }
        while written <= offset && !ended { condition.wait() }
        return max(written, offset)
    }
}

/// `fallocate(2)` with `FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE`: frees a range of a file
/// (its blocks and page-cache pages) without changing its size. Glibc declares `fallocate` only
/// for `_GNU_SOURCE`, which Swift's Glibc module leaves out, so it is looked up by name.
enum HolePunch {
    #if os(Linux)
    private typealias Fallocate = @convention(c) (Int32, Int32, Int64, Int64) -> Int32
    /// `nil` is `RTLD_DEFAULT`: the C library already loaded.
    private static let fallocate: Fallocate? = dlsym(nil, "fallocate").map { unsafeBitCast($0, to: Fallocate.self) }
    private static let punchHoleKeepingSize: Int32 = 0x02 | 0x01
    #endif

    /// `false` when the system or the file system cannot (the range then stays as it was).
    static func punch(_ descriptor: Int32, offset: Int64, length: Int64) -> Bool {
        #if os(Linux)
        guard let fallocate, length > 0 else { return false }
        return fallocate(descriptor, punchHoleKeepingSize, offset, length) == 0
        #else
        return false
        #endif
    }
}
