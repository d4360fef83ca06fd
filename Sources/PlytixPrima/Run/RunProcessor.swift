public import Foundation

/// Row counts of one run. Always `read = new + updated + unchanged + rejected + skipped`;
/// `accepted = new + updated + unchanged` (valid sales-ready rows) and the items files hold the
/// new and updated rows. Stale rows are counted among the skipped ones.
public struct RunCounts: Sendable, Equatable, Codable {
    public var read = 0
    public var accepted = 0
    public var rejected = 0
    public var skipped = 0
    public var new = 0
    public var updated = 0
    public var unchanged = 0
    public var discontinued = 0
    public var stale = 0

    public init(
        read: Int = 0, accepted: Int = 0, rejected: Int = 0, skipped: Int = 0, new: Int = 0, updated: Int = 0,
        unchanged: Int = 0, discontinued: Int = 0, stale: Int = 0
    ) {
        self.read = read
        self.accepted = accepted
        self.rejected = rejected
        self.skipped = skipped
        self.new = new
        self.updated = updated
        self.unchanged = unchanged
        self.discontinued = discontinued
        self.stale = stale
    }
}

/// The input file a run came from.
public struct SourceInfo: Sendable, Equatable, Codable {
    public var name: String
    public var sha256: String
    public var bytes: Int64
}

/// A run fully written to its staging folder, ready to publish (or to hold).
public struct StagedRun: Sendable {
    public var runID: String
    public var pipeline: String
    public var directory: String
    public var source: SourceInfo
    public var files: [OutputFile]
    public var counts: RunCounts
    public var rejectsByRule: [String: Int]
    /// The state changes to commit once the run is published.
    var deltaPath: String?
    /// The same changes already applied in a transaction that waits for the publish (see
    /// `stage`'s `preparesCommit`); `nil` when the delta file is applied after publishing.
    var preparedCommit: LiveStateCommit?
    var record: RunRecord?
    /// Set when the mass-change guard holds the run: why.
    public var heldReason: String?
    /// Set when the same content was processed before: that run's id. Nothing was staged.
    public var duplicateOf: String?
}

/// Why a run could not be staged.
public enum RunFailure: Error, Sendable {
    /// The input is structurally broken: quarantine it.
    case quarantine(FileFault)
    /// Writing the output failed (disk full, permissions): the input stays where it is.
    case output(OutputError)
    /// Stopped through its `RunControl` before publishing: nothing was published.
    case cancelled
}

/// Turns one input file into a staged run for one pipeline: the per-row stages stream into a
/// spool, then the barrier stage (duplicate SKUs) writes the chunk files and the reject file.
public struct RunProcessor: Sendable {
    public let config: PipelineConfig

    public init(config: PipelineConfig) { self.config = config }

    /// Reads, validates and diffs one export into `directory`. With a state store, the run is
    /// compared with what was published before and its state delta is written to `deltaPrefix`
    /// followed by `~<run-id>.delta`. With `preparesCommit`, the delta is also applied while it
    /// is written, in a transaction the caller commits after publishing (`preparedCommit`);
    /// until the caller decides, that transaction holds the store's write lock.
    public func stage(
        inputPath: String, sourceName: String, startedAt: Date, into directory: String, control: RunControl = RunControl(),
        state: StateStore? = nil, deltaPrefix: String? = nil, detectsRepeatedFiles: Bool = true, preparesCommit: Bool = false
    ) throws(RunFailure) -> StagedRun {
        let spoolPath = directory + "/.rows.spool"
        defer { try? FileManager.default.removeItem(atPath: spoolPath) }
        // The file is opened, read and hashed while what Prima has loads; the mapping threads
        // wait for it, to recognise the rows Prima's records came from.
        let pipeline = FirstPassPipeline(
            path: inputPath, name: sourceName, config: config, layout: InputLayout(config: config), cataloguePending: true)
        let view: StateView?
        do {
            view = try state.map { store in try StateView(store: store, pipeline: config.name) }
        } catch {
            pipeline.cancel()
            throw Self.failure(error)
        }
        pipeline.publish(view?.catalogue)
        let firstPass: FirstPassResult
        do {
            firstPass = try spool(from: pipeline, spoolPath: spoolPath, control: control)
            pipeline.finish()
            MemoryRelease.returnFreedMemory()
        } catch {
            // Stop the reader and the mappers and wait for them, so no thread outlives the run.
            pipeline.cancel()
            throw error
        }
        let runID = RunID.make(startedAt: startedAt, sourceSHA256: firstPass.source.sha256)
        var source = firstPass.source
        source.name = sourceName
        do {
            if detectsRepeatedFiles, let state, let earlier = try state.runForProcessedFile(pipeline: config.name, sha256: source.sha256) {
                return StagedRun(
                    runID: runID, pipeline: config.name, directory: directory, source: source, files: [], counts: RunCounts(),
                    rejectsByRule: [:], duplicateOf: earlier)
            }
            let deltaPath = deltaPrefix.map { "\($0)~\(runID).delta" }
            let staged = try writeOutputs(
                firstPass, source: source, inputPath: inputPath, runID: runID, startedAt: startedAt, directory: directory,
                spoolPath: spoolPath, control: control, state: view, deltaPath: deltaPath, preparesCommit: preparesCommit)
            guard let staged else { throw RunFailure.cancelled }
            return staged
        } catch {
            throw Self.failure(error)
        }
    }

