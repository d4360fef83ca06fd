/// A batch of rows on their way to the mapping threads: every kept field's bytes (a CSV cell
/// with its quotes undone, an XML field's text) in one buffer, CSV cells back to back, XML
/// fields in document order (a field an XML product repeats leaves its parts unused there). The
/// thread that maps a row makes its strings, so they are made, read and freed on one core.
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

    /// Appends `count` spans for a row whose fields arrive in any order (an XML product): each
    /// starts absent, and `pointCell` or `setCell` fills it.
    mutating func appendAbsentCells(_ count: Int) {
        for _ in 0..<count { spans.append(Span(start: bytes.count, count: -1)) }
    }

    /// Where the cell at `index` has its bytes; nil while it is absent.
    func cell(_ index: Int) -> Range<Int>? {
        let span = spans[index]
        return span.count < 0 ? nil : span.start..<span.start + span.count
    }

    /// Points the cell at `index` at `run`, bytes already in `bytes`.
    mutating func pointCell(_ index: Int, at run: Range<Int>) {
        spans[index] = Span(start: run.lowerBound, count: run.count)
    }

    /// Appends `value` and points the cell at `index` at it.
    mutating func setCell(_ index: Int, to value: [UInt8]) {
        spans[index] = Span(start: bytes.count, count: value.count)
        bytes.append(contentsOf: value)
    }

    /// Drops what a row that was not finished appended (spans from `span` on, bytes from `byte` on).
    mutating func dropUnfinishedRow(spansFrom span: Int, bytesFrom byte: Int) {
        spans.removeSubrange(span...)
        bytes.removeSubrange(byte...)
    }

    /// The batch's rows and rejects, row by row, as the reader's `next()` returns them.
    /// `decoder`: the CSV export's encoding; `nil` for bytes already known to be UTF-8 text
    /// (libxml2's). With `recognition`, every row is printed from its bytes, and a row Prima's
    /// record was published from (its print matches) becomes strings only in the fields pass 2
    /// reads.
    func outcomes(fieldCount: Int, decoder: CSVCellDecoder?, recognition: Recognition? = nil) -> [ReadOutcome] {
        bytes.withUnsafeBufferPointer { all in
            let published = recognition.flatMap { publishedRecords($0, decoder: decoder, in: all) }
            return entries.indices.map { index in
                switch entries[index] {
                case .rejected(let fault): return .rejected(fault)
                case .row(let raw):
                    return .row(sourceRow(
                        raw, fieldCount: fieldCount, decoder: decoder, recognition: recognition, published: published?[index], in: all))
                }
            }
        }
    }

    /// Per entry, where its SKU is in Prima's catalogue and what its record was published from
    /// (`nil` for a reject or a row without a SKU): looked up for the whole batch before any row
    /// is printed. `nil` without a catalogue.
    private func publishedRecords(
        _ recognition: Recognition, decoder: CSVCellDecoder?, in all: UnsafeBufferPointer<UInt8>
    ) -> [UnchangedRowRecognizer.Published?]? {
        guard recognition.recognizer.published != nil else { return nil }
        let keys = entries.map { entry -> SKUFingerprint? in
            guard case .row(let raw) = entry, let bytes = cell(recognition.keyField, of: raw, in: all),
                  let key = decoder.map({ $0.decode(bytes) }) ?? String(decoding: bytes, as: UTF8.self) else { return nil }
            return SKUFingerprint(TextCleaning.trim(key))
        }
        return recognition.recognizer.find(keys)
    }

    /// The bytes of `raw`'s cell for `field`; `nil` when the row does not carry it.
    private func cell(_ field: Int, of raw: RawRow, in all: UnsafeBufferPointer<UInt8>) -> UnsafeBufferPointer<UInt8>? {
        let span = spans[raw.firstSpan + field]
        return span.count < 0 ? nil : UnsafeBufferPointer(rebasing: all[span.start..<span.start + span.count])
    }

    /// What a mapping thread needs to print rows and recognise the ones Prima has.
    final class Recognition {
        let recognizer: UnchangedRowRecognizer
        let keyField: Int
        /// The print being built; one per mapping thread.
        var scratch: [UInt8] = []

        init(recognizer: UnchangedRowRecognizer, keyField: Int) {
            self.recognizer = recognizer
            self.keyField = keyField
        }
    }

    /// `published`: what `publishedRecords` found for the row.
    private func sourceRow(
        _ raw: RawRow, fieldCount: Int, decoder: CSVCellDecoder?, recognition: Recognition?,
        published: UnchangedRowRecognizer.Published?, in all: UnsafeBufferPointer<UInt8>
    ) -> SourceRow {
        func cell(_ field: Int) -> UnsafeBufferPointer<UInt8>? { self.cell(field, of: raw, in: all) }
        var print: UInt64?
        var style: Bool?
        var catalogueSlot: Int32?
        /// Set for the very row Prima's record came from: only what pass 2 reads becomes a string.
        var keptFields: [Bool]?
        if let recognition {
            let recognizer = recognition.recognizer
            recognizer.printer.begin(&recognition.scratch)
            for field in 0..<fieldCount { SourcePrinter.append(cell(field), to: &recognition.scratch) }
            let rowPrint = SourcePrinter.finish(recognition.scratch)
            print = rowPrint
            if let found = published {
                catalogueSlot = found.slot
                if let stored = found.print {
                    style = SourcePrint.match(rowPrint, stored: stored.stored, recordHashHigh: stored.hashHigh)
                    if style != nil { keptFields = recognizer.keptFields }
                }
            }
        }
        var values: [String?] = []
        values.reserveCapacity(fieldCount)
        var issues: [EncodingIssue] = []
        for field in 0..<fieldCount {
            guard let bytes = cell(field), keptFields?[field] ?? true else {
                values.append(nil)
                continue
            }
            guard let decoder else {
                // libxml2 hands over UTF-8; were it ever not, it is repaired as before.
                values.append(UTF8Text.string(validating: bytes) ?? String(decoding: bytes, as: UTF8.self))
                continue
            }
            let (text, issue) = decoder.decodeCell(bytes)
            values.append(text)
            // A recognised row matched its published print, so it was clean text when accepted.
            if let issue, style == nil { issues.append(EncodingIssue(fieldIndex: field, containsNUL: issue)) }
        }
        var row = SourceRow(line: raw.line, values: values, encodingIssues: issues)
        row.sourcePrint = print
        row.publishedAsStyle = style
        row.catalogueSlot = catalogueSlot
        return row
    }
}

/// One product of a `RowBatch`.
struct RawRow: Sendable {
    var line: Int
    /// Its first span in `RowBatch.spans`.
    var firstSpan: Int
}
