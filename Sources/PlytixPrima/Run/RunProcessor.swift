public import Foundation

/// Row counts of one run. Always `read = accepted + rejected + skipped`, and `accepted`
/// equals the rows in the items files.
public struct RunCounts: Sendable, Equatable, Codable {
    public var read = 0
    public var accepted = 0
    public var rejected = 0
    public var skipped = 0

    public init(read: Int = 0, accepted: Int = 0, rejected: Int = 0, skipped: Int = 0) {
        self.read = read
        self.accepted = accepted
        self.rejected = rejected
        self.skipped = skipped
    }
}

/// The input file a run came from.
public struct SourceInfo: Sendable, Equatable, Codable {
    public var name: String
    public var sha256: String
    public var bytes: Int64
}

/// A run fully written to its staging folder, ready to publish.
public struct StagedRun: Sendable {
    public var runID: String
    public var pipeline: String
    public var directory: String
    public var source: SourceInfo
    public var files: [OutputFile]
    public var counts: RunCounts
    public var rejectsByRule: [String: Int]
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

    public func stage(
        inputPath: String, sourceName: String, startedAt: Date, into directory: String, control: RunControl = RunControl()
    ) throws(RunFailure) -> StagedRun {
        let spoolPath = directory + "/.rows.spool"
        defer { try? FileManager.default.removeItem(atPath: spoolPath) }
        let pipeline = FirstPassPipeline(path: inputPath, name: sourceName, config: config, layout: InputLayout(config: config))
        let firstPass: FirstPassResult
        do {
            firstPass = try spool(from: pipeline, spoolPath: spoolPath, control: control)
            pipeline.finish()
        } catch {
            // Stop the reader and the mappers and wait for them, so no thread outlives the run.
            pipeline.cancel()
            throw error
        }
        let runID = RunID.make(startedAt: startedAt, sourceSHA256: firstPass.source.sha256)
        var source = firstPass.source
        source.name = sourceName
        do {
            let staged = try writeOutputs(firstPass, source: source, runID: runID, startedAt: startedAt, directory: directory, spoolPath: spoolPath, control: control)
            guard let staged else { throw RunFailure.cancelled }
            return staged
        } catch let failure as RunFailure {
            throw failure
        } catch let error as OutputError {
            throw .output(error)
        } catch {
            throw .output(OutputError("\(error)"))
        }
    }

    // MARK: - First pass: per-row stages

    struct FirstPassResult {
        var index = SKUIndex()
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
        do throws(OutputError) {
            let spool = try RowSpoolWriter(path: spoolPath)
            while let message = pipeline.next(&pending, expected: &expected) {
                if control.isCancelled { break }
                switch message {
                case .opened(let format, let compressed, let delimiter, let absentFields):
                    result.format = format
                    result.compressed = compressed
                    result.delimiter = delimiter.map { String(UnicodeScalar($0)) }
                    result.absentFields = absentFields
                case .rows(let rows):
                    for row in rows {
                        switch row {
                        case .unreadable(let fault):
                            // A malformed row that still names its SKU makes that SKU ambiguous too.
                            result.index.record(fault.sku, line: fault.line)
                            try spool.appendUnreadable(fault)
                        case .accepted(let line, let sku, let encoded):
                            result.index.record(sku, line: line)
                            try spool.appendAccepted(line: line, sku: sku, encoded: encoded)
                        case .rejected(let reasons, let line, let sku):
                            result.index.record(sku, line: line)
                            try spool.appendRejected(reasons)
                        case .skipped(let line, let sku, let status):
                            result.index.record(sku, line: line)
                            try spool.appendSkipped(line: line, sku: sku, status: status)
                        }
                    }
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
        _ firstPass: FirstPassResult, source: SourceInfo, runID: String, startedAt: Date, directory: String, spoolPath: String,
        control: RunControl
    ) throws(OutputError) -> StagedRun? {
        let layout = InputLayout(config: config)
        let keyColumn = config.columns[config.keyColumnIndex].header
        let keyField = firstPass.format == .xml ? layout.fields[layout.keyField].xml : layout.fields[layout.keyField].csv
        let items = ChunkWriter(
            directory: directory, prefix: "items", kind: "items", headers: config.columns.map(\.header), settings: config.output)
        let rejects = try RejectWriter(path: directory + "/rejects.csv", sourceFile: source.name)
        var counts = RunCounts()
        var byRule: [String: Int] = [:]
        var skippedByStatus: [String: Int] = [:]

        func reject(_ reasons: [RejectReason]) throws(OutputError) {
            for reason in reasons {
                try rejects.append(reason)
                byRule[reason.rule.rawValue, default: 0] += 1
            }
            counts.rejected += 1
        }
        func duplicate(_ sku: String, line: Int) -> RejectReason? {
            guard let entry = firstPass.index.entry(for: sku), entry.count > 1 else { return nil }
            return RejectReason(
                line: line, sku: sku, field: keyField, value: sku, rule: .duplicateSKU,
                reason: "SKU \(quoted(sku)) occurs \(entry.count) times in this export (first on line \(entry.firstLine)); it is unclear which row is right, so every occurrence is held back.",
                primaColumn: keyColumn)
        }

        let spool = try RowSpoolReader(path: spoolPath)
        while let record = try spool.next() {
            if counts.read % 4096 == 0 && control.isCancelled { return nil }
            counts.read += 1
            switch record {
            case .accepted(let line, let sku, let encoded):
                if let duplicate = duplicate(sku, line: line) {
                    try reject([duplicate])
                } else {
                    try items.append(encodedLine: encoded)
                    counts.accepted += 1
                }
            case .rejected(let reasons):
                let first = reasons[0]
                try reject(reasons + [duplicate(first.sku, line: first.line)].compactMap { $0 })
            case .skipped(let line, let sku, let status):
                if let duplicate = duplicate(sku, line: line) {
                    try reject([duplicate])
                } else {
                    counts.skipped += 1
                    skippedByStatus[status, default: 0] += 1
                }
            case .unreadable(let fault):
                try reject([RejectReason(
                    line: fault.line, sku: fault.sku, field: fault.field, value: fault.value, rule: fault.rule, reason: fault.reason)]
                    + [duplicate(fault.sku, line: fault.line)].compactMap { $0 })
            }
        }

        var files = try items.finish()
        files.append(try rejects.finish())
        let report = RunReport(
            runID: runID, pipeline: config.name, source: source, format: firstPass.format.rawValue,
            compressed: firstPass.compressed, delimiter: firstPass.delimiter, startedAt: startedAt, finishedAt: Date(),
            firstPassSeconds: firstPass.finishedAt.timeIntervalSince(startedAt),
            counts: counts, rejectsByRule: byRule, skippedByStatus: skippedByStatus,
            unexpectedStatuses: unexpectedStatuses(in: skippedByStatus), absentFields: firstPass.absentFields,
            distinctSKUs: firstPass.index.distinctCount, files: files)
        let reportFile = try report.write(to: directory)
        files.append(reportFile)
        // Everything the manifest names must be on disk before the manifest says so.
        for file in files { try FileSystem.syncFile(directory + "/" + file.name) }
        let manifest = RunManifest(runID: runID, pipeline: config.name, createdAt: Date(), source: source, files: files, counts: counts)
        try manifest.write(to: directory)
        return StagedRun(
            runID: runID, pipeline: config.name, directory: directory, source: source, files: files, counts: counts, rejectsByRule: byRule)
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
