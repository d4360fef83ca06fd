import CZlib
import Foundation
import Testing
@testable import PlytixPrima

// Test inputs are compressed in-process with zlib's deflate (CZlib is a test dependency),
// except `GzipFixture.systemGzip`, which /bin/gzip 1.12 produced, to check real-world headers.

// MARK: - Fixtures

enum GzipFixture {
    /// `gzip -9 -k products.csv` of `systemGzipText`: its header carries a file name (FNAME).
    static let systemGzip: [UInt8] = [
        0x1f, 0x8b, 0x08, 0x08, 0x68, 0x2a, 0x09, 0x6b, 0x02, 0x03, 0x70, 0x72, 0x6f, 0x64, 0x75,
        0x63, 0x74, 0x73, 0x2e, 0x63, 0x73, 0x76, 0x00, 0x2b, 0xce, 0x2e, 0xd5, 0xc9, 0x4b, 0xcc,
        0x4d, 0xd5, 0x29, 0x28, 0xca, 0x4c, 0x4e, 0xe5, 0x72, 0xd4, 0x35, 0xd4, 0xf1, 0x4f, 0xcc,
        0x56, 0x48, 0xce, 0x48, 0xcc, 0x2c, 0xd2, 0x31, 0xb1, 0xd4, 0xb3, 0x34, 0xe0, 0x72, 0xd2,
        0x35, 0xd2, 0x09, 0xc8, 0xcc, 0x4b, 0x55, 0x28, 0x49, 0x4c, 0xca, 0x49, 0xd5, 0x31, 0x34,
        0x32, 0xd0, 0x33, 0x30, 0xe0, 0x02, 0x00, 0xa0, 0x34, 0xb5, 0x98, 0x39, 0x00, 0x00, 0x00,
    ]
    static let systemGzipText = "sku,name,price\nA-1,Oak chair,49.90\nB-2,Pine table,120.00\n"

    enum Format {
        case gzip, zlib
        var windowBits: Int32 { self == .gzip ? 15 + 16 : 15 }
    }

    /// Compresses `chunks` (taken one at a time, so huge inputs need not exist in memory).
    static func compress(
        _ chunks: some Sequence<[UInt8]>, level: Int32 = 6, format: Format = .gzip
    ) -> [UInt8] {
        // zlib keeps a pointer to its stream, so it must not move: heap, not a Swift var.
        let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        stream.initialize(to: z_stream())
        defer {
            deflateEnd(stream)
            stream.deinitialize(count: 1)
            stream.deallocate()
        }
        let status = deflateInit2_(
            stream, level, Z_DEFLATED, format.windowBits, 8, Z_DEFAULT_STRATEGY,
            ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
        precondition(status == Z_OK, "deflateInit2 failed: \(status)")
        var output: [UInt8] = []
        for chunk in chunks {
            deflate(chunk, stream: stream, flush: Z_NO_FLUSH, into: &output)
        }
        deflate([], stream: stream, flush: Z_FINISH, into: &output)
        return output
    }

    static func compress(_ bytes: [UInt8], level: Int32 = 6, format: Format = .gzip) -> [UInt8] {
        compress(CollectionOfOne(bytes), level: level, format: format)
    }

    static func gzip(_ text: String) -> [UInt8] { compress(Array(text.utf8)) }

    /// One gzip member holding `megabytes` MiB of zero bytes (about 1 KiB compressed per MiB).
    static func zeros(megabytes: Int) -> [UInt8] {
        compress(repeatElement([UInt8](repeating: 0, count: 1 << 20), count: megabytes), level: 9)
    }

    private static func deflate(
        _ chunk: [UInt8], stream: UnsafeMutablePointer<z_stream>, flush: Int32, into output: inout [UInt8]
    ) {
        var chunk = chunk
        var scratch = [UInt8](repeating: 0, count: 64 << 10)
        chunk.withUnsafeMutableBufferPointer { source in
            stream.pointee.next_in = source.baseAddress
            stream.pointee.avail_in = UInt32(source.count)
            var status: Int32
            repeat {
                status = scratch.withUnsafeMutableBufferPointer { target in
                    stream.pointee.next_out = target.baseAddress
                    stream.pointee.avail_out = UInt32(target.count)
                    let status = CZlib.deflate(stream, flush)
                    output.append(contentsOf: target[..<(target.count - Int(stream.pointee.avail_out))])
                    return status
                }
                precondition(status == Z_OK || status == Z_STREAM_END || status == Z_BUF_ERROR)
            } while stream.pointee.avail_out == 0 || (flush == Z_FINISH && status != Z_STREAM_END)
        }
    }

    /// Deterministic CSV-like text: compressible like a real export, not trivially so.
    static func catalogue(rows: Int) -> [UInt8] {
        let words = ["oak", "pine", "chair", "table", "lamp", "steel", "blue", "matte", "set", "of", "4", "XL"]
        var seed: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next() -> Int {
            seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int(truncatingIfNeeded: seed >> 33)
        }
        var text = "sku,name,price,ean\n"
        for row in 0..<rows {
            let name = (0..<(2 + next() % 4)).map { _ in words[next() % words.count] }.joined(separator: " ")
            text += "SKU-\(row),\(name),\(next() % 100_000 / 100).\(next() % 100),\(4_000_000_000_000 + next() % 999_999_999)\n"
        }
        return Array(text.utf8)
    }
}

/// Hands out its bytes in pieces of at most `chunk`, and records how it was read.
final class ChunkedSource: ByteSource {
    private let bytes: [UInt8]
    private let chunk: Int
    private(set) var position = 0
    private(set) var largestRequest = 0

