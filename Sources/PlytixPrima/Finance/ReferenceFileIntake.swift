import Foundation
import GRDB

/// Which Prima export a reference file is.
public enum ReferenceKind: String, Sendable, Codable {
    case priceList = "price_list"
    case vatCodes = "vat_codes"
}

/// What happened to one Prima reference file.
public struct ReferenceOutcome: Sendable {
    public enum Result: Sendable {
        /// The snapshot was replaced; the intake's rejects, report and manifest are in `folder`.
        case loaded(folder: String, intakeID: String, rows: Int, rejected: Int)
        /// Structurally broken: moved to `inbox/failed/` with its reason; the previous snapshot stays.
        case quarantined(FileFault, movedTo: String)
        /// Our failure (disk, state store): the file stays where it is and is retried.
        case failed(String)
    }

    public var name: String
    public var pipeline: String
    public var kind: ReferenceKind
    public var result: Result

    public var summary: String {
        let what = kind == .priceList ? "Prima price list" : "Prima VAT codes"
        switch result {
        case .loaded(let folder, _, let rows, let rejected):
            return OneLine.text("\(name): \(what) loaded for \(pipeline): \(rows) row(s) in force, rejected \(rejected) -> \(folder)")
        case .quarantined(let fault, let movedTo):
            return OneLine.text("\(name): \(what) QUARANTINED (\(fault)); the previous snapshot stays in force -> \(movedTo)")
        case .failed(let message):
            return OneLine.text("\(name): \(what) FAILED: \(message)")
        }
    }
}

extension RuleCode {
    /// The same item and price list twice in one Prima price list: every occurrence is rejected.
    static let duplicatePrice = RuleCode("duplicate_price")
    /// The same VAT code twice in one Prima VAT-code list.
    static let duplicateVATCode = RuleCode("duplicate_vat_code")
}

extension InputLayout {
    /// A reference file's columns, all required in the header except those in `optional`.
    init(referenceColumns: [String], optional: Set<Int> = []) {
        fields = referenceColumns.map { FieldSource(csv: $0, xml: $0) }
        requiredFields = Set(referenceColumns.indices).subtracting(optional)
        keyField = 0
        statusField = 0
        lastModifiedField = nil
        columnFields = []
        financeFields = []
    }
}

/// Takes Prima's exported price lists and VAT codes from the pipeline's reference folder
/// (default `inbox/prima/`), validates them row by row like an export, and replaces the
/// pipeline's snapshot in one transaction. Runs under the pipeline's lock, before its exports,
/// so a run always compares with the newest snapshot.
///
/// Each intake publishes `outbox/prima-reference/<pipeline>/<intake-id>/` (`rejects.csv`,
/// `report.json`, `manifest.json`) before the snapshot commits, then archives the file to
/// `inbox/archive/`. A broken file goes to `inbox/failed/` and the previous snapshot stays.
struct ReferenceFileIntake {
    static let outboxFolder = "prima-reference"

    let layout: RootLayout
    let pipeline: PipelineConfig
    let state: StateStore?
    let workerID: String
    let now: @Sendable () -> Date

    var settings: ReferenceSettings { pipeline.finance.reference }
    var folder: String { layout.inbox + "/" + settings.folder }

    /// Only pipelines that compare prices or VAT take reference files.
    static func takesReferences(_ pipeline: PipelineConfig) -> Bool { pipeline.finance.comparesValues }

    func kind(of name: String) -> ReferenceKind? {
        if settings.priceListPatterns.contains(where: { Glob.matches($0, name) }) { return .priceList }
        if settings.vatCodePatterns.contains(where: { Glob.matches($0, name) }) { return .vatCodes }
        return nil
    }

    /// Ready reference files, oldest first.
    func readyFiles(gate: ReadinessGate, at moment: Date) -> [(name: String, kind: ReferenceKind)] {
        var ready: [(stat: InboxFileStat, kind: ReferenceKind)] = []
        for name in FileSystem.list(folder).sorted() {
            guard let stat = FileSystem.inboxStat(path: folder + "/" + name, name: name), let kind = kind(of: name) else { continue }
            if case .ready = gate.readiness(of: stat, now: moment) { ready.append((stat, kind)) }
        }
        ready.sort { ($0.stat.modified, $0.stat.name) < ($1.stat.modified, $1.stat.name) }
        return ready.map { ($0.stat.name, $0.kind) }
    }

