import Foundation
import Testing
@testable import PlytixPrima
import PlytixPrimaTestSupport

// A record file read while it is written: the reader waits for what the writer has written,
// and sees the file's end where the writer stops.

@Suite struct GrowingFileTests {
    @Test func aReaderFollowsTheFileWhileItIsWrittenAndStopsAtItsEnd() async throws {
        let root = TempRoot("growing-file")
        let path = root.path + "/records.bin"
        let growth = GrowingFile()
        let writer = try BinaryRecordWriter(path: path, growth: growth)
        let reading = Task.detached { () throws -> [Int] in
            let reader = try BinaryRecordReader(path: path, following: growth)
            var values: [Int] = []
            while let kind = try reader.nextKind() {
                #expect(kind == UInt8(ascii: "N"))
                values.append(try reader.int())
            }
            return values
        }
        // Written in bursts with pauses: a reader that stopped at the first end of file would miss the rest.
        for burst in 0..<5 {
            for value in (burst * 100_000)..<((burst + 1) * 100_000) {
                writer.putByte(UInt8(ascii: "N"))
                writer.putInt(value)
                try writer.endRecord()
            }
            try writer.flush()
            try await Task.sleep(for: .milliseconds(50))
        }
        writer.endGrowth()
        let values = try await reading.value
        #expect(values.count == 500_000)
        #expect(values == Array(0..<500_000))
    }

    @Test func aWriterDroppedHalfWayEndsTheFileForItsReader() async throws {
        let root = TempRoot("growing-file-dropped")
        let path = root.path + "/records.bin"
        let growth = GrowingFile()
        do {
            let writer = try BinaryRecordWriter(path: path, growth: growth)
            writer.putByte(UInt8(ascii: "N"))
            writer.putInt(7)
            try writer.flush()
            // Still buffered when the writer goes: never written, never read.
            writer.putByte(UInt8(ascii: "N"))
            writer.putInt(8)
        }
        let reader = try BinaryRecordReader(path: path, following: growth)
        #expect(try reader.nextKind() == UInt8(ascii: "N"))
        #expect(try reader.int() == 7)
        #expect(try reader.nextKind() == nil)
    }
}
