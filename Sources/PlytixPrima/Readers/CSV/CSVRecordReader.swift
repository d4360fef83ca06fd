/// How a CSV export is written: Plytix channel settings, all of them configuration.
public struct CSVDialect: Sendable, Equatable {
    /// `nil` detects the separator from the header line among `,` `;` TAB `|`.
    public var delimiter: UInt8?
    public var quote: UInt8
    /// A record longer than this is rejected (`record_too_long`) without being held in memory.
    public var maxRecordBytes: Int

    public static let detectableDelimiters: [UInt8] = [UInt8(ascii: ","), UInt8(ascii: ";"), 9, UInt8(ascii: "|")]

    public init(delimiter: UInt8? = nil, quote: UInt8 = UInt8(ascii: "\""), maxRecordBytes: Int = 1 << 20) {
        self.delimiter = delimiter
        self.quote = quote
        self.maxRecordBytes = maxRecordBytes
    }
}

/// One cell of the current record: where its bytes sit in the reader's buffer.
struct CSVCell {
    var start: Int
    var end: Int
    /// The cell was quoted and holds doubled quotes that must be undoubled.
    var hasEscapedQuotes: Bool
}

/// An RFC 4180 record scanner over a `ByteSource` that works on bytes in a block buffer.
///
/// It never holds more than one record (bounded by `maxRecordBytes`) plus one block, whatever
/// the file size. Cells are byte ranges valid until the next call to `next()`; callers make
/// strings only of the cells they keep.
public final class CSVRecordReader {
    /// What `next()` found.
    public enum Event: Equatable {
        /// A record; its cells are readable until the next call.
        case record(line: Int)
        /// A record over `maxRecordBytes`, skipped whole.
        case tooLong(line: Int, bytes: Int)
        /// A quoted cell closed and then followed by other text (`"abc"def`).
        case textAfterQuote(line: Int)
    }

    private let source: any ByteSource
    public private(set) var dialect: CSVDialect
    private let quote: UInt8
    private var delimiter: UInt8 = UInt8(ascii: ",")

    private let capacity: Int
    private let buffer: UnsafeMutablePointer<UInt8>
    private var dataStart = 0
    private var dataEnd = 0
    private var atEndOfInput = false
    /// Bytes of the input consumed before `buffer[0]`; gives byte offsets for faults.
    private var bufferOrigin: Int64 = 0

    /// Line number at which the next record starts.
    private var nextLine = 1
    private var isFirstRecord = true
    private(set) var cells: [CSVCell] = []

    /// The cell an over-long record should still report (the SKU), set once the header is known.
    public var keyCell: Int?
    /// `keyCell`'s bytes (quotes undone) in the last `.tooLong` record, when that cell ended
    /// within the limit; so the reject names the product even though the record is not kept.
    public private(set) var overlongKeyBytes: [UInt8]?
    /// Per byte: 1 when the byte ends an unquoted cell (delimiter, CR, LF).
    private var stops = [UInt8](repeating: 0, count: 256)

    public init(source: any ByteSource, dialect: CSVDialect) {
        self.source = source
        self.dialect = dialect
        self.quote = dialect.quote
        // Room for the longest accepted record plus a block, so a whole record always fits.
        self.capacity = max(4 << 20, dialect.maxRecordBytes + (1 << 20))
        self.buffer = .allocate(capacity: capacity)
        cells.reserveCapacity(64)
    }

    deinit {
        buffer.deallocate()
        unescaped.deallocate()
    }

    /// Separator in use (detected from the first record when the dialect leaves it open).
    public var effectiveDelimiter: UInt8 { delimiter }

    /// Number of cells in the current record.
    public var cellCount: Int { cells.count }

    /// Raw bytes of cell `index` of the current record (still quote-doubled when quoted).
    func withCellBytes<R>(_ index: Int, _ body: (UnsafeBufferPointer<UInt8>, Bool) throws -> R) rethrows -> R {
        let cell = cells[index]
        return try body(UnsafeBufferPointer(start: buffer + cell.start, count: cell.end - cell.start), cell.hasEscapedQuotes)
    }

    /// Bytes of cell `index` with doubled quotes undone.
    public func cellBytes(_ index: Int) -> [UInt8] {
        withUnescapedCellBytes(index) { Array($0) }
    }

