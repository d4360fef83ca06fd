import Foundation
import Synchronization

/// What the reading thread reports, in order: `opened`, batches, then `finished` or `failed`.
enum ReaderMessage: Sendable {
    case opened(InputFormat, compressed: Bool, delimiter: UInt8?, absentFields: [String])
    /// Rows as bytes: the mapping thread makes their strings.
    case rowBatch(InputFormat, RowBatch)
    case finished(sha256: String, bytes: Int64)
    case failed(FileFault)
}

/// One row after the per-row stages, ready for the spool.
enum MappedRow: Sendable {
    case unreadable(RowFault)
    /// Accepted, already encoded as its final import line and hashed.
    case accepted(AcceptedRow)
    /// `parent`: the parent the row names (`Variant of`), kept so the parent becomes a style.
    case rejected([RejectReason], line: Int, sku: String, parent: String)
    case skipped(line: Int, sku: String, status: String, parent: String)
}

/// A batch of mapped rows, with the mapping thread that made it.
struct MappedRows: Sendable {
    var rows: [MappedRow]
    /// Where the rows go once the consumer is done with them: back to the thread that made them.
    let home: HomeRelease<[MappedRow]>

    /// The consumer is done with the rows: the thread that made them frees them.
    consuming func handBack() { home.handBack(rows) }
}

/// What the mapping threads hand back, tagged with the reader's sequence number.
enum MappedMessage: Sendable {
    case opened(InputFormat, compressed: Bool, delimiter: UInt8?, absentFields: [String])
    case rows(MappedRows)
    case finished(sha256: String, bytes: Int64)
    case failed(FileFault)
}

/// Picks out one row of an export: its line alone may be shared (every product of a one-line
/// XML file starts on line 1), but not together with its SKU once duplicates are rejected.
struct RowAddress: Hashable, Sendable {
    var line: Int
    var sku: SKUFingerprint
}

struct Sequenced<Message: Sendable>: Sendable {
    var number: Int
    var message: Message
}

/// The per-row stages across the cores: one thread reads (open, hash, inflate, parse), `workers`
/// threads map batches (status, transforms, rules, encoding), and the caller receives the results
/// in input order. Every hand-over is bounded, so memory stays flat however large the export.
/// Reader objects and C handles never leave the reading thread; only `Sendable` batches move.
final class FirstPassPipeline: Sendable {
    static let batchSize = 256

    private let rows = BatchChannel<Sequenced<ReaderMessage>>(capacity: 16)
    private let mapped = BatchChannel<Sequenced<MappedMessage>>(capacity: 16)
    private let threads = DispatchGroup()

    private let recognizers = RecognizerHandOver()
    private let config: PipelineConfig
    private let layout: InputLayout
    private let onlyRows: Set<RowAddress>?

