import Crypto
import Foundation
import Testing
@testable import PlytixPrima
import PlytixPrimaTestSupport

/// The input's SHA-256, computed on its own thread while the reader parses the same file.
@Suite struct FileDigestTests {
    @Test func digestsTheWholeFileAcrossBlocksWhileItIsRead() throws {
        let directory = TempDirectory("digest")
        // 3.5 MB: several of the digest's 1 MB blocks and a partial last one.
        let bytes = (0..<3_500_000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 9) }
        let path = directory.write("export.csv", bytes)
        let source = try FileByteSource(path: path)
        let digest = FileDigest(source: source)
        // The reader's own reads are not disturbed (pread on a duplicate descriptor).
        let counting = CountingByteSource(upstream: source)
        let first = UnsafeMutableRawBufferPointer.allocate(byteCount: 1000, alignment: 1)
        defer { first.deallocate() }
        #expect(try counting.read(into: first) == 1000)
        #expect(Array(first) == Array(bytes.prefix(1000)))
        #expect(try counting.finish() == Int64(bytes.count))
        let result = try digest.result()
        #expect(result.bytes == Int64(bytes.count))
        #expect(result.sha256 == SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined())
    }

    @Test func cancellingStopsAndWaitsForTheThread() throws {
        let directory = TempDirectory("digest-cancel")
        let path = directory.write("export.csv", [UInt8](repeating: 65, count: 2_000_000))
        let digest = FileDigest(source: try FileByteSource(path: path))
        digest.cancel()  // returns once the thread is done, whatever it managed
    }

    /// A pipe can be read only once: it is hashed as it is read, not by a second reader.
    @Test func aPipeIsHashedAsItIsRead() throws {
        let directory = TempDirectory("digest-fifo")
        let path = directory.path + "/export.csv"
        #expect(mkfifo(path, 0o600) == 0)
        let bytes = (0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        let writer = Thread {
            let descriptor = open(path, O_WRONLY)
            bytes.withUnsafeBytes { _ = POSIXWrite.all($0, to: descriptor) }
            close(descriptor)
        }
        writer.start()
        let file = try FileByteSource(path: path)
        #expect(!file.isRegularFile)
        let input = IdentifiedInput(file: file)
        let first = UnsafeMutableRawBufferPointer.allocate(byteCount: 100, alignment: 1)
        defer { first.deallocate() }
        _ = try input.source.read(into: first)
        let identity = try input.finish()
        #expect(identity.bytes == Int64(bytes.count))
        #expect(identity.sha256 == SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined())
    }
}
