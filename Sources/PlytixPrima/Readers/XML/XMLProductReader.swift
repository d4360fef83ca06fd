// Foundation stays out of this file: with it, libxml2's ICU types can clash between modules.
internal import CLibXML2
#if canImport(Glibc)
@preconcurrency import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How a channel's XML export is shaped.
public struct XMLReaderSettings: Sendable, Equatable {
    public var rootElement: String
    public var productElement: String
    /// nil: a child's element name is the field name. "name": `<attribute name="SKU">…</attribute>` style
    /// (a child without that attribute falls back to its element name).
    public var fieldNameAttribute: String?
    /// Joins the values of a field's sub-elements, and the values of a field that appears twice.
    public var multiValueSeparator: String

    public init(
        rootElement: String = "products",
        productElement: String = "product",
        fieldNameAttribute: String? = nil,
        multiValueSeparator: String = ","
    ) {
        self.rootElement = rootElement
        self.productElement = productElement
        self.fieldNameAttribute = fieldNameAttribute
        self.multiValueSeparator = multiValueSeparator
    }
}

/// Reads products one at a time from a Plytix XML export, streaming over libxml2's `xmlTextReader`.
///
/// `init` reads up to the root element, so a refused document (empty, DOCTYPE, wrong root, not
/// well-formed up to there) fails early. Each `next()` returns one `<product>` child of the root.
/// A structural problem found later is thrown by `next()`; the rows already returned came from a
/// document that is now known to be broken, so the caller should quarantine the whole file.
/// A reader belongs to one thread at a time.
public final class XMLProductReader {
    private let context: XMLParseContext
    private let reader: OpaquePointer
    private let settings: XMLReaderSettings
    private var names: XMLFieldNameTable
    private let fieldCount: Int
    private let rootName: [UInt8]
    private let productName: [UInt8]
    /// NUL-terminated, for `xmlTextReaderMoveToAttribute`.
    private let fieldAttribute: [UInt8]?
    private let separator: [UInt8]
    private var phase = Phase.inRoot
    /// False once the scanner's element lines disagreed with libxml2's (then libxml2's are used).
    private var scannerLinesAgree = true
    /// Scratch for the field being read: the ranges of its sub-elements' text, and their join.
    private var subElementRanges: [Range<Int>] = []
    private var joined: [UInt8] = []
    /// The product's fields met more than once: each cell's values so far, joined with the
    /// separator, written into the batch once the product ends (so a field repeated k times
    /// costs its bytes once, not k times over).
    private var repeatedCells: [(cell: Int, value: [UInt8])] = []

    private enum Phase {
        case inRoot
        case rootWasEmpty
        case finished
        case failed(FileFault)
    }

    /// libxml2's global set-up, done once per process.
    private static let libraryReady: Void = xmlInitParser()

    /// CDATA as text, no network; never NOENT, DTDLOAD, DTDATTR, DTDVALID or HUGE.
    /// NOERROR and NOWARNING silence libxml2's default printing, not the per-reader handler.
    private static let parseOptions = Int32(bitPattern:
        XML_PARSE_NONET.rawValue | XML_PARSE_NOCDATA.rawValue
            | XML_PARSE_NOERROR.rawValue | XML_PARSE_NOWARNING.rawValue)

    /// wantedFields: field names (element names, or attribute values) whose values the caller
    /// wants, in the order of `SourceRow.values`.
    public init(source: any ByteSource, settings: XMLReaderSettings = XMLReaderSettings(), wantedFields: [String]) throws(FileFault) {
        _ = Self.libraryReady
        self.settings = settings
        names = XMLFieldNameTable(wanted: wantedFields)
        fieldCount = wantedFields.count
        rootName = Array(settings.rootElement.utf8)
        productName = Array(settings.productElement.utf8)
        fieldAttribute = settings.fieldNameAttribute.map { Array($0.utf8) + [0] }
        separator = Array(settings.multiValueSeparator.utf8)
        context = XMLParseContext(source: source)
        reader = try Self.makeReader(context)
        try openRoot()
    }

    deinit {
        // Frees the parser and calls the close callback; `context` is released only after this.
        xmlFreeTextReader(reader)
    }

    /// The next product, or nil at the end of the document. Throws FileFault for any structural problem;
    /// after a throw, every later call throws the same fault.
    public func next() throws(FileFault) -> SourceRow? {
        rowScratch.removeAll()
        guard try next(into: &rowScratch), case .row(let row) = rowScratch.outcomes(fieldCount: fieldCount, decoder: nil).first else {
            return nil
        }
        return row
    }

