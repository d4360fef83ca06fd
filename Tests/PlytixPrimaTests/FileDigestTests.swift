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

    /// Once the reader and the digest are through the export, its cached pages are dropped: the
    /// run's output reuses them instead of fresh memory.
    @Test func theExportsCachedPagesAreDroppedOnceBothReadersAreThrough() throws {
        let directory = TempDirectory("digest-cache")
        let bytes = (0..<4_000_000).map { UInt8(truncatingIfNeeded: $0 &* 13) }
        let path = directory.write("export.csv", bytes)
        // Written back and read once: clean pages in the cache (dirty ones cannot be dropped).
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        fsync(descriptor)
        close(descriptor)
        _ = FileManager.default.contents(atPath: path)
        try #require(Self.residentShare(path) > 0.9, "the file is cached to begin with")

        let input = IdentifiedInput(file: try FileByteSource(path: path))
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 16, alignment: 1)
        defer { buffer.deallocate() }
        var read = 0
        while true {
            let count = try input.source.read(into: buffer)
            if count == 0 { break }
            read += count
        }
        #expect(read == bytes.count)
        #expect(Self.residentShare(path) > 0.9, "nothing is dropped while the file is read")
        #expect(try input.finish().bytes == Int64(bytes.count))
        // tmpfs keeps a file only in its pages and never drops them.
        if Self.dropsCachedPages(in: directory) { #expect(Self.residentShare(path) < 0.1) }
    }

    /// Whether the directory's file system drops a clean file's cached pages when told to.
    static func dropsCachedPages(in directory: TempDirectory) -> Bool {
        let path = directory.write("probe", [UInt8](repeating: 7, count: 1 << 18))
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        defer { close(descriptor) }
        fsync(descriptor)
        _ = FileManager.default.contents(atPath: path)
        posix_fadvise(descriptor, 0, 0, POSIX_FADV_DONTNEED)
        return residentShare(path) < 0.1
    }

    /// The share of the file's pages in the page cache (`mincore`).
    static func residentShare(_ path: String) -> Double {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0, status.st_size > 0 else { return 0 }
        let size = Int(status.st_size)
        guard let map = mmap(nil, size, PROT_READ, MAP_SHARED, descriptor, 0), map != UnsafeMutableRawPointer(bitPattern: -1) else {
            return 0
        }
        defer { munmap(map, size) }
        var pages = [UInt8](repeating: 0, count: (size + 4095) / 4096)
        guard mincore(map, size, &pages) == 0 else { return 0 }
        return Double(pages.filter { $0 & 1 == 1 }.count) / Double(pages.count)
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