    /// Cell `index`'s bytes with doubled quotes undone, valid inside `body` only.
    func withUnescapedCellBytes<R>(_ index: Int, _ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        try body(unescapedCellBytes(index))
    }

    /// Cell `index`'s bytes with doubled quotes undone, valid until the next call or record. A
    /// quoted cell with doubled quotes (HTML attributes in descriptions) is undone into a buffer
    /// the reader keeps, a run between quotes at a time; other cells are read in place. The hot
    /// loop calls this for every kept cell: no closure, so nothing is retained per cell.
    func unescapedCellBytes(_ index: Int) -> UnsafeBufferPointer<UInt8> {
        let cell = cells[index]
        guard cell.hasEscapedQuotes else { return UnsafeBufferPointer(start: buffer + cell.start, count: cell.end - cell.start) }
        if cell.end - cell.start > unescapedCapacity {
            unescaped.deallocate()
            unescapedCapacity = cell.end - cell.start
            unescaped = .allocate(capacity: unescapedCapacity)
        }
        var count = 0
        var p = cell.start
        while p < cell.end {
            // Everything up to and including the next quote is kept; its double is skipped.
            let found = findByte(quote, from: p, to: cell.end)
            let runEnd = found.map { $0 + 1 } ?? cell.end
            (unescaped + count).update(from: buffer + p, count: runEnd - p)
            count += runEnd - p
            guard let found else { break }
            p = found + 1 < cell.end && buffer[found + 1] == quote ? found + 2 : found + 1
        }
        return UnsafeBufferPointer(start: unescaped, count: count)
    }

    private var unescaped = UnsafeMutablePointer<UInt8>.allocate(capacity: 1 << 16)
    private var unescapedCapacity = 1 << 16

    /// The next record, or `nil` at the end of the input. Blank lines are passed over.
    public func next() throws(FileFault) -> Event? {
        if isFirstRecord {
            try prepareFirstRecord()
            isFirstRecord = false
        }
        while true {
            if dataStart == dataEnd {
                if atEndOfInput { return nil }
                try refill()
                continue
            }
            let line = nextLine
            switch scanRecord() {
            case .complete(let end, let length, let newlines, let textAfterQuote):
                let start = dataStart
                dataStart = end
                nextLine = line + newlines
                // The whole record may sit in the buffer and still be over the limit.
                if length > dialect.maxRecordBytes {
                    overlongKeyBytes = keyCell.flatMap { $0 < cells.count ? cellBytes($0) : nil }
                    return .tooLong(line: line, bytes: end - start)
                }
                if textAfterQuote { return .textAfterQuote(line: line) }
                // A record that is a single empty cell is a blank line.
                if cells.count == 1 && cells[0].start == cells[0].end && !cellWasQuoted { continue }
                return .record(line: line)
            case .needMoreData:
                // At the end of input only an unclosed quote leaves a record open.
                if atEndOfInput { throw unterminatedQuote(line: line, offset: bufferOrigin + Int64(dataStart)) }
                // The buffered bytes may end in a CR waiting for its LF: the record is longer
                // than the limit for sure only past limit + 1.
                if dataEnd - dataStart > dialect.maxRecordBytes + 1 {
                    // A cell that ends where the buffered data ends may go on in the next block.
                    overlongKeyBytes = keyCell.flatMap { $0 < cells.count && cells[$0].end < dataEnd ? cellBytes($0) : nil }
                    let skipped = try skipOverlongRecord()
                    return .tooLong(line: line, bytes: skipped)
                }
                try refill()
            }
        }
    }

    // MARK: - Scanning

    private enum ScanResult {
        /// The record ends before `end` (terminator consumed); `length` leaves the terminator out;
        /// `newlines` includes the terminator's.
        case complete(end: Int, length: Int, newlines: Int, textAfterQuote: Bool)
        case needMoreData
    }

    private var cellWasQuoted = false