    /// The product `next()` returns, read as the pipeline reads a batch.
    private var rowScratch = RowBatch()

    /// The next product into `batch`, its fields as bytes (the pipeline's mapping threads make
    /// the strings); `false` at the end of the document. Throws as `next()` does.
    func next(into batch: inout RowBatch) throws(FileFault) -> Bool {
        switch phase {
        case .failed(let fault): throw fault
        case .finished: return false
        case .inRoot, .rootWasEmpty: break
        }
        do throws(FileFault) {
            if let line = try nextProductStart() {
                try readProduct(line: line, into: &batch)
                return true
            }
            phase = .finished
            return false
        } catch {
            phase = .failed(error)
            throw error
        }
    }

    /// Every distinct field name met under products so far (element names, or the attribute values
    /// naming fields), in order of first appearance; for diagnostics such as a missing column.
    public var fieldNamesSeen: [String] { names.namesInOrder }

    // MARK: - Document structure

    private static func makeReader(_ context: XMLParseContext) throws(FileFault) -> OpaquePointer {
        let opaque = Unmanaged.passUnretained(context).toOpaque()
        // C callbacks cannot capture: each finds the context through the opaque pointer.
        let created = xmlReaderForIO(
            { opaque, buffer, length in
                guard let opaque, let buffer else { return -1 }
                let context = Unmanaged<XMLParseContext>.fromOpaque(opaque).takeUnretainedValue()
                return context.fill(buffer, count: Int(length))
            },
            { _ in 0 },  // the ByteSource belongs to the caller; nothing to close here
            opaque, nil, nil, parseOptions)
        guard let reader = created else {
            throw context.inputFault ?? FileFault(.unreadable, "The XML parser could not be started.")
        }
        // Inline closure with inferred types: the error's pointer type differs between libxml2 versions.
        xmlTextReaderSetStructuredErrorHandler(reader, { opaque, error in
            guard let opaque, let error else { return }
            Unmanaged<XMLParseContext>.fromOpaque(opaque).takeUnretainedValue().record(error.pointee)
        }, opaque)
        return reader
    }

    /// Reads the prolog and the root's start tag, refusing a DOCTYPE or a foreign root.
    private func openRoot() throws(FileFault) {
        while try readNode() {
            switch nodeType {
            case XML_READER_TYPE_DOCUMENT_TYPE:
                // The scanner stops a DOCTYPE before libxml2 parses it; this is the backstop.
                throw Self.doctypeFault(line: Int(xmlTextReaderGetParserLineNumber(reader)))
            case XML_READER_TYPE_ELEMENT:
                try checkRootName()
                if xmlTextReaderIsEmptyElement(reader) == 1 { phase = .rootWasEmpty }
                return
            default:
                continue  // XML declaration, comments, processing instructions, whitespace
            }
        }
        throw parseFailure()
    }

    private func checkRootName() throws(FileFault) {
        guard !currentLocalName(is: rootName) else { return }
        let found = xmlTextReaderConstName(reader).map { String(cString: $0) } ?? "?"
        throw FileFault(.xmlWrongRoot,
            "The document's root element is <\(found)>; this pipeline expects <\(settings.rootElement)>.",
            line: currentNodeLine())
    }

    /// Walks the root's children up to the next product and returns the line it starts on; nil
    /// once the document has ended cleanly.
    private func nextProductStart() throws(FileFault) -> Int? {
        if case .rootWasEmpty = phase {
            try readToEnd()
            return nil
        }
        while try readNode() {
            let type = nodeType
            let depth = xmlTextReaderDepth(reader)
            if type == XML_READER_TYPE_ELEMENT && depth == 1 {
                let line = lineOfRootChild()  // taken for every child, so the scanner's queue stays in step
                if currentLocalName(is: productName) { return line }
            } else if type == XML_READER_TYPE_END_ELEMENT && depth == 0 {
                try readToEnd()
                return nil
            }
            // Anything else directly under the root, and everything inside a skipped element, is passed over.
        }
        throw parseFailure()
    }

    /// Reads what follows the root (comments, whitespace) so trailing garbage and input errors still surface.
    private func readToEnd() throws(FileFault) {
        while try readNode() {}
    }

    // MARK: - Products and fields

