import Testing
@testable import PlytixPrima
import PlytixPrimaTestSupport

// The byte-level CSV reader: RFC 4180 structure, line numbers, limits and file faults.
// Most cases run through three read patterns (whole blocks, 1–7 bytes, 1 byte) and must give
// the same answer each time: where a block ends must never change what is read.

// MARK: - Test sources

/// Hands out its bytes a few at a time, cycling through `sizes` (1–7 by default), so quotes,
/// CRLFs, the BOM and record ends fall on every possible block boundary.
final class TinyReadSource: ByteSource {
    private let bytes: [UInt8]
    private let sizes: [Int]
    private var position = 0
    private var turn = 0

    init(_ bytes: [UInt8], sizes: [Int] = [3, 1, 7, 2, 5, 4, 6]) {
        self.bytes = bytes
        self.sizes = sizes
    }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws(FileFault) -> Int {
        let size = sizes[turn % sizes.count]
        turn += 1
        let count = min(buffer.count, size, bytes.count - position)
        guard count > 0 else { return 0 }
        bytes.withUnsafeBytes { source in
            buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: source[position..<(position + count)]))
        }
        position += count
        return count
    }
}

/// Generates its bytes on demand from parts, so a 50 MB field never exists as an array.
/// Records the largest read it was asked for and how much it served.
final class LazySource: ByteSource {
    enum Part {
        case bytes([UInt8])
        case repeated(UInt8, count: Int)

        var count: Int {
            switch self {
            case .bytes(let bytes): bytes.count
            case .repeated(_, let count): count
            }
        }
    }

    private let parts: [Part]
    private let maxPerRead: Int
    private var partIndex = 0
    private var offsetInPart = 0
    private(set) var served = 0
    private(set) var largestRequest = 0

    init(_ parts: [Part], maxPerRead: Int = .max) {
        self.parts = parts
        self.maxPerRead = maxPerRead
    }

    var totalCount: Int { parts.reduce(0) { $0 + $1.count } }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws(FileFault) -> Int {
        largestRequest = max(largestRequest, buffer.count)
        let wanted = min(buffer.count, maxPerRead)
        var filled = 0
        while filled < wanted && partIndex < parts.count {
            let part = parts[partIndex]
            let count = min(wanted - filled, part.count - offsetInPart)
            let target = buffer.baseAddress! + filled
            switch part {
            case .bytes(let bytes):
                bytes.withUnsafeBytes { source in
                    target.copyMemory(from: source.baseAddress! + offsetInPart, byteCount: count)
                }
            case .repeated(let byte, _):
                target.initializeMemory(as: UInt8.self, repeating: byte, count: count)
            }
            filled += count
            offsetInPart += count
            if offsetInPart == part.count {
                partIndex += 1
                offsetInPart = 0
            }
        }
        served += filled
        return filled
    }
}

/// How a test input is handed to the reader.
///
/// The reader's first fill takes at least 4 KiB (the header is always read whole), so for the
/// small-read patterns blank lines are put after the first record to push the rest of the input
/// past that first fill; the reported lines and byte offsets are then shifted back.
enum Reads: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case whole, oneToSeven, oneByte

    var sizes: [Int]? {
        switch self {
        case .whole: nil
        case .oneToSeven: [3, 1, 7, 2, 5, 4, 6]
        case .oneByte: [1]
        }
    }

    var testDescription: String { rawValue }
}

/// Blank lines inserted after an input's first record (see `Reads`).
struct Padding {
    static let lines = 2_100
    static let filler = Array(repeating: Array("\r\n".utf8), count: lines).flatMap { $0 }

    /// Byte offset where the filler goes, and the line number it starts on.
    let point: Int
    let line: Int

    /// After the first line end (outside quotes) that follows some text; `nil` if there is none.
    init?(_ bytes: [UInt8]) {
        var p = 0
        while p < bytes.count && (bytes[p] == 10 || bytes[p] == 13) { p += 1 }
        var inQuotes = false
        while p < bytes.count {
            let b = bytes[p]
            p += 1
            if b == UInt8(ascii: "\"") {
                inQuotes.toggle()
            } else if !inQuotes && (b == 10 || b == 13) {
                if b == 13 && p < bytes.count && bytes[p] == 10 { p += 1 }
                point = p
                var line = 1
                for i in 0..<p where bytes[i] == 10 || (bytes[i] == 13 && (i + 1 == p || bytes[i + 1] != 10)) {
                    line += 1
                }
                self.line = line
                return
            }
        }
        return nil
    }

    func apply(_ bytes: [UInt8]) -> [UInt8] {
        Array(bytes[..<point]) + Self.filler + Array(bytes[point...])
    }

    func restore(line: Int) -> Int { line >= self.line + Self.lines ? line - Self.lines : line }

    func restore(offset: Int64) -> Int64 {
        offset >= Int64(point + Self.filler.count) ? offset - Int64(Self.filler.count) : offset
    }

    func restore(_ reading: Reading) -> Reading {
        var result = reading
        result.seen = reading.seen.map {
            switch $0 {
            case .record(let line, let cells): .record(line: restore(line: line), cells: cells)
            case .tooLong(let line, let bytes): .tooLong(line: restore(line: line), bytes: bytes)
            case .textAfterQuote(let line): .textAfterQuote(line: restore(line: line))
            }
        }
        if let line = reading.fault?.line { result.fault?.line = restore(line: line) }
        if let offset = reading.fault?.byteOffset { result.fault?.byteOffset = restore(offset: offset) }
        return result
    }
}

