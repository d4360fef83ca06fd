import Foundation
import Testing
@testable import PlytixPrima

// MARK: - Helpers

/// Hands out 1 to 7 bytes per read, so every buffer boundary of the input gets exercised.
private final class ChunkedByteSource: ByteSource {
    private let bytes: [UInt8]
    private var position = 0
    private var turn = 0
    private static let sizes = [3, 1, 7, 2, 5, 4, 6]

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws(FileFault) -> Int {
        let size = Self.sizes[turn % Self.sizes.count]
        turn += 1
        let count = min(size, buffer.count, bytes.count - position)
        guard count > 0 else { return 0 }
        for offset in 0..<count { buffer[offset] = bytes[position + offset] }
        position += count
        return count
    }
}

/// Delivers `limit` bytes, then fails the way a broken decompressor or disk would.
private final class FailingByteSource: ByteSource {
    static let fault = FileFault(.gzipCorrupt, "The compressed data is corrupt.", byteOffset: 1234)
    private let inner: MemoryByteSource
    private var remaining: Int

    init(_ text: String, failAfter limit: Int) {
        inner = MemoryByteSource(text)
        remaining = limit
    }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws(FileFault) -> Int {
        guard remaining > 0 else { throw Self.fault }
        let count = try inner.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[0..<min(buffer.count, remaining)]))
        remaining -= count
        return count
    }
}

private func readAll(_ source: any ByteSource, settings: XMLReaderSettings, wanted: [String]) throws(FileFault) -> [SourceRow] {
    let reader = try XMLProductReader(source: source, settings: settings, wantedFields: wanted)
    var rows: [SourceRow] = []
    while let row = try reader.next() { rows.append(row) }
    return rows
}

/// The rows as the pipeline reads them: fields as bytes, in batches of three, decoded after.
private func readAllBatched(_ source: any ByteSource, settings: XMLReaderSettings, wanted: [String]) throws(FileFault) -> [SourceRow] {
    let reader = try XMLProductReader(source: source, settings: settings, wantedFields: wanted)
    var rows: [SourceRow] = []
    var batch = RowBatch()
    func drain() {
        rows += batch.outcomes(fieldCount: wanted.count, decoder: nil).compactMap { if case .row(let row) = $0 { row } else { nil } }
        batch = RowBatch()
    }
    while try reader.next(into: &batch) {
        if batch.entries.count == 3 { drain() }
    }
    drain()
    return rows
}

/// Reads `xml` whole, in tiny chunks and in the pipeline's batches; all must agree (rows, or the same fault).
private func rows(
    _ xml: String, wanted: [String], settings: XMLReaderSettings = XMLReaderSettings(),
    sourceLocation: SourceLocation = #_sourceLocation
) throws(FileFault) -> [SourceRow] {
    let whole = Result { () throws(FileFault) in try readAll(MemoryByteSource(xml), settings: settings, wanted: wanted) }
    let chunked = Result { () throws(FileFault) in try readAll(ChunkedByteSource(Array(xml.utf8)), settings: settings, wanted: wanted) }
    #expect(whole == chunked, "chunked reading must not change the outcome", sourceLocation: sourceLocation)
    let batched = Result { () throws(FileFault) in try readAllBatched(MemoryByteSource(xml), settings: settings, wanted: wanted) }
    #expect(whole == batched, "reading into batches must not change the outcome", sourceLocation: sourceLocation)
    return try whole.get()
}

/// The fault reading `xml` throws (whole and chunked must agree), or nil if it reads cleanly.
/// The fault `body` throws, or nil.
private func faultOf(_ body: () throws(FileFault) -> Void) -> FileFault? {
    do throws(FileFault) {
        try body()
        return nil
    } catch {
        return error
    }
}

private func fault(
    _ xml: String, wanted: [String] = ["sku"], settings: XMLReaderSettings = XMLReaderSettings(),
    sourceLocation: SourceLocation = #_sourceLocation
) -> FileFault? {
    faultOf { () throws(FileFault) in _ = try rows(xml, wanted: wanted, settings: settings, sourceLocation: sourceLocation) }
}

private func fault(bytes: [UInt8], wanted: [String] = ["sku"]) -> FileFault? {
    faultOf { () throws(FileFault) in _ = try readAll(MemoryByteSource(bytes), settings: XMLReaderSettings(), wanted: wanted) }
}

private func document(_ products: String) -> String {
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<products>\n\(products)\n</products>\n"
}

