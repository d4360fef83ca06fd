/// A byte-level look at the markup libxml2 is about to parse, one block ahead of it.
///
/// It answers what libxml2's streaming reader cannot:
/// - whether the document declares a DOCTYPE, before libxml2 has parsed (or expanded) any of it;
/// - on which line each child of the root starts: the reader's parser runs up to a block ahead of
///   the node it returns, and `xmlNode.line` saturates at 65535;
/// - whether the input ended inside the document (a truncated file).
///
/// It follows tag structure only (start, end and empty tags, comments, CDATA, processing
/// instructions, quoted attribute values); libxml2 stays the judge of well-formedness.
/// It needs an ASCII-compatible encoding and reports any other one as a finding.
struct XMLMarkupScanner {
    /// Where a child of the root element starts: the line of its `<`, and the line of the `>`
    /// that ends its start tag (libxml2's own `xmlNode.line`, used as a cross-check).
    struct ElementStart: Equatable {
        var line: Int
        var tagEndLine: Int
    }

    /// Something that must stop the parse before libxml2 sees the rest of the input.
    enum Finding: Equatable {
        case doctype(line: Int)
        /// UTF-16, UTF-32 or EBCDIC: the scanner cannot follow it, so no DOCTYPE check either.
        case notASCIICompatible
    }

    private enum Mode: UInt8 {
        case text, markupOpen, bang, bangDash, comment, cdata, processingInstruction
        case declaration, endTag, startTag, attributeValue, halted
    }

    /// The line of the next byte to scan (1-based).
    private(set) var line = 1
    private(set) var finding: Finding?
    private(set) var rootOpened = false
    private(set) var rootClosed = false
    private var depth = 0
    private var mode = Mode.text
    /// Consecutive `-` (comment), `]` (CDATA) or `?` (processing instruction) just seen.
    private var run = 0
    private var quote: UInt8 = 0
    private var lastWasSlash = false
    private var tagLine = 1
    private var prefix: [UInt8] = []
    private var recordsStarts = true
    private var starts: [ElementStart] = []
    private var startsHead = 0

    /// True when the input stopped inside the document: before the root closed, or inside markup.
    var endedInsideDocument: Bool { !rootClosed || mode != .text }

    /// The line of the last `<` outside comments, CDATA and attribute values: where the
    /// construct a parser may have left unfinished begins, at the latest.
    var lastMarkupLine: Int { tagLine }

    /// Scans the next block of input; after a finding, further blocks are ignored.
    mutating func scan(_ bytes: UnsafeRawBufferPointer) {
        guard finding == nil, bytes.count > 0 else { return }
        if prefix.count < 4 {
            sniffEncoding(bytes)
            if finding != nil { return }
        }
        var index = 0
        while index < bytes.count, mode != .halted {
            index = advance(bytes, from: index)
        }
    }

    /// The next child of the root, in document order, or nil when none is pending.
    mutating func takeRootChildStart() -> ElementStart? {
        guard startsHead < starts.count else { return nil }
        let start = starts[startsHead]
        startsHead += 1
        if startsHead == starts.count {
            starts.removeAll(keepingCapacity: true)
            startsHead = 0
        }
        return start
    }

    /// Stops queuing element starts (the consumer no longer takes them).
    mutating func stopRecordingStarts() {
        recordsStarts = false
        starts.removeAll()
        startsHead = 0
    }

    // MARK: - Scanning

    /// Handles the byte at `index` (or a run of uninteresting bytes) and returns the next index.
    private mutating func advance(_ bytes: UnsafeRawBufferPointer, from index: Int) -> Int {
        // Runs of bytes that cannot change the state are passed in tight loops (memchr for long ones).
        switch mode {
        case .text: return skipText(in: bytes, from: index)
        case .startTag: return skipStartTag(in: bytes, from: index)
        case .endTag: return skip(to: ASCII.greaterThan, in: bytes, from: index)
        case .comment where run == 0: return skip(to: ASCII.dash, in: bytes, from: index)
        case .cdata where run == 0: return skip(to: ASCII.closeBracket, in: bytes, from: index)
        case .processingInstruction where run == 0: return skip(to: ASCII.question, in: bytes, from: index)
        case .attributeValue: return skip(to: quote, in: bytes, from: index)
        default:
            step(bytes[index])
            return index + 1
        }
    }

