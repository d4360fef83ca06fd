import Foundation
import Testing
@testable import PlytixPrima
import PlytixPrimaTestSupport

// The CSV product reader: the header against the pipeline's fields, row rejects, text decoding.
// Inputs are built with ExportBuilder (the default pipeline's columns) or written by hand.

// MARK: - Helpers

enum DefaultLayout {
    static let config: PipelineConfig = {
        do {
            return try PipelineLoader.parse(yaml: DefaultPipeline.yaml, name: DefaultPipeline.name, path: "default.yml")
        } catch {
            fatalError("the default pipeline does not parse: \(error)")
        }
    }()

    static let layout = InputLayout(config: config)

    /// Position of the field with CSV header `name` in `SourceRow.values`.
    static func index(_ name: String) -> Int {
        guard let index = layout.fields.firstIndex(where: { $0.csv == name }) else {
            fatalError("the default layout has no field '\(name)'")
        }
        return index
    }
}

/// Everything the product reader reported, comparable across read patterns.
struct ProductReading: Equatable {
    var outcomes: [ReadOutcome] = []
    var fault: FileFault?
    var header: [String] = []
    var absentFields: [String] = []
    var delimiter: UInt8?

    var rows: [SourceRow] {
        outcomes.compactMap { if case .row(let row) = $0 { row } else { nil } }
    }

    var rejects: [RowFault] {
        outcomes.compactMap { if case .rejected(let fault) = $0 { fault } else { nil } }
    }

    /// The value of field `name` in every row.
    func values(_ name: String) -> [String?] { rows.map { $0.values[DefaultLayout.index(name)] } }
}

func readProducts(
    _ source: any ByteSource, dialect: CSVDialect = CSVDialect(), encoding: TextEncoding = .utf8,
    layout: InputLayout = DefaultLayout.layout
) -> ProductReading {
    var reading = ProductReading()
    do {
        let reader = try CSVProductReader(source: source, dialect: dialect, encoding: encoding, layout: layout)
        reading.header = reader.header
        reading.absentFields = reader.absentFields
        reading.delimiter = reader.delimiter
        while let outcome = try reader.next() { reading.outcomes.append(outcome) }
    } catch {
        reading.fault = error
    }
    return reading
}

/// Reads `bytes` whole, or in small pieces past the reader's first fill (see `Reads`).
func readProducts(
    _ bytes: [UInt8], _ reads: Reads = .whole, dialect: CSVDialect = CSVDialect(), encoding: TextEncoding = .utf8
) -> ProductReading {
    guard let sizes = reads.sizes else { return readProducts(MemoryByteSource(bytes), dialect: dialect, encoding: encoding) }
    guard let padding = Padding(bytes) else {
        return readProducts(TinyReadSource(bytes, sizes: sizes), dialect: dialect, encoding: encoding)
    }
    var reading = readProducts(TinyReadSource(padding.apply(bytes), sizes: sizes), dialect: dialect, encoding: encoding)
    reading.outcomes = reading.outcomes.map {
        switch $0 {
        case .row(var row):
            row.line = padding.restore(line: row.line)
            return .row(row)
        case .rejected(var fault):
            fault.line = padding.restore(line: fault.line)
            return .rejected(fault)
        }
    }
    if let line = reading.fault?.line { reading.fault?.line = padding.restore(line: line) }
    if let offset = reading.fault?.byteOffset { reading.fault?.byteOffset = padding.restore(offset: offset) }
    return reading
}

func readProducts(_ text: String, _ reads: Reads = .whole, dialect: CSVDialect = CSVDialect()) -> ProductReading {
    readProducts(Array(text.utf8), reads, dialect: dialect)
}

/// A hand-written export over the default pipeline's required columns plus Colour.
enum MiniExport {
    static let header = ["SKU", "Label", "Status", "Weight (kg)", "HS Code", "Country of Origin", "Supplier Code", "Colour"]

    static func row(_ sku: String, label: String = "Oak chair", colour: String = "Brown") -> [String] {
        [sku, label, "Complete", "1.5", "9403.60", "GB", "S-\(sku)", colour]
    }

    static func csv(_ rows: [[String]], separator: String = ",", ending: String = "\n") -> String {
        ([header] + rows).map { $0.joined(separator: separator) }.joined(separator: ending) + ending
    }
}

// MARK: - Reading exports

@Suite struct CSVProductReadingTests {
    @Test(arguments: Reads.allCases)
    func readsTheValuesOfEveryLayoutField(reads: Reads) {
        var export = ExportBuilder()
        export.add("A-1")
        export.add("B-2", ["Label": "Chair, \"Deluxe\"", "Description": "two\nlines", "Variant of": "A-1"])
        export.add("C-3", ["Colour": ""])
        let reading = readProducts(export.bytes, reads)
        #expect(reading.fault == nil)
        #expect(reading.delimiter == UInt8(ascii: ","))
        #expect(reading.header == ExportBuilder.headers)
        #expect(reading.absentFields.isEmpty)
        #expect(reading.rejects.isEmpty)
        #expect(reading.rows.map(\.line) == [2, 3, 5])
        #expect(reading.values("SKU") == ["A-1", "B-2", "C-3"])
        #expect(reading.values("Label") == ["Cotton pillow A-1", "Chair, \"Deluxe\"", "Cotton pillow C-3"])
        #expect(reading.values("Description") == ["<p>Soft &amp; warm</p>", "two\nlines", "<p>Soft &amp; warm</p>"])
        #expect(reading.values("Variant of") == ["", "A-1", ""])
        #expect(reading.values("Colour") == ["White", "White", ""])
        #expect(reading.values("Weight (kg)") == ["0.35", "0.35", "0.35"])
        #expect(reading.rows.allSatisfy { $0.encodingIssues.isEmpty })
        // Every layout field is read, in layout order.
        let expected = ExportBuilder.validProduct("A-1")
        #expect(reading.rows[0].values == DefaultLayout.layout.fields.map { expected[$0.csv] ?? "" })
    }