// MARK: - Reading helpers

/// What the reader reported, in a comparable form.
enum Seen: Equatable, CustomStringConvertible {
    case record(line: Int, cells: [String])
    case tooLong(line: Int, bytes: Int)
    case textAfterQuote(line: Int)

    var description: String {
        switch self {
        case .record(let line, let cells): "record@\(line)\(cells.map(Self.shortened))"
        case .tooLong(let line, let bytes): "tooLong@\(line)(\(bytes))"
        case .textAfterQuote(let line): "textAfterQuote@\(line)"
        }
    }
    /// Long cells shown by their start and size, so a failing 3 MB case stays readable.
    static func shortened(_ cell: String) -> String {
        cell.utf8.count <= 60 ? cell : String(cell.prefix(20)) + "…(\(cell.utf8.count) bytes)"
    }
}

struct Reading: Equatable {
    var seen: [Seen] = []
    var fault: FileFault?
    var delimiter: UInt8?

    var records: [[String]] {
        seen.compactMap { if case .record(_, let cells) = $0 { cells } else { nil } }
    }

    var lines: [Int] {
        seen.map {
            switch $0 {
            case .record(let line, _), .tooLong(let line, _), .textAfterQuote(let line): line
            }
        }
    }
}

/// Reads `source` to its end (or its fault), decoding every cell as UTF-8.
func readRecords(_ source: any ByteSource, dialect: CSVDialect = CSVDialect()) -> Reading {
    let reader = CSVRecordReader(source: source, dialect: dialect)
    var reading = Reading()
    do {
        while let event = try reader.next() {
            switch event {
            case .record(let line):
                let cells = (0..<reader.cellCount).map { String(decoding: reader.cellBytes($0), as: UTF8.self) }
                reading.seen.append(.record(line: line, cells: cells))
            case .tooLong(let line, let bytes):
                reading.seen.append(.tooLong(line: line, bytes: bytes))
            case .textAfterQuote(let line):
                reading.seen.append(.textAfterQuote(line: line))
            }
        }
    } catch {
        reading.fault = error
    }
    reading.delimiter = reader.effectiveDelimiter
    return reading
}

/// Reads `bytes` in pieces of `sizes` (cycling), beyond the reader's first fill (see `Reads`).
func readInPieces(_ bytes: [UInt8], sizes: [Int], dialect: CSVDialect = CSVDialect()) -> Reading {
    guard let padding = Padding(bytes) else {
        return readRecords(TinyReadSource(bytes, sizes: sizes), dialect: dialect)
    }
    return padding.restore(readRecords(TinyReadSource(padding.apply(bytes), sizes: sizes), dialect: dialect))
}

func readRecords(_ bytes: [UInt8], _ reads: Reads = .whole, dialect: CSVDialect = CSVDialect()) -> Reading {
    guard let sizes = reads.sizes else { return readRecords(MemoryByteSource(bytes), dialect: dialect) }
    return readInPieces(bytes, sizes: sizes, dialect: dialect)
}

func readRecords(_ text: String, _ reads: Reads = .whole, dialect: CSVDialect = CSVDialect()) -> Reading {
    readRecords(Array(text.utf8), reads, dialect: dialect)
}

let utf8BOM: [UInt8] = [0xEF, 0xBB, 0xBF]

// MARK: - RFC 4180 structure