    init(_ bytes: [UInt8], chunk: Int) {
        self.bytes = bytes
        self.chunk = chunk
    }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws(FileFault) -> Int {
        largestRequest = max(largestRequest, buffer.count)
        let count = min(buffer.count, chunk, bytes.count - position)
        guard count > 0 else { return 0 }
        bytes.withUnsafeBytes { source in
            buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: source[position..<(position + count)]))
        }
        position += count
        return count
    }
}

/// Hands out `bytes`, then fails like a disk read error.
final class FailingSource: ByteSource {
    static let fault = FileFault(.unreadable, "Reading the file failed: Input/output error.")
    private let inner: MemoryByteSource

    init(_ bytes: [UInt8]) { inner = MemoryByteSource(bytes) }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws(FileFault) -> Int {
        let count = try inner.read(into: buffer)
        if count == 0 { throw Self.fault }
        return count
    }
}

// MARK: - Helpers

/// Reads `source` to its end through a buffer of `bufferSize` bytes.
func drain(_ source: some ByteSource, bufferSize: Int) throws(FileFault) -> [UInt8] {
    var output: [UInt8] = []
    let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: bufferSize, alignment: 1)
    defer { buffer.deallocate() }
    while true {
        let count = try source.read(into: buffer)
        precondition(count <= bufferSize)
        if count == 0 { return output }
        output.append(contentsOf: buffer[..<count])
    }
}

/// Reads `source` to its end without keeping the output; returns how many bytes came out.
func count(_ source: some ByteSource, bufferSize: Int) throws(FileFault) -> Int64 {
    let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: bufferSize, alignment: 1)
    defer { buffer.deallocate() }
    var total: Int64 = 0
    while case let count = try source.read(into: buffer), count > 0 {
        total += Int64(count)
    }
    return total
}

func inflate(
    _ compressed: [UInt8], bufferSize: Int = 64 << 10, upstreamChunk: Int = .max,
    limits: InflateLimits = InflateLimits()
) throws(FileFault) -> [UInt8] {
    let source = try GzipByteSource(upstream: ChunkedSource(compressed, chunk: upstreamChunk), limits: limits)
    return try drain(source, bufferSize: bufferSize)
}

/// The fault `body` throws, or nil.
func fault(_ body: () throws(FileFault) -> Void) -> FileFault? {
    do {
        try body()
        return nil
    } catch {
        return error
    }
}

