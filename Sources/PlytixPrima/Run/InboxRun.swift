public import Foundation

/// What happened to one inbox file.
public struct FileOutcome: Sendable {
    public enum Result: Sendable {
        case published(runDirectory: String, runID: String, counts: RunCounts, rejectsByRule: [String: Int])
        case quarantined(FileFault, movedTo: String)
        /// Held by the mass-change guard: staged in `outbox/.held/`, state untouched.
        case held(runID: String, reason: String, heldAt: String)
        /// The same content was processed before (by `earlierRun`): archived, nothing published.
        case duplicate(earlierRun: String)
        /// Stopped by a shutdown before publishing: nothing published, the file is back in the inbox.
        case rolledBack
        /// Our failure (disk full, outbox not writable): the file went back to the inbox.
        case failed(String)
    }

    public var name: String
    public var pipeline: String
    public var result: Result

    /// One line for the run summary (a line break in a file name or a message is shown as `\n`).
    public var summary: String { OneLine.text(summaryText) }

    private var summaryText: String {
        switch result {
        case .published(let directory, _, let counts, _):
            var changes = "\(counts.new) new, \(counts.updated) updated, \(counts.unchanged) unchanged, \(counts.discontinued) discontinued"
            if counts.stale > 0 { changes += ", \(counts.stale) stale" }
            return "\(name): published \(counts.new + counts.updated) item(s), rejected \(counts.rejected), skipped \(counts.skipped) of \(counts.read) row(s); \(changes) -> \(directory)"
        case .quarantined(let fault, let movedTo):
            return "\(name): QUARANTINED (\(fault)) -> \(movedTo)"
        case .failed(let message):
            return "\(name): FAILED: \(message)"
        case .rolledBack:
            return "\(name): stopped before publishing; returned to the inbox, nothing published"
        case .held(let runID, let reason, let heldAt):
            return "\(name): HELD run \(runID): \(reason); approve with `plytix-prima approve \(runID)` or drop with `plytix-prima discard \(runID)` (staged in \(heldAt))"
        case .duplicate(let earlier):
            return "\(name): duplicate of the file processed in run \(earlier); archived, nothing published"
        }
    }
}

/// The result of `plytix-prima run`.
public struct InboxRunResult: Sendable {
    public var outcomes: [FileOutcome] = []
    /// Files that are still changing (name, seconds to wait).
    public var settling: [(name: String, seconds: Double)] = []
    /// Inbox files no pipeline takes.
    public var unmatched: [String] = []
    /// Files returned to the inbox from workers that died mid-run.
    public var recovered: [String] = []
    /// Files left in the inbox because their pipeline has a held run (name, pipeline).
    public var blockedByHeldRun: [(name: String, pipeline: String)] = []
    /// Prima reference files (price lists, VAT codes), taken before the exports.
    public var references: [ReferenceOutcome] = []

    /// 0: all processed; 3: a file was quarantined; 4: a run was held, or files wait behind a held run; 1: another failure.
    public var exitCode: Int32 {
        if outcomes.contains(where: { if case .quarantined = $0.result { true } else { false } }) { return ExitStatus.quarantined }
        if references.contains(where: { if case .quarantined = $0.result { true } else { false } }) { return ExitStatus.quarantined }
        if outcomes.contains(where: { if case .failed = $0.result { true } else { false } }) { return ExitStatus.failure }
        if references.contains(where: { if case .failed = $0.result { true } else { false } }) { return ExitStatus.failure }
        if outcomes.contains(where: { if case .held = $0.result { true } else { false } }) { return ExitStatus.held }
        // Files still waiting behind a held run: nothing reaches Prima until someone approves or
        // discards it, so every later `run` keeps saying so (cron and monitoring notice).
        if !blockedByHeldRun.isEmpty { return ExitStatus.held }
        return ExitStatus.success
    }
}

/// Documented exit codes of `run` (and `check`).
public enum ExitStatus {
    public static let success: Int32 = 0
    /// Another failure (outbox not writable, disk full, …); `check`: rows were rejected.
    public static let failure: Int32 = 1
    /// Usage or configuration error: nothing was processed.
    public static let usage: Int32 = 2
    /// At least one file was quarantined.
    public static let quarantined: Int32 = 3
    /// A run was held by the mass-change guard (`status`, then `approve` or `discard`).
    public static let held: Int32 = 4
}