    /// Ingests every ready reference file under the pipeline's lock.
    func ingestReady(gate: ReadinessGate, control: RunControl = RunControl()) -> [ReferenceOutcome] {
        guard Self.takesReferences(pipeline), !readyFiles(gate: gate, at: now()).isEmpty else { return [] }
        let lock: PipelineLock
        do {
            guard let taken = try PipelineLock.acquire(pipeline.name, layout: layout, control: control) else { return [] }
            lock = taken
        } catch {
            return [ReferenceOutcome(name: settings.folder, pipeline: pipeline.name, kind: .priceList, result: .failed("\(error)"))]
        }
        defer { withExtendedLifetime(lock) {} }
        // Listed again under the lock: another worker may have taken them meanwhile.
        return readyFiles(gate: gate, at: now()).map { file in ingest(file.name, kind: file.kind) }
    }

    /// A staging folder no other intake of this process uses: `watch` runs the intakes of
    /// several pipelines at once on threads of their own, all under one worker id.
    func stagingFolder() -> String {
        layout.staging + "/\(workerID)-prima-reference-\(pipeline.name)-\(IntakeCounter.shared.next())"
    }

    func ingest(_ name: String, kind: ReferenceKind) -> ReferenceOutcome {
        let path = folder + "/" + name
        let startedAt = now()
        let staging = stagingFolder()
        let stamp = String(RunID.make(startedAt: startedAt, sourceSHA256: "").dropLast())
        func outcome(_ result: ReferenceOutcome.Result) -> ReferenceOutcome {
            ReferenceOutcome(name: name, pipeline: pipeline.name, kind: kind, result: result)
        }
        defer { FileSystem.removeTree(staging) }
        do {
            FileSystem.removeTree(staging)
            try FileSystem.makeDirectory(staging)
            let loaded = try load(path: path, name: name, kind: kind, startedAt: startedAt, staging: staging)
            do {
                try archive(path: path, name: name, stamp: stamp)
            } catch {
                return outcome(.failed("the snapshot was loaded (\(loaded.folder)), but the file could not be archived (\(error)); move it to \(layout.archive)/ by hand"))
            }
            return outcome(.loaded(folder: loaded.folder, intakeID: loaded.intakeID, rows: loaded.rows, rejected: loaded.rejected))
        } catch let fault as FileFault {
            do {
                return outcome(.quarantined(fault, movedTo: try quarantine(path: path, name: name, fault: fault, at: startedAt, stamp: stamp)))
            } catch {
                return outcome(.failed("cannot quarantine (\(fault)): \(error); the file stays in \(folder)"))
            }
        } catch {
            return outcome(.failed("\(error); the file stays in \(folder) and is retried"))
        }
    }

    // MARK: - Loading

    private struct Loaded {
        var folder: String
        var intakeID: String
        var rows: Int
        var rejected: Int
    }

    private func columns(for kind: ReferenceKind) -> (names: [String], optional: Set<Int>) {
        switch kind {
        case .priceList:
            let c = settings.priceListColumns
            return ([c.itemCode, c.priceList, c.price, c.vatCode], [])
        case .vatCodes:
            let c = settings.vatCodeColumns
            return ([c.vatCode, c.rate, c.description], [2])
        }
    }