    @Test(arguments: Reads.allCases)
    func reorderedHeadersGiveTheSameValues(reads: Reads) {
        var straight = ExportBuilder()
        var reversed = ExportBuilder(headers: ExportBuilder.headers.reversed())
        var shuffled = ExportBuilder(headers: ExportBuilder.headers.enumerated().sorted { ($0.offset * 7) % 22 < ($1.offset * 7) % 22 }.map(\.element))
        for sku in ["A-1", "B-2", "C-3"] {
            straight.add(sku, ["Size": "S-\(sku)"])
            reversed.add(sku, ["Size": "S-\(sku)"])
            shuffled.add(sku, ["Size": "S-\(sku)"])
        }
        let expected = readProducts(straight.bytes, reads)
        #expect(expected.values("Size") == ["S-A-1", "S-B-2", "S-C-3"])
        #expect(readProducts(reversed.bytes, reads).rows == expected.rows)
        #expect(shuffled.headers != straight.headers)
        #expect(readProducts(shuffled.bytes, reads).rows == expected.rows)
    }

    @Test(arguments: Reads.allCases)
    func extraColumnsAreIgnored(reads: Reads) {
        var export = ExportBuilder(headers: ["Internal note"] + ExportBuilder.headers + ["Price", "Warehouse"])
        export.add("A-1", ["Internal note": "do not import", "Warehouse": "W1"])
        let reading = readProducts(export.bytes, reads)
        #expect(reading.fault == nil)
        #expect(reading.header.first == "Internal note")
        #expect(reading.header.count == ExportBuilder.headers.count + 3)
        #expect(reading.values("SKU") == ["A-1"])
        #expect(reading.values("Label") == ["Cotton pillow A-1"])
        #expect(reading.rows[0].values.count == DefaultLayout.layout.fields.count)
    }

    @Test(arguments: Reads.allCases)
    func missingOptionalColumnsAreAbsentFields(reads: Reads) {
        let dropped: Set = ["Variant of", "Bundle Contents", "Thumbnail", "Colour", "Price"]
        var export = ExportBuilder(headers: ExportBuilder.headers.filter { !dropped.contains($0) })
        export.add("A-1")
        export.add("B-2")
        let reading = readProducts(export.bytes, reads)
        #expect(reading.fault == nil)
        // In layout order; Price is read for the finance review only, so it comes last.
        #expect(reading.absentFields == ["Variant of", "Bundle Contents", "Colour", "Thumbnail", "Price"])
        #expect(reading.values("Colour") == [nil, nil])
        #expect(reading.values("Thumbnail") == [nil, nil])
        #expect(reading.values("Brand") == ["Acme", "Acme"])
    }

    @Test(arguments: Reads.allCases)
    func doubledQuotesAndSeparatorsInValues(reads: Reads) {
        let text = MiniExport.csv([
            ["A-1", "\"Pillow \"\"Deluxe\"\", 50x30\"", "Complete", "0.35", "9404.90", "GB", "S-1", "\"\"\"\"\"\""],
            ["B-2", "\"\"", "Complete", "0.35", "9404.90", "GB", "S-2", "\",\""],
        ])
        let reading = readProducts(text, reads)
        #expect(reading.rejects.isEmpty)
        #expect(reading.values("Label") == ["Pillow \"Deluxe\", 50x30", ""])
        #expect(reading.values("Colour") == ["\"\"", ","])
    }

    @Test(arguments: Reads.allCases)
    func aQuoteInsideAnUnquotedValueIsText(reads: Reads) {
        let text = MiniExport.csv([MiniExport.row("A-1", label: "Monitor 27\" wide"), MiniExport.row("B-2", label: "5'6\" tall")])
        let reading = readProducts(text, reads)
        #expect(reading.rejects.isEmpty)
        #expect(reading.values("Label") == ["Monitor 27\" wide", "5'6\" tall"])
        #expect(reading.rows.map(\.line) == [2, 3])
    }

    @Test(arguments: Reads.allCases)
    func lineNumbersFollowMultiLineValues(reads: Reads) {
        let text = MiniExport.csv([
            MiniExport.row("A-1", label: "\"one\ntwo\nthree\""),  // lines 2–4
            MiniExport.row("B-2"),  // line 5
            MiniExport.row("C-3", label: "\"x\r\ny\ry\""),  // lines 6–8
            MiniExport.row("D-4"),  // line 9
        ])
        let reading = readProducts(text, reads)
        #expect(reading.rows.map(\.line) == [2, 5, 6, 9])
        #expect(reading.values("Label")[2] == "x\r\ny\ry")
    }

    @Test(arguments: ["\r\n", "\n", "\r"], Reads.allCases)
    func anyLineEndingAndNoneAtTheEnd(ending: String, reads: Reads) {
        var text = MiniExport.csv([MiniExport.row("A-1"), MiniExport.row("B-2")], ending: ending)
        text.removeLast(ending.count)  // the last row without its line end
        let reading = readProducts(text, reads)
        #expect(reading.fault == nil)
        #expect(reading.values("SKU") == ["A-1", "B-2"])
        #expect(reading.values("Colour") == ["Brown", "Brown"])
        #expect(reading.rows.map(\.line) == [2, 3])
    }

    @Test(arguments: Reads.allCases)
    func blankLinesAreSkippedAndNotCounted(reads: Reads) {
        let rows = [MiniExport.row("A-1"), MiniExport.row("B-2")]
        let text = "\n" + MiniExport.header.joined(separator: ";") + "\r\n\r\n"
            + rows[0].joined(separator: ";") + "\n\n\n" + rows[1].joined(separator: ";") + "\r\n\r\n"
        let reading = readProducts(text, reads)
        #expect(reading.fault == nil)
        #expect(reading.delimiter == UInt8(ascii: ";"))
        #expect(reading.outcomes.count == 2)
        #expect(reading.rows.map(\.line) == [4, 7])
    }