    /// Text between tags, and the tags that follow it: an export is mostly short values and
    /// indentation between plain start and end tags, so those are handled here in one loop
    /// (eight bytes at a time between tags); comments, CDATA, declarations and processing
    /// instructions, and a tag cut by the block's end, go back to `advance`.
    private mutating func skipText(in bytes: UnsafeRawBufferPointer, from index: Int) -> Int {
        let text = bytes.assumingMemoryBound(to: UInt8.self)
        var position = index
        while true {
            position = ByteRuns.firstIndex(of: ASCII.lessThan, or: ASCII.newline, in: text, from: position, to: text.count)
            guard position < text.count else { return position }
            if text[position] == ASCII.newline {
                line += 1
                position += 1
                continue
            }
            // `<`: what follows decides the markup.
            tagLine = line
            let next = position + 1
            guard next < text.count else {
                mode = .markupOpen
                return next
            }
            switch text[next] {
            case ASCII.slash:
                position = skipEndTag(in: text, from: next + 1)
                if mode != .text { return position }
            case ASCII.bang, ASCII.question:
                mode = .markupOpen
                return next
            default:
                mode = .startTag
                lastWasSlash = false
                position = skipStartTag(in: bytes, from: next)
                if mode != .text { return position }
            }
        }
    }

    /// From just after `</` to just after the `>` that closes the element; at the block's end,
    /// the scanner stays in `.endTag`.
    private mutating func skipEndTag(in bytes: UnsafeBufferPointer<UInt8>, from index: Int) -> Int {
        var position = index
        while position < bytes.count {
            let byte = bytes[position]
            if byte == ASCII.greaterThan {
                closeElement()
                return position + 1
            }
            if byte == ASCII.newline { line += 1 }
            position += 1
        }
        mode = .endTag
        return position
    }

    /// Names and attributes, up to a quote or the closing `>`; the same work as `stepStartTag`, in one loop.
    private mutating func skipStartTag(in bytes: UnsafeRawBufferPointer, from index: Int) -> Int {
        var position = index
        while position < bytes.count {
            let byte = bytes[position]
            if byte == ASCII.greaterThan || byte == ASCII.doubleQuote || byte == ASCII.singleQuote {
                stepStartTag(byte)
                return position + 1
            }
            if byte == ASCII.newline { line += 1 }
            lastWasSlash = byte == ASCII.slash
            position += 1
        }
        return position
    }

    /// Counts the lines up to the next `target` byte and handles that byte; returns the index after it.
    private mutating func skip(to target: UInt8, in bytes: UnsafeRawBufferPointer, from index: Int) -> Int {
        let found = ByteRuns.index(of: target, in: bytes.assumingMemoryBound(to: UInt8.self), from: index, to: bytes.count)
        line += Self.newlines(in: UnsafeRawBufferPointer(rebasing: bytes[index..<(found ?? bytes.count)]))
        guard let found else { return bytes.count }
        step(target)
        return found + 1
    }

    private static func newlines(in bytes: UnsafeRawBufferPointer) -> Int {
        ByteRuns.count(of: ASCII.newline, in: bytes)
    }