    /// Reads the children of the current `<product>` into `batch`; the reader ends on its end tag.
    /// Each field's bytes go straight into the batch, in document order; the row's spans are in
    /// field order, so a field the product lacks stays absent.
    private func readProduct(line: Int, into batch: inout RowBatch) throws(FileFault) {
        let firstSpan = batch.spans.count, firstByte = batch.bytes.count
        batch.appendAbsentCells(fieldCount)
        repeatedCells.removeAll(keepingCapacity: true)
        do throws(FileFault) {
            try readFields(into: &batch, firstSpan: firstSpan)
        } catch {
            batch.dropUnfinishedRow(spansFrom: firstSpan, bytesFrom: firstByte)
            throw error
        }
        for repeated in repeatedCells { batch.setCell(repeated.cell, to: repeated.value) }
        batch.entries.append(.row(RawRow(line: line, firstSpan: firstSpan)))
    }

    /// A field met again in one product keeps both values, joined with the separator.
    private func join(_ run: Range<Int>, toCell cell: Int, of batch: RowBatch) {
        if let index = repeatedCells.firstIndex(where: { $0.cell == cell }) {
            repeatedCells[index].value.append(contentsOf: separator)
            repeatedCells[index].value.append(contentsOf: batch.bytes[run])
        } else if let first = batch.cell(cell) {
            repeatedCells.append((cell, Array(batch.bytes[first]) + separator + batch.bytes[run]))
        }
    }

    /// Walks the children of the current `<product>`, reading each wanted field's value onto the
    /// end of `batch.bytes` and pointing its cells at it; ends on the product's end tag.
    private func readFields(into batch: inout RowBatch, firstSpan: Int) throws(FileFault) {
        if xmlTextReaderIsEmptyElement(reader) == 1 { return }
        while try readNode() {
            let depth = xmlTextReaderDepth(reader)
            guard depth <= 2 else { continue }  // inside a field that is being skipped
            let type = nodeType
            if type == XML_READER_TYPE_END_ELEMENT && depth == 1 { return }
            guard type == XML_READER_TYPE_ELEMENT && depth == 2 else { continue }
            let slot = fieldSlot()
            guard slot != XMLFieldNameTable.notWanted else { continue }
            let value = xmlTextReaderIsEmptyElement(reader) == 1
                ? batch.bytes.count..<batch.bytes.count
                : try readFieldValue(onto: &batch.bytes)
            for index in names.positionRange(of: slot) {
                let cell = firstSpan + names.position(at: index)
                if batch.cell(cell) == nil {
                    batch.pointCell(cell, at: value)
                } else {
                    join(value, toCell: cell, of: batch)
                }
            }
        }
        throw parseFailure()
    }

    /// The slot of the current child element's field name (its element name, or its naming attribute).
    private func fieldSlot() -> Int {
        if let attribute = fieldAttribute,
           attribute.withUnsafeBufferPointer({ xmlTextReaderMoveToAttribute(reader, $0.baseAddress) }) == 1 {
            defer { xmlTextReaderMoveToElement(reader) }
            guard let value = xmlTextReaderConstValue(reader) else { return XMLFieldNameTable.notWanted }
            return names.slot(for: value)
        }
        guard let name = xmlTextReaderConstLocalName(reader) else { return XMLFieldNameTable.notWanted }
        return names.slot(for: name)
    }

    /// Reads a wanted field's content up to its end tag onto the end of `bytes`, and returns
    /// where its value is. Plain content is its text; sub-elements (a multi-value) give their
    /// texts joined with the separator; text beside sub-elements (mixed content, e.g. unescaped
    /// HTML) gives all the text in document order.
    private func readFieldValue(onto bytes: inout [UInt8]) throws(FileFault) -> Range<Int> {
        let start = bytes.count
        subElementRanges.removeAll(keepingCapacity: true)
        var subElementStart = start
        var mixedContent = false
        while try readNode() {
            let depth = xmlTextReaderDepth(reader)
            switch nodeType {
            case XML_READER_TYPE_END_ELEMENT:
                if depth == 2 {
                    guard !subElementRanges.isEmpty && !mixedContent else { return start..<bytes.count }
                    return joinSubElements(of: &bytes, from: start)
                }
                if depth == 3 { subElementRanges.append(subElementStart..<bytes.count) }
            case XML_READER_TYPE_ELEMENT where depth == 3:
                subElementStart = bytes.count
                if xmlTextReaderIsEmptyElement(reader) == 1 { subElementRanges.append(bytes.count..<bytes.count) }
            case XML_READER_TYPE_TEXT, XML_READER_TYPE_CDATA:
                if depth == 3 { mixedContent = true }
                appendCurrentText(to: &bytes)
            case XML_READER_TYPE_WHITESPACE, XML_READER_TYPE_SIGNIFICANT_WHITESPACE:
                appendCurrentText(to: &bytes)  // kept: a value is returned as-is, and may be only whitespace
            default:
                continue
            }
        }
        throw parseFailure()
    }