    @Test(arguments: Reads.allCases)
    func headerOnlyGivesNoRows(reads: Reads) {
        let reading = readProducts(MiniExport.header.joined(separator: ",") + "\r\n", reads)
        #expect(reading.fault == nil)
        #expect(reading.outcomes.isEmpty)
        #expect(reading.header == MiniExport.header)
    }
}

// MARK: - Separators

@Suite struct CSVProductSeparatorTests {
    @Test(arguments: [";", "\t", "|", ","], Reads.allCases)
    func detected(separator: String, reads: Reads) {
        var export = ExportBuilder()
        export.delimiter = separator
        export.add("A-1", ["Label": "Chair, oak; light | dark\ttab"])
        export.add("B-2")
        let reading = readProducts(export.bytes, reads)
        #expect(reading.fault == nil)
        #expect(reading.delimiter == Array(separator.utf8)[0])
        #expect(reading.values("Label") == ["Chair, oak; light | dark\ttab", "Cotton pillow B-2"])
        #expect(reading.rows.map(\.line) == [2, 3])
    }

    @Test(arguments: [";", "\t", "|"])
    func configured(separator: String) {
        var export = ExportBuilder()
        export.delimiter = separator
        export.add("A-1", ["Label": "a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p,q,r,s,t,u,v,w,x,y,z"])
        let byte = Array(separator.utf8)[0]
        let reading = readProducts(export.bytes, dialect: CSVDialect(delimiter: byte))
        #expect(reading.delimiter == byte)
        #expect(reading.values("Label") == ["a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p,q,r,s,t,u,v,w,x,y,z"])
    }

    @Test func aWrongConfiguredSeparatorMissesTheColumns() {
        var export = ExportBuilder()
        export.delimiter = ";"
        export.add("A-1")
        let reading = readProducts(export.bytes, dialect: CSVDialect(delimiter: UInt8(ascii: "|")))
        #expect(reading.fault?.code == .missingColumn)
    }
}

// MARK: - Header

@Suite struct CSVProductHeaderTests {
    @Test func missingRequiredColumnIsNamed() {
        var export = ExportBuilder(headers: ExportBuilder.headers.filter { $0 != "Weight (kg)" })
        export.add("A-1")
        let fault = readProducts(export.bytes).fault
        #expect(fault?.code == .missingColumn)
        #expect(fault?.line == 1)
        #expect(fault?.message.contains("'Weight (kg)'") == true)
    }

    @Test func everyMissingRequiredColumnIsNamed() {
        var export = ExportBuilder(headers: ExportBuilder.headers.filter { $0 != "Status" && $0 != "HS Code" && $0 != "Colour" })
        export.add("A-1")
        let fault = readProducts(export.bytes).fault
        #expect(fault?.code == .missingColumn)
        #expect(fault?.message.contains("'Status', 'HS Code'") == true)
        #expect(fault?.message.contains("Colour") == false)
    }

    @Test func missingKeyColumn() {
        let text = MiniExport.csv([MiniExport.row("A-1")]).replacingOccurrences(of: "SKU,", with: "Item,")
        let fault = readProducts(text).fault
        #expect(fault?.code == .missingColumn)
        #expect(fault?.message.contains("'SKU'") == true)
    }

    @Test func aRequiredColumnTwiceIsAmbiguous() {
        let text = "SKU,Label,Status,SKU,Weight (kg),HS Code,Country of Origin,Supplier Code\nA-1,x,Complete,A-2,1,9403,GB,S\n"
        let fault = readProducts(text).fault
        #expect(fault?.code == .duplicateColumn)
        #expect(fault?.message.contains("'SKU'") == true)
        #expect(fault?.message.contains("columns 1 and 4") == true)
    }

    @Test func aRequiredColumnTwiceOnlyByCaseIsAmbiguous() {
        let text = "sku,Label,Status,Sku,Weight (kg),HS Code,Country of Origin,Supplier Code\nA-1,x,Complete,A-2,1,9403,GB,S\n"
        #expect(readProducts(text).fault?.code == .duplicateColumn)
    }

    @Test func anExactMatchWinsOverACaseInsensitiveOne() {
        let text = "sku,Label,Status,SKU,Weight (kg),HS Code,Country of Origin,Supplier Code\nlower,x,Complete,UPPER,1,9403,GB,S\n"
        let reading = readProducts(text)
        #expect(reading.fault == nil)
        #expect(reading.values("SKU") == ["UPPER"])
    }

    @Test func anUnusedColumnTwiceIsHarmless() {
        var export = ExportBuilder(headers: ExportBuilder.headers + ["Price", "", ""])
        export.add("A-1")
        let reading = readProducts(export.bytes)
        #expect(reading.fault == nil)
        #expect(reading.values("SKU") == ["A-1"])
    }

    @Test(arguments: Reads.allCases)
    func headerNamesAreTrimmedOfEverySpace(reads: Reads) {
        let padded = [
            " SKU ", "\u{00A0}Label\u{200B}", "\tStatus", "Weight (kg)\u{2060}", "\u{FEFF}HS Code",
            "\u{200B}\u{00A0} Country of Origin", "\"  Supplier Code  \"", "Colour\u{3000}",
        ]
        let text = padded.joined(separator: ",") + "\n" + MiniExport.row("A-1").joined(separator: ",") + "\n"
        let reading = readProducts(text, reads)
        #expect(reading.fault == nil)
        #expect(reading.header == MiniExport.header)
        #expect(reading.values("Supplier Code") == ["S-A-1"])
        #expect(reading.values("Colour") == ["Brown"])
    }