@Suite struct CSVRecordStructureTests {
    @Test(arguments: Reads.allCases)
    func plainRecordsWithLineNumbers(reads: Reads) {
        let reading = readRecords("SKU,Label,Status\nA-1,Oak chair,Complete\nB-2,Pine table,Draft\n", reads)
        #expect(reading.fault == nil)
        #expect(reading.seen == [
            .record(line: 1, cells: ["SKU", "Label", "Status"]),
            .record(line: 2, cells: ["A-1", "Oak chair", "Complete"]),
            .record(line: 3, cells: ["B-2", "Pine table", "Draft"]),
        ])
    }

    @Test(arguments: Reads.allCases)
    func quotedFieldsHoldSeparatorsQuotesAndLineBreaks(reads: Reads) {
        let text = "SKU,Label,Note\r\n"
            + "A-1,\"Chair, oak\",\"He said \"\"hi\"\"\"\r\n"
            + "B-2,\"two\nlines\",\"three\r\nlines\rhere\"\r\n"
            + "C-3,\"\",\"\"\"\"\r\n"
        let reading = readRecords(text, reads)
        #expect(reading.fault == nil)
        #expect(reading.seen == [
            .record(line: 1, cells: ["SKU", "Label", "Note"]),
            .record(line: 2, cells: ["A-1", "Chair, oak", "He said \"hi\""]),
            .record(line: 3, cells: ["B-2", "two\nlines", "three\r\nlines\rhere"]),
            // B-2 spans lines 3 to 6 (LF, CRLF and a lone CR each break a line once).
            .record(line: 7, cells: ["C-3", "", "\""]),
        ])
    }

    @Test(arguments: Reads.allCases)
    func lineNumbersAfterMultiLineQuotedFields(reads: Reads) {
        let text = "SKU,Description\n"
            + "A-1,\"line 1\nline 2\nline 3\"\n"  // lines 2–4
            + "B-2,plain\n"  // line 5
            + "C-3,\"\n\n\n\n\"\n"  // lines 6–10
            + "\n"  // line 11, blank
            + "D-4,\"x\r\ny\"\n"  // lines 12–13
            + "E-5,last\n"  // line 14
        let reading = readRecords(text, reads)
        #expect(reading.fault == nil)
        #expect(reading.lines == [1, 2, 5, 6, 12, 14])
        #expect(reading.records[3] == ["C-3", "\n\n\n\n"])
    }

    @Test(arguments: Reads.allCases)
    func doubledQuotesAreUndone(reads: Reads) {
        let reading = readRecords("a,b\n\"\"\"quoted\"\" start\",\"end \"\"quoted\"\"\"\"\"\"\"\n", reads)
        #expect(reading.records == [["a", "b"], ["\"quoted\" start", "end \"quoted\"\"\""]])
    }

    /// Undoubling goes into a buffer the reader keeps (64 KiB at first): a longer cell grows it,
    /// and the cells after it are undone into it again.
    @Test func doubledQuotesInACellLongerThanTheUndoingBuffer() {
        let long = String(repeating: "<p class=\"\"x\"\">", count: 9_000)  // 18 bytes a piece, 162,000 in all
        let reading = readRecords("a,b\n\"\(long)\",\"1\"\"\"\n\"2\"\"\",\"\(long)\"\n")
        let undone = String(repeating: "<p class=\"x\">", count: 9_000)
        #expect(reading.fault == nil)
        #expect(reading.records == [["a", "b"], [undone, "1\""], ["2\"", undone]])
    }

    @Test(arguments: Reads.allCases)
    func quotedEmptyCellAloneIsARecordNotABlankLine(reads: Reads) {
        let reading = readRecords("a\n\"\"\nb\n", reads)
        #expect(reading.seen == [
            .record(line: 1, cells: ["a"]), .record(line: 2, cells: [""]), .record(line: 3, cells: ["b"]),
        ])
    }

    @Test(arguments: Reads.allCases)
    func textAfterAClosingQuoteIsReportedAndReadingGoesOn(reads: Reads) {
        let text = "SKU,Label\nA-1,\"abc\"def\nB-2,\"ok\"\nC-3,\"multi\nline\"tail,x\nD-4,fine\n"
        let reading = readRecords(text, reads)
        #expect(reading.fault == nil)
        #expect(reading.seen == [
            .record(line: 1, cells: ["SKU", "Label"]),
            .textAfterQuote(line: 2),
            .record(line: 3, cells: ["B-2", "ok"]),
            .textAfterQuote(line: 4),
            .record(line: 6, cells: ["D-4", "fine"]),
        ])
    }

    @Test(arguments: Reads.allCases)
    func aQuoteInsideAnUnquotedFieldIsText(reads: Reads) {
        let text = "SKU,Label,Size\nA-1,Monitor 27\" wide,5'6\"\nB-2,x\"y\"z,\"q\"\n"
        let reading = readRecords(text, reads)
        #expect(reading.fault == nil)
        #expect(reading.records == [
            ["SKU", "Label", "Size"], ["A-1", "Monitor 27\" wide", "5'6\""], ["B-2", "x\"y\"z", "q"],
        ])
        #expect(reading.lines == [1, 2, 3])
    }

    @Test(arguments: Reads.allCases)
    func trailingDelimiterGivesAnEmptyLastCell(reads: Reads) {
        let reading = readRecords("a,b,\n1,2,\n3,4,", reads)
        #expect(reading.records == [["a", "b", ""], ["1", "2", ""], ["3", "4", ""]])
    }

    @Test(arguments: Reads.allCases)
    func lastLineWithoutLineEnding(reads: Reads) {
        #expect(readRecords("a,b\r\n1,2", reads).seen == [
            .record(line: 1, cells: ["a", "b"]), .record(line: 2, cells: ["1", "2"]),
        ])
        #expect(readRecords("a,b\n\"1\n1\",\"2\"", reads).seen == [
            .record(line: 1, cells: ["a", "b"]), .record(line: 2, cells: ["1\n1", "2"]),
        ])
        #expect(readRecords("a,b\n1,", reads).records == [["a", "b"], ["1", ""]])
    }

    @Test(arguments: Reads.allCases)
    func emptyCellsAnywhere(reads: Reads) {
        #expect(readRecords(",,\na,,\n,b,\n,,c\n", reads).records == [
            ["", "", ""], ["a", "", ""], ["", "b", ""], ["", "", "c"],
        ])
    }
}

// MARK: - Line endings and blank lines

@Suite struct CSVLineEndingTests {
    static let expected: [[String]] = [["SKU", "Label"], ["A-1", "Oak"], ["B-2", "Pine"], ["C-3", "Elm"]]

    @Test(arguments: ["\r\n", "\n", "\r"], Reads.allCases)
    func eachLineEnding(ending: String, reads: Reads) {
        let text = Self.expected.map { $0.joined(separator: ",") }.joined(separator: ending) + ending
        let reading = readRecords(text, reads)
        #expect(reading.fault == nil)
        #expect(reading.records == Self.expected)
        #expect(reading.lines == [1, 2, 3, 4])
    }