func inflateFault(
    _ compressed: [UInt8], upstreamChunk: Int = .max, limits: InflateLimits = InflateLimits()
) -> FileFault? {
    fault { () throws(FileFault) in _ = try inflate(compressed, upstreamChunk: upstreamChunk, limits: limits) }
}

let gzipCodes: Set<FileFault.Code> = [.gzipTruncated, .gzipCorrupt, .gzipTooLarge, .gzipTrailingData]

// MARK: - Reading valid data

@Suite struct GzipRoundTripTests {
    @Test func readsWhatSystemGzipWrote() throws {
        let output = try inflate(GzipFixture.systemGzip)
        #expect(String(decoding: output, as: UTF8.self) == GzipFixture.systemGzipText)
    }

    @Test(arguments: [1, 7, 100, 4096, 1 << 20])
    func smallPayloadThroughAnyBufferSize(bufferSize: Int) throws {
        let text = String(repeating: "SKU-1,Oak chair,49.90\n", count: 300)
        let output = try inflate(GzipFixture.gzip(text), bufferSize: bufferSize)
        #expect(String(decoding: output, as: UTF8.self) == text)
    }

    @Test(arguments: [7, 64 << 10, 4 << 20])
    func largePayloadRoundTrip(bufferSize: Int) throws {
        let payload = GzipFixture.catalogue(rows: 80_000)
        #expect(payload.count > 3 << 20)
        let compressed = GzipFixture.compress(payload)
        let source = try GzipByteSource(upstream: MemoryByteSource(compressed))
        let output = try drain(source, bufferSize: bufferSize)
        #expect(output == payload)
        #expect(source.inflatedBytes == Int64(payload.count))
        #expect(source.compressedBytesRead == Int64(compressed.count))
    }

    @Test func upstreamHandingOutOneByteAtATime() throws {
        let text = String(repeating: "A-1,Pine table,120.00\n", count: 200)
        let compressed = GzipFixture.gzip(text) + GzipFixture.gzip("tail\n") + [0, 0, 0]
        let output = try inflate(compressed, bufferSize: 13, upstreamChunk: 1)
        #expect(String(decoding: output, as: UTF8.self) == text + "tail\n")
    }

    @Test func emptyContentInflatesToNothing() throws {
        let compressed = GzipFixture.compress([])
        let source = try GzipByteSource(upstream: MemoryByteSource(compressed))
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 64, alignment: 1)
        defer { buffer.deallocate() }
        #expect(try source.read(into: buffer) == 0)
        #expect(try source.read(into: buffer) == 0)  // the end stays the end
        #expect(source.inflatedBytes == 0)
        #expect(source.compressedBytesRead == Int64(compressed.count))
    }

    @Test func zlibFormatIsDetectedToo() throws {
        let payload = Array("zlib-wrapped, not gzip-wrapped\n".utf8)
        #expect(try inflate(GzipFixture.compress(payload, format: .zlib)) == payload)
    }

    @Test func emptyBufferReadsNothingAndConsumesNothing() throws {
        let source = try GzipByteSource(upstream: MemoryByteSource(GzipFixture.gzip("abc")))
        #expect(try source.read(into: UnsafeMutableRawBufferPointer(start: nil, count: 0)) == 0)
        #expect(source.compressedBytesRead == 0)
        #expect(try drain(source, bufferSize: 8) == Array("abc".utf8))
    }

    @Test func readsThroughAFileInItsOwnTemporaryDirectory() throws {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("gzip-test-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let payload = GzipFixture.catalogue(rows: 5_000)
        let file = directory.appendingPathComponent("products.csv.gz")
        try Data(GzipFixture.compress(payload)).write(to: file)

        let source = try GzipByteSource(upstream: FileByteSource(path: file.path))
        #expect(try drain(source, bufferSize: 10_000) == payload)
    }
}

// MARK: - Multi-member