/// A whole-inbox problem found before anything is claimed (exit 2).
public struct InboxError: Error, Sendable, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}

/// `plytix-prima run`: processes every ready inbox file once, oldest first.
public struct InboxRun: Sendable {
    public var layout: RootLayout
    public var pipelines: [PipelineConfig]
    public var gate: ReadinessGate
    public var now: @Sendable () -> Date

    public init(layout: RootLayout, pipelines: [PipelineConfig], settleSeconds: Double, now: @escaping @Sendable () -> Date = Date.init) {
        self.layout = layout
        self.pipelines = pipelines
        self.gate = ReadinessGate(settleSeconds: settleSeconds)
        self.now = now
    }

    /// Loads the root's pipelines (all, or the one named), refusing anything invalid.
    public static func loadPipelines(layout: RootLayout, named name: String?) throws(ConfigError) -> [PipelineConfig] {
        guard let name else { return try PipelineLoader.loadAll(in: layout.pipelines) }
        let chosen = try PipelineLoader.load(named: name, in: layout.pipelines)
        // Only the named pipeline runs, but a Prima reference file it shares with another
        // pipeline is refused as in a run of all (a broken other pipeline does not stop it).
        let others = FileSystem.list(layout.pipelines)
            .filter { $0.hasSuffix("." + PipelineLoader.fileExtension) && !$0.hasPrefix(".") && $0 != name + "." + PipelineLoader.fileExtension }
            .sorted()
            .compactMap { try? PipelineLoader.load(path: layout.pipelines + "/" + $0) }
        for other in others {
            if let conflict = ReferencePatternOverlap.conflict(chosen, with: other) { throw conflict }
        }
        return [chosen]
    }

    public func run(log: (String) -> Void = { _ in }) throws(InboxError) -> InboxRunResult {
        guard FileSystem.isDirectory(layout.inbox) else {
            throw InboxError(message: "\(layout.inbox) does not exist; run `plytix-prima init \(layout.root)` first")
        }
        var result = InboxRunResult()
        let plan = try scan(&result)
        if let ambiguity = ReferenceIntakes.ambiguity(pipelines: pipelines, layout: layout) { throw InboxError(message: ambiguity) }
        let state: StateStore
        do { state = try StateStore.open(layout: layout) } catch {
            throw InboxError(message: "\(error)")
        }
        let worker: WorkerIdentity
        do { worker = try WorkerIdentity(layout: layout) } catch {
            throw InboxError(message: "cannot register this worker: \(error)")
        }
        result.recovered = InboxClaim.recoverAbandoned(layout: layout, worker: worker, state: state)
        for name in result.recovered { log(OneLine.text("\(name): returned to the inbox from a worker that stopped mid-run")) }
        // Files a dead worker held are back in the inbox: take them in this pass too.
        let ready = result.recovered.isEmpty ? plan : try scan(&result)
        // Prima's reference files first: the exports of this pass compare with the newest snapshot.
        for pipeline in pipelines where ReferenceFileIntake.takesReferences(pipeline) {
            let intake = ReferenceFileIntake(layout: layout, pipeline: pipeline, state: state, workerID: worker.id, now: now)
            for outcome in intake.ingestReady(gate: gate) {
                log(outcome.summary)
                result.references.append(outcome)
            }
        }
        result.unmatched += ReferenceIntakes.unmatched(pipelines: pipelines, layout: layout)
        var held = HeldRuns.pipelines(layout: layout)
        for (index, entry) in ready.enumerated() {
            // Later exports of a pipeline wait behind its held run: state changes apply in export order.
            if held.contains(entry.pipeline.name) {
                result.blockedByHeldRun.append((entry.name, entry.pipeline.name))
                continue
            }
            let marker = entry.pipeline.input.requireDoneMarker ? ArrivalTracker.marker(for: entry.name, among: Set(FileSystem.list(layout.inbox))) : nil
            let processor = FileProcessor(layout: layout, worker: worker, state: state, now: now)
            guard let outcome = processor.process(entry.name, marker: marker, pipeline: entry.pipeline, sequence: index) else {
                // Another worker took the file, or held a run of its pipeline meanwhile.
                if HeldRuns.pipelines(layout: layout).contains(entry.pipeline.name) {
                    held.insert(entry.pipeline.name)
                    result.blockedByHeldRun.append((entry.name, entry.pipeline.name))
                }
                continue
            }
            log(outcome.summary)
            result.outcomes.append(outcome)
            if case .held = outcome.result { held.insert(entry.pipeline.name) }
        }
        return result
    }

