/// A batch of rows on their way to the mapping threads: every kept field's bytes (a CSV cell
/// with its quotes undone, an XML field's text) back to back in one buffer. The thread that maps
/// a row makes its strings, so they are made, read and freed on one core.
struct RowBatch: Sendable {
    enum Entry: Sendable {
        case row(RawRow)
        case rejected(RowFault)
    }

    /// Where a cell's bytes are in `bytes`; `count` -1: the row does not carry the field.
    struct Span: Sendable {
        var start: Int
        var count: Int
    }

    var entries: [Entry] = []
    var bytes: [UInt8] = []
    /// Per row, one span for each input field, in `InputLayout.fields` order.
    var spans: [Span] = []

    var isEmpty: Bool { entries.isEmpty }

    /// Empties the batch, keeping its buffers for the next rows.
    mutating func removeAll() {
        entries.removeAll(keepingCapacity: true)
        bytes.removeAll(keepingCapacity: true)
        spans.removeAll(keepingCapacity: true)
    }

    mutating func appendCell(_ cell: UnsafeBufferPointer<UInt8>?) {
        guard let cell else {
            spans.append(Span(start: bytes.count, count: -1))
            return
        }
        spans.append(Span(start: bytes.count, count: cell.count))
        bytes.append(contentsOf: cell)
    }

    /// The batch as the reader's `next()` would have returned it, row by row. `decoder`: the CSV
    /// export's encoding; `nil` for bytes already known to be UTF-8 text (libxml2's).
    func outcomes(fieldCount: Int, decoder: CSVCellDecoder?) -> [ReadOutcome] {
        bytes.withUnsafeBufferPointer { all in
            entries.map { entry in
                switch entry {
                case .rejected(let fault): return .rejected(fault)
                case .row(let raw): return .row(sourceRow(raw, fieldCount: fieldCount, decoder: decoder, in: all))
                }
            }
        }
    }

    private func sourceRow(_ raw: RawRow, fieldCount: Int, decoder: CSVCellDecoder?, in all: UnsafeBufferPointer<UInt8>) -> SourceRow {
        var values: [String?] = []
        values.reserveCapacity(fieldCount)
        var issues: [EncodingIssue] = []
        for field in 0..<fieldCount {
            let span = spans[raw.firstSpan + field]
            guard span.count >= 0 else {
                values.append(nil)
                continue
            }
            let bytes = UnsafeBufferPointer(rebasing: all[span.start..<span.start + span.count])
            guard let decoder else {
                values.append(String(decoding: bytes, as: UTF8.self))
                continue
            }
            let (text, issue) = decoder.decodeCell(bytes)
            values.append(text)
            // A recognised row matched its published print, so it was clean text when accepted.
            if let issue, raw.publishedAsStyle == nil { issues.append(EncodingIssue(fieldIndex: field, containsNUL: issue)) }
        }
        var row = SourceRow(line: raw.line, values: values, encodingIssues: issues)
        row.sourcePrint = raw.sourcePrint
        row.publishedAsStyle = raw.publishedAsStyle
        return row
    }
}

/// One product of a `RowBatch`.
struct RawRow: Sendable {
    var line: Int
    /// Its first span in `RowBatch.spans`.
    var firstSpan: Int
    var sourcePrint: UInt64?
    var publishedAsStyle: Bool?
}