    private func appendCurrentText(to bytes: inout [UInt8]) {
        guard let value = xmlTextReaderConstValue(reader) else { return }
        // The reader's strings die at the next read: copy the bytes now.
        bytes.append(contentsOf: UnsafeBufferPointer(start: value, count: strlen(value)))
    }

    /// Replaces everything from `start` (the field's text) by its sub-elements' texts joined
    /// with the separator; returns the joined value's place.
    private func joinSubElements(of bytes: inout [UInt8], from start: Int) -> Range<Int> {
        joined.removeAll(keepingCapacity: true)
        for (index, range) in subElementRanges.enumerated() {
            if index > 0 { joined.append(contentsOf: separator) }
            joined.append(contentsOf: bytes[range])
        }
        bytes.removeSubrange(start...)
        bytes.append(contentsOf: joined)
        return start..<bytes.count
    }

    // MARK: - Nodes, lines and failures

    /// Advances one node; false at the end of the document. Input faults win over libxml2's error.
    private func readNode() throws(FileFault) -> Bool {
        let status = xmlTextReaderRead(reader)
        if status < 0 || context.inputFault != nil { throw parseFailure() }
        return status == 1
    }

    private var nodeType: xmlReaderTypes {
        xmlReaderTypes(rawValue: UInt32(bitPattern: xmlTextReaderNodeType(reader)))
    }

    /// Compares the current node's local name with NUL-free `bytes`, without making a String.
    private func currentLocalName(is bytes: [UInt8]) -> Bool {
        guard let name = xmlTextReaderConstLocalName(reader) else { return false }
        for (index, byte) in bytes.enumerated() where name[index] != byte { return false }
        return name[bytes.count] == 0
    }

    /// libxml2's line for the current node: the line of its start tag's `>`, saturating at 65535.
    private func currentNodeLine() -> Int {
        Int(xmlTextReaderCurrentNode(reader)?.pointee.line ?? 0)
    }

    /// The line where the current child of the root starts. The scanner's line is exact; it is
    /// cross-checked against libxml2's node line (exact below 65535) and the parser's position.
    private func lineOfRootChild() -> Int {
        let nodeLine = currentNodeLine()
        let parserLine = Int(xmlTextReaderGetParserLineNumber(reader))
        if scannerLinesAgree, let start = context.scanner.takeRootChildStart() {
            let agrees = nodeLine < 65535
                ? start.tagEndLine == nodeLine
                : start.tagEndLine >= 65535 && start.tagEndLine <= parserLine
            if agrees { return start.line }
        }
        // Should not happen; if it does, libxml2's lines (approximate past 65535) are the fallback.
        scannerLinesAgree = false
        context.scanner.stopRecordingStarts()
        return nodeLine > 0 && nodeLine < 65535 ? nodeLine : parserLine
    }

    /// The fault for a parse that stopped: the input's own fault, an empty file, a truncated one, or libxml2's error.
    private func parseFailure() -> FileFault {
        if let fault = context.inputFault { return fault }
        if !context.sawContent {
            return FileFault(.emptyFile, "The file contains no XML: it is empty or only whitespace.")
        }
        let error = context.firstError
        let detail = error?.message ?? "the parser stopped without giving a reason"
        let line = error?.line ?? Int(xmlTextReaderGetParserLineNumber(reader))
        // Truncated: the input ran out inside the document, and libxml2 stopped at its unfinished end.
        if context.reachedEnd && context.scanner.endedInsideDocument && line >= context.scanner.lastMarkupLine {
            let place = context.scanner.rootOpened ? "before its root element is closed" : "before its root element starts"
            // libxml2 2.9 says "Extra content at the end of the document" when input stops early: no help here.
            let said = error?.code == XML_ERR_DOCUMENT_END.rawValue ? "" : " (parser: \(detail))"
            return FileFault(.xmlMalformed, "The XML ends early, \(place): the file looks truncated\(said).", line: line, byteOffset: parserOffset())
        }
        return FileFault(.xmlMalformed, "The XML is not well-formed: \(detail).", line: line, byteOffset: parserOffset())
    }

    /// How far into the (decompressed) input the parser got, for the quarantine reason.
    private func parserOffset() -> Int64? {
        let consumed = xmlTextReaderByteConsumed(reader)
        return consumed >= 0 ? Int64(consumed) : nil
    }