@Suite struct GzipMultiMemberTests {
    @Test(arguments: [5, 64 << 10])
    func concatenatedMembersAreReadWhole(bufferSize: Int) throws {
        let parts = ["sku,name\n", "", "A-1,Oak chair\n", String(repeating: "B-2,Lamp\n", count: 1000)]
        let compressed = parts.flatMap { GzipFixture.gzip($0) }  // like `cat a.gz b.gz c.gz d.gz`
        let source = try GzipByteSource(upstream: MemoryByteSource(compressed))
        let output = try drain(source, bufferSize: bufferSize)
        #expect(String(decoding: output, as: UTF8.self) == parts.joined())
        #expect(source.compressedBytesRead == Int64(compressed.count))
    }

    @Test func membersMayMixLevelsAndSystemGzipHeaders() throws {
        let compressed = GzipFixture.systemGzip + GzipFixture.compress(Array("x\n".utf8), level: 0)
            + GzipFixture.systemGzip
        let output = try inflate(compressed)
        let text = GzipFixture.systemGzipText
        #expect(String(decoding: output, as: UTF8.self) == text + "x\n" + text)
    }

    @Test func magicSplitAcrossUpstreamReads() throws {
        // With 1-byte upstream reads, the two magic bytes of member 2 arrive in separate reads.
        let compressed = GzipFixture.gzip("one\n") + GzipFixture.gzip("two\n")
        #expect(try inflate(compressed, upstreamChunk: 1) == Array("one\ntwo\n".utf8))
    }
}

// MARK: - Truncation

@Suite struct GzipTruncationTests {
    @Test func emptyInputIsTruncated() {
        let fault = inflateFault([])
        #expect(fault?.code == .gzipTruncated)
        #expect(fault?.byteOffset == 0)
    }

    @Test func everyCutPointOfASmallFileIsTruncated() {
        let compressed = GzipFixture.gzip(String(repeating: "SKU-9,Blue lamp,12.50\n", count: 40))
        for cut in 0..<compressed.count {
            let fault = inflateFault(Array(compressed[..<cut]))
            #expect(fault?.code == .gzipTruncated, "cut at \(cut) of \(compressed.count)")
            #expect(fault?.byteOffset == Int64(cut), "cut at \(cut)")
        }
    }

    @Test func cutPointsOfALargerFileAreTruncatedWhateverTheUpstreamChunking() {
        let compressed = GzipFixture.compress(GzipFixture.catalogue(rows: 3_000))
        for cut in stride(from: 10, to: compressed.count, by: 10) + [compressed.count - 1] {
            let code = inflateFault(Array(compressed[..<cut]), upstreamChunk: 1 + cut % 4099)?.code
            #expect(code == .gzipTruncated, "cut at \(cut) of \(compressed.count)")
        }
    }

    @Test func cutInsideALaterMemberIsTruncated() {
        let first = GzipFixture.gzip("first member\n")
        let compressed = first + GzipFixture.gzip("second member\n")
        for cut in (first.count + 1)..<compressed.count {
            #expect(inflateFault(Array(compressed[..<cut]))?.code == .gzipTruncated, "cut at \(cut)")
        }
    }

    @Test func cutExactlyAtAMemberBoundaryLooksComplete() throws {
        // Gzip cannot tell: the first member alone is a valid file. Documented, not a bug.
        let first = GzipFixture.gzip("first member\n")
        let compressed = first + GzipFixture.gzip("second member\n")
        #expect(try inflate(Array(compressed[..<first.count])) == Array("first member\n".utf8))
    }

    @Test func faultMessageTellsTheOperatorWhatHappened() {
        let compressed = GzipFixture.gzip(String(repeating: "x", count: 5000))
        let fault = inflateFault(Array(compressed[..<20]))
        #expect(fault?.message.contains("cut short") == true)
        #expect(fault?.message.contains("after 20 compressed bytes") == true)
    }
}

// MARK: - Corruption

@Suite struct GzipCorruptionTests {
    static let text = String(repeating: "SKU-3,Matte steel chair,89.00\n", count: 50)

    @Test(arguments: 1...4)
    func flippedCRCIsCorrupt(byteFromTrailerStart: Int) {
        var compressed = GzipFixture.gzip(Self.text)
        compressed[compressed.count - 9 + byteFromTrailerStart] ^= 0x5a
        let fault = inflateFault(compressed)
        #expect(fault?.code == .gzipCorrupt)
        #expect(fault?.message.contains("incorrect data check") == true)
    }