    @Test(arguments: Reads.allCases)
    func headerNamesFallBackToCaseInsensitive(reads: Reads) {
        let text = "sku,LABEL,status,weight (KG),hs code,Country Of Origin,supplier code,COLOUR\n"
            + MiniExport.row("A-1").joined(separator: ",") + "\n"
        let reading = readProducts(text, reads)
        #expect(reading.fault == nil)
        #expect(reading.values("SKU") == ["A-1"])
        #expect(reading.values("Colour") == ["Brown"])
        #expect(reading.absentFields.contains("Colour") == false)
    }

    @Test(arguments: Reads.allCases)
    func aByteOrderMarkBeforeTheFirstHeader(reads: Reads) {
        let bytes = utf8BOM + Array(MiniExport.csv([MiniExport.row("A-1")], separator: ";").utf8)
        let reading = readProducts(bytes, reads)
        #expect(reading.fault == nil)
        #expect(reading.header.first == "SKU")
        #expect(reading.values("SKU") == ["A-1"])
        #expect(reading.delimiter == UInt8(ascii: ";"))
    }

    @Test(arguments: Reads.allCases)
    func aByteOrderMarkInsideAQuotedFirstHeader(reads: Reads) {
        // Some tools quote every cell: the BOM comes before the opening quote.
        let bytes = utf8BOM + Array(("\"" + MiniExport.header.joined(separator: "\",\"") + "\"\n"
            + MiniExport.row("A-1").joined(separator: ",") + "\n").utf8)
        let reading = readProducts(bytes, reads)
        #expect(reading.fault == nil)
        #expect(reading.values("SKU") == ["A-1"])
    }

    @Test func anOverlongHeaderCannotBeRead() {
        let text = "SKU,Label," + String(repeating: "x", count: 200) + "\nA-1,x,y\n"
        let fault = readProducts(text, dialect: CSVDialect(maxRecordBytes: 100)).fault
        #expect(fault?.code == .missingColumn)
        #expect(fault?.line == 1)
    }

    @Test func aLongHeaderBeyondTheFirstBlock() {
        // 400 extra columns: the header is longer than the reader's first 4 KiB look.
        let extra = (0..<400).map { "Attribute number \($0)" }
        var export = ExportBuilder(headers: extra + ExportBuilder.headers)
        export.delimiter = "|"
        export.add("A-1")
        let reading = readProducts(TinyReadSource(export.bytes, sizes: [64]))
        #expect(reading.fault == nil)
        #expect(reading.delimiter == UInt8(ascii: "|"))
        #expect(reading.values("Supplier Code") == ["S-A-1"])
    }
}

// MARK: - Row rejects

@Suite struct CSVProductRejectTests {
    @Test(arguments: Reads.allCases)
    func rowsWithTheWrongNumberOfCells(reads: Reads) {
        let text = MiniExport.csv([
            MiniExport.row("A-1"),
            MiniExport.row("B-2") + ["extra"],
            Array(MiniExport.row("C-3").dropLast()),
            MiniExport.row("D-4"),
            ["E-5"],
        ])
        let reading = readProducts(text, reads)
        #expect(reading.fault == nil)
        #expect(reading.values("SKU") == ["A-1", "D-4"])
        #expect(reading.rejects.map(\.line) == [3, 4, 6])
        #expect(reading.rejects.map(\.rule) == [.malformedRow, .malformedRow, .malformedRow])
        #expect(reading.rejects.map(\.sku) == ["B-2", "C-3", "E-5"])
        #expect(reading.rejects.map(\.value) == ["9 cells", "7 cells", "1 cells"])
        #expect(reading.rejects[0].reason.contains("the header has 8"))
        // No row is lost: every data line gave an outcome.
        #expect(reading.outcomes.count == 5)
    }

    @Test(arguments: Reads.allCases)
    func aTrailingDelimiter(reads: Reads) {
        // On data rows only: one cell too many.
        let rowsOnly = MiniExport.header.joined(separator: ",") + "\n" + MiniExport.row("A-1").joined(separator: ",") + ",\n"
        #expect(readProducts(rowsOnly, reads).rejects.map(\.rule) == [.malformedRow])
        // On the header too: an extra column without a name, which is ignored.
        let everywhere = MiniExport.header.joined(separator: ",") + ",\n" + MiniExport.row("A-1").joined(separator: ",") + ",\n"
        let reading = readProducts(everywhere, reads)
        #expect(reading.rejects.isEmpty)
        #expect(reading.header.last == "")
        #expect(reading.values("Colour") == ["Brown"])
    }

    @Test(arguments: Reads.allCases)
    func theHeaderRepeatedMidFile(reads: Reads) {
        // Two exports joined with `cat`.
        let first = MiniExport.csv([MiniExport.row("A-1"), MiniExport.row("B-2")])
        let second = MiniExport.csv([MiniExport.row("C-3")])
        let reading = readProducts(first + second, reads)
        #expect(reading.fault == nil)
        #expect(reading.values("SKU") == ["A-1", "B-2", "C-3"])
        #expect(reading.rows.map(\.line) == [2, 3, 5])
        #expect(reading.rejects.count == 1)
        #expect(reading.rejects.first?.line == 4)
        #expect(reading.rejects.first?.rule == .malformedRow)
        #expect(reading.rejects.first?.reason.contains("repeats the header") == true)
    }

    @Test(arguments: Reads.allCases)
    func theHeaderRepeatedWithItsByteOrderMark(reads: Reads) {
        // `cat a.csv b.csv` of two exports that each start with a BOM.
        let first = utf8BOM + Array(MiniExport.csv([MiniExport.row("A-1")]).utf8)
        let second = utf8BOM + Array(MiniExport.csv([MiniExport.row("B-2")]).utf8)
        let reading = readProducts(first + second, reads)
        #expect(reading.values("SKU") == ["A-1", "B-2"])
        #expect(reading.rejects.map(\.line) == [3])
        #expect(reading.rejects.first?.reason.contains("repeats the header") == true)
    }