    /// Scans one record from `dataStart`; restarts from the record's start after a refill.
    private func scanRecord() -> ScanResult {
        cells.removeAll(keepingCapacity: true)
        cellWasQuoted = false
        var p = dataStart
        var newlines = 0
        var textAfterQuote = false
        let end = dataEnd
        let quote = self.quote
        let delimiter = self.delimiter
        return stops.withUnsafeBufferPointer { stops in
            while true {
                // One cell starts at p.
                if p < end && buffer[p] == quote {
                    cellWasQuoted = true
                    let contentStart = p + 1
                    var q = contentStart
                    var escaped = false
                    while true {
                        guard let found = findByte(quote, from: q, to: end) else { return .needMoreData }
                        if found + 1 >= end && !atEndOfInput { return .needMoreData }
                        if found + 1 < end && buffer[found + 1] == quote {
                            escaped = true
                            q = found + 2
                            continue
                        }
                        newlines += countLineBreaks(from: contentStart, to: found)
                        cells.append(CSVCell(start: contentStart, end: found, hasEscapedQuotes: escaped))
                        p = found + 1
                        break
                    }
                    // After the closing quote: a delimiter, a line end or the end of input.
                    if p < end && stops[Int(buffer[p])] == 0 {
                        textAfterQuote = true
                        while p < end && stops[Int(buffer[p])] == 0 { p += 1 }
                    }
                } else {
                    let start = p
                    while p < end && stops[Int(buffer[p])] == 0 { p += 1 }
                    cells.append(CSVCell(start: start, end: p, hasEscapedQuotes: false))
                }
                if p >= end {
                    // The record (and its last cell) may continue in the next block.
                    if !atEndOfInput { return .needMoreData }
                    return .complete(end: p, length: p - dataStart, newlines: newlines + 1, textAfterQuote: textAfterQuote)
                }
                let byte = buffer[p]
                if byte == delimiter {
                    p += 1
                    continue
                }
                // CR, LF or CRLF ends the record.
                let length = p - dataStart
                if byte == 13 {
                    if p + 1 >= end && !atEndOfInput { return .needMoreData }
                    p += (p + 1 < end && buffer[p + 1] == 10) ? 2 : 1
                } else {
                    p += 1
                }
                return .complete(end: p, length: length, newlines: newlines + 1, textAfterQuote: textAfterQuote)
            }
        }
    }

    private func findByte(_ byte: UInt8, from start: Int, to end: Int) -> Int? {
        ByteRuns.index(of: byte, in: UnsafeBufferPointer(start: buffer, count: end), from: start, to: end)
    }

    /// Line breaks inside quoted content: LF, CRLF and a lone CR each count once. Most quoted
    /// cells hold none or a few, so `memchr` jumps from one to the next.
    private func countLineBreaks(from start: Int, to end: Int) -> Int {
        var breaks = 0
        var i = start
        while let found = findByte(10, from: i, to: end) {
            breaks += 1
            i = found + 1
        }
        i = start
        while let found = findByte(13, from: i, to: end) {
            // A CR followed by LF was counted with its LF.
            if found + 1 >= end || buffer[found + 1] != 10 { breaks += 1 }
            i = found + 1
        }
        return breaks
    }

    // MARK: - Over-long records

    /// Discards the current record up to its end without keeping it; returns its size.
    private func skipOverlongRecord() throws(FileFault) -> Int {
        let startLine = nextLine
        let startOffset = bufferOrigin + Int64(dataStart)
        var inQuotes = false
        var afterQuoteInQuotes = false  // saw a quote inside quotes: closing, or first of a pair
        // Like `scanRecord`, a quote opens a quoted cell only as the cell's first byte.
        var atCellStart = true
        var newlines = 0
        var pendingCR = false
        var skipped = 0
        var p = dataStart
        while true {
            if p == dataEnd {
                skipped += p - dataStart
                dataStart = p
                if atEndOfInput {
                    if inQuotes && !afterQuoteInQuotes {
                        throw unterminatedQuote(line: startLine, offset: startOffset)
                    }
                    nextLine = startLine + newlines + 1
                    return skipped
                }
                try refill()
                p = dataStart
                continue
            }
            let b = buffer[p]
            p += 1
            if pendingCR {
                pendingCR = false
                if b == 10 { continue }
            }
            if inQuotes {
                if afterQuoteInQuotes {
                    afterQuoteInQuotes = false
                    if b == quote { continue }  // doubled quote
                    inQuotes = false
                    // fall through to unquoted handling of b
                } else {
                    if b == quote { afterQuoteInQuotes = true } else if b == 10 { newlines += 1 } else if b == 13 {
                        newlines += 1
                        pendingCR = true
                    }
                    continue
                }
            }
            if b == quote && atCellStart {
                inQuotes = true
                atCellStart = false
            } else if b == 10 || b == 13 {
                if b == 13 && p == dataEnd && !atEndOfInput {
                    // The LF of a CRLF may be in the next block: read it before deciding.
                    skipped += p - dataStart
                    dataStart = p
                    try refill()
                    p = dataStart
                }
                if b == 13 && p < dataEnd && buffer[p] == 10 { p += 1 }
                skipped += p - dataStart
                dataStart = p
                nextLine = startLine + newlines + 1
                return skipped
            } else {
                atCellStart = b == delimiter
            }
        }
    }