    private func load(path: String, name: String, kind: ReferenceKind, startedAt: Date, staging: String) throws -> Loaded {
        let (names, optional) = columns(for: kind)
        let hashing = HashingByteSource(upstream: try FileByteSource(path: path))
        var input = InputSettings()
        input.format = .csv
        input.encoding = settings.encoding
        let opened = try InputOpener.open(hashing, name: name, settings: input)
        let reader = try CSVProductReader(
            source: opened.source, dialect: CSVDialect(delimiter: settings.delimiter), encoding: settings.encoding,
            layout: InputLayout(referenceColumns: names, optional: optional))
        let rejects = try RejectWriter(path: staging + "/rejects.csv", sourceFile: name)
        var report = ReferenceIntakeReport(pipeline: pipeline.name, kind: kind, startedAt: startedAt)
        guard let state else { throw StateError("no state store") }
        return try state.pool.write { db -> Loaded in
            try db.execute(sql: """
                CREATE TEMP TABLE IF NOT EXISTS incoming_reference (line INTEGER NOT NULL, key TEXT NOT NULL, list TEXT NOT NULL,
                    value TEXT NOT NULL, scale INTEGER NOT NULL, extra TEXT NOT NULL);
                CREATE INDEX IF NOT EXISTS temp.incoming_reference_key ON incoming_reference (key, list);
                DELETE FROM incoming_reference;
                """)
            defer { try? db.execute(sql: "DELETE FROM incoming_reference") }
            let insert = try db.cachedStatement(sql: "INSERT INTO incoming_reference (line, key, list, value, scale, extra) VALUES (?, ?, ?, ?, ?, ?)")
            // One row counts once however many failures it has (each is a line of rejects.csv),
            // so read = accepted + rejected.
            func reject(_ reasons: [RejectReason]) throws {
                for reason in reasons {
                    try rejects.append(reason)
                    report.rejectsByRule[reason.rule.rawValue, default: 0] += 1
                }
                report.counts.rejected += 1
            }
            while let outcome = try reader.next() {
                report.counts.read += 1
                switch outcome {
                case .rejected(let fault):
                    try reject([RejectReason(line: fault.line, sku: fault.sku, field: fault.field, value: fault.value, rule: fault.rule, reason: fault.reason)])
                case .row(let row):
                    let failures = validate(row, kind: kind, names: names)
                    if !failures.isEmpty {
                        try reject(failures)
                        continue
                    }
                    let cells = row.values.map { TextCleaning.trim($0 ?? "") }
                    switch kind {
                    case .priceList:
                        let amount = DecimalAmount(cells[2], separator: settings.decimalSeparator)!
                        try insert.execute(arguments: [row.line, cells[0], cells[1], amount.description, amount.scale, cells[3]])
                    case .vatCodes:
                        let rate = DecimalAmount(cells[1], separator: settings.decimalSeparator)!
                        try insert.execute(arguments: [row.line, cells[0], "", rate.description, rate.scale, cells[2]])
                    }
                }
            }
            let sha256 = try hashing.finish()
            // The same key twice: it is unclear which row is Prima's, so every occurrence is held back.
            // Streamed: a file of duplicates must not be held in memory.
            let duplicates = try Row.fetchCursor(db, sql: """
                SELECT i.line, i.key, i.list, d.n, d.first FROM incoming_reference i
                JOIN (SELECT key, list, count(*) AS n, min(line) AS first FROM incoming_reference GROUP BY key, list HAVING n > 1) d
                  ON d.key = i.key AND d.list = i.list ORDER BY i.line
                """)
            while let row = try duplicates.next() {
                let line: Int = row[0], key: String = row[1], list: String = row[2], count: Int = row[3], first: Int = row[4]
                if kind == .priceList {
                    try reject([RejectReason(
                        line: line, sku: key, field: names[0], value: key, rule: .duplicatePrice,
                        reason: "Item \(quoted(key)) has \(count) prices on the \(list) price list in this file (first on line \(first)); it is unclear which is right, so none of them is used.")])
                } else {
                    try reject([RejectReason(
                        line: line, sku: "", field: names[0], value: key, rule: .duplicateVATCode,
                        reason: "VAT code \(quoted(key)) occurs \(count) times in this file (first on line \(first)); it is unclear which rate is right, so none of them is used.")])
                }
            }
            try db.execute(sql: """
                DELETE FROM incoming_reference WHERE EXISTS (SELECT 1 FROM incoming_reference o
                    WHERE o.key = incoming_reference.key AND o.list = incoming_reference.list AND o.line <> incoming_reference.line)
                """)
            let kept = try Int.fetchOne(db, sql: "SELECT count(*) FROM incoming_reference") ?? 0
            report.counts.accepted = kept
            guard kept > 0 else {
                throw FileFault(.noReferenceRows, "The file holds no usable \(kind == .priceList ? "price" : "VAT code") row (\(report.counts.read) row(s) read, \(report.counts.rejected) rejected); replacing Prima's snapshot with it would wipe it. The previous snapshot stays in force.")
            }
            // This transaction commits only after the intake is published.
            let p = pipeline.name
            var rowsInForce = kept
            switch kind {
            case .priceList:
                // Each list the file holds is replaced whole; lists it does not hold stay as they
                // were (Prima may export one file per list).
                report.replacedPriceLists = try String.fetchAll(db, sql: "SELECT DISTINCT list FROM incoming_reference ORDER BY list")
                let replaced = "price_list IN (SELECT list FROM incoming_reference)"
                try db.execute(sql: "DELETE FROM prima_price WHERE pipeline = ? AND \(replaced)", arguments: [p])
                try db.execute(sql: "DELETE FROM prima_price_list WHERE pipeline = ? AND \(replaced)", arguments: [p])
                try db.execute(sql: "INSERT INTO prima_price (pipeline, sku, price_list, price, vat_code) SELECT ?, key, list, value, extra FROM incoming_reference", arguments: [p])
                try db.execute(sql: "INSERT INTO prima_price_list (pipeline, price_list, precision, items) SELECT ?, list, max(scale), count(*) FROM incoming_reference GROUP BY list", arguments: [p])
                rowsInForce = try Int.fetchOne(db, sql: "SELECT coalesce(sum(items), 0) FROM prima_price_list WHERE pipeline = ?", arguments: [p]) ?? kept
                for row in try Row.fetchAll(db, sql: "SELECT price_list, precision, items FROM prima_price_list WHERE pipeline = ? ORDER BY price_list", arguments: [p]) {
                    report.priceLists[row[0]] = ReferenceIntakeReport.PriceListInfo(items: row[2], precision: row[1])
                }
                if try Bool.fetchOne(db, sql: "SELECT 1 FROM prima_reference_snapshot WHERE pipeline = ? AND kind = ?", arguments: [p, ReferenceKind.vatCodes.rawValue]) == true {
                    report.unknownVATCodes = try String.fetchAll(db, sql: """
                        SELECT DISTINCT vat_code FROM prima_price WHERE pipeline = ? AND vat_code <> ''
                          AND upper(vat_code) NOT IN (SELECT upper(vat_code) FROM prima_vat_code WHERE pipeline = ?) ORDER BY vat_code LIMIT 100
                        """, arguments: [p, p])
                }
            case .vatCodes:
                // The VAT-code table is replaced whole.
                try db.execute(sql: "DELETE FROM prima_vat_code WHERE pipeline = ?", arguments: [p])
                try db.execute(sql: "INSERT INTO prima_vat_code (pipeline, vat_code, rate, description) SELECT ?, key, value, extra FROM incoming_reference", arguments: [p])
            }
            let intakeID = Self.intakeID(name: name, sha256: sha256)
            try db.execute(sql: """
                INSERT OR REPLACE INTO prima_reference_snapshot (pipeline, kind, source_name, source_sha256, intake_id, rows, rejected, received_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [p, kind.rawValue, name, sha256, intakeID, rowsInForce, report.counts.rejected, StateStore.timestamp(startedAt)])
            let source = SourceInfo(name: name, sha256: sha256, bytes: hashing.bytesRead)
            report.intakeID = intakeID
            report.source = source
            var files = [try rejects.finish()]
            report.finishedAt = now()
            report.files = files
            let reportBytes = try JSONOutput.encode(report)
            let (reportSHA, reportSize) = try DurableFileWriter.write(reportBytes, to: staging + "/report.json")
            files.append(OutputFile(name: "report.json", kind: "report", rows: 0, sha256: reportSHA, bytes: reportSize))
            for file in files { try FileSystem.syncFile(staging + "/" + file.name) }
            let counts = RunCounts(read: report.counts.read, accepted: kept, rejected: report.counts.rejected)
            try RunManifest(runID: intakeID, pipeline: p, createdAt: now(), source: source, files: files, counts: counts).write(to: staging)
            // Published before the snapshot commits: a crash in between loads the file again.
            let target = try publish(staging: staging, intakeID: intakeID)
            ReferenceCrashPoint.afterPublish.reach()
            return Loaded(folder: target, intakeID: intakeID, rows: rowsInForce, rejected: report.counts.rejected)
        }
    }

    private func validate(_ row: SourceRow, kind: ReferenceKind, names: [String]) -> [RejectReason] {
        let cells = row.values.map { TextCleaning.trim($0 ?? "") }
        let key = cells[0]
        var failures: [RejectReason] = []
        for issue in row.encodingIssues {
            let field = names[issue.fieldIndex]
            failures.append(RejectReason(
                line: row.line, sku: key, field: field, value: row.values[issue.fieldIndex] ?? "", rule: EncodingRule.code,
                reason: issue.containsNUL ? EncodingRule.nulReason(field: field) : EncodingRule.invalidInputReason(field: field, encoding: settings.encoding)))
        }
        guard failures.isEmpty else { return failures }
        let required = kind == .priceList ? [0, 1, 2] : [0, 1]
        for index in required where cells[index].isEmpty {
            failures.append(RejectReason(
                line: row.line, sku: key, field: names[index], value: "", rule: .required,
                reason: "\(names[index]) is empty; a Prima \(kind == .priceList ? "price" : "VAT code") row needs it."))
        }
        let numberIndex = kind == .priceList ? 2 : 1
        let text = cells[numberIndex]
        if !text.isEmpty {
            let what = kind == .priceList ? "price" : "VAT rate"
            if let amount = DecimalAmount(text, separator: settings.decimalSeparator) {
                if amount.units < 0 {
                    failures.append(RejectReason(
                        line: row.line, sku: key, field: names[numberIndex], value: text, rule: .number,
                        reason: "The \(what) \(quoted(text)) is negative."))
                }
            } else {
                failures.append(RejectReason(
                    line: row.line, sku: key, field: names[numberIndex], value: text, rule: .number,
                    reason: "The \(what) \(quoted(text)) is not a number (digits with a point or a comma for decimals, at most \(DecimalAmount.maxScale) decimals)."))
            }
        }
        return failures
    }

    // MARK: - Moving files

    /// The intake of one file's content under its name: `<sha256 prefix>-<name>`. The same file
    /// loaded again (after a crash between publishing and committing, or delivered again) gets
    /// the same folder, which it replaces, instead of leaving a second one.
    static func intakeID(name: String, sha256: String) -> String {
        let safe = String(name.prefix(200).map { $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) ? $0 : "_" })
        return String(sha256.prefix(16)) + "-" + safe
    }

    private func publish(staging: String, intakeID: String) throws(OutputError) -> String {
        let parent = layout.outbox + "/" + Self.outboxFolder + "/" + pipeline.name
        try FileSystem.makeDirectory(parent)
        try FileSystem.syncDirectory(staging)
        let target = parent + "/" + intakeID
        // The same file's earlier intake is set aside, then removed once the new one stands.
        var earlier: String?
        if FileSystem.exists(target) {
            let aside = staging + "-replaced"
            FileSystem.removeTree(aside)
            try FileSystem.rename(target, to: aside)
            earlier = aside
        }
        try FileSystem.rename(staging, to: target)
        try FileSystem.syncDirectory(parent)
        if let earlier { FileSystem.removeTree(earlier) }
        return target
    }

    private func archive(path: String, name: String, stamp: String) throws(OutputError) {
        try FileSystem.makeDirectory(layout.archive)
        try FileSystem.moveWithoutReplacing(path, to: layout.archive + "/" + FileSystem.freeName(in: layout.archive, for: name, stamp: stamp))
        try FileSystem.syncDirectory(layout.archive)
        try FileSystem.syncDirectory(folder)
    }

    private func quarantine(path: String, name: String, fault: FileFault, at time: Date, stamp: String) throws(OutputError) -> String {
        var note = QuarantineNote(fileName: name, pipeline: pipeline.name, fault: fault, time: time).text
        note += "This is a Prima reference file: the previous snapshot stays in force until a good file arrives in \(folder).\n"
        let targetName = try QuarantineNote.move(path, named: name, reason: note, layout: layout, stamp: stamp)
        try FileSystem.syncDirectory(layout.failed)
        return layout.failed + "/" + targetName
    }
}

/// Numbers the reference intakes of this process (see `ReferenceFileIntake.stagingFolder`).
final class IntakeCounter: @unchecked Sendable {
    static let shared = IntakeCounter()
    private let lock = NSLock()
    private var last = 0

    func next() -> Int {
        lock.lock()
        defer { lock.unlock() }
        last += 1
        return last
    }
}

/// Where a test may kill a reference intake (`PLYTIX_PRIMA_CRASH_AT=reference-after-publish`):
/// the intake folder is published and the snapshot's transaction not yet committed.
enum ReferenceCrashPoint: String {
    case afterPublish = "reference-after-publish"

    static let armed = ProcessInfo.processInfo.environment[CrashPoint.environmentVariable].flatMap(ReferenceCrashPoint.init)

    func reach() {
        if Self.armed == self { kill(getpid(), SIGKILL) }
    }
}

extension FileFault.Code {
    /// A Prima reference file without one usable row: it would wipe the snapshot.
    public static let noReferenceRows = FileFault.Code(rawValue: "no_reference_rows")
}

/// `report.json` of a reference intake.
struct ReferenceIntakeReport: Encodable {
    struct Counts: Encodable {
        var read = 0
        var accepted = 0
        var rejected = 0
    }

    struct PriceListInfo: Encodable {
        var items: Int
        var precision: Int
    }

    var intakeID = ""
    var pipeline: String
    var kind: ReferenceKind
    var source = SourceInfo(name: "", sha256: "", bytes: 0)
    var startedAt: Date
    var finishedAt = Date()
    var counts = Counts()
    var rejectsByRule: [String: Int] = [:]
    /// The price lists this file replaced (each whole); other lists stay as they were.
    var replacedPriceLists: [String] = []
    /// Per price list in the snapshot now in force: its items and precision (most decimals).
    var priceLists: [String: PriceListInfo] = [:]
    /// VAT codes on price rows that Prima's VAT-code snapshot does not list (accepted; capped at 100).
    var unknownVATCodes: [String] = []
    var files: [OutputFile] = []

    init(pipeline: String, kind: ReferenceKind, startedAt: Date) {
        self.pipeline = pipeline
        self.kind = kind
        self.startedAt = startedAt
    }

    enum CodingKeys: String, CodingKey {
        case intakeID = "intake_id", pipeline, kind, source, startedAt = "started_at", finishedAt = "finished_at", counts
        case rejectsByRule = "rejects_by_rule", replacedPriceLists = "replaced_price_lists", priceLists = "price_lists", unknownVATCodes = "unknown_vat_codes", files
    }
}

/// The reference intakes of every pipeline, as `run` and `watch` call them before exports.
enum ReferenceIntakes {
    /// A reference file two pipelines would take is refused, like an export (exit 2).
    static func ambiguity(pipelines: [PipelineConfig], layout: RootLayout) -> String? {
        var takers: [String: [String]] = [:]
        for pipeline in pipelines where ReferenceFileIntake.takesReferences(pipeline) {
            let intake = ReferenceFileIntake(layout: layout, pipeline: pipeline, state: nil, workerID: "", now: Date.init)
            for name in FileSystem.list(intake.folder) where intake.kind(of: name) != nil {
                takers[intake.folder + "/" + name, default: []].append(pipeline.name)
            }
        }
        guard let (path, names) = takers.sorted(by: { $0.key < $1.key }).first(where: { $0.value.count > 1 }) else { return nil }
        return "Prima reference file '\(path)' is taken by pipelines \(names.joined(separator: " and ")); give them different 'finance.reference' folders or patterns"
    }

    /// Files in a reference folder that no pipeline's reference patterns match (as `prima/NAME`):
    /// left where they are and listed, like unmatched exports.
    static func unmatched(pipelines: [PipelineConfig], layout: RootLayout) -> [String] {
        let intakes = pipelines.filter(ReferenceFileIntake.takesReferences).map {
            ReferenceFileIntake(layout: layout, pipeline: $0, state: nil, workerID: "", now: Date.init)
        }
        var result: [String] = []
        for folder in Set(intakes.map(\.settings.folder)).sorted() {
            let readers = intakes.filter { $0.settings.folder == folder }
            for name in FileSystem.list(layout.inbox + "/" + folder).sorted()
            where !ReadinessGate.isTemporaryName(name) && FileSystem.inboxStat(path: layout.inbox + "/" + folder + "/" + name, name: name) != nil
                && !readers.contains(where: { $0.kind(of: name) != nil }) {
                result.append(folder + "/" + name)
            }
        }
        return result
    }
}