    @Test func wrongLengthInTrailerIsCorrupt() {
        var compressed = GzipFixture.gzip(Self.text)
        compressed[compressed.count - 4] ^= 0x01
        let fault = inflateFault(compressed)
        #expect(fault?.code == .gzipCorrupt)
        #expect(fault?.message.contains("incorrect length check") == true)
    }

    @Test func invalidDeflateBlockTypeIsCorrupt() {
        var compressed = GzipFixture.gzip(Self.text)
        compressed[10] = 0b111  // final block of reserved type 3, right after the 10-byte header
        let fault = inflateFault(compressed)
        #expect(fault?.code == .gzipCorrupt)
        #expect(fault?.message.contains("invalid block type") == true)
        #expect(fault?.byteOffset == 11)
    }

    @Test func badHeaderIsCorrupt() {
        var badMagic = GzipFixture.gzip(Self.text)
        badMagic[1] = 0x8c
        #expect(inflateFault(badMagic)?.message.contains("incorrect header check") == true)
        var badMethod = GzipFixture.gzip(Self.text)
        badMethod[2] = 7
        #expect(inflateFault(badMethod)?.message.contains("unknown compression method") == true)
    }

    @Test func corruptionInALaterMemberIsCorrupt() {
        var second = GzipFixture.gzip(Self.text)
        second[second.count - 6] ^= 0xff
        let first = GzipFixture.gzip("ok\n")
        let fault = inflateFault(first + second)
        #expect(fault?.code == .gzipCorrupt)
        #expect(fault.map { $0.byteOffset! > Int64(first.count) } == true)
    }

    @Test func anyFlippedByteFailsCleanlyOrChangesNothing() throws {
        // Bytes like the header's mtime or the last block's padding bits may change harmlessly;
        // anything else must fail with a gzip fault: never a crash, a hang or different output.
        let payload = Array(Self.text.utf8)
        let original = GzipFixture.compress(payload)
        var failures = 0
        for position in original.indices {
            for mask: UInt8 in [0x01, 0x10, 0x80, 0xff] {
                var damaged = original
                damaged[position] ^= mask
                do throws(FileFault) {
                    let output = try inflate(damaged, bufferSize: 97)
                    #expect(output == payload, "byte \(position) ^ \(mask) changed the output silently")
                } catch {
                    failures += 1
                    #expect(gzipCodes.contains(error.code), "byte \(position) ^ \(mask): \(error)")
                }
            }
        }
        #expect(failures > original.count * 3)
    }
}

// MARK: - After the last member

@Suite struct GzipTrailingBytesTests {
    static let member = GzipFixture.gzip("sku\nA-1\n")

    @Test(arguments: [1, 512, 300_000])
    func zeroPaddingIsTolerated(padding: Int) throws {
        let compressed = Self.member + [UInt8](repeating: 0, count: padding)
        let source = try GzipByteSource(upstream: ChunkedSource(compressed, chunk: 1000))
        #expect(try drain(source, bufferSize: 4096) == Array("sku\nA-1\n".utf8))
        #expect(source.compressedBytesRead == Int64(compressed.count))
    }

    @Test func garbageIsTrailingData() {
        let fault = inflateFault(Self.member + Array("<html>proxy error</html>".utf8))
        #expect(fault?.code == .gzipTrailingData)
        #expect(fault?.byteOffset == Int64(Self.member.count))
    }

    @Test func garbageAfterZeroPaddingIsTrailingData() {
        let compressed = Self.member + [UInt8](repeating: 0, count: 700) + [0x42]
        let fault = inflateFault(compressed, upstreamChunk: 256)
        #expect(fault?.code == .gzipTrailingData)
        #expect(fault?.byteOffset == Int64(Self.member.count + 700))
    }