/// A fresh directory per test: tests run in parallel.
private func makeTemporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("xml-reader-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

private let sample = """
<?xml version="1.0" encoding="UTF-8"?>
<products>
  <product>
    <sku>X-1</sku>
    <label>Blue shirt</label>
    <weight_kg>0.25</weight_kg>
    <categories><category>Clothing&gt;Shirts</category><category>Sale</category></categories>
  </product>
  <product>
    <sku>X-2</sku>
    <label>Red shirt</label>
  </product>
</products>

"""

// MARK: - Values

@Suite struct XMLProductReaderValueTests {
    @Test func basicProductsInWantedOrder() throws {
        let result = try rows(sample, wanted: ["label", "sku", "weight_kg", "gtin"])
        #expect(result == [
            SourceRow(line: 3, values: ["Blue shirt", "X-1", "0.25", nil]),
            SourceRow(line: 9, values: ["Red shirt", "X-2", nil, nil]),
        ])
    }

    @Test func cdataWithHTMLIsText() throws {
        let xml = document("""
          <product><description><![CDATA[<p>Soft & <b>warm</b></p>
        <ul><li>Wool</li></ul>]]></description></product>
          <product><description>Before <![CDATA[<i>inside</i>]]> after</description></product>
        """)
        let result = try rows(xml, wanted: ["description"])
        #expect(result.map(\.values) == [
            ["<p>Soft & <b>warm</b></p>\n<ul><li>Wool</li></ul>"],
            ["Before <i>inside</i> after"],
        ])
    }

    @Test func entitiesAreDecoded() throws {
        let xml = document("<product><label>A &amp; B &lt;c&gt; &quot;d&quot; &apos;e&apos; caf&#233; &#x1F600;</label></product>")
        let result = try rows(xml, wanted: ["label"])
        #expect(result.map(\.values) == [["A & B <c> \"d\" 'e' café 😀"]])
    }

    @Test func multiValueSubElementsAreJoined() throws {
        let xml = document("""
          <product>
            <categories>
              <category>A&gt;B</category>
              <category>C&gt;D</category>
            </categories>
            <tags><tag>x</tag><tag/><tag>z</tag></tags>
            <joined>A>B,C>D</joined>
          </product>
        """)
        let result = try rows(xml, wanted: ["categories", "tags", "joined"])
        #expect(result.map(\.values) == [["A>B,C>D", "x,,z", "A>B,C>D"]])
        let piped = try rows(xml, wanted: ["categories"], settings: XMLReaderSettings(multiValueSeparator: "|"))
        #expect(piped.map(\.values) == [["A>B|C>D"]])
    }

    @Test func deeperSubElementsGiveTheirTextContent() throws {
        let xml = document("""
          <product><assets><asset><url>u1</url><alt>a1</alt></asset><asset><url>u2</url></asset></assets></product>
        """)
        #expect(try rows(xml, wanted: ["assets"]).map(\.values) == [["u1a1,u2"]])
    }

    @Test func mixedContentGivesAllTextInOrder() throws {
        // Unescaped HTML is not a multi-value: keep the whole text.
        let xml = document("<product><description>Soft <b>warm</b> wool</description></product>")
        #expect(try rows(xml, wanted: ["description"]).map(\.values) == [["Soft warm wool"]])
    }

    @Test func attributeNamedFields() throws {
        let xml = document("""
          <product>
            <attribute name="SKU">X-1</attribute>
            <attribute name="Label">Blue &amp; white</attribute>
            <attribute name="Categories"><value>A</value><value>B</value></attribute>
            <attribute name="Empty"/>
            <attribute name="Unwanted">ignored</attribute>
            <status>Complete</status>
          </product>
        """)
        let settings = XMLReaderSettings(fieldNameAttribute: "name")
        let result = try rows(xml, wanted: ["SKU", "Label", "Categories", "Empty", "status", "Missing"], settings: settings)
        #expect(result.map(\.values) == [["X-1", "Blue & white", "A,B", "", "Complete", nil]])
    }

    @Test func attributeNamesAreNotElementNames() throws {
        // With attribute naming, <attribute name="sku"> is the field "sku", not the field "attribute".
        let xml = document("<product><attribute name=\"sku\">S</attribute></product>")
        let settings = XMLReaderSettings(fieldNameAttribute: "name")
        #expect(try rows(xml, wanted: ["attribute", "sku"], settings: settings).map(\.values) == [[nil, "S"]])
    }

    @Test func missingEmptyAndBlankAreDistinct() throws {
        let xml = document("""
          <product><a/><b></b><c> </c><d>
        </d></product>
        """)
        let result = try rows(xml, wanted: ["a", "b", "c", "d", "e"])
        #expect(result.map(\.values) == [["", "", " ", "\n", nil]])
    }

    @Test func valuesAreNotTrimmed() throws {
        let xml = document("<product><label>  padded\t</label></product>")
        #expect(try rows(xml, wanted: ["label"]).map(\.values) == [["  padded\t"]])
    }

    @Test func emptyProductGivesAllNils() throws {
        let xml = document("<product/>\n<product></product>\n<product>\n</product>")
        let result = try rows(xml, wanted: ["sku", "label"])
        #expect(result == [
            SourceRow(line: 3, values: [nil, nil]),
            SourceRow(line: 4, values: [nil, nil]),
            SourceRow(line: 5, values: [nil, nil]),
        ])
    }

    @Test func rootWithoutProducts() throws {
        #expect(try rows("<products/>", wanted: ["sku"]).isEmpty)
        #expect(try rows("<?xml version=\"1.0\"?>\n<products>\n</products>\n<!-- end -->\n", wanted: ["sku"]).isEmpty)
    }

    @Test func repeatedFieldIsJoined() throws {
        let xml = document("<product><ean>1</ean><sku>S</sku><ean>2</ean></product>")
        #expect(try rows(xml, wanted: ["ean"]).map(\.values) == [["1,2"]])
    }

    @Test func fieldWantedTwiceFillsBothPositions() throws {
        let xml = document("<product><sku>S</sku></product>")
        #expect(try rows(xml, wanted: ["sku", "label", "sku"]).map(\.values) == [["S", nil, "S"]])
    }

    @Test func repeatedFieldWantedTwiceJoinsInBothPositions() throws {
        // An empty first value still takes a separator; each position gets the whole joined value.
        let xml = document("""
          <product><ean/><sku>S</sku><ean>2</ean><label>L</label><ean>3</ean></product>
          <product><ean>9</ean></product>
        """)
        #expect(try rows(xml, wanted: ["ean", "label", "ean", "sku"]).map(\.values) == [
            [",2,3", "L", ",2,3", "S"],
            ["9", nil, "9", nil],
        ])
    }

    /// A field repeated k times costs its bytes a bounded number of times over, not k times
    /// over: joining each repeat onto everything before it grew a batch quadratically.
    @Test func aFieldRepeatedManyTimesGrowsTheBatchLinearly() throws {
        let part = String(repeating: "x", count: 100)
        let repeats = 2_000
        let xml = document("<product><sku>S</sku>" + String(repeating: "<img>\(part)</img>", count: repeats) + "</product>")
        let reader = try XMLProductReader(source: MemoryByteSource(xml), settings: XMLReaderSettings(), wantedFields: ["img", "sku", "img"])
        var batch = RowBatch()
        #expect(try reader.next(into: &batch))
        #expect(batch.bytes.count < 4 * xml.utf8.count, "\(batch.bytes.count) bytes held for a \(xml.utf8.count)-byte document")
        let values = batch.outcomes(fieldCount: 3, decoder: nil).compactMap { if case .row(let row) = $0 { row.values } else { nil } }
        let joined = Array(repeating: part, count: repeats).joined(separator: ",")
        #expect(values == [[joined, "S", joined]])
    }

    @Test func aProductCutShortLeavesOnlyFinishedRowsInTheBatch() throws {
        let xml = "<products><product><sku>A</sku><label>first</label></product><product><sku>B</sku><label>cut"
        let reader = try XMLProductReader(source: MemoryByteSource(xml), settings: XMLReaderSettings(), wantedFields: ["sku", "label"])
        var batch = RowBatch()
        #expect(try reader.next(into: &batch))
        let spans = batch.spans.count, bytes = batch.bytes.count
        #expect(throws: FileFault.self) { _ = try reader.next(into: &batch) }
        #expect(batch.entries.count == 1)
        #expect(batch.spans.count == spans)
        #expect(batch.bytes.count == bytes)
        let values = batch.outcomes(fieldCount: 2, decoder: nil).compactMap { if case .row(let row) = $0 { row.values } else { nil } }
        #expect(values == [["A", "first"]])
    }

    @Test func otherElementsUnderTheRootAreSkipped() throws {
        let xml = document("""
          <meta><product><sku>NOT-A-PRODUCT</sku></product></meta>
          stray text
          <!-- comment --><?pi data?>
          <product><sku>P-1</sku></product>
        """)
        let result = try rows(xml, wanted: ["sku"])
        #expect(result == [SourceRow(line: 6, values: ["P-1"])])
    }

    @Test func customRootAndProductNames() throws {
        let xml = "<catalog><item><sku>I-1</sku></item><product><sku>no</sku></product></catalog>"
        let settings = XMLReaderSettings(rootElement: "catalog", productElement: "item")
        #expect(try rows(xml, wanted: ["sku"], settings: settings).map(\.values) == [["I-1"]])
    }

    @Test func namespacedElementsMatchByLocalName() throws {
        let xml = "<p:products xmlns:p=\"urn:x\"><p:product><p:sku>N-1</p:sku></p:product></p:products>"
        #expect(try rows(xml, wanted: ["sku"]).map(\.values) == [["N-1"]])
    }

    @Test func fieldNamesSeenListsTheDocumentsNames() throws {
        let reader = try XMLProductReader(source: MemoryByteSource(sample), settings: XMLReaderSettings(), wantedFields: ["sku", "gtin"])
        while try reader.next() != nil {}
        #expect(reader.fieldNamesSeen == ["sku", "label", "weight_kg", "categories"])
    }

    @Test func endOfDocumentIsSticky() throws {
        let reader = try XMLProductReader(source: MemoryByteSource(sample), settings: XMLReaderSettings(), wantedFields: ["sku"])
        #expect(try reader.next() != nil)
        #expect(try reader.next() != nil)
        #expect(try reader.next() == nil)
        #expect(try reader.next() == nil)
    }
}