    @Test(arguments: Reads.allCases)
    func aRowThatOnlyLooksLikeTheHeaderIsKept(reads: Reads) {
        // Same SKU cell as the header, other cells differ: a (strange) product, not a repeated header.
        let text = MiniExport.csv([["SKU", "Label", "Complete", "1", "9403.60", "GB", "S-1", "Red"]])
        let reading = readProducts(text, reads)
        #expect(reading.rejects.isEmpty)
        #expect(reading.values("SKU") == ["SKU"])
    }

    @Test(arguments: Reads.allCases)
    func textAfterAClosingQuote(reads: Reads) {
        let text = MiniExport.csv([
            MiniExport.row("A-1", label: "\"Oak\" chair"),
            MiniExport.row("B-2"),
        ])
        let reading = readProducts(text, reads)
        #expect(reading.values("SKU") == ["B-2"])
        #expect(reading.rejects.count == 1)
        #expect(reading.rejects.first?.line == 2)
        #expect(reading.rejects.first?.sku == "A-1")
        #expect(reading.rejects.first?.rule == .malformedRow)
    }

    @Test(arguments: Reads.allCases)
    func anOverlongRowIsRejectedAndReadingGoesOn(reads: Reads) {
        let text = MiniExport.csv([
            MiniExport.row("A-1"),
            MiniExport.row("B-2", label: "\"" + String(repeating: "long line\n", count: 30) + "\""),
            MiniExport.row("C-3"),
        ])
        let reading = readProducts(text, reads, dialect: CSVDialect(maxRecordBytes: 200))
        #expect(reading.fault == nil)
        #expect(reading.values("SKU") == ["A-1", "C-3"])
        // B-2 starts on line 3 and holds 30 line breaks.
        #expect(reading.rows.map(\.line) == [2, 34])
        #expect(reading.rejects.map(\.line) == [3])
        #expect(reading.rejects.first?.rule == .recordTooLong)
        #expect(reading.rejects.first?.reason.contains("the limit is 200 bytes") == true)
    }

    @Test func aThreeMegabyteValueIsRejectedUnderTheDefaultLimit() {
        let header = Array((MiniExport.header.joined(separator: ",") + "\n").utf8)
        let before = Array((MiniExport.row("A-1").joined(separator: ",") + "\nB-2,\"").utf8)
        let after = Array(("\",Complete,1,9403.60,GB,S-2,Red\n" + MiniExport.row("C-3").joined(separator: ",") + "\n").utf8)
        let source = LazySource([.bytes(header + before), .repeated(UInt8(ascii: "L"), count: 3 << 20), .bytes(after)])
        let reading = readProducts(source)
        #expect(reading.fault == nil)
        #expect(reading.values("SKU") == ["A-1", "C-3"])
        #expect(reading.rejects.map(\.rule) == [.recordTooLong])
        #expect(reading.rejects.map(\.line) == [3])
        #expect(reading.rows.map(\.line) == [2, 4])
    }
}

// MARK: - Text encoding

@Suite struct CSVProductEncodingTests {
    @Test(arguments: Reads.allCases)
    func invalidUTF8InAKeptFieldIsAnEncodingIssue(reads: Reads) {
        let bytes = Array((MiniExport.header.joined(separator: ",") + "\nA-1,Caf").utf8) + [0xE9]
            + Array(",Complete,1,9403.60,GB,S-1,Red\n".utf8) + Array((MiniExport.row("B-2").joined(separator: ",") + "\n").utf8)
        let reading = readProducts(bytes, reads)
        #expect(reading.rows.count == 2)
        #expect(reading.rows[0].encodingIssues == [EncodingIssue(fieldIndex: DefaultLayout.index("Label"), containsNUL: false)])
        #expect(reading.values("Label")[0] == "Caf\u{FFFD}")
        #expect(reading.rows[1].encodingIssues.isEmpty)
    }

    @Test(arguments: Reads.allCases)
    func invalidUTF8InAnUnusedColumnIsIgnored(reads: Reads) {
        let bytes = Array((MiniExport.header.joined(separator: ",") + ",Note\n").utf8)
            + Array((MiniExport.row("A-1").joined(separator: ",") + ",\"bad ").utf8) + [0xFF, 0xFE, 0xC3] + Array("\"\n".utf8)
        let reading = readProducts(bytes, reads)
        #expect(reading.rows.count == 1)
        #expect(reading.rows[0].encodingIssues.isEmpty)
    }

    @Test(arguments: Reads.allCases)
    func invalidUTF8DeepInTheFile(reads: Reads) throws {
        var export = ExportBuilder()
        for index in 0..<2_000 { export.add("SKU-\(index)") }
        var bytes = export.bytes
        let marker = Array("Cotton pillow SKU-1999".utf8)
        let at = try #require(bytes.indices.last { bytes[$0...].starts(with: marker) })
        bytes[at + 1] = 0xC0  // "C" + an overlong-encoding lead byte
        let reading = readProducts(bytes, reads)
        #expect(reading.rows.count == 2_000)
        let flagged = reading.rows.filter { !$0.encodingIssues.isEmpty }
        #expect(flagged.map(\.line) == [2_001])
        #expect(flagged.first?.encodingIssues == [EncodingIssue(fieldIndex: DefaultLayout.index("Label"), containsNUL: false)])
    }

    @Test func aNonASCIIOrNULByteIsFoundAtEveryPositionOfALongValue() {
        // The ASCII check reads eight bytes at a time: each position of a word, and the tail.
        var rows: [[UInt8]] = []
        var expected: [(label: String, issue: Bool?)] = []
        for position in 0..<20 {
            let before = Array(repeating: UInt8(ascii: "a"), count: position), after = Array(repeating: UInt8(ascii: "b"), count: 19 - position)
            for (inserted, label, issue) in [
                ([0xC3, 0xA9] as [UInt8], "\(String(repeating: "a", count: position))é\(String(repeating: "b", count: 19 - position))", nil as Bool?),
                ([0xE9], "\(String(repeating: "a", count: position))\u{FFFD}\(String(repeating: "b", count: 19 - position))", false),
                ([0x00], "\(String(repeating: "a", count: position))\u{0}\(String(repeating: "b", count: 19 - position))", true),
            ] {
                rows.append(Array("S-\(rows.count),".utf8) + before + inserted + after + Array(",Complete,1,9403.60,GB,S-1,Red\n".utf8))
                expected.append((label, issue))
            }
        }
        let bytes = Array((MiniExport.header.joined(separator: ",") + "\n").utf8) + rows.joined()
        let reading = readProducts(bytes, .whole)
        #expect(reading.values("Label") == expected.map(\.label))
        #expect(reading.rows.map { $0.encodingIssues.first?.containsNUL } == expected.map(\.issue))
    }