    @Test(arguments: Reads.allCases)
    func mixedLineEndings(reads: Reads) {
        let reading = readRecords("SKU,Label\r\nA-1,Oak\nB-2,Pine\rC-3,Elm\r\n", reads)
        #expect(reading.records == Self.expected)
        #expect(reading.lines == [1, 2, 3, 4])
    }

    @Test(arguments: Reads.allCases)
    func crOnlyFileWithQuotedLineBreaks(reads: Reads) {
        let reading = readRecords("SKU,Note\rA-1,\"x\ry\"\rB-2,z\r", reads)
        #expect(reading.seen == [
            .record(line: 1, cells: ["SKU", "Note"]),
            .record(line: 2, cells: ["A-1", "x\ry"]),
            .record(line: 4, cells: ["B-2", "z"]),
        ])
    }

    @Test(arguments: Reads.allCases)
    func blankLinesAreSkippedButCounted(reads: Reads) {
        let text = "SKU,Label\n\nA-1,Oak\r\n\r\n\r\rB-2,Pine\n\n\n"
        let reading = readRecords(text, reads)
        #expect(reading.seen == [
            .record(line: 1, cells: ["SKU", "Label"]),
            .record(line: 3, cells: ["A-1", "Oak"]),
            .record(line: 7, cells: ["B-2", "Pine"]),
        ])
    }

    @Test(arguments: Reads.allCases)
    func blankLinesBeforeTheHeaderDoNotHideItsSeparator(reads: Reads) {
        let reading = readRecords("\r\n\nSKU;Label;Status\nA-1;Oak, light;Complete\n", reads)
        #expect(reading.fault == nil)
        #expect(reading.delimiter == UInt8(ascii: ";"))
        #expect(reading.seen == [
            .record(line: 3, cells: ["SKU", "Label", "Status"]),
            .record(line: 4, cells: ["A-1", "Oak, light", "Complete"]),
        ])
    }

    @Test(arguments: Reads.allCases)
    func onlyBlankLinesGiveNoRecords(reads: Reads) {
        let reading = readRecords("\n\r\n\r\n", reads)
        #expect(reading.fault == nil)
        #expect(reading.seen.isEmpty)
    }
}

// MARK: - Separators

@Suite struct CSVDelimiterTests {
    @Test(arguments: [",", ";", "\t", "|"], Reads.allCases)
    func detectedFromTheHeader(separator s: String, reads: Reads) {
        // Values hold every candidate, which must not confuse the reader.
        let text = ["SKU", "Label", "Status"].joined(separator: s) + "\n"
            + ["A-1", "\"x\(s)y\"", "\"a,b;c|d\te\""].joined(separator: s) + "\n"
            + ["B-2", "", "plain"].joined(separator: s) + "\n"
        let reading = readRecords(text, reads)
        #expect(reading.fault == nil)
        #expect(reading.delimiter == Array(s.utf8)[0])
        #expect(reading.records == [
            ["SKU", "Label", "Status"], ["A-1", "x\(s)y", "a,b;c|d\te"], ["B-2", "", "plain"],
        ])
    }

    @Test(arguments: Reads.allCases)
    func separatorsInsideQuotedHeaderCellsDoNotCount(reads: Reads) {
        let reading = readRecords("\"SKU,code\";\"Label, long, really\";Status\n1;2;3\n", reads)
        #expect(reading.delimiter == UInt8(ascii: ";"))
        #expect(reading.records == [["SKU,code", "Label, long, really", "Status"], ["1", "2", "3"]])
    }

    @Test func aHeaderWithoutAnyCandidateFallsBackToComma() {
        let reading = readRecords("SKU\nA-1\n")
        #expect(reading.delimiter == UInt8(ascii: ","))
        #expect(reading.records == [["SKU"], ["A-1"]])
    }

    @Test(arguments: Reads.allCases)
    func aConfiguredSeparatorWinsOverDetection(reads: Reads) {
        // The header holds more commas than semicolons; the configuration says `;`.
        let text = "SKU;Label, long, name;Status\nA-1;Oak, chair;Complete\n"
        let reading = readRecords(text, reads, dialect: CSVDialect(delimiter: UInt8(ascii: ";")))
        #expect(reading.delimiter == UInt8(ascii: ";"))
        #expect(reading.records == [["SKU", "Label, long, name", "Status"], ["A-1", "Oak, chair", "Complete"]])
        let detected = readRecords(text, reads)
        #expect(detected.delimiter == UInt8(ascii: ","))
    }

    @Test(arguments: [UInt8(ascii: "|"), 9], Reads.allCases)
    func configuredPipeAndTab(separator: UInt8, reads: Reads) {
        let s = String(UnicodeScalar(separator))
        let text = "SKU\(s)Label\nA-1\(s)\"two\(s)parts\"\n"
        let reading = readRecords(text, reads, dialect: CSVDialect(delimiter: separator))
        #expect(reading.records == [["SKU", "Label"], ["A-1", "two\(s)parts"]])
    }
}

@Suite struct CSVDialectTests {
    @Test func defaults() {
        let dialect = CSVDialect()
        #expect(dialect.delimiter == nil)
        #expect(dialect.quote == UInt8(ascii: "\""))
        #expect(dialect.maxRecordBytes == 1_048_576)
        #expect(CSVDialect.detectableDelimiters == [UInt8(ascii: ","), UInt8(ascii: ";"), 9, UInt8(ascii: "|")])
    }