// MARK: - Line numbers

@Suite struct XMLProductReaderLineTests {
    @Test func lineIsWhereTheProductStartTagBegins() throws {
        let xml = """
        <?xml version="1.0" encoding="UTF-8"?>
        <!-- a comment
             over two lines -->
        <products>
        <product><sku>A</sku></product><product><sku>B</sku></product>
        <product
            id="3"
        ><sku>C</sku><description><![CDATA[line one
        line two
        ]]></description></product>

        <product code="a>b"><sku>D</sku></product>
        </products>
        """
        let result = try rows(xml, wanted: ["sku"])
        #expect(result.map(\.line) == [5, 5, 6, 12])
    }

    @Test func linesStayExactPast65535() throws {
        // libxml2's node line saturates at 65535 and its parser runs ahead; the reader must not drift.
        var xml = "<products>\n"
        var expected: [Int] = []
        var line = 2
        for index in 0..<14_000 {
            expected.append(line)
            xml += "<product>\n<sku>S\(index)</sku>\n<d>a\nb</d>\n</product>\n"
            line += 5
        }
        xml += "</products>\n"
        let reader = try XMLProductReader(source: MemoryByteSource(xml), settings: XMLReaderSettings(), wantedFields: ["sku"])
        var lines: [Int] = []
        while let row = try reader.next() { lines.append(row.line) }
        #expect(lines == expected)
        #expect(expected.last! > 65535)
    }