    @Test(arguments: Reads.allCases)
    func aNULByteIsAnEncodingIssue(reads: Reads) {
        let bytes = Array((MiniExport.header.joined(separator: ",") + "\nA-1,Oak").utf8) + [0]
            + Array(" chair,Complete,1,9403.60,GB,S-1,Red\n".utf8)
        let reading = readProducts(bytes, reads)
        #expect(reading.rows.first?.encodingIssues == [EncodingIssue(fieldIndex: DefaultLayout.index("Label"), containsNUL: true)])
        #expect(reading.values("Label") == ["Oak\u{0} chair"])
    }

    @Test(arguments: Reads.allCases)
    func issuesInSeveralFieldsAreAllReported(reads: Reads) {
        let bytes = Array((MiniExport.header.joined(separator: ",") + "\n").utf8)
            + Array("A-1,\"".utf8) + [0xC3, 0x28] + Array("\",Complete,1,9403.60,GB,S-1,R".utf8) + [0, 0xFF] + [10]
        let reading = readProducts(bytes, reads)
        #expect(reading.rows.first?.encodingIssues == [
            EncodingIssue(fieldIndex: DefaultLayout.index("Label"), containsNUL: false),
            EncodingIssue(fieldIndex: DefaultLayout.index("Colour"), containsNUL: false),
        ].sorted { $0.fieldIndex < $1.fieldIndex })
    }

    @Test(arguments: Reads.allCases)
    func windows1252DecodesTheHighBytes(reads: Reads) {
        // "Préço 12€ – “best”" in Windows-1252, and a header with an accented unused column.
        let label: [UInt8] = [0x50, 0x72, 0xE9, 0xE7, 0x6F, 0x20, 0x31, 0x32, 0x80, 0x20, 0x96, 0x20, 0x93, 0x62, 0x65, 0x73, 0x74, 0x94]
        let bytes = Array((MiniExport.header.joined(separator: ";") + ";Caf").utf8) + [0xE9] + [10]
            + Array("A-1;".utf8) + label + Array(";Complete;1;9403.60;GB;S-1;Gr".utf8) + [0xFC, 0x6E] + Array(";x\n".utf8)
        let reading = readProducts(bytes, reads, encoding: .windows1252)
        #expect(reading.fault == nil)
        #expect(reading.header.last == "Café")
        #expect(reading.values("Label") == ["Préço 12€ – “best”"])
        #expect(reading.values("Colour") == ["Grün"])
        #expect(reading.rows.first?.encodingIssues == [])
    }

    @Test func windows1252EveryDefinedByteFrom0x80To0x9F() {
        let defined = (0x80...0x9F).map(UInt8.init).filter { ![0x81, 0x8D, 0x8F, 0x90, 0x9D].contains($0) }
        let bytes = Array((MiniExport.header.joined(separator: ",") + "\nA-1,\"").utf8) + defined
            + Array("\",Complete,1,9403.60,GB,S-1,Red\n".utf8)
        let reading = readProducts(bytes, encoding: .windows1252)
        #expect(reading.values("Label") == ["€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ"])
        #expect(reading.rows.first?.encodingIssues == [])
    }

    @Test func windows1252UndefinedBytesAreEncodingIssues() {
        let bytes = Array((MiniExport.header.joined(separator: ",") + "\nA-1,x").utf8) + [0x81]
            + Array(",Complete,1,9403.60,GB,S-1,Red\n".utf8)
        let reading = readProducts(bytes, encoding: .windows1252)
        #expect(reading.rows.first?.encodingIssues == [EncodingIssue(fieldIndex: DefaultLayout.index("Label"), containsNUL: false)])
    }

    @Test func windows1252BytesInAUTF8FileAreEncodingIssues() {
        let bytes = Array((MiniExport.header.joined(separator: ",") + "\nA-1,12").utf8) + [0x80]
            + Array(",Complete,1,9403.60,GB,S-1,Red\n".utf8)
        let utf8 = readProducts(bytes)
        #expect(utf8.rows.first?.encodingIssues == [EncodingIssue(fieldIndex: DefaultLayout.index("Label"), containsNUL: false)])
        let windows = readProducts(bytes, encoding: .windows1252)
        #expect(windows.values("Label") == ["12€"])
        #expect(windows.rows.first?.encodingIssues == [])
    }

    @Test func spacesAroundValuesAreKeptForTheMapper() {
        // Trimming values is the mapper's job; the reader hands them on as they are.
        let text = MiniExport.csv([MiniExport.row(" A-1\u{00A0}", label: "\u{200B}Oak ")])
        let reading = readProducts(text)
        #expect(reading.values("SKU") == [" A-1\u{00A0}"])
        #expect(reading.values("Label") == ["\u{200B}Oak "])
    }
}

// MARK: - File faults

@Suite struct CSVProductFileFaultTests {
    @Test(arguments: Reads.allCases)
    func emptyInputs(reads: Reads) {
        #expect(readProducts([UInt8](), reads).fault?.code == .emptyFile)
        #expect(readProducts(utf8BOM, reads).fault?.code == .emptyFile)
        #expect(readProducts("\r\n\n\r\n", reads).fault?.code == .emptyFile)
    }

