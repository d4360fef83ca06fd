public import Foundation
import GRDB

/// `plytix-prima status`: what the worker has done and what needs a person.
public struct StatusReport: Encodable, Sendable {
    public struct Run: Encodable, Sendable {
        public var runID: String
        public var pipeline: String
        public var status: String
        public var source: String
        public var createdAt: String
        public var counts: RunCounts?
        public var note: String?

        enum CodingKeys: String, CodingKey {
            case runID = "run_id", pipeline, status, source, createdAt = "created_at", counts, note
        }
    }

    public struct PipelineStatus: Encodable, Sendable {
        public var pipeline: String
        public var lastRuns: [Run]
        public var lastSuccessfulRunAt: String?
        public var secondsSinceLastSuccessfulRun: Int?
        public var openRejectsByRule: [String: Int]
        /// Open finance discrepancies per reason (issue 5): closed when a later run finds agreement.
        public var openFinanceDiscrepancies: [String: Int] = [:]
        /// Prima's reference snapshots in force (price list, VAT codes).
        public var primaSnapshots: [ReferenceSnapshotInfo] = []

        enum CodingKeys: String, CodingKey {
            case pipeline, lastRuns = "last_runs", lastSuccessfulRunAt = "last_successful_run_at"
            case secondsSinceLastSuccessfulRun = "seconds_since_last_successful_run", openRejectsByRule = "open_rejects_by_rule"
            case openFinanceDiscrepancies = "open_finance_discrepancies", primaSnapshots = "prima_snapshots"
        }
    }

    public struct HeldRun: Encodable, Sendable {
        public var pipeline: String
        public var runID: String
        public var reason: String?
        public var path: String

        enum CodingKeys: String, CodingKey { case pipeline, runID = "run_id", reason, path }
    }

    public var pipelines: [PipelineStatus]
    public var heldRuns: [HeldRun]
    /// Files being processed (or left by a worker that died: returned at the next start).
    public var claimedFiles: [String]
    public var quarantinedFiles: [String]
    /// Runs published but not yet committed to state (completed at the next start).
    public var pendingCommits: [String]

    enum CodingKeys: String, CodingKey {
        case pipelines, heldRuns = "held_runs", claimedFiles = "claimed_files", quarantinedFiles = "quarantined_files"
        case pendingCommits = "pending_commits"
    }

    public static func gather(layout: RootLayout, now: Date = Date(), runsPerPipeline: Int = 5) throws(StateError) -> StatusReport {
        // A mistyped --root must not be created (with a fresh store) and shown as "No runs yet".
        guard FileSystem.isDirectory(layout.inbox) || FileSystem.isDirectory(layout.state) else {
            throw StateError("\(layout.root) is not a plytix-prima root (no inbox/ or state/ in it); run `plytix-prima init \(layout.root)` first or pass the right --root")
        }
        let state = try StateStore.open(layout: layout)
        do {
            return try state.pool.read { db in
                let pipelineNames = try String.fetchAll(db, sql: """
                    SELECT pipeline FROM run UNION SELECT pipeline FROM prima_reference_snapshot ORDER BY pipeline
                    """)
                var pipelines: [PipelineStatus] = []
                for pipeline in pipelineNames {
                    let rows = try Row.fetchAll(db, sql: """
                        SELECT run_id, status, source_name, created_at, counts, note FROM run
                        WHERE pipeline = ? ORDER BY run_id DESC LIMIT ?
                        """, arguments: [pipeline, runsPerPipeline])
                    let runs = rows.map { row in
                        Run(runID: row[0], pipeline: pipeline, status: row[1], source: row[2], createdAt: row[3],
                            counts: (row[4] as String?).flatMap { try? JSONOutput.decoder.decode(RunCounts.self, from: Data($0.utf8)) },
                            note: row[5])
                    }
                    let lastSuccess = try String.fetchOne(db, sql: """
                        SELECT finished_at FROM run WHERE pipeline = ? AND status = 'published' ORDER BY run_id DESC LIMIT 1
                        """, arguments: [pipeline])
                    let since = lastSuccess.flatMap { ISO8601DateFormatter.fractional.date(from: $0) }.map { Int(now.timeIntervalSince($0)) }
                    var byRule: [String: Int] = [:]
                    for row in try Row.fetchAll(db, sql: "SELECT rule, count(*) FROM open_reject WHERE pipeline = ? GROUP BY rule", arguments: [pipeline]) {
                        byRule[row[0]] = row[1]
                    }
                    var status = PipelineStatus(
                        pipeline: pipeline, lastRuns: runs, lastSuccessfulRunAt: lastSuccess, secondsSinceLastSuccessfulRun: since,
                        openRejectsByRule: byRule)
                    status.openFinanceDiscrepancies = try StateStore.openDiscrepanciesByReason(db, pipeline: pipeline)
                    status.primaSnapshots = try StateStore.referenceSnapshots(db, pipeline: pipeline)
                    pipelines.append(status)
                }
                let held = try HeldRuns.list(layout: layout).map { held in
                    HeldRun(pipeline: held.pipeline, runID: held.runID,
                            reason: try String.fetchOne(db, sql: "SELECT note FROM run WHERE run_id = ?", arguments: [held.runID]),
                            path: held.path)
                }
                return StatusReport(
                    pipelines: pipelines, heldRuns: held,
                    claimedFiles: FileSystem.list(layout.claims).filter { !$0.hasSuffix(".lock") }.sorted(),
                    quarantinedFiles: FileSystem.list(layout.failed).filter { !$0.hasSuffix(".reason.txt") }.sorted(),
                    pendingCommits: FileSystem.list(layout.pendingDeltas).filter { $0.hasSuffix(".delta") }.sorted())
            }
        } catch let error as StateError {
            throw error
        } catch {
            throw StateError("reading the state store failed: \(error)")
        }
    }