    @Test func firstMagicByteWithoutTheSecondIsTrailingData() {
        #expect(inflateFault(Self.member + [0x1f, 0x00])?.code == .gzipTrailingData)
        #expect(inflateFault(Self.member + [0x1f, 0x8c, 1, 2, 3])?.code == .gzipTrailingData)
    }

    @Test func aLoneFirstMagicByteAtTheEndIsATruncatedMember() {
        #expect(inflateFault(Self.member + [0x1f])?.code == .gzipTruncated)
        #expect(inflateFault(Self.member + [0x1f, 0x8b])?.code == .gzipTruncated)
    }

    @Test func dataAfterAZlibStreamIsTrailingData() {
        let compressed = GzipFixture.compress(Array("z".utf8), format: .zlib) + [0x78, 0x9c]
        #expect(inflateFault(compressed)?.code == .gzipTrailingData)
    }
}

// MARK: - Gzip bombs

@Suite struct GzipBombTests {
    static let megabyte: Int64 = 1 << 20

    @Test func twoHundredMegabytesOfZerosExceedATenMegabyteCap() throws {
        let bomb = GzipFixture.zeros(megabytes: 200)
        #expect(bomb.count < 250_000)
        let source = try GzipByteSource(
            upstream: MemoryByteSource(bomb), limits: InflateLimits(maxInflatedBytes: 10 * Self.megabyte))
        let fault = fault { () throws(FileFault) in _ = try count(source, bufferSize: 1 << 20) }
        #expect(fault?.code == .gzipTooLarge)
        #expect(fault?.message.contains("gzip bomb") == true)
        #expect(source.inflatedBytes <= 10 * Self.megabyte + 1)
    }

    @Test func theRatioLimitStopsABombEarly() throws {
        let bomb = GzipFixture.zeros(megabytes: 200)
        let limits = InflateLimits(maxRatio: 100, ratioCheckAfterBytes: Self.megabyte)
        let source = try GzipByteSource(upstream: MemoryByteSource(bomb), limits: limits)
        let fault = fault { () throws(FileFault) in _ = try count(source, bufferSize: 256 << 10) }
        #expect(fault?.code == .gzipTooLarge)
        #expect(fault?.message.contains("100 times") == true)
        #expect(source.inflatedBytes <= 2 * Self.megabyte)
    }

    @Test func theRatioIsNotCheckedBeforeTheThreshold() throws {
        let limits = InflateLimits(maxRatio: 2, ratioCheckAfterBytes: 8 * Self.megabyte)
        let source = try GzipByteSource(upstream: MemoryByteSource(GzipFixture.zeros(megabytes: 4)), limits: limits)
        #expect(try count(source, bufferSize: 1 << 20) == 4 * Self.megabyte)
    }

    @Test func ordinaryDataPassesTheRatioCheck() throws {
        let payload = GzipFixture.catalogue(rows: 20_000)
        let limits = InflateLimits(maxRatio: 10, ratioCheckAfterBytes: 0)
        #expect(try inflate(GzipFixture.compress(payload), limits: limits) == payload)
    }

    @Test func theSizeCapIsInclusive() throws {
        let payload = GzipFixture.catalogue(rows: 1_000)
        let compressed = GzipFixture.compress(payload)
        let exact = InflateLimits(maxInflatedBytes: Int64(payload.count))
        #expect(try inflate(compressed, bufferSize: 1 << 20, limits: exact) == payload)
        let oneLess = InflateLimits(maxInflatedBytes: Int64(payload.count - 1))
        #expect(inflateFault(compressed, limits: oneLess)?.code == .gzipTooLarge)
    }

    @Test func theCapCountsAllMembersTogether() {
        // Fifty 1 MiB members: each alone is under the cap, together they are not.
        let member = GzipFixture.zeros(megabytes: 1)
        let compressed = Array(repeatElement(member, count: 50).joined())
        let limits = InflateLimits(maxInflatedBytes: 10 * Self.megabyte)
        #expect(inflateFault(compressed, limits: limits)?.code == .gzipTooLarge)
    }