    @Test(arguments: Reads.allCases)
    func aConfiguredQuoteCharacter(reads: Reads) {
        let text = "SKU,Label\nA-1,'Chair, oak ''classic'''\nB-2,\"x\"\n"
        let reading = readRecords(text, reads, dialect: CSVDialect(quote: UInt8(ascii: "'")))
        #expect(reading.fault == nil)
        #expect(reading.records == [["SKU", "Label"], ["A-1", "Chair, oak 'classic'"], ["B-2", "\"x\""]])
    }

    @Test func theDetectedSeparatorIsKeptInTheDialect() throws {
        let reader = CSVRecordReader(source: MemoryByteSource("a|b\n1|2\n"), dialect: CSVDialect())
        #expect(reader.dialect.delimiter == nil)
        #expect(try reader.next() == .record(line: 1))
        #expect(reader.dialect.delimiter == UInt8(ascii: "|"))
        #expect(reader.effectiveDelimiter == UInt8(ascii: "|"))
        #expect(reader.cellCount == 2)
    }

    @Test func aHeaderLongerThanTheFirstLook() {
        // 500 `;`-separated names (over 4 KiB), read 64 bytes at a time: detection sees part of it.
        // Quoted names hold commas, which do not count.
        let names = (0..<500).map { $0 % 2 == 0 ? "\"Attribute, number \($0)\"" : "Attribute number \($0)" }
        let text = names.joined(separator: ";") + "\n" + (0..<500).map(String.init).joined(separator: ";") + "\n"
        let reading = readRecords(TinyReadSource(Array(text.utf8), sizes: [64]))
        #expect(reading.delimiter == UInt8(ascii: ";"))
        #expect(reading.records.map(\.count) == [500, 500])
        #expect(reading.records.first?.first == "Attribute, number 0")
        #expect(reading.records.first?.last == "Attribute number 499")
    }
}

// MARK: - Encoding at the byte level

@Suite struct CSVRecordEncodingTests {
    @Test(arguments: Reads.allCases)
    func utf8ByteOrderMarkIsStripped(reads: Reads) {
        let reading = readRecords(utf8BOM + Array("SKU;Label\nA-1;Oak\n".utf8), reads)
        #expect(reading.records == [["SKU", "Label"], ["A-1", "Oak"]])
        #expect(reading.delimiter == UInt8(ascii: ";"))
        #expect(reading.lines == [1, 2])
    }

    @Test(arguments: Reads.allCases)
    func aQuotedFirstHeaderCellAfterTheBOM(reads: Reads) {
        let reading = readRecords(utf8BOM + Array("\"SKU\",\"Label\"\n1,2\n".utf8), reads)
        #expect(reading.records == [["SKU", "Label"], ["1", "2"]])
    }

    @Test(arguments: [[0xFF, 0xFE] as [UInt8], [0xFE, 0xFF]], Reads.allCases)
    func utf16ByteOrderMarksAreRefused(bom: [UInt8], reads: Reads) {
        let body = Array("SKU,Label\n".utf16).flatMap { bom[0] == 0xFF ? [UInt8($0 & 0xFF), UInt8($0 >> 8)] : [UInt8($0 >> 8), UInt8($0 & 0xFF)] }
        let reading = readRecords(bom + body, reads)
        #expect(reading.fault?.code == .unsupportedEncoding)
        #expect(reading.fault?.line == 1)
        #expect(reading.seen.isEmpty)
    }

    @Test(arguments: Reads.allCases)
    func utf16WithoutAByteOrderMarkIsRefusedByItsNULs(reads: Reads) {
        let littleEndian = Array("SKU,Label\nA-1,Oak\n".utf16).flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }
        let reading = readRecords(littleEndian, reads)
        #expect(reading.fault?.code == .unsupportedEncoding)
        #expect(reading.fault?.message.contains("UTF-16") == true)
    }

    @Test func nulAndInvalidUTF8InDataAreHandedOnAsBytes() throws {
        // Deciding what bad bytes mean is the product reader's job; the record reader keeps them.
        let bytes = Array("SKU,Label\nA-1,x".utf8) + [0, 0xFF, 0xC3] + Array("y\nB-2,ok\n".utf8)
        let reader = CSVRecordReader(source: MemoryByteSource(bytes), dialect: CSVDialect())
        #expect(try reader.next() == .record(line: 1))
        #expect(try reader.next() == .record(line: 2))
        #expect(reader.cellBytes(1) == [UInt8(ascii: "x"), 0, 0xFF, 0xC3, UInt8(ascii: "y")])
        #expect(try reader.next() == .record(line: 3))
        #expect(try reader.next() == nil)
    }
}

// MARK: - File faults

@Suite struct CSVRecordFaultTests {
    @Test(arguments: Reads.allCases)
    func emptyInput(reads: Reads) {
        #expect(readRecords([UInt8](), reads).fault?.code == .emptyFile)
    }

    @Test(arguments: Reads.allCases)
    func onlyAByteOrderMark(reads: Reads) {
        let fault = readRecords(utf8BOM, reads).fault
        #expect(fault?.code == .emptyFile)
        #expect(fault?.message.contains("byte-order mark") == true)
    }