    private static func failure(_ error: any Error) -> RunFailure {
        switch error {
        case let failure as RunFailure: failure
        case let error as OutputError: .output(error)
        case let error as StateError: .output(OutputError("state store: \(error)"))
        default: .output(OutputError("\(error)"))
        }
    }

    // MARK: - First pass: per-row stages

    struct FirstPassResult {
        var index = SKUIndex()
        var graph = RelationshipGraph()
        var format: InputFormat = .csv
        var compressed = false
        var delimiter: String?
        var absentFields: [String] = []
        var source = SourceInfo(name: "", sha256: "", bytes: 0)
        var finishedAt = Date()
    }

    /// Spools each mapped row in input order and indexes its SKU.
    private func spool(from pipeline: FirstPassPipeline, spoolPath: String, control: RunControl) throws(RunFailure) -> FirstPassResult {
        var result = FirstPassResult()
        var readerFault: FileFault?
        var pending: [Int: MappedMessage] = [:]
        var expected = 0
        let discontinueStatuses = Set(config.diff.discontinueStatuses.map { $0.lowercased() })
        do throws(OutputError) {
            let spool = try RowSpoolWriter(path: spoolPath)
            while let message = pipeline.next(&pending, expected: &expected) {
                if control.isCancelled { break }
                switch consume message {
                case .opened(let format, let compressed, let delimiter, let absentFields):
                    result.format = format
                    result.compressed = compressed
                    result.delimiter = delimiter.map { String(UnicodeScalar($0)) }
                    result.absentFields = absentFields
                case .rows(let batch):
                    for row in batch.rows {
                        switch row {
                        case .unreadable(let fault):
                            // A malformed row that still names its SKU makes that SKU ambiguous too.
                            result.index.record(fault.sku, line: fault.line, standing: .rejected)
                            try spool.appendUnreadable(fault)
                        case .accepted(let row):
                            result.index.record(row)
                            result.graph.noteAccepted(row)
                            try spool.appendAccepted(row)
                        case .rejected(let reasons, let line, let sku, let parent):
                            result.index.record(sku, line: line, standing: .rejected)
                            result.graph.noteNamedParent(parent)
                            try spool.appendRejected(reasons)
                        case .skipped(let line, let sku, let status, let parent):
                            let discontinuing = discontinueStatuses.contains(status.lowercased())
                            result.index.record(sku, line: line, standing: discontinuing ? .discontinuing : .skipped)
                            // A variant on its way out does not make its parent a style.
                            if !discontinuing { result.graph.noteNamedParent(parent) }
                            try spool.appendSkipped(line: line, sku: sku, status: status)
                        }
                    }
                    batch.handBack()
                case .finished(let sha256, let bytes):
                    result.source = SourceInfo(name: "", sha256: sha256, bytes: bytes)
                case .failed(let fault):
                    readerFault = fault
                }
            }
            try spool.flush()
        } catch {
            throw .output(error)
        }
        if control.isCancelled { throw .cancelled }
        if let readerFault { throw .quarantine(readerFault) }
        result.finishedAt = Date()
        return result
    }

