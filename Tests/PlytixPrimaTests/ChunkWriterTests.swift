import Crypto
import Foundation
import Testing
@testable import PlytixPrima
import PlytixPrimaTestSupport

/// Chunk files are hashed after they are closed, on the sealing thread: what the manifest
/// lists must still be each file's own SHA-256 and size, in order, however many chunks.
@Suite struct ChunkWriterTests {
    static func digest(_ bytes: [UInt8]) -> String { SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined() }

    @Test func everyChunkIsListedWithItsOwnDigestAndSize() throws {
        let directory = TempDirectory("chunks")
        var settings = OutputSettings()
        settings.rowsPerChunk = 7
        let writer = ChunkWriter(directory: directory.path, prefix: "items", kind: "items", headers: ["ItemCode", "Description"], settings: settings)
        for n in 1...100 { try writer.append(["SKU-\(n)", String(repeating: "text \(n) ", count: n)]) }
        let files = try writer.finish()
        #expect(files.map(\.name) == (1...15).map { ChunkWriter.fileName(prefix: "items", number: $0) })
        #expect(files.map(\.rows) == Array(repeating: 7, count: 14) + [2])
        for file in files {
            let bytes = try #require(directory.read(file.name))
            #expect(file.sha256 == Self.digest(bytes), "\(file.name)")
            #expect(file.bytes == Int64(bytes.count), "\(file.name)")
            #expect(file.kind == "items")
        }
        #expect(String(decoding: try #require(directory.read("items-0015.csv")), as: UTF8.self).hasSuffix("text 100 \r\n"))
    }

    @Test func aFileThatCannotBeReadBackFailsTheFinish() {
        let directory = TempDirectory("sealer")
        let present = directory.write("present.csv", "A,B\r\n")
        let sealer = ChunkSealer()
        sealer.submit(present)
        sealer.submit(directory.path + "/missing.csv")
        let error = #expect(throws: OutputError.self) { _ = try sealer.finish() }
        #expect(error?.message.contains("missing.csv to hash it") == true, "\(String(describing: error))")
    }

    @Test func aSealerKeysDigestsByPath() throws {
        let directory = TempDirectory("sealer")
        let first = directory.write("a.csv", "one\r\n")
        let second = directory.write("b.csv", "two two\r\n")
        let sealer = ChunkSealer()
        sealer.submit(first)
        sealer.submit(second)
        let digests = try sealer.finish()
        #expect(digests[first]?.sha256 == Self.digest(Array("one\r\n".utf8)) && digests[first]?.bytes == 5)
        #expect(digests[second]?.sha256 == Self.digest(Array("two two\r\n".utf8)) && digests[second]?.bytes == 9)
    }
}