    /// `published`: what Prima has (with a state store). Every row then gets its `SourcePrint`,
    /// and a row identical to the one its active record was published from is handed on
    /// unmapped (`AcceptedRow.publishedAsStyle`). `onlyRows`: map just these rows (the others
    /// are dropped), every one in full.
    ///
    /// `cataloguePending`: the state store is still loading what Prima has (`published` must then
    /// be `nil`). The file is opened, read and hashed meanwhile; the mapping threads wait until
    /// the caller calls `publish(_:)`, so such a pipeline must end with `publish` or `cancel()`.
    init(
        path: String, name: String, config: PipelineConfig, layout: InputLayout, published: KnownCatalogue? = nil,
        cataloguePending: Bool = false, onlyRows: Set<RowAddress>? = nil,
        workers: Int = ProcessInfo.processInfo.activeProcessorCount
    ) {
        self.config = config
        self.layout = layout
        self.onlyRows = onlyRows
        precondition(!cataloguePending || published == nil, "a pending catalogue is handed over by publish(_:)")
        let rows = self.rows, mapped = self.mapped, recognizers = self.recognizers
        if !cataloguePending { publish(published) }
        start("reader") {
            defer { rows.close() }
            var number = 0
            let send: (ReaderMessage) -> Bool = { message in
                defer { number += 1 }
                return rows.send(Sequenced(number: number, message: message))
            }
            do throws(FileFault) {
                try Self.read(path: path, name: name, settings: config.input, layout: layout, send: send)
            } catch {
                _ = send(.failed(error))
            }
        }
        let remaining = Countdown(max(1, workers)) { mapped.close() }
        for _ in 0..<max(1, workers) {
            start("mapper") {
                defer { remaining.tick() }
                let encoder = CSVLineEncoder(delimiter: config.output.delimiter, lineEnding: config.output.lineEnding, encoding: config.output.encoding)
                let actionColumn = config.columns.firstIndex { $0.value == .action }
                let itemTypeColumn = config.itemTypeColumnIndex
                var mappers: [InputFormat: ItemMasterMapper] = [:]
                let decoder = CSVCellDecoder(encoding: config.input.encoding)
                // Rows are printed, and recognised, as their strings are made.
                let recognitions = recognizers.wait().mapValues { RowBatch.Recognition(recognizer: $0, keyField: layout.keyField) }
                let home = HomeRelease<[MappedRow]>()
                while let item = rows.receive() {
                    home.releaseReturned()
                    let result: MappedMessage
                    switch item.message {
                    case .opened(let format, let compressed, let delimiter, let absent):
                        result = .opened(format, compressed: compressed, delimiter: delimiter, absentFields: absent)
                    case .rowBatch(let format, let batch):
                        // The strings are made here, on the thread that reads and frees them.
                        var outcomes = batch.outcomes(
                            fieldCount: layout.fields.count, decoder: format == .xml ? nil : decoder, recognition: recognitions[format])
                        let mapper = mappers[format] ?? ItemMasterMapper(config: config, format: format)
                        mappers[format] = mapper
                        if let onlyRows {
                            outcomes.removeAll { outcome in
                                guard case .row(let row) = outcome else { return true }
                                return !onlyRows.contains(RowAddress(line: row.line, sku: SKUFingerprint(mapper.sku(of: row))))
                            }
                        }
                        let mapped = outcomes.map { outcome in
                            Self.map(outcome, mapper: mapper, encoder: encoder, actionColumn: actionColumn, itemTypeColumn: itemTypeColumn)
                        }
                        result = .rows(MappedRows(rows: mapped, home: home))
                    case .finished(let sha256, let bytes):
                        result = .finished(sha256: sha256, bytes: bytes)
                    case .failed(let fault):
                        result = .failed(fault)
                    }
                    guard mapped.send(Sequenced(number: item.number, message: result)) else { return }
                }
            }
        }
    }

    /// Hands what Prima has (`nil` without a state store) to the mapping threads. Called once:
    /// by `init`, or by the caller of a pipeline made with `cataloguePending`.
    func publish(_ published: KnownCatalogue?) {
        // Rows are printed per export format (the format is part of the print).
        let config = config, layout = layout
        let recognised = published.flatMap { onlyRows == nil && !$0.isEmpty ? $0 : nil }
        recognizers.hand(published == nil ? [:] : Dictionary(uniqueKeysWithValues: [InputFormat.csv, .xml].map { format in
            (format, UnchangedRowRecognizer(config: config, layout: layout, format: format, published: recognised))
        }))
    }

    /// The mapped messages in input order; `nil` when the reader and every mapper are done.
    func next(_ pending: inout [Int: MappedMessage], expected: inout Int) -> MappedMessage? {
        while true {
            if let message = pending.removeValue(forKey: expected) {
                expected += 1
                return message
            }
            guard let item = mapped.receive() else { return nil }
            pending[item.number] = item.message
        }
    }

    /// Stops every thread and waits for them (the caller gave up, e.g. the disk is full).
    func cancel() {
        recognizers.hand([:])
        rows.cancel()
        mapped.cancel()
        threads.wait()
    }

    /// Waits for every thread after a complete read.
    func finish() { threads.wait() }

    private func start(_ role: String, _ body: @escaping @Sendable () -> Void) {
        threads.enter()
        let group = threads
        let thread = Thread {
            body()
            group.leave()
        }
        thread.name = "plytix-prima \(role)"
        thread.stackSize = 8 << 20
        thread.start()
    }