    private mutating func step(_ byte: UInt8) {
        if byte == ASCII.newline { line += 1 }
        switch mode {
        case .text:
            if byte == ASCII.lessThan { tagLine = line; mode = .markupOpen }
        case .markupOpen: stepMarkupOpen(byte)
        case .bang: stepBang(byte)
        case .bangDash: mode = byte == ASCII.dash ? .comment : .declaration; run = 0
        case .comment: stepClosing(byte, marker: ASCII.dash, needed: 2)
        case .cdata: stepClosing(byte, marker: ASCII.closeBracket, needed: 2)
        case .processingInstruction: stepClosing(byte, marker: ASCII.question, needed: 1)
        case .declaration: if byte == ASCII.greaterThan { mode = .text }
        case .endTag: if byte == ASCII.greaterThan { closeElement() }
        case .startTag: stepStartTag(byte)
        case .attributeValue:
            if byte == quote { mode = .startTag; lastWasSlash = false }
        case .halted: break
        }
    }

    private mutating func stepMarkupOpen(_ byte: UInt8) {
        switch byte {
        case ASCII.slash: mode = .endTag
        case ASCII.bang: mode = .bang
        case ASCII.question: mode = .processingInstruction; run = 0
        default:
            mode = .startTag
            lastWasSlash = false
            stepStartTag(byte)
        }
    }

    private mutating func stepBang(_ byte: UInt8) {
        switch byte {
        case ASCII.dash: mode = .bangDash
        case ASCII.openBracket: mode = .cdata; run = 0
        case ASCII.upperD where depth == 0:
            finding = .doctype(line: tagLine)
            mode = .halted
        default: mode = .declaration  // not well-formed here; libxml2 will say so
        }
    }

    /// Comments end at `-->`, CDATA at `]]>`, processing instructions at `?>`.
    private mutating func stepClosing(_ byte: UInt8, marker: UInt8, needed: Int) {
        if byte == marker {
            run += 1
        } else if byte == ASCII.greaterThan && run >= needed {
            mode = .text
            run = 0
        } else {
            run = 0
        }
    }

    private mutating func stepStartTag(_ byte: UInt8) {
        switch byte {
        case ASCII.greaterThan: openElement(empty: lastWasSlash)
        case ASCII.doubleQuote, ASCII.singleQuote:
            quote = byte
            mode = .attributeValue
        case ASCII.slash: lastWasSlash = true
        default: lastWasSlash = false
        }
    }

    private mutating func openElement(empty: Bool) {
        if depth == 1 && recordsStarts {
            starts.append(ElementStart(line: tagLine, tagEndLine: line))
        }
        if depth == 0 {
            rootOpened = true
            if empty { rootClosed = true }
        }
        if !empty { depth += 1 }
        mode = .text
    }

    private mutating func closeElement() {
        if depth > 0 {
            depth -= 1
            if depth == 0 { rootClosed = true }
        }
        mode = .text
    }

    /// UTF-16 and UTF-32 put a NUL or a byte-order mark in the first four bytes; EBCDIC starts `4C 6F A7 94`.
    private mutating func sniffEncoding(_ bytes: UnsafeRawBufferPointer) {
        prefix.append(contentsOf: bytes.prefix(4 - prefix.count))
        let byteOrderMark = prefix.starts(with: [0xFE, 0xFF]) || prefix.starts(with: [0xFF, 0xFE])
        let ebcdic = prefix == [0x4C, 0x6F, 0xA7, 0x94]
        if prefix.contains(0) || byteOrderMark || ebcdic {
            finding = .notASCIICompatible
            mode = .halted
        }
    }
}

private enum ASCII {
    static let newline: UInt8 = 0x0A
    static let lessThan: UInt8 = 0x3C
    static let greaterThan: UInt8 = 0x3E
    static let slash: UInt8 = 0x2F
    static let bang: UInt8 = 0x21
    static let question: UInt8 = 0x3F
    static let dash: UInt8 = 0x2D
    static let openBracket: UInt8 = 0x5B
    static let closeBracket: UInt8 = 0x5D
    static let doubleQuote: UInt8 = 0x22
    static let singleQuote: UInt8 = 0x27
    static let upperD: UInt8 = 0x44
}