    // MARK: - Second pass: barrier stages and output

    private func writeOutputs(
        _ firstPass: FirstPassResult, source: SourceInfo, inputPath: String, runID: String, startedAt: Date, directory: String,
        spoolPath: String, control: RunControl, state: StateView?, deltaPath: String?, preparesCommit: Bool
    ) throws -> StagedRun? {
        // Taken out of `state` once: binding `state` in the loop copied it (and retained each
        // of its buffers) for every row.
        let catalogue = state?.catalogue
        // The spool is read back, and its SKUs looked up, on another core from here on (while
        // the relationship plan is made, then ahead of the writes).
        let spool = SpoolPrefetch(path: spoolPath, catalogue: catalogue, index: firstPass.index, namedParents: firstPass.graph.namedParents)
        defer { spool.stop() }
        let layout = InputLayout(config: config)
        let keyColumn = config.columns[config.keyColumnIndex].header
        let keyField = firstPass.format == .xml ? layout.fields[layout.keyField].xml : layout.fields[layout.keyField].csv
        let sequence = ImportSequencer(directory: directory, headers: config.columns.map(\.header), settings: config.output)
        defer { sequence.discard() }
        let discontinued = ChunkWriter(
            directory: directory, prefix: "discontinue", kind: "discontinue", headers: [keyColumn, "Status"], settings: config.output,
            alwaysWritesFirstChunk: false)
        let bom = BillOfMaterialsWriter(directory: directory, layout: config.relationships.bom, output: config.output)
        let relationships = RelationshipStage(
            config: config, format: firstPass.format, layout: layout,
            plan: RelationshipPlan(
                index: firstPass.index, graph: firstPass.graph, catalogue: catalogue, publishedKits: try state?.publishedKits() ?? [:],
                fullExport: config.diff.mode == .full && state != nil, settings: config.relationships),
            encoder: sequence.encoder)
        let rejects = try RejectWriter(path: directory + "/rejects.csv", sourceFile: source.name)
        let record = RunRecord(
            runID: runID, pipeline: config.name, sourceName: source.name, sourceSHA256: source.sha256, status: .published,
            counts: RunCounts(), createdAt: startedAt)
        let growth = preparesCommit && state != nil ? GrowingFile() : nil
        let delta = try deltaPath.map { path throws(OutputError) in try StateDeltaWriter(path: path, run: record, growth: growth) }
        var preparedCommit: LiveStateCommit?
        if let store = state?.store, let delta, let growth {
            preparedCommit = LiveStateCommit(store: store, deltaPath: delta.path, growth: growth)
        }
        // Finance guard: Plytix prices and VAT codes compared with Prima's snapshot, never written.
        let finance = try FinanceReview(config: config, store: state?.store, directory: directory, sourceFile: source.name)
        var diff = DiffReport()
        var counts = RunCounts()
        var byRule: [String: Int] = [:]
        var skippedByStatus: [String: Int] = [:]
        let discontinueStatuses = Set(config.diff.discontinueStatuses.map { $0.lowercased() })
        let openRejectSKUs = state?.openRejectSKUs ?? []
        var openRejectKeys = FingerprintSet()
        for sku in openRejectSKUs { openRejectKeys.insert(SKUFingerprint(sku)) }

        func reject(_ reasons: [RejectReason]) throws(OutputError) {
            var openedRules: Set<RuleCode> = []
            for reason in reasons {
                try rejects.append(reason)
                byRule[reason.rule.rawValue, default: 0] += 1
                if !reason.sku.isEmpty, openedRules.insert(reason.rule).inserted {
                    try delta?.openReject(sku: reason.sku, rule: reason.rule)
                }
            }
            counts.rejected += 1
        }
        /// `entry`: the SKU's index entry when it occurs more than once (`SpoolPrefetch.Row.duplicate`).
        func duplicate(_ sku: String, line: Int, entry: SKUIndex.Entry?) -> RejectReason? {
            guard let entry else { return nil }
            return RejectReason(
                line: line, sku: sku, field: keyField, value: sku, rule: .duplicateSKU,
                reason: "SKU \(quoted(sku)) occurs \(entry.count) times in this export (first on line \(entry.firstLine)); it is unclear which row is right, so every occurrence is held back.",
                primaColumn: keyColumn)
        }
        func discontinue(_ sku: String) throws(OutputError) {
            try discontinued.append(encodedLine: sequence.encoder.line([sku, config.diff.discontinuedStatus]))
            try delta?.discontinue(sku)
            // A kit that comes back later is a new kit again, with its whole bill of materials.
            try relationships.forgetKit(sku, delta: delta)
            try finance?.discontinued(sku, delta: delta)
            counts.discontinued += 1
        }

        /// An accepted row that nothing refuses: stale, unchanged, updated or new. `known`: its
        /// SKU's entry in the catalogue; `isParent`: `relationships.isParent(row, known: known)`.
        func goesOn(_ row: inout AcceptedRow, known: KnownCatalogue.Entry?, isParent: Bool) throws {
            let becomesStyle = relationships.becomesStyle(row, isParent: isParent)
            relationships.prepare(&row, becomesStyle: becomesStyle)
            // Times are compared in whole minutes, the resolution the catalogue keeps.
            if let known, known.active, let modified = row.modified, known.modified != Int64.min, modified / 60 * 60 < known.modified {
                counts.skipped += 1
                counts.stale += 1
                diff.noteStale(row.sku, line: row.line)
                return
            }
            counts.accepted += 1
            try finance?.check(row, delta: delta)
            if openRejectKeys.contains(row.key), openRejectSKUs.contains(row.sku) { try delta?.closeRejects(sku: row.sku) }
            let isUnmapped = row.publishedAsStyle != nil
            if let known, known.active, isUnmapped || KnownCatalogue.matches(known, row.hash) {
                counts.unchanged += 1
                if isUnmapped {
                    diff.unchangedExportRows += 1
                } else if row.sourcePrint != 0 {
                    // Kept, so that this row skips mapping next time.
                    let print = SourcePrint.stored(row.sourcePrint, style: becomesStyle, recordHash: row.hash)
                    if print != known.sourcePrint { try delta?.keepSourcePrint(sku: row.sku, print) }
                }
                try relationships.recordParentIfUnknown(of: row, delta: delta)
                return
            }
            // Only a row of an active record is left unmapped, and such a row is unchanged.
            guard !isUnmapped else { throw OutputError("internal error: row \(row.line) (\(row.sku)) was not mapped but is not unchanged") }
            let isUpdate = known?.active == true
            if isUpdate {
                counts.updated += 1
                // Same record layout, one byte: `A` (add) becomes `U` (update).
                if let offset = row.actionOffset { row.encoded[offset] = UInt8(ascii: "U") }
                if diff.wantsChangedColumns, let state, let before = try state.store.publishedColumns(pipeline: config.name, sku: row.sku) {
                    diff.noteUpdate(row.sku, columns: changedColumns(before: before, after: row.columns))
                } else {
                    diff.noteUpdate(row.sku, columns: nil)
                }
            } else {
                counts.new += 1
            }
            try sequence.append(row.encoded, placement: relationships.placement(of: row, isParent: isParent))
            let print = row.sourcePrint == 0 ? 0 : SourcePrint.stored(row.sourcePrint, style: becomesStyle, recordHash: row.hash)
            try delta?.upsert(row, variantLevel: relationships.variantLevel(of: row), sourcePrint: print)
            try relationships.sendBillOfMaterials(of: row, to: bom, delta: delta)
        }

        var remapRows: Set<RowAddress> = []
        var rows = spool.rows()
        while let prefetched = try rows.next() {
            if counts.read % 4096 == 0 && control.isCancelled { return nil }
            counts.read += 1
            let duplicateEntry = prefetched.duplicate, known = prefetched.known, isParent = prefetched.isParent
            // Consumed, so the row moves into the case below instead of being copied once more
            // (it shares its buffers with its batch until the batch is handed back: `SpoolPrefetch.Rows`).
            switch (consume prefetched).record {
            case .accepted(var row):
                if let duplicate = duplicate(row.sku, line: row.line, entry: duplicateEntry) {
                    try reject([duplicate])
                    continue
                }
                let refusals = relationships.refusals(of: row)
                guard refusals.isEmpty else {
                    try reject(refusals)
                    continue
                }
                if let style = row.publishedAsStyle, style != relationships.becomesStyle(row, isParent: isParent) {
                    // Its export row did not change, but its item type does (it gained its first
                    // variant or lost its last): it is mapped in full once this pass is done.
                    remapRows.insert(RowAddress(line: row.line, sku: row.key))
                    continue
                }
                try goesOn(&row, known: known, isParent: isParent)
            case .rejected(let reasons):
                let first = reasons[0]
                try reject(reasons + [duplicate(first.sku, line: first.line, entry: duplicateEntry)].compactMap { $0 })
            case .skipped(let line, let sku, let status):
                if let duplicate = duplicate(sku, line: line, entry: duplicateEntry) {
                    try reject([duplicate])
                    continue
                }
                counts.skipped += 1
                skippedByStatus[status, default: 0] += 1
                if discontinueStatuses.contains(status.lowercased()), known?.active == true {
                    try discontinue(sku)
                }
            case .unreadable(let fault):
                try reject([RejectReason(
                    line: fault.line, sku: fault.sku, field: fault.field, value: fault.value, rule: fault.rule, reason: fault.reason)]
                    + [duplicate(fault.sku, line: fault.line, entry: duplicateEntry)].compactMap { $0 })
            }
        }
        if !remapRows.isEmpty {
            diff.remappedForItemType = remapRows.count
            try remap(
                rows: remapRows, inputPath: inputPath, source: source, directory: directory, published: catalogue, control: control
            ) { row in
                var row = row
                let known = catalogue?.entry(for: row.key, slot: row.catalogueSlot)
                try goesOn(&row, known: known, isParent: relationships.isParent(row, known: known))
            }
        }
        // A full export lists every product: one published earlier and absent now is discontinued.
        // The catalogue answers whether any is missing; only then are the SKUs read back by name.
        if config.diff.mode == .full, let state, state.catalogue.anyActive(where: { firstPass.index.entry(for: $0) == nil }) {
            try state.store.forEachActiveSKU(pipeline: config.name, where: { firstPass.index.entry(for: $0) == nil }) { sku in
                try discontinue(sku)
            }
        }

        var files = try sequence.finish()
        files += try bom.finish()
        files += try discontinued.finish()
        files.append(try rejects.finish())
        if let review = try finance?.finish() { files.append(review) }
        let heldReason = state.flatMap { massChangeReason(counts: counts, known: $0.catalogue.activeCount) }
        var report = RunReport(
            runID: runID, pipeline: config.name, source: source, format: firstPass.format.rawValue,
            compressed: firstPass.compressed, delimiter: firstPass.delimiter, startedAt: startedAt, finishedAt: Date(),
            firstPassSeconds: firstPass.finishedAt.timeIntervalSince(startedAt),
            counts: counts, rejectsByRule: byRule, skippedByStatus: skippedByStatus,
            unexpectedStatuses: unexpectedStatuses(in: skippedByStatus), absentFields: firstPass.absentFields,
            distinctSKUs: firstPass.index.distinctCount, diff: diff, relationships: relationships.report(bom: bom),
            heldReason: heldReason, files: files)
        report.finance = finance?.section
        let reportFile = try report.write(to: directory)
        files.append(reportFile)
        // Everything the manifest names must be on disk before the manifest says so.
        for file in files { try FileSystem.syncFile(directory + "/" + file.name) }
        let manifest = RunManifest(runID: runID, pipeline: config.name, createdAt: Date(), source: source, files: files, counts: counts)
        try manifest.write(to: directory)
        try delta?.finish(counts: counts)
        var finalRecord = record
        finalRecord.counts = counts
        return StagedRun(
            runID: runID, pipeline: config.name, directory: directory, source: source, files: files, counts: counts,
            rejectsByRule: byRule, deltaPath: deltaPath, preparedCommit: preparedCommit, record: finalRecord, heldReason: heldReason)
    }