    @Test func crlfLineEndings() throws {
        let xml = "<?xml version=\"1.0\"?>\r\n<products>\r\n  <product>\r\n    <sku>A</sku>\r\n  </product>\r\n  <product><sku>B\r\nC</sku></product>\r\n</products>\r\n"
        let result = try rows(xml, wanted: ["sku"])
        // libxml2 normalises line ends inside values, as XML requires.
        #expect(result == [SourceRow(line: 3, values: ["A"]), SourceRow(line: 6, values: ["B\nC"])])
    }

    @Test func malformedReportsTheLine() {
        let xml = "<products>\n<product>\n<sku>A</label>\n</product>\n</products>\n"
        let error = fault(xml)
        #expect(error?.code == .xmlMalformed)
        #expect(error?.line == 3)
        #expect(error?.message.hasPrefix("The XML is not well-formed: Opening and ending tag mismatch") == true)
    }

    @Test func aMissingEndTagIsNotMistakenForTruncation() {
        // The element structure is left unbalanced at the end, but libxml2 stopped mid-document.
        let error = fault("<products>\n<product>\n<sku>A</product>\n</products>\n")
        #expect(error?.code == .xmlMalformed)
        #expect(error?.line == 3)
        #expect(error?.message.hasPrefix("The XML is not well-formed: Opening and ending tag mismatch: sku") == true)
    }
}

// MARK: - Refused documents

@Suite struct XMLProductReaderFaultTests {
    @Test func wrongRootElement() {
        let error = fault("<?xml version=\"1.0\"?>\n<catalog><product/></catalog>")
        #expect(error == FileFault(.xmlWrongRoot, "The document's root element is <catalog>; this pipeline expects <products>.", line: 2))
    }