    @Test func extremeLimitsDoNotOverflow() throws {
        let payload = Array("abc\n".utf8)
        let huge = InflateLimits(maxInflatedBytes: .max, maxRatio: .max, ratioCheckAfterBytes: 0)
        #expect(try inflate(GzipFixture.compress(payload), limits: huge) == payload)
        let negative = InflateLimits(maxInflatedBytes: -1)
        #expect(try inflate(GzipFixture.compress([]), limits: negative) == [])
        #expect(inflateFault(GzipFixture.compress(payload), limits: negative)?.code == .gzipTooLarge)
    }
}

// MARK: - Streaming, memory and fault behaviour

@Suite struct GzipStreamingTests {
    @Test func readingStaysBoundedWhateverTheSize() throws {
        // 64 MiB inflated and thrown away as it comes: the source must read ahead no more
        // than its input buffer, and never ask upstream for more than that at once.
        let compressed = GzipFixture.zeros(megabytes: 64) + GzipFixture.compress(GzipFixture.catalogue(rows: 20_000))
        let upstream = ChunkedSource(compressed, chunk: .max)
        let source = try GzipByteSource(upstream: upstream)
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 32 << 10, alignment: 1)
        defer { buffer.deallocate() }
        var readAhead = 0
        while try source.read(into: buffer) > 0 {
            readAhead = max(readAhead, upstream.position - Int(source.compressedBytesRead))
        }
        #expect(readAhead <= GzipByteSource.inputCapacity)
        #expect(upstream.largestRequest <= GzipByteSource.inputCapacity)
        #expect(source.inflatedBytes > 64 << 20)
        #expect(source.compressedBytesRead == Int64(compressed.count))
    }

    @Test func firstOutputComesBeforeTheWholeInputIsRead() throws {
        let compressed = GzipFixture.compress(GzipFixture.catalogue(rows: 50_000))
        #expect(compressed.count > GzipByteSource.inputCapacity)
        let upstream = ChunkedSource(compressed, chunk: .max)
        let source = try GzipByteSource(upstream: upstream)
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 4096, alignment: 1)
        defer { buffer.deallocate() }
        #expect(try source.read(into: buffer) == 4096)
        #expect(upstream.position <= GzipByteSource.inputCapacity)
    }

    @Test func upstreamFaultsPassThroughUnchanged() {
        let compressed = GzipFixture.gzip(String(repeating: "row\n", count: 10_000))
        let half = Array(compressed[..<(compressed.count / 2)])
        #expect(fault { () throws(FileFault) in
            _ = try drain(try GzipByteSource(upstream: FailingSource(half)), bufferSize: 1024)
        } == FailingSource.fault)
    }

    @Test func aFaultIsThrownAgainOnLaterReads() throws {
        let compressed = GzipFixture.gzip("abc\n") + Array("junk".utf8)
        let source = try GzipByteSource(upstream: MemoryByteSource(compressed))
        let first = fault { () throws(FileFault) in _ = try drain(source, bufferSize: 64) }
        let second = fault { () throws(FileFault) in _ = try drain(source, bufferSize: 64) }
        #expect(first?.code == .gzipTrailingData)
        #expect(second == first)
    }
}

// MARK: - Small public pieces

@Test func gzipMagicMatchesOnlyTheGzipPrefix() {
    #expect(GzipMagic.matches(GzipFixture.systemGzip))
    #expect(GzipMagic.matches([0x1f, 0x8b] as [UInt8]))
    #expect(GzipMagic.matches(GzipFixture.systemGzip[...]))
    #expect(!GzipMagic.matches([0x1f] as [UInt8]))
    #expect(!GzipMagic.matches([] as [UInt8]))
    #expect(!GzipMagic.matches(Array("sku,name".utf8)))
    #expect(!GzipMagic.matches(GzipFixture.compress([1], format: .zlib)))
}

@Test func inflateLimitDefaults() {
    let limits = InflateLimits()
    #expect(limits.maxInflatedBytes == 32 * 1024 * 1024 * 1024)
    #expect(limits.maxRatio == 1000)
    #expect(limits.ratioCheckAfterBytes == 256 * 1024 * 1024)
}