    /// The mass-change guard: a full export that would discontinue or update too much of the
    /// known catalogue is held for a person to approve (a half-exported catalogue must never
    /// discontinue half of Prima).
    func massChangeReason(counts: RunCounts, known: Int) -> String? {
        guard config.diff.mode == .full, known > 0 else { return nil }
        let discontinueShare = Double(counts.discontinued) / Double(known)
        let updateShare = Double(counts.updated) / Double(known)
        func percent(_ share: Double) -> String { String(format: "%.1f%%", share * 100) }
        if discontinueShare > config.diff.maxDiscontinueShare {
            return "the export would discontinue \(counts.discontinued) of \(known) known products (\(percent(discontinueShare)), more than the \(percent(config.diff.maxDiscontinueShare)) allowed): it may be a partial export"
        }
        if updateShare > config.diff.maxUpdateShare {
            return "the export would update \(counts.updated) of \(known) known products (\(percent(updateShare)), more than the \(percent(config.diff.maxUpdateShare)) allowed)"
        }
        return nil
    }

    /// Headers of the columns whose values differ between what was published and a new record.
    func changedColumns(before: PublishedColumns, after: ColumnFingerprints) -> [String] {
        let old: ColumnFingerprints
        switch before {
        case .fingerprints(let fingerprints):
            old = fingerprints
        case .legacyLine(let line):
            // A cell missing from an old line compares as empty.
            let cells = parseLine(line, delimiter: Character(UnicodeScalar(config.output.delimiter)))
            old = ColumnFingerprints(values: config.columns.indices.map { $0 < cells.count ? cells[$0] : "" })
        }
        let actionColumn = config.columns.firstIndex { $0.value == .action }
        return old.changedColumns(comparedTo: after).compactMap { index in
            index != actionColumn && index < config.columns.count ? config.columns[index].header : nil
        }
    }