    @Test func wrongRootIsRefusedByInit() {
        #expect(throws: FileFault.self) {
            _ = try XMLProductReader(source: MemoryByteSource("<catalog/>"), settings: XMLReaderSettings(), wantedFields: [])
        }
    }

    @Test func emptyInput() {
        #expect(fault("")?.code == .emptyFile)
        #expect(fault(" \n\t\r\n")?.code == .emptyFile)
        #expect(fault(bytes: [0xEF, 0xBB, 0xBF, 0x0A])?.code == .emptyFile)
    }

    @Test func declarationWithoutRootEndsEarly() {
        let error = fault("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n")
        #expect(error?.code == .xmlMalformed)
        #expect(error?.message.hasPrefix("The XML ends early, before its root element starts") == true)
    }

    @Test func notWellFormed() {
        for xml in [
            "<products><product><sku>A</sku></product>",  // root never closed
            "<products><product><sku>A</sku></products>",
            "<products><product a=1/></products>",
            "<products><product><sku>A & B</sku></product></products>",
            "<products><product><sku>&nbsp;</sku></product></products>",  // undeclared entity
            "<products/><products/>",
            "<products/>trailing",
            "<products><product><sku>A\u{0}</sku></product></products>",
        ] {
            #expect(fault(xml)?.code == .xmlMalformed, "\(xml.debugDescription)")
        }
    }

    @Test func truncatedAtEveryPointThrows() throws {
        let complete = sample
        let bytes = Array(complete.utf8)
        let endOfRoot = complete.utf8.count - 1  // the document is complete once "</products>" ends
        #expect(complete.hasSuffix("</products>\n"))
        for cut in 0..<bytes.count {
            let prefix = Array(bytes[0..<cut])
            let text = String(decoding: prefix, as: UTF8.self)
            let error = fault(text, wanted: ["sku", "categories"])
            if cut >= endOfRoot {
                #expect(error == nil, "cut at \(cut)")
            } else if cut == 0 {
                #expect(error?.code == .emptyFile)
            } else {
                #expect(error?.code == .xmlMalformed, "cut at \(cut)")
                #expect(error?.message.hasPrefix("The XML ends early") == true, "cut at \(cut): \(String(describing: error))")
                #expect(error?.message.contains("Extra content") == false, "cut at \(cut): \(String(describing: error))")
                #expect(error?.line != nil)
            }
        }
    }

    @Test func truncationAfterSomeProductsThrowsAfterThem() throws {
        let cut = String(sample.prefix(sample.count - 30))
        let reader = try XMLProductReader(source: MemoryByteSource(cut), settings: XMLReaderSettings(), wantedFields: ["sku"])
        #expect(try reader.next()?.values == ["X-1"])
        let error = #expect(throws: FileFault.self) { try reader.next() }
        #expect(error?.code == .xmlMalformed)
        // Once failed, always failed.
        let again = #expect(throws: FileFault.self) { try reader.next() }
        #expect(again == error)
    }

    @Test func invalidUTF8() {
        var bytes = Array("<products><product><sku>ab".utf8)
        bytes += [0xC3, 0x28]  // a lead byte followed by a non-continuation byte
        bytes += Array("</sku></product></products>".utf8)
        let error = fault(bytes: bytes)
        #expect(error?.code == .xmlMalformed)
        #expect(error?.line == 1)
        #expect(error?.message == "The XML is not well-formed: Input is not proper UTF-8, indicate encoding ! Bytes: 0xC3 0x28 0x3C 0x2F.")
    }

    @Test func latin1DeclaredDocumentIsConverted() throws {
        var bytes = Array("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><products><product><sku>caf".utf8)
        bytes += [0xE9]
        bytes += Array("</sku></product></products>".utf8)
        let result = try readAll(MemoryByteSource(bytes), settings: XMLReaderSettings(), wanted: ["sku"])
        #expect(result.map(\.values) == [["café"]])
    }

    @Test func utf16IsRefused() {
        let xml = "<?xml version=\"1.0\" encoding=\"UTF-16\"?><products><product><sku>A</sku></product></products>"
        let littleEndian: [UInt8] = [0xFF, 0xFE] + xml.utf16.flatMap { unit -> [UInt8] in [UInt8(unit & 0xFF), UInt8(unit >> 8)] }
        let bigEndianNoMark: [UInt8] = xml.utf16.flatMap { unit -> [UInt8] in [UInt8(unit >> 8), UInt8(unit & 0xFF)] }
        #expect(fault(bytes: littleEndian)?.code == .unsupportedEncoding)
        #expect(fault(bytes: bigEndianNoMark)?.code == .unsupportedEncoding)
    }

    @Test func deepNestingStopsAtLibxml2sLimit() {
        let depth = 5000
        let xml = "<products><product><sku>" + String(repeating: "<a>", count: depth) + "x"
            + String(repeating: "</a>", count: depth) + "</sku></product></products>"
        let error = fault(xml)
        #expect(error?.code == .xmlMalformed)
        #expect(error?.message.contains("depth") == true)
        #expect(error?.message.contains("XML_PARSE_HUGE") == false)
    }

    @Test func nestingWithinTheLimitIsRead() throws {
        let xml = "<products><product><sku>" + String(repeating: "<a>", count: 200) + "x"
            + String(repeating: "</a>", count: 200) + "</sku></product></products>"
        #expect(try rows(xml, wanted: ["sku"]).map(\.values) == [["x"]])
    }
}

