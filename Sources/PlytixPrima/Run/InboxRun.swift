public import Foundation

/// What happened to one inbox file.
public struct FileOutcome: Sendable {
    public enum Result: Sendable {
        case published(runDirectory: String, runID: String, counts: RunCounts, rejectsByRule: [String: Int])
        case quarantined(FileFault, movedTo: String)
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
            return "\(name): published \(counts.accepted) item(s), rejected \(counts.rejected), skipped \(counts.skipped) of \(counts.read) row(s) -> \(directory)"
        case .quarantined(let fault, let movedTo):
            return "\(name): QUARANTINED (\(fault)) -> \(movedTo)"
        case .failed(let message):
            return "\(name): FAILED: \(message)"
        case .rolledBack:
            return "\(name): stopped before publishing; returned to the inbox, nothing published"
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

    /// 0: all processed; 3: a file was quarantined; 1: another failure.
    public var exitCode: Int32 {
        if outcomes.contains(where: { if case .quarantined = $0.result { true } else { false } }) { return ExitStatus.quarantined }
        if outcomes.contains(where: { if case .failed = $0.result { true } else { false } }) { return ExitStatus.failure }
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
        if let name { return [try PipelineLoader.load(named: name, in: layout.pipelines)] }
        return try PipelineLoader.loadAll(in: layout.pipelines)
    }

    public func run(log: (String) -> Void = { _ in }) throws(InboxError) -> InboxRunResult {
        guard FileSystem.isDirectory(layout.inbox) else {
            throw InboxError(message: "\(layout.inbox) does not exist; run `plytix-prima init \(layout.root)` first")
        }
        var result = InboxRunResult()
        let plan = try scan(&result)
        let worker: WorkerIdentity
        do { worker = try WorkerIdentity(layout: layout) } catch {
            throw InboxError(message: "cannot register this worker: \(error)")
        }
        result.recovered = InboxClaim.recoverAbandoned(layout: layout, worker: worker)
        for name in result.recovered { log(OneLine.text("\(name): returned to the inbox from a worker that stopped mid-run")) }
        // Files a dead worker held are back in the inbox: take them in this pass too.
        let ready = result.recovered.isEmpty ? plan : try scan(&result)
        for (index, entry) in ready.enumerated() {
            guard let outcome = process(entry.name, pipeline: entry.pipeline, worker: worker, sequence: index) else { continue }
            log(outcome.summary)
            result.outcomes.append(outcome)
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

    private func process(_ name: String, pipeline: PipelineConfig, worker: WorkerIdentity, sequence: Int) -> FileOutcome? {
        let marker = pipeline.input.requireDoneMarker ? ArrivalTracker.marker(for: name, among: Set(FileSystem.list(layout.inbox))) : nil
        return FileProcessor(layout: layout, worker: worker, now: now).process(name, marker: marker, pipeline: pipeline, sequence: sequence)
    }
}

/// One inbox file through one pipeline: claim, stage, publish, archive; or quarantine when the
/// file is broken, or give it back when the failure is ours. `run` and `watch` share it.
struct FileProcessor: Sendable {
    let layout: RootLayout
    let worker: WorkerIdentity
    let now: @Sendable () -> Date

    /// `nil` when another worker claimed the file first.
    func process(
        _ name: String, marker: String?, pipeline: PipelineConfig, sequence: Int, control: RunControl = RunControl(),
        claimed: (InboxClaim) -> Void = { _ in }
    ) -> FileOutcome? {
        let claim: InboxClaim
        do {
            guard let taken = try InboxClaim.take(name, marker: marker, layout: layout, worker: worker) else { return nil }
            claim = taken
        } catch {
            return outcome(name, pipeline, .failed("cannot claim the file: \(error); it stays in the inbox"))
        }
        claimed(claim)
        let startedAt = now()
        let staging = layout.staging + "/\(worker.id)-\(sequence)"
        let stamp = String(RunID.make(startedAt: startedAt, sourceSHA256: "").dropLast())
        do {
            FileSystem.removeTree(staging)
            try FileSystem.makeDirectory(staging)
        } catch {
            return outcome(name, pipeline, .failed(returned(claim, after: "\(error)")))
        }
        let staged: StagedRun
        do {
            staged = try RunProcessor(config: pipeline).stage(
                inputPath: claim.path, sourceName: name, startedAt: startedAt, into: staging, control: control)
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
        let published: String
        do {
            published = try RunPublisher.publish(staged, layout: layout)
        } catch {
            FileSystem.removeTree(staging)
            return outcome(name, pipeline, .failed(returned(claim, after: "\(error)")))
        }
        do {
            _ = try claim.archive(stamp: stamp)
        } catch {
            return outcome(name, pipeline, .failed(
                "the run was published to \(published), but the input could not be archived (\(error)); it stays at \(claim.path) so it is not published twice: move it to \(layout.archive)/ by hand"))
        }
        return outcome(name, pipeline, .published(
            runDirectory: published, runID: staged.runID, counts: staged.counts, rejectsByRule: staged.rejectsByRule))
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