    private func parseLine(_ bytes: [UInt8], delimiter: Character) -> [String] {
        let text = config.output.encoding == .utf8 ? String(decoding: bytes, as: UTF8.self) : (Windows1252.decode(bytes) ?? "")
        var cells: [String] = [], cell = "", inQuotes = false, previousQuote = false
        for character in text {
            if inQuotes {
                if character == "\"" { inQuotes = false; previousQuote = true } else { cell.append(character) }
                continue
            }
            if character == "\"" {
                if previousQuote { cell.append("\"") }
                inQuotes = true
            } else if character == delimiter {
                cells.append(cell); cell = ""
            } else if character != "\r\n" && character != "\n" && character != "\r" {
                cell.append(character)
            }
            previousQuote = false
        }
        cells.append(cell)
        return cells
    }
}

extension RunProcessor {
    /// Reads the input again and maps `rows` in full (rows pass 2 found unchanged in the
    /// export whose item type changes), handing them to `body` in input order. They are spooled
    /// in between, so however many there are, none is held in memory.
    func remap(
        rows: Set<RowAddress>, inputPath: String, source: SourceInfo, directory: String, published: KnownCatalogue?,
        control: RunControl, _ body: (AcceptedRow) throws -> Void
    ) throws {
        let spoolPath = directory + "/.remap.spool"
        defer { try? FileManager.default.removeItem(atPath: spoolPath) }
        let pipeline = FirstPassPipeline(
            path: inputPath, name: source.name, config: config, layout: InputLayout(config: config), published: published, onlyRows: rows)
        var pending: [Int: MappedMessage] = [:]
        var expected = 0, found = 0, sha256 = ""
        do {
            let spool = try RowSpoolWriter(path: spoolPath)
            while let message = pipeline.next(&pending, expected: &expected) {
                if control.isCancelled { throw RunFailure.cancelled }
                switch message {
                case .rows(let batch):
                    for case .accepted(let row) in batch.rows {
                        try spool.appendAccepted(row)
                        found += 1
                    }
                case .finished(let digest, _):
                    sha256 = digest
                case .failed(let fault):
                    throw OutputError("reading \(source.name) again failed: \(fault)")
                case .opened:
                    break
                }
            }
            try spool.flush()
            pipeline.finish()
        } catch {
            pipeline.cancel()
            throw error
        }
        // Mapping is deterministic, so only a file changed under the run can tell a different story.
        guard sha256 == source.sha256, found == rows.count else {
            throw OutputError("\(source.name) changed while it was processed (read again, it no longer matches its first read); it is left for the next run")
        }
        let reader = try RowSpoolReader(path: spoolPath)
        while let entry = try reader.next() {
            if case .accepted(let row) = entry { try body(row) }
        }
    }
}