// MARK: - DOCTYPE, XXE, entity expansion

@Suite struct XMLProductReaderDoctypeTests {
    private static let doctypeMessage = "The XML declares a DOCTYPE; product exports have none, and it is refused so no external entity or entity expansion is ever processed."

    @Test func externalEntityIsNeverRead() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let secret = "SECRET-\(UUID().uuidString)"
        let secretFile = directory.appendingPathComponent("secret.txt")
        try secret.write(to: secretFile, atomically: true, encoding: .utf8)
        let documents = [
            """
            <?xml version="1.0" encoding="UTF-8"?>
            <!DOCTYPE products [ <!ENTITY xxe SYSTEM "\(secretFile.absoluteString)"> ]>
            <products><product><sku>&xxe;</sku></product></products>
            """,
            """
            <?xml version="1.0"?>
            <!-- a comment first -->
            <!DOCTYPE products SYSTEM "\(secretFile.absoluteString)">
            <products><product><sku>&xxe;</sku></product></products>
            """,
            """
            <!DOCTYPE products [ <!ENTITY % p SYSTEM "\(secretFile.absoluteString)"> %p; ]><products/>
            """,
        ]
        for xml in documents {
            let error = fault(xml)
            #expect(error?.code == .xmlDoctype)
            #expect(error?.message == Self.doctypeMessage)
            #expect(error.map { String(describing: $0) }?.contains(secret) == false)
        }
        #expect(fault(documents[0])?.line == 2)
        #expect(fault(documents[1])?.line == 3)
    }

    @Test func billionLaughsIsRefusedQuickly() {
        var entities = "<!ENTITY lol0 \"lol\">\n"
        for level in 1...9 {
            let previous = String(repeating: "&lol\(level - 1);", count: 10)
            entities += "<!ENTITY lol\(level) \"\(previous)\">\n"
        }
        let xml = "<?xml version=\"1.0\"?>\n<!DOCTYPE products [\n\(entities)]>\n<products><product><sku>&lol9;</sku></product></products>\n"
        let clock = ContinuousClock()
        var error: FileFault?
        let elapsed = clock.measure { error = fault(xml) }
        #expect(error?.code == .xmlDoctype)
        #expect(error?.line == 2)
        #expect(elapsed < .seconds(1))
    }

    @Test func doctypeWordInsideACommentOrCDATAIsNotADoctype() throws {
        let xml = """
        <?xml version="1.0"?>
        <!-- <!DOCTYPE products> is not allowed -->
        <products><product><sku><![CDATA[<!DOCTYPE x>]]></sku></product></products>
        """
        #expect(try rows(xml, wanted: ["sku"]).map(\.values) == [["<!DOCTYPE x>"]])
    }
}

// MARK: - Byte sources and volume

@Suite struct XMLProductReaderSourceTests {
    @Test func sourceFaultSurfacesInsteadOfAParseError() {
        let length = sample.utf8.count
        for limit in [0, 1, 40, length / 2, length - 1, length] {
            let source = FailingByteSource(sample, failAfter: limit)
            let error = faultOf { () throws(FileFault) in _ = try readAll(source, settings: XMLReaderSettings(), wanted: ["sku"]) }
            #expect(error == FailingByteSource.fault, "failing after \(limit) bytes")
        }
    }