    private static func map(
        _ outcome: ReadOutcome, mapper: ItemMasterMapper, encoder: CSVLineEncoder, actionColumn: Int?, itemTypeColumn: Int?
    ) -> MappedRow {
        switch outcome {
        case .rejected(let fault):
            return .unreadable(fault)
        case .row(let row):
            let sku = mapper.sku(of: row)
            // Rows were printed (and recognised) as their strings were made, with a state store.
            var print: UInt64 = 0
            if row.encodingIssues.isEmpty, let rowPrint = row.sourcePrint {
                print = rowPrint
                // The very row this record was published from: validation, transforms and
                // encoding could only produce what Prima already has, so they are skipped.
                if let style = row.publishedAsStyle {
                    let (parent, components) = mapper.relationships(of: row, sku: sku)
                    var accepted = AcceptedRow(
                        unmappedLine: row.line, sku: sku, sourcePrint: print, publishedAsStyle: style, modified: mapper.modified(of: row),
                        parent: parent, components: components, finance: FinanceValues.read(row, layout: mapper.layout))
                    accepted.catalogueSlot = row.catalogueSlot
                    return .accepted(accepted)
                }
            }
            switch mapper.map(row, sku: sku) {
            case .accepted(let record):
                var line: [UInt8] = []
                line.reserveCapacity(2048)
                let (actionOffset, itemTypeOffset) = encoder.append(record.values, to: &line, marking: actionColumn, and: itemTypeColumn)
                var accepted = AcceptedRow(
                    line: record.line, sku: record.sku, encoded: line,
                    hash: RecordHash(line: line, components: record.components), actionOffset: actionOffset,
                    modified: mapper.modified(of: row), parent: record.parent, components: record.components,
                    itemTypeOffset: itemTypeOffset, columns: ColumnFingerprints(values: record.values))
                accepted.finance = FinanceValues.read(row, layout: mapper.layout)
                accepted.sourcePrint = print
                accepted.catalogueSlot = row.catalogueSlot
                return .accepted(accepted)
            case .rejected(let reasons):
                return .rejected(reasons, line: row.line, sku: sku, parent: mapper.namedParent(of: row))
            case .skipped(let status):
                return .skipped(line: row.line, sku: sku, status: status, parent: mapper.namedParent(of: row))
            }
        }
    }

    private static func read(
        path: String, name: String, settings: InputSettings, layout: InputLayout, send: (ReaderMessage) -> Bool
    ) throws(FileFault) {
        let input = IdentifiedInput(file: try FileByteSource(path: path))
        let opened = try InputOpener.open(input.source, name: name, settings: settings)
        /// Reads rows into batches of `batchSize` and sends them; `false` when the mappers stopped.
        func sendBatches(format: InputFormat, next: (inout RowBatch) throws(FileFault) -> Bool) throws(FileFault) -> Bool {
            var rows = RowBatch()
            while try next(&rows) {
                guard rows.entries.count >= batchSize else { continue }
                let sizes = (bytes: rows.bytes.count, spans: rows.spans.count)
                guard send(.rowBatch(format, rows)) else { return false }
                rows = RowBatch()
                rows.bytes.reserveCapacity(sizes.bytes + sizes.bytes / 4)
                rows.spans.reserveCapacity(sizes.spans)
                rows.entries.reserveCapacity(batchSize)
            }
            return rows.isEmpty || send(.rowBatch(format, rows))
        }
        if opened.format == .xml {
            let reader = try XMLProductReader(source: opened.source, settings: settings.xml, wantedFields: layout.xmlNames)
            guard send(.opened(.xml, compressed: opened.compressed, delimiter: nil, absentFields: [])) else { return }
            guard try sendBatches(format: .xml, next: reader.next(into:)) else { return }
        } else {
            let reader = try CSVProductReader(source: opened.source, dialect: settings.csv, encoding: settings.encoding, layout: layout)
            guard send(.opened(.csv, compressed: opened.compressed, delimiter: reader.delimiter, absentFields: reader.absentFields)) else { return }
            guard try sendBatches(format: .csv, next: reader.next(into:)) else { return }
        }
        let identity = try input.finish()
        _ = send(.finished(sha256: identity.sha256, bytes: identity.bytes))
    }
}

/// The recognizers, handed from the thread that loads the catalogue to the mapping threads.
final class RecognizerHandOver: Sendable {
    private let recognizers = Mutex<[InputFormat: UnchangedRowRecognizer]?>(nil)
    private let handed = DispatchGroup()

    init() { handed.enter() }

    /// The first call hands them over; later calls change nothing (a cancelled pipeline hands
    /// over none, so that no mapping thread waits for ever).
    func hand(_ recognizers: [InputFormat: UnchangedRowRecognizer]) {
        let first = self.recognizers.withLock { held in
            guard held == nil else { return false }
            held = recognizers
            return true
        }
        if first { handed.leave() }
    }

    /// Waits until they are handed over (every mapping thread asks once).
    func wait() -> [InputFormat: UnchangedRowRecognizer] {
        handed.wait()
        return recognizers.withLock { $0 ?? [:] }
    }
}

/// Runs `action` when `tick` has been called `count` times (the last mapper closes the output).
final class Countdown: @unchecked Sendable {
    // @unchecked: `remaining` is only touched while holding `lock`.
    private let lock = NSLock()
    private var remaining: Int
    private let action: @Sendable () -> Void

    init(_ count: Int, action: @escaping @Sendable () -> Void) {
        remaining = count
        self.action = action
    }

    func tick() {
        lock.lock()
        remaining -= 1
        let last = remaining == 0
        lock.unlock()
        if last { action() }
    }
}