    @Test(arguments: Reads.allCases)
    func unterminatedQuoteAtTheEnd(reads: Reads) {
        let text = "SKU,Label\nA-1,ok\nB-2,\"never closed\nC-3,more\n"
        let reading = readRecords(text, reads)
        #expect(reading.fault?.code == .unterminatedQuote)
        #expect(reading.fault?.line == 3)
        #expect(reading.fault?.byteOffset == Int64("SKU,Label\nA-1,ok\n".utf8.count))
        #expect(reading.lines == [1, 2])
    }

    @Test(arguments: Reads.allCases)
    func unterminatedQuoteRightAfterAnOpeningQuote(reads: Reads) {
        #expect(readRecords("a,b\n1,\"", reads).fault?.code == .unterminatedQuote)
        #expect(readRecords("a,b\n\"", reads).fault?.line == 2)
    }

    @Test(arguments: Reads.allCases)
    func unterminatedQuoteLongerThanTheLimitIsStillAFileFault(reads: Reads) {
        let text = "SKU,Label\nA-1,ok\nB-2,\"" + String(repeating: "long text\n", count: 40)
        let reading = readRecords(text, reads, dialect: CSVDialect(maxRecordBytes: 64))
        #expect(reading.fault?.code == .unterminatedQuote)
        #expect(reading.fault?.line == 3)
        #expect(reading.lines == [1, 2])
    }

    @Test func aThreeMegabyteUnterminatedQuoteIsAFileFault() {
        let source = LazySource([
            .bytes(Array("SKU,Label\nA-1,\"".utf8)), .repeated(UInt8(ascii: "x"), count: 3 << 20),
        ])
        let reading = readRecords(source)
        #expect(reading.fault?.code == .unterminatedQuote)
        #expect(reading.fault?.line == 2)
        #expect(reading.fault?.byteOffset == 10)
        #expect(source.served == source.totalCount)
    }

    @Test func quotedTextEndingExactlyAtTheEndIsClosed() {
        #expect(readRecords("a\n\"x\"\"\"").records == [["a"], ["x\""]])
        #expect(readRecords("a\n\"x\"\"").fault?.code == .unterminatedQuote)
    }
}

// MARK: - Over-long records