    /// Ready files with their pipeline, oldest first. Refuses a file two pipelines would take.
    private func scan(_ result: inout InboxRunResult) throws(InboxError) -> [(name: String, pipeline: PipelineConfig)] {
        let moment = now()
        var ready: [(stat: InboxFileStat, pipeline: PipelineConfig)] = []
        result.settling = []
        result.unmatched = []
        let listing = FileSystem.list(layout.inbox).sorted()
        let names = Set(listing)
        for name in listing {
            guard let stat = FileSystem.inboxStat(path: layout.inbox + "/" + name, name: name) else { continue }
            if ReadinessGate.isTemporaryName(name) || ArrivalTracker.isMarker(name) { continue }
            let takers = pipelines.filter { $0.input.patterns.contains { Glob.matches($0, name) } }
            guard let taker = takers.first else {
                result.unmatched.append(name)
                continue
            }
            if takers.count > 1 {
                throw InboxError(message: "inbox file '\(name)' matches pipelines \(takers.map(\.name).joined(separator: " and ")); narrow their 'input.patterns' or name one with --pipeline")
            }
            if taker.input.requireDoneMarker && ArrivalTracker.marker(for: name, among: names) == nil {
                result.settling.append((name, .infinity))
                continue
            }
            switch gate.readiness(of: stat, now: moment) {
            case .ready: ready.append((stat, taker))
            case .settling(let seconds): result.settling.append((name, seconds))
            case .temporaryName: break
            }
        }
        ready.sort { ($0.stat.modified, $0.stat.name) < ($1.stat.modified, $1.stat.name) }
        return ready.map { ($0.stat.name, $0.pipeline) }
    }
}

/// One inbox file through one pipeline: claim, stage and diff, publish, commit state, archive;
/// or hold it, recognise it as a duplicate, quarantine it when it is broken, or give it back
/// when the failure is ours. `run` and `watch` share it.
///
/// State never runs ahead of the outbox: the run's state delta is made durable first, then the
/// run folder is renamed into place, then the delta is committed. A crash in between leaves a
/// delta that the next start commits (published) or drops (not published).
struct FileProcessor: Sendable {
    let layout: RootLayout
    let worker: WorkerIdentity
    let state: StateStore?
    let now: @Sendable () -> Date
    /// Renames the staged run into the outbox (`RunPublisher.publish`; tests put a failing one here).
    var publish: @Sendable (StagedRun, RootLayout) throws(OutputError) -> String = { run, layout throws(OutputError) in
        try RunPublisher.publish(run, layout: layout)
    }