    static func doctypeFault(line: Int) -> FileFault {
        FileFault(.xmlDoctype,
            "The XML declares a DOCTYPE; product exports have none, and it is refused so no external entity or entity expansion is ever processed.",
            line: line)
    }
}

/// What libxml2's C callbacks reach through their opaque pointer: the byte source feeding the
/// parser, the markup scanner that sees each block first, and the first parse error.
private final class XMLParseContext {
    struct ParseError {
        var message: String
        var line: Int
        var code: UInt32
        var isFatal: Bool
    }

    let source: any ByteSource
    var scanner = XMLMarkupScanner()
    /// A fault found on the input side (the source failed, a DOCTYPE, a foreign encoding); it wins over libxml2's error.
    var inputFault: FileFault?
    var reachedEnd = false
    /// Whether any byte other than whitespace or a byte-order mark has arrived.
    var sawContent = false
    var firstError: ParseError?
    /// The block read from the source and scanned, and how much of it libxml2 has taken.
    /// libxml2 asks for about 2 KB at a time: read straight from the file, that was a system
    /// call every 2 KB (225,000 for a 450 MB export) on the thread that bounds an XML run.
    private let block = UnsafeMutableRawBufferPointer.allocate(byteCount: 256 << 10, alignment: 16)
    private var blockTaken = 0
    private var blockFilled = 0

    init(source: any ByteSource) { self.source = source }

    deinit { block.deallocate() }

    /// libxml2's read callback: fills its buffer from the current block, reading (and scanning)
    /// the next one from the source when it is used up. Returns the byte count, 0 at the end,
    /// -1 to stop the parse (the reason is in `inputFault`).
    func fill(_ buffer: UnsafeMutablePointer<CChar>, count: Int) -> Int32 {
        guard inputFault == nil, count > 0 else { return -1 }
        if blockTaken == blockFilled {
            guard readBlock() else { return inputFault == nil ? 0 : -1 }
        }
        let taken = min(count, blockFilled - blockTaken)
        UnsafeMutableRawPointer(buffer).copyMemory(from: block.baseAddress! + blockTaken, byteCount: taken)
        blockTaken += taken
        return Int32(taken)
    }

    /// Reads the next block and lets the scanner look at it; false at the end of the input, or
    /// with `inputFault` set when the source failed or the block must not reach libxml2.
    private func readBlock() -> Bool {
        let filled: Int
        do throws(FileFault) {
            filled = try min(source.read(into: block), block.count)
        } catch {
            inputFault = error
            return false
        }
        guard filled > 0 else {
            reachedEnd = true
            return false
        }
        let bytes = UnsafeRawBufferPointer(rebasing: block[0..<filled])
        if !sawContent { sawContent = bytes.contains { !Self.isBlankOrMark($0) } }
        scanner.scan(bytes)
        if let finding = scanner.finding {
            inputFault = Self.fault(for: finding)
            return false  // libxml2 never receives this block
        }
        (blockTaken, blockFilled) = (0, filled)
        return true
    }

    /// Keeps the first fatal error (or, failing one, the first error); warnings are ignored.
    func record(_ error: xmlError) {
        let fatal = error.level == XML_ERR_FATAL
        guard fatal || error.level == XML_ERR_ERROR else { return }
        if let kept = firstError, kept.isFatal || !fatal { return }
        firstError = ParseError(message: Self.tidy(error.message), line: Int(error.line),
                                code: UInt32(bitPattern: error.code), isFatal: fatal)
    }

    private static func fault(for finding: XMLMarkupScanner.Finding) -> FileFault {
        switch finding {
        case .doctype(let line):
            return XMLProductReader.doctypeFault(line: line)
        case .notASCIICompatible:
            return FileFault(.unsupportedEncoding,
                "The XML is not in UTF-8 (it looks like UTF-16, UTF-32 or EBCDIC); Plytix exports are UTF-8: export the channel again as UTF-8.",
                line: 1)
        }
    }

    private static func isBlankOrMark(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D || byte == 0xEF || byte == 0xBB || byte == 0xBF
    }

    /// libxml2's message on one line, without its trailing newline or advice about its own options.
    private static func tidy(_ message: UnsafeMutablePointer<CChar>?) -> String {
        guard let message else { return "unknown error" }
        var text = String(cString: message)
        while let last = text.last, last.isWhitespace || last == "." { text.removeLast() }
        return text.replacing(" use XML_PARSE_HUGE option", with: "").replacing("\n", with: " ")
    }
}