@Suite struct CSVRecordLimitTests {
    @Test(arguments: Reads.allCases)
    func anOverlongRecordIsSkippedAndReadingGoesOn(reads: Reads) {
        let long = "B-2," + String(repeating: "y", count: 200)
        let text = "SKU,Label\r\nA-1,ok\r\n\(long)\r\nC-3,fine\r\nD-4,too\r\n"
        let reading = readRecords(text, reads, dialect: CSVDialect(maxRecordBytes: 100))
        #expect(reading.fault == nil)
        #expect(reading.seen == [
            .record(line: 1, cells: ["SKU", "Label"]),
            .record(line: 2, cells: ["A-1", "ok"]),
            .tooLong(line: 3, bytes: long.utf8.count + 2),
            .record(line: 4, cells: ["C-3", "fine"]),
            .record(line: 5, cells: ["D-4", "too"]),
        ])
    }

    @Test(arguments: Reads.allCases)
    func aQuotedOverlongRecordWithLineBreaksKeepsLineNumbers(reads: Reads) {
        let field = String(repeating: "line\r\n", count: 30) + "\"\"quoted\"\"," + String(repeating: "z\n", count: 10)
        let long = "B-2,\"\(field)\""
        let text = "SKU,Label\nA-1,ok\n\(long)\nC-3,fine\n"
        let reading = readRecords(text, reads, dialect: CSVDialect(maxRecordBytes: 100))
        #expect(reading.fault == nil)
        #expect(reading.seen == [
            .record(line: 1, cells: ["SKU", "Label"]),
            .record(line: 2, cells: ["A-1", "ok"]),
            .tooLong(line: 3, bytes: long.utf8.count + 1),
            // B-2 holds 40 line breaks: it covers lines 3–43.
            .record(line: 44, cells: ["C-3", "fine"]),
        ])
    }

    @Test(arguments: Reads.allCases)
    func anOverlongUnquotedRecordWithAQuoteInsideDoesNotSwallowTheFile(reads: Reads) {
        // `27"` is text in an unquoted cell; skipping the row must not take it for an opening quote.
        let long = "B-2,Monitor 27\" " + String(repeating: "w", count: 200)
        let text = "SKU,Label\nA-1,ok\n\(long)\nC-3,fine\nD-4,\"x\ny\"\nE-5,end\n"
        let reading = readRecords(text, reads, dialect: CSVDialect(maxRecordBytes: 100))
        #expect(reading.fault == nil)
        #expect(reading.seen == [
            .record(line: 1, cells: ["SKU", "Label"]),
            .record(line: 2, cells: ["A-1", "ok"]),
            .tooLong(line: 3, bytes: long.utf8.count + 1),
            .record(line: 4, cells: ["C-3", "fine"]),
            .record(line: 5, cells: ["D-4", "x\ny"]),
            .record(line: 7, cells: ["E-5", "end"]),
        ])
    }

    @Test(arguments: Reads.allCases)
    func textAfterAQuoteInAnOverlongRecordIsSkippedLikeAShortOne(reads: Reads) {
        let long = "B-2,\"abc\"d\"ef " + String(repeating: "w", count: 200)
        let text = "SKU,Label\n\(long)\nC-3,fine\n"
        let reading = readRecords(text, reads, dialect: CSVDialect(maxRecordBytes: 100))
        #expect(reading.fault == nil)
        #expect(reading.seen == [
            .record(line: 1, cells: ["SKU", "Label"]),
            .tooLong(line: 2, bytes: long.utf8.count + 1),
            .record(line: 3, cells: ["C-3", "fine"]),
        ])
    }

    @Test(arguments: [[1], [2], [3], [5], [7], [3, 1, 7, 2, 5, 4, 6]])
    func crlfAfterAnOverlongRecordSplitAcrossReads(sizes: [Int]) {
        // Whatever the read size, the CR and LF closing a skipped row are one line end.
        let long = String(repeating: "v", count: 61)
        var text = "SKU,Label\r\n"
        for index in 0..<8 { text += "A-\(index),\(long)\r\nB-\(index),short\r\n" }
        let reading = readInPieces(Array(text.utf8), sizes: sizes, dialect: CSVDialect(maxRecordBytes: 40))
        #expect(reading.fault == nil)
        #expect(reading.lines == Array(1...17))
        #expect(reading.records.count == 9)
        #expect(reading.records.last == ["B-7", "short"])
    }

    @Test(arguments: Reads.allCases)
    func theLimitIsInclusive(reads: Reads) {
        // Limit 20: a record of 20 bytes (not counting its line end) is read, one of 21 is not.
        let exact = "A-1," + String(repeating: "x", count: 16)
        let over = "B-2," + String(repeating: "x", count: 17)
        for ending in ["\n", "\r\n", "\r"] {
            let text = "SKU,Label\(ending)\(exact)\(ending)\(over)\(ending)C-3,ok\(ending)\(over)"
            let reading = readRecords(text, reads, dialect: CSVDialect(maxRecordBytes: 20))
            #expect(reading.fault == nil)
            #expect(reading.seen == [
                .record(line: 1, cells: ["SKU", "Label"]),
                .record(line: 2, cells: ["A-1", String(repeating: "x", count: 16)]),
                .tooLong(line: 3, bytes: 21 + ending.utf8.count),
                .record(line: 4, cells: ["C-3", "ok"]),
                .tooLong(line: 5, bytes: 21),
            ], "line ending \(Array(ending.utf8))")
        }
    }

    @Test func aThreeMegabyteFieldOverTheDefaultLimitIsRejected() {
        // The whole input fits in the reader's block buffer: the limit must hold all the same.
        let source = LazySource([
            .bytes(Array("SKU,Description\nA-1,ok\nB-2,\"".utf8)),
            .repeated(UInt8(ascii: "d"), count: 3_000_000),
            .bytes(Array("\"\nC-3,after\n".utf8)),
        ])
        let reading = readRecords(source)
        #expect(reading.fault == nil)
        #expect(reading.seen == [
            .record(line: 1, cells: ["SKU", "Description"]),
            .record(line: 2, cells: ["A-1", "ok"]),
            .tooLong(line: 3, bytes: 3_000_007),
            .record(line: 4, cells: ["C-3", "after"]),
        ])
    }

    @Test(arguments: [64 << 10, 1 << 30])
    func aThreeMegabyteFieldIsRejectedWhateverTheReadSize(maxPerRead: Int) {
        let source = LazySource([
            .bytes(Array("SKU,Description\nB-2,".utf8)),
            .repeated(UInt8(ascii: "d"), count: 3 << 20),
            .bytes(Array("\r\nC-3,after\r\n".utf8)),
        ], maxPerRead: maxPerRead)
        let reading = readRecords(source)
        #expect(reading.seen == [
            .record(line: 1, cells: ["SKU", "Description"]),
            .tooLong(line: 2, bytes: 4 + (3 << 20) + 2),
            .record(line: 3, cells: ["C-3", "after"]),
        ])
    }

    @Test func aFiftyMegabyteFieldIsSkippedThroughTheBlockBuffer() {
        let fieldSize = 50 << 20
        let source = LazySource([
            .bytes(Array("SKU,Description\nA-1,\"".utf8)),
            .repeated(UInt8(ascii: "x"), count: fieldSize / 2),
            .bytes(Array("\n\"\"\r\n".utf8)),  // a line break and a doubled quote deep inside
            .repeated(UInt8(ascii: "x"), count: fieldSize / 2),
            .bytes(Array("\"\nB-2,next\n".utf8)),
        ])
        let reading = readRecords(source)
        #expect(reading.fault == nil)
        #expect(reading.seen == [
            .record(line: 1, cells: ["SKU", "Description"]),
            .tooLong(line: 2, bytes: 4 + 1 + fieldSize + 5 + 1 + 1),
            .record(line: 5, cells: ["B-2", "next"]),
        ])
        #expect(source.served == source.totalCount)
        // The reader never asks for more than its block buffer: the field is never held whole.
        #expect(source.largestRequest <= 5 << 20)
    }

    @Test func aLimitAboveTheDefaultBufferStillReadsLongRecords() throws {
        // 6 MB limit: the buffer grows to hold it, and a 5 MB cell is read in full.
        let source = LazySource([
            .bytes(Array("SKU,Description\nA-1,".utf8)),
            .repeated(UInt8(ascii: "q"), count: 5_000_000),
            .bytes(Array("\nB-2,x\n".utf8)),
        ], maxPerRead: 1 << 20)
        let reader = CSVRecordReader(source: source, dialect: CSVDialect(maxRecordBytes: 6_000_000))
        #expect(try reader.next() == .record(line: 1))
        #expect(try reader.next() == .record(line: 2))
        let cell = reader.cellBytes(1)
        #expect(cell.count == 5_000_000)
        #expect(cell.allSatisfy { $0 == UInt8(ascii: "q") })
        #expect(try reader.next() == .record(line: 3))
        #expect(reader.cellBytes(0) == Array("B-2".utf8))
        #expect(try reader.next() == nil)
    }
}

