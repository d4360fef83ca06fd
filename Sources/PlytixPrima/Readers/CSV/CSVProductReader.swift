import Foundation

/// Reads a Plytix CSV export: resolves the header against the pipeline's fields, then yields
/// each product's kept values, or a row reject (wrong cell count, overlong record, bad quoting).
public final class CSVProductReader {
    private let records: CSVRecordReader
    private let layout: InputLayout
    private let decoder: CSVCellDecoder
    /// Per layout field, its cell index in the export, or `nil` when the export lacks the column.
    private var cellIndex: [Int?] = []
    private var headerCells: [[UInt8]] = []
    /// The export's header, trimmed.
    public private(set) var header: [String] = []
    /// Pipeline fields the export does not carry (all optional; their outputs stay empty).
    public private(set) var absentFields: [String] = []

    public init(source: any ByteSource, dialect: CSVDialect, encoding: TextEncoding, layout: InputLayout) throws(FileFault) {
        self.records = CSVRecordReader(source: source, dialect: dialect)
        self.layout = layout
        self.decoder = CSVCellDecoder(encoding: encoding)
        try readHeader()
    }

    /// The separator in use (detected or configured).
    public var delimiter: UInt8 { records.effectiveDelimiter }

    /// The next product or row reject; `nil` at the end of the export.
    public func next() throws(FileFault) -> ReadOutcome? {
        switch try nextRecord() {
        case nil: return nil
        case .rejected(let fault): return .rejected(fault)
        case .record(let line):
            rowScratch.removeAll()
            appendRow(line: line, to: &rowScratch)
            return rowScratch.outcomes(fieldCount: cellIndex.count, decoder: decoder).first
        }
    }

    /// The row `next()` returns, read as the pipeline reads a batch.
    private var rowScratch = RowBatch()

    /// The next product or row reject into `batch`, the product's cells as bytes (the pipeline's
    /// mapping threads make the strings); `false` at the end of the export.
    func next(into batch: inout RowBatch) throws(FileFault) -> Bool {
        switch try nextRecord() {
        case nil: return false
        case .rejected(let fault): batch.entries.append(.rejected(fault))
        case .record(let line): appendRow(line: line, to: &batch)
        }
        return true
    }

    private enum Found {
        case record(line: Int)
        case rejected(RowFault)
    }

    /// The next record whose cells can be read, or the reject for a record that cannot.
    private func nextRecord() throws(FileFault) -> Found? {
        guard let event = try records.next() else { return nil }
        switch event {
        case .tooLong(let line, let bytes):
            let sku = records.overlongKeyBytes.map { TextCleaning.trim(decoder.decode($0) ?? "") } ?? ""
            return .rejected(RowFault(
                line: line, sku: sku, rule: .recordTooLong,
                reason: "This row is \(bytes) bytes long; the limit is \(records.dialect.maxRecordBytes) bytes. A value is far too long, or a quote is misplaced so that rows run together."))
        case .textAfterQuote(let line):
            return .rejected(RowFault(
                line: line, sku: skuIfReadable(), rule: .malformedRow,
                reason: "A quoted value on this row is followed by more text before the next separator; the row's quoting is broken."))
        case .record(let line):
            if records.cellCount != headerCells.count {
                return .rejected(RowFault(
                    line: line, sku: skuIfReadable(), rule: .malformedRow,
                    value: "\(records.cellCount) cells",
                    reason: "This row has \(records.cellCount) cells but the header has \(headerCells.count); a separator or quote is missing or extra, so its values cannot be trusted."))
            }
            if repeatsHeader() {
                return .rejected(RowFault(
                    line: line, rule: .malformedRow,
                    reason: "This row repeats the header row; two exports were probably joined into one file."))
            }
            return .record(line: line)
        }
    }

    // MARK: - Header