    @Test(arguments: Reads.allCases)
    func utf16IsRefused(reads: Reads) {
        let text = MiniExport.csv([MiniExport.row("A-1")])
        let little: [UInt8] = text.utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }
        let big: [UInt8] = text.utf16.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] }
        let littleEndian: [UInt8] = [0xFF, 0xFE] + little
        let bigEndian: [UInt8] = [0xFE, 0xFF] + big
        let noBOM = little
        for bytes in [littleEndian, bigEndian, noBOM] {
            let reading = readProducts(bytes, reads)
            #expect(reading.fault?.code == .unsupportedEncoding)
            #expect(reading.outcomes.isEmpty)
        }
    }

    @Test(arguments: Reads.allCases)
    func anUnterminatedQuoteQuarantinesTheFile(reads: Reads) {
        let text = MiniExport.csv([MiniExport.row("A-1"), MiniExport.row("B-2")])
            + "C-3,\"never closed,Complete,1,9403.60,GB,S-3,Red\n" + MiniExport.csv([MiniExport.row("D-4")])
        let reading = readProducts(text, reads)
        #expect(reading.fault?.code == .unterminatedQuote)
        #expect(reading.fault?.line == 4)
        #expect(reading.values("SKU") == ["A-1", "B-2"])
    }

    @Test(arguments: Reads.allCases)
    func anUnterminatedQuoteOverTheLimitQuarantinesTheFile(reads: Reads) {
        let text = MiniExport.csv([MiniExport.row("A-1")]) + "B-2,\"" + String(repeating: "text,more\n", count: 100)
        let reading = readProducts(text, reads, dialect: CSVDialect(maxRecordBytes: 150))
        #expect(reading.fault?.code == .unterminatedQuote)
        #expect(reading.fault?.line == 3)
    }
}

// MARK: - Block boundaries never matter

@Suite struct CSVProductBlockBoundaryTests {
    @Test func aGeneratedExportReadsTheSameThroughTinyAndDefaultReads() {
        let tricky = [
            "plain", "comma, inside", "\"quoted\"", "say \"\"twice\"\"", "two\nlines", "crlf\r\ninside",
            "lone\rcr", "Größe €", "\u{00A0}nbsp\u{200B}", "", "semi;colon|pipe\ttab", "\"\n\"",
        ]
        var export = ExportBuilder()
        var expectedLines: [Int] = []
        var line = 2
        for index in 0..<5_000 {
            let label = tricky[index % tricky.count]
            let description = tricky[(index * 7 + 3) % tricky.count]
            export.add("SKU-\(index)", ["Label": label, "Description": description, "Colour": index % 11 == 0 ? "" : "Blue"])
            expectedLines.append(line)
            line += 1 + [label, description].map { value in
                var breaks = 0
                var previousCR = false
                for byte in value.utf8 {
                    if byte == 13 || (byte == 10 && !previousCR) { breaks += 1 }
                    previousCR = byte == 13
                }
                return breaks
            }.reduce(0, +)
        }
        let whole = readProducts(export.bytes, .whole)
        let tiny = readProducts(TinyReadSource(export.bytes))
        #expect(whole.fault == nil)
        #expect(whole.rejects.isEmpty)
        #expect(whole.rows.count == 5_000)
        #expect(whole.rows.map(\.line) == expectedLines)
        #expect(whole.values("SKU") == (0..<5_000).map { "SKU-\($0)" })
        #expect(whole.values("Label") == export.rows.map { $0["Label"] })
        #expect(whole.values("Description") == export.rows.map { $0["Description"] })
        #expect(whole.values("Colour") == export.rows.map { $0["Colour"] })
        #expect(tiny == whole)
    }

    @Test func rejectsAndRowsAreTheSameThroughTinyAndDefaultReads() {
        // A file with a bit of everything wrong, read whole and 1–7 bytes at a time.
        var text = MiniExport.csv([])
        for index in 0..<600 {
            switch index % 6 {
            case 0: text += MiniExport.row("R-\(index)", label: "\"multi\nline \"\"\(index)\"\"\"").joined(separator: ",")
            case 1: text += (MiniExport.row("R-\(index)") + ["extra"]).joined(separator: ",")
            case 2: text += MiniExport.row("R-\(index)", label: "\"" + String(repeating: "x", count: 300) + "\"").joined(separator: ",")
            case 3: text += MiniExport.row("R-\(index)", label: "\"a\"b").joined(separator: ",")
            case 4: text += MiniExport.header.joined(separator: ",")
            default: text += "\r\n" + MiniExport.row("R-\(index)").joined(separator: ",")
            }
            text += index % 2 == 0 ? "\r\n" : "\n"
        }
        let dialect = CSVDialect(maxRecordBytes: 256)
        let whole = readProducts(Array(text.utf8), .whole, dialect: dialect)
        let tiny = readProducts(TinyReadSource(Array(text.utf8)), dialect: dialect)
        #expect(whole.fault == nil)
        #expect(whole.rows.count == 200)
        #expect(whole.rejects.count == 400)
        let rules = Dictionary(grouping: whole.rejects, by: \.rule).mapValues(\.count)
        #expect(rules == [.malformedRow: 300, .recordTooLong: 100])
        #expect(tiny == whole)
    }
}

// MARK: - Batches for the mapping threads

/// The pipeline reads CSV rows into byte batches and makes the strings on the mapping threads,
/// where it also prints and recognises them: the rows must come out as `next()` returns them.
@Suite struct CSVRowBatchTests {
    static func plain(_ bytes: [UInt8], encoding: TextEncoding) throws -> [ReadOutcome] {
        let reader = try CSVProductReader(source: MemoryByteSource(bytes), dialect: CSVDialect(), encoding: encoding, layout: DefaultLayout.layout)
        var outcomes: [ReadOutcome] = []
        while let outcome = try reader.next() { outcomes.append(outcome) }
        return outcomes
    }