// MARK: - Block boundaries never matter

/// A deterministic export whose values hold every awkward thing, with the cells and starting
/// line of each record worked out independently of the reader.
struct GeneratedExport {
    var bytes: [UInt8] = []
    var records: [[String]] = []
    var lines: [Int] = []

    init(rows: Int, delimiter: String = ",", seed: UInt64 = 42) {
        var state = seed
        func next(_ bound: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int(truncatingIfNeeded: state >> 33) % bound
        }
        let pool = [
            "plain", "", "with space", "Größe €", "comma, inside", "semi;colon", "pipe|bar", "tab\there",
            "say \"hi\"", "\"", "\"\"", "two\nlines", "crlf\r\ninside", "cr\ronly", "\n", "end quote\"",
            "  padded  ", "日本語テキスト", "a,\"b\"\nc\r\nd",
        ]
        let endings = ["\r\n", "\n", "\r"]
        func needsQuotes(_ value: String) -> Bool {
            value.utf8.contains { $0 == UInt8(ascii: "\"") || $0 == 10 || $0 == 13 } || value.contains(delimiter)
        }
        func encode(_ value: String, forceQuotes: Bool) -> String {
            guard forceQuotes || needsQuotes(value) else { return value }
            return "\"" + value.split(separator: "\"", omittingEmptySubsequences: false).joined(separator: "\"\"") + "\""
        }
        func lineBreaks(_ value: String) -> Int {
            var count = 0
            var previousCR = false
            for byte in value.utf8 {
                if byte == 13 || (byte == 10 && !previousCR) { count += 1 }
                previousCR = byte == 13
            }
            return count
        }
        var line = 1
        var text = ""
        let header = ["SKU", "Label", "Description", "Status"]
        text += header.joined(separator: delimiter) + "\r\n"
        records.append(header)
        lines.append(line)
        line += 1
        for row in 0..<rows {
            var cells = ["SKU-\(row)"]
            for _ in 1..<header.count { cells.append(pool[next(pool.count)]) }
            // A record of one empty cell would be a blank line; the first cell never is empty.
            text += cells.map { encode($0, forceQuotes: next(5) == 0) }.joined(separator: delimiter)
            text += endings[next(endings.count)]
            records.append(cells)
            lines.append(line)
            line += 1 + cells.map(lineBreaks).reduce(0, +)
            if next(50) == 0 {  // now and then a blank line (CRLF, so it cannot join a CR before it)
                text += "\r\n"
                line += 1
            }
        }
        bytes = Array(text.utf8)
    }
}

@Suite struct CSVBlockBoundaryTests {
    @Test(arguments: [",", ";", "\t", "|"])
    func aGeneratedExportReadsTheSameThroughTinyAndDefaultReads(delimiter: String) {
        let export = GeneratedExport(rows: 5_000, delimiter: delimiter)
        let whole = readRecords(export.bytes, .whole)
        let tiny = readRecords(export.bytes, .oneToSeven)
        #expect(whole.fault == nil)
        #expect(whole.delimiter == Array(delimiter.utf8)[0])
        #expect(whole.records.count == 5_001)
        #expect(whole.records == export.records)
        #expect(whole.lines == export.lines)
        #expect(tiny == whole)
    }

    @Test func theGeneratedExportAgreesWithTheIndependentSplitter() {
        let export = GeneratedExport(rows: 500)
        let text = String(decoding: export.bytes, as: UTF8.self)
        // parseCSV keeps blank lines as one-cell rows; the reader skips them.
        let independent = parseCSV(text).filter { $0 != [""] }
        #expect(readRecords(export.bytes, .oneByte).records == independent)
    }

    @Test func everySplitPointOfASmallTrickyFile() throws {
        let text = "\u{FEFF}SKU;Note\r\nA-1;\"x;\"\"y\"\"\r\nz\"\r\n\r\nB-2;\"\"\"\"\rC-3;plain\nD-4;\"end\""
        let bytes = Array(text.utf8)
        let expected = readRecords(bytes, .whole)
        #expect(expected.records == [["SKU", "Note"], ["A-1", "x;\"y\"\r\nz"], ["B-2", "\""], ["C-3", "plain"], ["D-4", "end"]])
        #expect(expected.lines == [1, 2, 5, 6, 7])
        // The header is always read whole (the first fill takes 4 KiB), so the cuts go after it.
        let padding = try #require(Padding(bytes))
        let padded = padding.apply(bytes)
        for cut in (padding.point + Padding.filler.count)..<padded.count {
            // The first read ends at `cut`, then the rest comes in one piece.
            let split = padding.restore(readRecords(TinyReadSource(padded, sizes: [cut, padded.count])))
            #expect(split == expected, "split after byte \(cut)")
        }
    }
}