/// What the barrier pass needs from the state store for one pipeline.
struct StateView {
    let store: StateStore
    let catalogue: KnownCatalogue
    let openRejectSKUs: Set<String>

    init(store: StateStore, pipeline: String) throws {
        self.store = store
        catalogue = try store.catalogue(pipeline: pipeline)
        openRejectSKUs = try store.openRejectSKUs(pipeline: pipeline)
        self.pipeline = pipeline
    }

    let pipeline: String

    func publishedKits() throws -> [SKUFingerprint: PublishedKit] { try store.publishedKits(pipeline: pipeline) }
}

/// The diff's details for `report.json`, capped so a huge change stays a readable report.
struct DiffReport: Encodable {
    static let cap = 1000
    var updated: [[String: [String]]] = []
    var updatedTotal = 0
    var stale: [[String: String]] = []
    var staleTotal = 0
    /// Unchanged rows identical to the export rows their Prima records came from: they were
    /// not validated, transformed or encoded again (`SourcePrint`).
    var unchangedExportRows = 0
    /// Rows like those whose item type changed (a first variant, or the last one gone), so
    /// they were read again and mapped in full.
    var remappedForItemType = 0

    var wantsChangedColumns: Bool { updated.count < Self.cap }

    mutating func noteUpdate(_ sku: String, columns: [String]?) {
        updatedTotal += 1
        if updated.count < Self.cap { updated.append([sku: columns ?? []]) }
    }