    /// `nil` when another worker claimed the file first, when the pipeline has a held run (it
    /// may have been held by another worker meanwhile), or when stopped while waiting for
    /// another worker's run of the pipeline.
    func process(
        _ name: String, marker: String?, pipeline: PipelineConfig, sequence: Int, control: RunControl = RunControl(),
        claimed: (InboxClaim) -> Void = { _ in }
    ) -> FileOutcome? {
        // With a state store, the pipeline's runs go one at a time across workers: each diffs
        // against what the previous one committed. Released when this returns.
        var pipelineLock: PipelineLock?
        if state != nil {
            do {
                guard let lock = try PipelineLock.acquire(pipeline.name, layout: layout, control: control) else { return nil }
                pipelineLock = lock
            } catch {
                return outcome(name, pipeline, .failed("\(error); the file stays in the inbox"))
            }
            if HeldRuns.pipelines(layout: layout).contains(pipeline.name) { return nil }
            // A run published earlier whose commit failed or was cut short must be committed
            // first: diffing against the state before it would send its changes again.
            if let state, let stuck = CrashRecovery.settlePublishedDeltas(pipeline: pipeline.name, layout: layout, state: state) {
                return outcome(name, pipeline, .failed(
                    "run \(stuck) of this pipeline is published but its state commit still fails; nothing more is processed for the pipeline until it succeeds; the file stays in the inbox"))
            }
        }
        defer { withExtendedLifetime(pipelineLock) {} }
        let claim: InboxClaim
        do {
            guard let taken = try InboxClaim.take(name, marker: marker, layout: layout, worker: worker) else { return nil }
            claim = taken
        } catch {
            return outcome(name, pipeline, .failed("cannot claim the file: \(error); it stays in the inbox"))
        }
        claimed(claim)
        CrashPoint.afterClaim.reach(control: control)
        let startedAt = now()
        let stagingName = "\(worker.id)-\(sequence)"
        let staging = layout.staging + "/" + stagingName
        let stamp = String(RunID.make(startedAt: startedAt, sourceSHA256: "").dropLast())
        do {
            FileSystem.removeTree(staging)
            try FileSystem.makeDirectory(staging)
            if state != nil { try FileSystem.makeDirectory(layout.pendingDeltas) }
        } catch {
            return outcome(name, pipeline, .failed(returned(claim, after: "\(error)")))
        }
        let staged: StagedRun
        do {
            staged = try RunProcessor(config: pipeline).stage(
                inputPath: claim.path, sourceName: name, startedAt: startedAt, into: staging, control: control,
                state: state, deltaPrefix: state.map { _ in layout.pendingDeltas + "/" + stagingName }, preparesCommit: true)
        } catch {
            FileSystem.removeTree(staging)
            switch error {
            case .quarantine(let fault):
                do {
                    let movedTo = try claim.quarantine(fault, pipeline: pipeline.name, at: startedAt, stamp: stamp)
                    return outcome(name, pipeline, .quarantined(fault, movedTo: movedTo))
                } catch {
                    return outcome(name, pipeline, .failed(returned(claim, after: "cannot quarantine (\(fault)): \(error)")))
                }
            case .output(let error):
                return outcome(name, pipeline, .failed(returned(claim, after: "\(error)")))
            case .cancelled:
                do {
                    try claim.release()
                    return outcome(name, pipeline, .rolledBack)
                } catch {
                    return outcome(name, pipeline, .failed("stopped, but the claim could not be returned: \(error)"))
                }
            }
        }
        if let earlier = staged.duplicateOf {
            FileSystem.removeTree(staging)
            try? state?.record(RunRecord(
                runID: staged.runID, pipeline: pipeline.name, sourceName: name, sourceSHA256: staged.source.sha256,
                status: .duplicate, counts: RunCounts(), createdAt: startedAt, note: "same content as run \(earlier)"))
            return archived(claim, stamp: stamp, outcome(name, pipeline, .duplicate(earlierRun: earlier)))
        }
        if let reason = staged.heldReason {
            staged.preparedCommit?.abandon()
            return hold(staged, reason: reason, claim: claim, stamp: stamp, pipeline: pipeline)
        }
        CrashPoint.beforePublish.reach()
        let published: String
        // Set when the run reached the outbox but making that durable failed.
        var publishProblem: OutputError?
        do {
            published = try publish(staged, layout)
        } catch {
            // A failure after the rename (fsyncing the folders) leaves the run in the outbox,
            // where Prima's importer takes it: its state is committed like any published run's,
            // or the next run would send the same changes again.
            guard CrashRecovery.isPublished(pipeline: pipeline.name, runID: staged.runID, layout: layout) else {
                staged.preparedCommit?.abandon()
                FileSystem.removeTree(staging)
                if let delta = staged.deltaPath { unlink(delta) }
                return outcome(name, pipeline, .failed(returned(claim, after: "\(error)")))
            }
            published = layout.runFolder(pipeline: pipeline.name, runID: staged.runID)
            publishProblem = error
        }
        CrashPoint.afterPublish.reach()
        if let state, let delta = staged.deltaPath {
            do {
                if let prepared = staged.preparedCommit {
                    try prepared.commit()
                } else {
                    try state.apply(deltaAt: delta)
                }
            } catch {
                return archived(claim, stamp: stamp, outcome(name, pipeline, .failed(
                    "the run was published to \(published), but committing it to the state store failed (\(error)); the next start completes it from \(delta)")))
            }
        }
        CrashPoint.afterCommit.reach()
        let settled: FileOutcome.Result = publishProblem.map { problem in
            .failed("the run was published to \(published) and committed, but making the outbox durable failed (\(problem)); check the disk")
        } ?? .published(runDirectory: published, runID: staged.runID, counts: staged.counts, rejectsByRule: staged.rejectsByRule)
        let result = archived(claim, stamp: stamp, outcome(name, pipeline, settled))
        // The committed delta goes only now: until the input is archived, it is what tells the
        // next start that this worker's claim was published and committed (archive it, do not
        // process it again). Committing it twice is a no-op.
        if let delta = staged.deltaPath { unlink(delta) }
        CrashPoint.afterArchive.reach()
        return result
    }