    // MARK: - Buffer

    private func refill() throws(FileFault) {
        if dataStart > 0 {
            let remaining = dataEnd - dataStart
            if remaining > 0 { (buffer).update(from: buffer + dataStart, count: remaining) }
            bufferOrigin += Int64(dataStart)
            dataStart = 0
            dataEnd = remaining
        }
        guard dataEnd < capacity else { return }
        let count = try source.read(into: UnsafeMutableRawBufferPointer(start: buffer + dataEnd, count: capacity - dataEnd))
        if count == 0 { atEndOfInput = true }
        dataEnd += count
    }

    private func unterminatedQuote(line: Int, offset: Int64) -> FileFault {
        FileFault(
            .unterminatedQuote,
            "A quoted value opened on line \(line) is never closed before the end of the file; the export is cut short or broken.",
            line: line, byteOffset: offset)
    }

    /// Fills the first block, refuses UTF-16, strips a UTF-8 BOM and settles the separator.
    private func prepareFirstRecord() throws(FileFault) {
        while !atEndOfInput && dataEnd < 4096 { try refill() }
        if dataEnd == 0 {
            throw FileFault(.emptyFile, "The file is empty.", line: 1, byteOffset: 0)
        }
        if dataEnd >= 2 && ((buffer[0] == 0xFF && buffer[1] == 0xFE) || (buffer[0] == 0xFE && buffer[1] == 0xFF)) {
            throw FileFault(.unsupportedEncoding, "The file is UTF-16 encoded; export it from Plytix as UTF-8.", line: 1, byteOffset: 0)
        }
        if dataEnd >= 3 && buffer[0] == 0xEF && buffer[1] == 0xBB && buffer[2] == 0xBF {
            dataStart = 3
        }
        // Blank lines before the header are skipped like any others; they must not hide its separator.
        var headerStart = dataStart
        while headerStart < dataEnd && (buffer[headerStart] == 10 || buffer[headerStart] == 13) { headerStart += 1 }
        let headerEnd = firstLineEnd(from: headerStart)
        if findByte(0, from: headerStart, to: headerEnd) != nil {
            throw FileFault(.unsupportedEncoding, "The header line holds NUL bytes: the file is probably UTF-16; export it as UTF-8.", line: 1, byteOffset: 0)
        }
        if let chosen = dialect.delimiter {
            delimiter = chosen
        } else {
            delimiter = detectDelimiter(from: headerStart, to: headerEnd)
            dialect.delimiter = delimiter
        }
        for stop in [delimiter, 10, 13] { stops[Int(stop)] = 1 }
        if dataStart == dataEnd && atEndOfInput {
            throw FileFault(.emptyFile, "The file holds only a byte-order mark.", line: 1, byteOffset: 0)
        }
    }

    private func firstLineEnd(from start: Int) -> Int {
        var inQuotes = false
        var p = start
        while p < dataEnd {
            let b = buffer[p]
            if b == quote { inQuotes.toggle() } else if !inQuotes && (b == 10 || b == 13) { return p }
            p += 1
        }
        return dataEnd
    }

    /// The candidate separator seen most often outside quotes on the header line.
    private func detectDelimiter(from headerStart: Int, to headerEnd: Int) -> UInt8 {
        var counts = [Int](repeating: 0, count: CSVDialect.detectableDelimiters.count)
        var inQuotes = false
        for p in headerStart..<headerEnd {
            let b = buffer[p]
            if b == quote { inQuotes.toggle(); continue }
            if !inQuotes, let index = CSVDialect.detectableDelimiters.firstIndex(of: b) { counts[index] += 1 }
        }
        guard let best = counts.indices.max(by: { counts[$0] < counts[$1] }), counts[best] > 0 else {
            return UInt8(ascii: ",")
        }
        return CSVDialect.detectableDelimiters[best]
    }
}