    private func readHeader() throws(FileFault) {
        guard let event = try records.next() else {
            throw FileFault(.emptyFile, "The file holds no header row.", line: 1)
        }
        guard case .record = event else {
            throw FileFault(.missingColumn, "The header row cannot be read (it is overlong or its quoting is broken).", line: 1)
        }
        headerCells = (0..<records.cellCount).map { records.cellBytes($0) }
        header = headerCells.map { cell in
            TextCleaning.trim(decoder.decode(cell) ?? String(decoding: cell, as: UTF8.self))
        }
        var missingRequired: [String] = []
        let reviewOnly = layout.reviewOnlyFields
        for (fieldIndex, field) in layout.fields.enumerated() {
            let matches = header.indices.filter { header[$0] == field.csv }
            let candidates = matches.isEmpty
                ? header.indices.filter { header[$0].lowercased() == field.csv.lowercased() } : matches
            if candidates.count > 1 && reviewOnly.contains(fieldIndex) {
                cellIndex.append(nil)
                absentFields.append(field.csv)
                continue
            }
            if candidates.count > 1 {
                let positions = candidates.map { String($0 + 1) }.joined(separator: " and ")
                throw FileFault(.duplicateColumn, "The header has the column '\(field.csv)' more than once (columns \(positions)); it is ambiguous which one to use.", line: 1)
            }
            cellIndex.append(candidates.first)
            if candidates.isEmpty {
                if layout.requiredFields.contains(fieldIndex) { missingRequired.append(field.csv) } else { absentFields.append(field.csv) }
            }
        }
        records.keyCell = cellIndex[layout.keyField]
        if !missingRequired.isEmpty {
            let names = missingRequired.map { "'\($0)'" }.joined(separator: ", ")
            let shown = header.prefix(30).joined(separator: ", ")
            throw FileFault(.missingColumn, "The export has no \(names) column, which the pipeline requires. Its header is: \(shown). Check the Plytix channel's output labels (or the pipeline's 'source' names).", line: 1)
        }
    }

    private func repeatsHeader() -> Bool {
        guard let keyCell = cellIndex[layout.keyField] else { return false }
        guard cellRepeatsHeader(keyCell) else { return false }
        return (0..<headerCells.count).allSatisfy(cellRepeatsHeader)
    }

    private static let byteOrderMark: [UInt8] = [0xEF, 0xBB, 0xBF]

    /// The cell holds the header's bytes; the first may carry a BOM (exports joined with `cat`).
    private func cellRepeatsHeader(_ index: Int) -> Bool {
        records.withCellBytes(index) { bytes, _ in
            let skip = index == 0 && bytes.starts(with: Self.byteOrderMark) ? 3 : 0
            return bytes[skip...].elementsEqual(headerCells[index])
        }
    }

    // MARK: - Rows

    /// Copies the record's cells into `batch`, in `InputLayout.fields` order.
    private func appendRow(line: Int, to batch: inout RowBatch) {
        batch.entries.append(.row(RawRow(line: line, firstSpan: batch.spans.count)))
        // Called directly: `cell.map(records.unescapedCellBytes)` made a closure, and retained
        // and released the record reader, for every cell of every row.
        let records = records
        for cell in cellIndex {
            if let cell { batch.appendCell(records.unescapedCellBytes(cell)) } else { batch.appendCell(nil) }
        }
    }

    private func skuIfReadable() -> String {
        guard let cell = cellIndex[layout.keyField], cell < records.cellCount else { return "" }
        return TextCleaning.trim(decoder.decode(records.cellBytes(cell)) ?? "")
    }
}

/// Decodes a CSV cell's bytes in the export's encoding.
struct CSVCellDecoder: Sendable {
    let encoding: TextEncoding

    /// Decodes one cell; the flag is set when the bytes are not clean text (`true`: a NUL byte).
    func decodeCell(_ bytes: UnsafeBufferPointer<UInt8>) -> (String, Bool?) {
        if let text = decode(bytes) {
            if ByteRuns.index(of: 0, in: bytes, from: 0, to: bytes.count) != nil { return (text, true) }
            return (text, nil)
        }
        return (String(decoding: bytes, as: UTF8.self), false)
    }

    /// A header cell or an overlong row's key, decoded as every cell is.
    func decode(_ bytes: [UInt8]) -> String? { bytes.withUnsafeBufferPointer { decode($0) } }

    /// The hot path, once per kept cell: UTF-8 is checked by `UTF8Text`, eight ASCII bytes at a
    /// time, instead of by the standard library a byte at a time.
    func decode(_ bytes: UnsafeBufferPointer<UInt8>) -> String? {
        switch encoding {
        case .utf8: return UTF8Text.string(validating: bytes)
        case .windows1252: return UTF8Text.isASCII(bytes) ? UTF8Text.string(knownValid: bytes) : Windows1252.decode(bytes)
        }
    }
}