    /// A person's view: one block per pipeline, then what needs attention.
    public var text: String {
        var lines: [String] = []
        if pipelines.isEmpty { lines.append("No runs yet.") }
        for pipeline in pipelines {
            let since = pipeline.secondsSinceLastSuccessfulRun.map { "last successful run \(Self.duration($0)) ago" } ?? "no successful run yet"
            lines.append("Pipeline \(pipeline.pipeline): \(since)")
            for run in pipeline.lastRuns {
                let c = run.counts
                let counts = c.map { "read \($0.read), new \($0.new), updated \($0.updated), unchanged \($0.unchanged), discontinued \($0.discontinued), rejected \($0.rejected), skipped \($0.skipped)" } ?? ""
                lines.append("  \(run.runID)  \(run.status.padding(toLength: 9, withPad: " ", startingAt: 0))  \(OneLine.text(run.source))  \(counts)\(run.note.map { "  (\($0))" } ?? "")")
            }
            let rejects = pipeline.openRejectsByRule.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }
            lines.append("  open rejects: \(rejects.isEmpty ? "none" : rejects.joined(separator: ", "))")
            let finance = pipeline.openFinanceDiscrepancies.sorted { $0.key < $1.key }
            let total = finance.reduce(0) { $0 + $1.value }
            lines.append("  open finance discrepancies: \(total == 0 ? "none" : "\(total) (" + finance.map { "\($0.key) \($0.value)" }.joined(separator: ", ") + ")")")
            let snapshots = pipeline.primaSnapshots.map { "\($0.kind == ReferenceKind.priceList.rawValue ? "price list" : "VAT codes") \(OneLine.text($0.source)) (\($0.rows) rows, received \($0.receivedAt))" }
            lines.append("  Prima snapshots: \(snapshots.isEmpty ? "none received" : snapshots.joined(separator: "; "))")
        }
        lines.append("Held runs: \(heldRuns.isEmpty ? "none" : "")")
        for held in heldRuns {
            lines.append("  \(held.runID) (\(held.pipeline)): \(held.reason ?? "held")")
            lines.append("    approve: plytix-prima approve \(held.runID)    discard: plytix-prima discard \(held.runID)")
        }
        lines.append("Claimed files: \(claimedFiles.isEmpty ? "none" : claimedFiles.map(OneLine.text).joined(separator: ", "))")
        lines.append("Quarantined files: \(quarantinedFiles.isEmpty ? "none" : quarantinedFiles.map(OneLine.text).joined(separator: ", "))")
        if !pendingCommits.isEmpty { lines.append("Published runs awaiting their state commit: \(pendingCommits.joined(separator: ", "))") }
        return lines.joined(separator: "\n")
    }

    static func duration(_ seconds: Int) -> String {
        if seconds < 120 { return "\(seconds) s" }
        if seconds < 7200 { return "\(seconds / 60) min" }
        if seconds < 172_800 { return "\(seconds / 3600) h" }
        return "\(seconds / 86400) days"
    }
}

extension ISO8601DateFormatter {
    static var fractional: ISO8601DateFormatter {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter
    }
}