    /// Batches of three rows, so rows land at the start, middle and end of a batch.
    static func batched(_ bytes: [UInt8], encoding: TextEncoding, recognizer: UnchangedRowRecognizer? = nil) throws -> [ReadOutcome] {
        let reader = try CSVProductReader(source: MemoryByteSource(bytes), dialect: CSVDialect(), encoding: encoding, layout: DefaultLayout.layout)
        var outcomes: [ReadOutcome] = []
        var batch = RowBatch()
        let decoder = CSVCellDecoder(encoding: encoding)
        let recognition = recognizer.map { RowBatch.Recognition(recognizer: $0, keyField: DefaultLayout.layout.keyField) }
        func drain() {
            outcomes += batch.outcomes(fieldCount: DefaultLayout.layout.fields.count, decoder: decoder, recognition: recognition)
            batch = RowBatch()
        }
        while try reader.next(into: &batch) {
            if batch.entries.count == 3 { drain() }
        }
        drain()
        return outcomes
    }

    static func recognizer(_ published: KnownCatalogue?) -> UnchangedRowRecognizer {
        UnchangedRowRecognizer(config: DefaultLayout.config, layout: DefaultLayout.layout, format: .csv, published: published)
    }

    static func rows(_ outcomes: [ReadOutcome]) -> [SourceRow] {
        outcomes.compactMap { if case .row(let row) = $0 { row } else { nil } }
    }

    static let export: [UInt8] = {
        var bytes = Array(MiniExport.csv([
            MiniExport.row("A-1"),
            MiniExport.row("B-2", label: "\"He said \"\"hi\"\", twice\""),
            MiniExport.row("C-3", colour: "Bro\u{0}wn"),
            MiniExport.row("D-4", label: "Café"),
            ["E-5", "too", "few"],
            MiniExport.row("F-6", label: "BAD"),
            MiniExport.row("G-7"),
        ]).utf8)
        // F-6's label is not UTF-8.
        let bad = Array("BAD".utf8)
        let at = bytes.indices.first { bytes[$0...].starts(with: bad) }!
        bytes.replaceSubrange(at..<at + 3, with: [0x42, 0xFF, 0x44])
        return bytes
    }()

    @Test func batchesGiveTheRowsNextGives() throws {
        let expected = try Self.plain(Self.export, encoding: .utf8)
        #expect(expected.count == 7 && expected.filter { if case .rejected = $0 { true } else { false } }.count == 1)
        #expect(Self.rows(expected).map(\.encodingIssues.count) == [0, 0, 1, 0, 1, 0])
        #expect(try Self.batched(Self.export, encoding: .utf8) == expected)
        let latin = Array(MiniExport.csv([MiniExport.row("A-1", label: "Caf\u{E9}")]).utf8).flatMap { $0 == 0xC3 ? [UInt8]() : [$0 == 0xA9 ? 0xE9 : $0] }
        let decoded = try Self.plain(latin, encoding: .windows1252)
        #expect(Self.rows(decoded).first?.values[DefaultLayout.index("Label")] == "Café")
        #expect(try Self.batched(latin, encoding: .windows1252) == decoded)
    }

    /// Every row gets a print that depends on its values only; a row whose print Prima has is
    /// recognised (as a style or not) and keeps only the fields pass 2 reads; a row whose print
    /// changed is read in full.
    @Test func rowsArePrintedAndTheOnesPrimaHasRecognised() throws {
        let plain = Self.rows(try Self.plain(Self.export, encoding: .utf8))
        let printed = Self.rows(try Self.batched(Self.export, encoding: .utf8, recognizer: Self.recognizer(nil)))
        #expect(printed.allSatisfy { $0.sourcePrint != nil && $0.publishedAsStyle == nil })
        #expect(Set(printed.compactMap(\.sourcePrint)).count == printed.count, "different rows, different prints")
        #expect(printed.map { var row = $0; row.sourcePrint = nil; return row } == plain)
        let again = Self.rows(try Self.batched(Self.export, encoding: .utf8, recognizer: Self.recognizer(nil)))
        #expect(again.map(\.sourcePrint) == printed.map(\.sourcePrint))

        let hash = RecordHash(line: Array("a line".utf8), components: [])
        var catalogue = KnownCatalogue()
        for row in printed {
            let sku = row.values[DefaultLayout.layout.keyField] ?? ""
            let stored: UInt64 = switch sku {
            case "A-1": SourcePrint.stored(row.sourcePrint!, style: false, recordHash: hash)
            case "G-7": SourcePrint.stored(row.sourcePrint!, style: true, recordHash: hash)
            default: SourcePrint.stored(row.sourcePrint! ^ 1, style: false, recordHash: hash)  // changed since
            }
            catalogue.insert(key: SKUFingerprint(sku), hashHigh: hash.high, modified: nil, active: true, parent: nil, sourcePrint: stored)
        }
        catalogue.finishLoading()
        let recognizer = Self.recognizer(catalogue)
        let recognised = Self.rows(try Self.batched(Self.export, encoding: .utf8, recognizer: recognizer))
        #expect(recognised.map(\.publishedAsStyle) == [false, nil, nil, nil, nil, true], "A-1 as published, G-7 as a style")
        #expect(recognised.map(\.sourcePrint) == printed.map(\.sourcePrint))
        // Every row's SKU was found where pass 2 will read it.
        #expect(printed.allSatisfy { $0.catalogueSlot == nil })
        for row in recognised {
            let key = SKUFingerprint(row.values[DefaultLayout.layout.keyField] ?? "")
            #expect(row.catalogueSlot == catalogue.slot(of: key) && catalogue.slot(of: key) >= 0)
        }
        for (index, var row) in recognised.enumerated() {
            row.catalogueSlot = nil
            guard row.publishedAsStyle != nil else {
                #expect(row == printed[index], "a changed row is read in full")
                continue
            }
            for field in row.values.indices {
                #expect(row.values[field] == (recognizer.keptFields[field] ? plain[index].values[field] : nil))
            }
        }
    }
}