    @Test func sourceFaultAfterSomeProducts() throws {
        var xml = "<products>\n"
        for index in 0..<2000 { xml += "<product><sku>S\(index)</sku></product>\n" }
        xml += "</products>\n"
        let source = FailingByteSource(xml, failAfter: xml.utf8.count / 2)
        let reader = try XMLProductReader(source: source, settings: XMLReaderSettings(), wantedFields: ["sku"])
        var count = 0
        let error = #expect(throws: FileFault.self) {
            while try reader.next() != nil { count += 1 }
        }
        #expect(error == FailingByteSource.fault)
        #expect(count > 100 && count < 2000)
    }

    @Test func fiftyThousandProducts() throws {
        let count = 50_000
        var xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<products>\n"
        xml.reserveCapacity(count * 400)
        for index in 0..<count {
            xml += """
              <product>
                <sku>SKU-\(index)</sku>
                <label>Product \(index) &amp; more</label>
                <description><![CDATA[<p>Description of <b>\(index)</b></p>]]></description>
                <unused_a>a</unused_a><unused_b><x>1</x><y>2</y></unused_b>
                <categories><category>A&gt;B</category><category>C\(index % 7)</category></categories>
              </product>

            """
        }
        xml += "</products>\n"
        let reader = try XMLProductReader(source: MemoryByteSource(xml), settings: XMLReaderSettings(), wantedFields: ["sku", "label", "categories", "gtin"])
        var read = 0
        var last: SourceRow?
        while let row = try reader.next() {
            if read == 12_345 {
                #expect(row == SourceRow(line: 3 + 12_345 * 7, values: ["SKU-12345", "Product 12345 & more", "A>B,C4", nil]))
            }
            read += 1
            last = row
        }
        #expect(read == count)
        #expect(last?.values.first == "SKU-\(count - 1)")
        #expect(last?.line == 3 + (count - 1) * 7)
    }
}

// MARK: - Building blocks

@Suite struct XMLMarkupScannerTests {
    private static let xml = """
    <?xml version="1.0"?>
    <!-- <product> in a comment -->
    <products a='x>y'>
      <product><sku><![CDATA[ <product> ]]></sku></product>
      <?pi <product> ?>
      <empty/>
      <product
      ></product>
    </products>
    """

    /// `bytes` scanned in blocks of the given sizes, in turn; and the root's children it found.
    private static func scanned(_ bytes: [UInt8], chunkSizes: [Int]) -> (XMLMarkupScanner, [XMLMarkupScanner.ElementStart]) {
        var scanner = XMLMarkupScanner()
        var position = 0
        var turn = 0
        while position < bytes.count {
            let size = min(max(1, chunkSizes[turn % chunkSizes.count]), bytes.count - position)
            bytes[position..<(position + size)].withUnsafeBytes { scanner.scan($0) }
            position += size
            turn += 1
        }
        var found: [XMLMarkupScanner.ElementStart] = []
        while let start = scanner.takeRootChildStart() { found.append(start) }
        return (scanner, found)
    }

    private static func starts(chunkSizes: [Int]) -> ([XMLMarkupScanner.ElementStart], XMLMarkupScanner) {
        let (scanner, found) = scanned(Array(xml.utf8), chunkSizes: chunkSizes)
        return (found, scanner)
    }

    @Test func findsRootChildrenAtAnyChunking() {
        let expected = [
            XMLMarkupScanner.ElementStart(line: 4, tagEndLine: 4),
            XMLMarkupScanner.ElementStart(line: 6, tagEndLine: 6),
            XMLMarkupScanner.ElementStart(line: 7, tagEndLine: 8),
        ]
        for sizes in [[100_000], [1], [2], [3, 1, 7], [5, 4, 6, 2]] {
            let (found, scanner) = Self.starts(chunkSizes: sizes)
            #expect(found == expected, "chunks \(sizes)")
            #expect(scanner.finding == nil)
            #expect(!scanner.endedInsideDocument)
            #expect(scanner.line == 9)
        }
    }