    mutating func noteStale(_ sku: String, line: Int) {
        staleTotal += 1
        if stale.count < Self.cap { stale.append(["sku": sku, "line": String(line)]) }
    }

    enum CodingKeys: String, CodingKey {
        case updated = "updated_columns", updatedTotal = "updated_total", stale = "stale", staleTotal = "stale_total"
        case unchangedExportRows = "unchanged_export_rows", remappedForItemType = "remapped_for_item_type"
    }
}

extension RunProcessor {
    /// Skipped statuses that are neither sales-ready nor listed as not sales-ready (e.g. a typo,
    /// or an empty status): worth a look by operations.
    func unexpectedStatuses(in skipped: [String: Int]) -> [String] {
        let expected = Set((config.status.salesReady + config.status.notSalesReady).map { $0.lowercased() })
        return skipped.keys.filter { !expected.contains($0.lowercased()) }.sorted()
    }
}

/// Run ids sort by time: `20261127T065258.123456Z-3fa4c1b2` (UTC start, then the source's hash).
public enum RunID {
    public static func make(startedAt: Date, sourceSHA256: String) -> String {
        let micros = Int64((startedAt.timeIntervalSince1970 * 1_000_000).rounded(.down))
        var seconds = time_t(micros / 1_000_000)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func pad(_ value: Int32, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        let date = pad(parts.tm_year + 1900, 4) + pad(parts.tm_mon + 1, 2) + pad(parts.tm_mday, 2)
        let time = pad(parts.tm_hour, 2) + pad(parts.tm_min, 2) + pad(parts.tm_sec, 2)
        let fraction = pad(Int32(micros % 1_000_000), 6)
        return "\(date)T\(time).\(fraction)Z-\(sourceSHA256.prefix(8))"
    }
}