    /// Keeps a run the guard stopped: complete in `outbox/.held/<pipeline>/`, its delta beside
    /// the state store, the input archived; `approve` publishes it, `discard` drops it.
    private func hold(_ staged: StagedRun, reason: String, claim: InboxClaim, stamp: String, pipeline: PipelineConfig) -> FileOutcome {
        let heldFolder = layout.held + "/" + pipeline.name
        let target = heldFolder + "/" + staged.runID
        do {
            try FileSystem.makeDirectory(heldFolder)
            try FileSystem.makeDirectory(layout.heldDeltas)
            if let delta = staged.deltaPath {
                try FileSystem.rename(delta, to: layout.heldDeltas + "/" + staged.runID + ".delta")
            }
            try FileSystem.rename(staged.directory, to: target)
            try FileSystem.syncDirectory(heldFolder)
            if var record = staged.record {
                record.status = .held
                record.counts = staged.counts
                record.note = reason
                try state?.record(record)
            }
        } catch {
            FileSystem.removeTree(staged.directory)
            return outcome(claim.name, pipeline, .failed(returned(claim, after: "the run was to be held (\(reason)) but could not be: \(error)")))
        }
        return archived(claim, stamp: stamp, outcome(claim.name, pipeline, .held(runID: staged.runID, reason: reason, heldAt: target)))
    }

    /// Archives the input after its run is settled; a failure to archive is reported, not hidden.
    private func archived(_ claim: InboxClaim, stamp: String, _ settled: FileOutcome) -> FileOutcome {
        do {
            _ = try claim.archive(stamp: stamp)
            return settled
        } catch {
            return FileOutcome(name: settled.name, pipeline: settled.pipeline, result: .failed(
                "\(settled.summary); but the input could not be archived (\(error)); it stays at \(claim.path) so it is not processed twice: move it to \(layout.archive)/ by hand"))
        }
    }

    /// Gives the claim back and says where the file now is.
    private func returned(_ claim: InboxClaim, after message: String) -> String {
        do {
            try claim.release()
            return "\(message); the file is back in the inbox and will be retried"
        } catch {
            return "\(message); the file could not be returned (\(error)) and stays at \(claim.path)"
        }
    }

    private func outcome(_ name: String, _ pipeline: PipelineConfig, _ result: FileOutcome.Result) -> FileOutcome {
        FileOutcome(name: name, pipeline: pipeline.name, result: result)
    }
}

/// Keeps a message on one line: file names may hold line breaks, and scripts read the summary
/// one line per file.
public enum OneLine {
    public static func text(_ text: String) -> String {
        guard text.utf8.contains(where: { $0 == 10 || $0 == 13 }) else { return text }
        return text.replacingOccurrences(of: "\r", with: "\\r").replacingOccurrences(of: "\n", with: "\\n")
    }
}

/// Shell-style name patterns (`*.csv.gz`), matched with fnmatch.
enum Glob {
    static func matches(_ pattern: String, _ name: String) -> Bool {
        fnmatch(pattern, name, 0) == 0
    }
}