    /// A document with every kind of markup, end tags with line breaks before their `>`,
    /// attribute values holding `>` and `/`, and long text: scanned whole (the fast path
    /// through text and plain tags) and one byte at a time (every step through `advance`).
    @Test func wholeBlocksAgreeWithOneByteAtATime() {
        var generator = SplitMix64(seed: 11)
        var xml = "<?xml version=\"1.0\"?>\n<products>\n"
        let pieces = [
            "<sku>PX-1</sku>", "<label a=\"x>/y\" b='q\"'>Pan</label>", "<empty/>", "<e\n/>", "<size\n></size\n>",
            "<!-- <p> -- not > a tag -->", "<![CDATA[ <b>]] ]></b> ]]>", "<?pi a > b ?>", "text & more\n\n",
            "<d><![CDATA[\(String(repeating: "long line of text\n", count: 9))]]></d>", "<x></x >", "<x></x>",
        ]
        for _ in 0..<300 {
            xml += "  <product\(generator.next() % 3 == 0 ? "\n" : "")>"
            for _ in 0..<Int(generator.next() % 6) { xml += pieces[Int(generator.next() % UInt64(pieces.count))] }
            xml += "</product\(generator.next() % 4 == 0 ? "\n" : "")>\n"
        }
        xml += "</products>\n"
        let bytes = Array(xml.utf8)
        func scanned(_ size: Int) -> (XMLMarkupScanner, [XMLMarkupScanner.ElementStart]) { Self.scanned(bytes, chunkSizes: [size]) }
        let (whole, wholeStarts) = scanned(bytes.count)
        let (single, singleStarts) = scanned(1)
        #expect(wholeStarts.count == 300)
        #expect(wholeStarts == singleStarts)
        #expect(whole.line == single.line)
        #expect(whole.line == bytes.count { $0 == 0x0A } + 1)
        #expect(whole.rootClosed && single.rootClosed)
        #expect(!whole.endedInsideDocument && !single.endedInsideDocument)
        for size in [7, 64, 4000] {
            let (chunked, chunkedStarts) = scanned(size)
            #expect(chunkedStarts == wholeStarts, "chunks of \(size)")
            #expect(chunked.line == whole.line, "chunks of \(size)")
        }
        // Cut anywhere, whole and byte-at-a-time scanning agree on everything a truncation
        // report and a DOCTYPE refusal read.
        let doctype = Array("<?xml version=\"1.0\"?>\n<!-- x -->\n<!DOCTYPE products>\n<products/>".utf8)
        for document in [bytes, doctype] {
            for cut in stride(from: 0, through: document.count, by: max(1, document.count / 500)) {
                let prefix = Array(document[0..<cut])
                let (one, all) = (Self.scanned(prefix, chunkSizes: [1]).0, Self.scanned(prefix, chunkSizes: [prefix.count]).0)
                let same = one.line == all.line && one.lastMarkupLine == all.lastMarkupLine && one.finding == all.finding
                    && one.rootOpened == all.rootOpened && one.rootClosed == all.rootClosed
                    && one.endedInsideDocument == all.endedInsideDocument
                #expect(same, "cut at \(cut) of \(document.count)")
                if document == doctype && cut == document.count { #expect(all.finding == .doctype(line: 3)) }
            }
        }
    }

    @Test func doctypeIsAFinding() {
        var scanner = XMLMarkupScanner()
        Array("<?xml version=\"1.0\"?>\n\n<!DOCTYPE x>".utf8).withUnsafeBytes { scanner.scan($0) }
        #expect(scanner.finding == .doctype(line: 3))
    }

    @Test func unfinishedDocument() {
        var scanner = XMLMarkupScanner()
        Array("<products><product>".utf8).withUnsafeBytes { scanner.scan($0) }
        #expect(scanner.endedInsideDocument)
        #expect(scanner.rootOpened)
    }
}

@Suite struct XMLFieldNameTableTests {
    private static func slot(_ table: inout XMLFieldNameTable, _ name: String) -> Int {
        var bytes = Array(name.utf8)
        bytes.append(0)
        return bytes.withUnsafeBufferPointer { table.slot(for: $0.baseAddress!) }
    }

    @Test func wantedNamesAndDuplicates() {
        var table = XMLFieldNameTable(wanted: ["sku", "label", "sku"])
        #expect(table.positions(of: Self.slot(&table, "sku")) == [0, 2])
        #expect(table.positions(of: Self.slot(&table, "label")) == [1])
        #expect(Self.slot(&table, "skus") == XMLFieldNameTable.notWanted)
        #expect(Self.slot(&table, "") == XMLFieldNameTable.notWanted)
        #expect(table.namesInOrder == ["sku", "label", "skus", ""])
    }

    @Test func manyNamesStayCorrectAndBounded() {
        var table = XMLFieldNameTable(wanted: (0..<300).map { "want\($0)" })
        for round in 0..<2 {
            for index in 0..<300 {
                #expect(table.positions(of: Self.slot(&table, "want\(index)")) == [index], "round \(round)")
            }
        }
        for index in 0..<(XMLFieldNameTable.maxRemembered + 500) {
            #expect(Self.slot(&table, "other\(index)") == XMLFieldNameTable.notWanted)
        }
        #expect(table.namesInOrder.count == 300 + XMLFieldNameTable.maxRemembered)
        #expect(table.positions(of: Self.slot(&table, "want7")) == [7])
    }
}
