public import Foundation
public import Logging
public import ServiceLifecycle

/// `plytix-prima watch`: the long-running file-drop worker. It polls the inbox, takes each
/// file once it has settled (or its done marker arrived), runs it through the same code path
/// as `run`, and on SIGTERM or SIGINT stops claiming, lets the run in progress finish within
/// the grace period, or rolls it back (claim returned, nothing published).
public struct WatchService: Service {
    public struct Options: Sendable {
        public var layout: RootLayout
        public var pollSeconds: Double = 2
        public var settleSeconds: Double = 5
        public var graceSeconds: Double = 30

        public init(layout: RootLayout, pollSeconds: Double = 2, settleSeconds: Double = 5, graceSeconds: Double = 30) {
            self.layout = layout
            self.pollSeconds = pollSeconds
            self.settleSeconds = settleSeconds
            self.graceSeconds = graceSeconds
        }
    }

    /// Why the worker cannot start (exit 2).
    public struct StartError: Error, CustomStringConvertible {
        public let description: String
    }

    let options: Options
    let logger: Logger
    let now: @Sendable () -> Date

    public init(options: Options, logger: Logger, now: @escaping @Sendable () -> Date = Date.init) {
        self.options = options
        self.logger = logger
        self.now = now
    }

    public func run() async throws {
        let layout = options.layout
        guard FileSystem.isDirectory(layout.inbox) else {
            throw StartError(description: "\(layout.inbox) does not exist; run `plytix-prima init \(layout.root)` first")
        }
        var pipelines = PipelineSet(directory: layout.pipelines)
        pipelines.refresh(logger: logger)
        guard !pipelines.pipelines.isEmpty else {
            throw StartError(description: "no valid pipeline in \(layout.pipelines)")
        }
        let state: StateStore
        do { state = try StateStore.open(layout: layout) } catch {
            throw StartError(description: "\(error)")
        }
        let worker: WorkerIdentity
        do { worker = try WorkerIdentity(layout: layout) } catch {
            throw StartError(description: "cannot register this worker: \(error)")
        }
        logger.info("watching", metadata: [
            "root": "\(layout.root)", "worker": "\(worker.id)", "poll_seconds": "\(options.pollSeconds)",
            "settle_seconds": "\(options.settleSeconds)",
        ])
        let board = RunBoard()
        var tracker = ArrivalTracker(settleSeconds: options.settleSeconds)
        var scheduler = Scheduler(layout: layout, worker: worker, state: state, logger: logger, now: now)
        scheduler.referenceGate = ReadinessGate(settleSeconds: options.settleSeconds)
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            for name in InboxClaim.recoverAbandoned(layout: layout, worker: worker, state: state) {
                logger.warning("returned", metadata: ["file": "\(name)", "why": "claimed by a worker that stopped mid-run"])
            }
            pipelines.refresh(logger: logger)
            scheduler.poll(pipelines: pipelines.pipelines, tracker: &tracker, board: board)
            // A zero poll would list the inbox in a busy loop.
            await pause(seconds: max(options.pollSeconds, 0.05), board: board)
        }
        await shutDown(board: board)
    }

    /// Sleeps up to `seconds`, waking early for a shutdown or when a run ends (a backlog then
    /// moves on at once rather than one file per poll).
    private func pause(seconds: Double, board: RunBoard) async {
        let end = now().addingTimeInterval(seconds)
        while now() < end && !Task.isShuttingDownGracefully && !Task.isCancelled {
            if board.takeFinishedFlag() { return }
            try? await Task.sleep(nanoseconds: 50_000_000)
        }
    }

    private func shutDown(board: RunBoard) async {
        logger.info("shutting_down", metadata: ["runs_in_progress": "\(board.activeCount)", "grace_seconds": "\(options.graceSeconds)"])
        let deadline = now().addingTimeInterval(options.graceSeconds)
        while board.activeCount > 0 && now() < deadline {
            try? await Task.sleep(nanoseconds: 50_000_000)
        }
        if board.activeCount > 0 {
            logger.warning("grace_period_over", metadata: ["action": "rolling back the runs in progress"])
            board.cancelAll()
            while board.activeCount > 0 { try? await Task.sleep(nanoseconds: 50_000_000) }
        }
        logger.info("stopped")
    }
}

/// Decides, on each poll, which ready files start a run, and logs what it sees.
struct Scheduler {
    let layout: RootLayout
    let worker: WorkerIdentity
    let state: StateStore
    let logger: Logger
    let now: @Sendable () -> Date
    private var seen: Set<String> = []
    /// Files already reported as taken by no pipeline or by several (logged once each).
    private var reported: Set<String> = []
    private var sequence = 0
    /// When a Prima reference file is ready (settle time as for exports).
    var referenceGate = ReadinessGate(settleSeconds: 5)

    init(layout: RootLayout, worker: WorkerIdentity, state: StateStore, logger: Logger, now: @escaping @Sendable () -> Date) {
        self.layout = layout
        self.worker = worker
        self.state = state
        self.logger = logger
        self.now = now
    }

    mutating func poll(pipelines: [PipelineConfig], tracker: inout ArrivalTracker, board: RunBoard) {
        let listing = FileSystem.list(layout.inbox).sorted()
        let names = Set(listing)
        let stats = listing.compactMap { FileSystem.inboxStat(path: layout.inbox + "/" + $0, name: $0) }
        for stat in stats where !seen.contains(stat.name) && !ReadinessGate.isTemporaryName(stat.name) && !ArrivalTracker.isMarker(stat.name) {
            logger.info("seen", metadata: ["file": "\(stat.name)", "bytes": "\(stat.size)"])
        }
        seen = Set(stats.map(\.name))
        reported = reported.intersection(names)
        let held = HeldRuns.pipelines(layout: layout)
        startReferenceIntakes(pipelines: pipelines, board: board)
        for name in tracker.observe(stats, now: now()) where board.mayTry(name, now: now()) {
            guard let pipeline = taker(for: name, among: pipelines) else { continue }
            // Later exports wait behind a held run, so state changes apply in export order.
            guard !held.contains(pipeline.name) else { continue }
            var marker: String?
            if pipeline.input.requireDoneMarker {
                guard let found = ArrivalTracker.marker(for: name, among: names) else { continue }
                marker = found
            }
            guard let control = board.start(pipeline.name) else { continue }
            sequence += 1
            start(name, marker: marker, pipeline: pipeline, control: control, board: board)
        }
    }

    private mutating func taker(for name: String, among pipelines: [PipelineConfig]) -> PipelineConfig? {
        let takers = pipelines.filter { $0.input.patterns.contains { Glob.matches($0, name) } }
        if takers.count == 1 { return takers[0] }
        if reported.insert(name).inserted {
            if takers.isEmpty {
                logger.notice("ignored", metadata: ["file": "\(name)", "why": "no pipeline's patterns match it"])
            } else {
                logger.error("ambiguous", metadata: ["file": "\(name)", "pipelines": "\(takers.map(\.name).joined(separator: ","))", "action": "not taken; narrow the patterns"])
            }
        }
        return nil
    }

    /// Prima reference files take their pipeline's run slot before its exports, so the next
    /// export compares with the newest snapshot.
    private func startReferenceIntakes(pipelines: [PipelineConfig], board: RunBoard) {
        for pipeline in pipelines where ReferenceFileIntake.takesReferences(pipeline) {
            let intake = ReferenceFileIntake(layout: layout, pipeline: pipeline, state: state, workerID: worker.id, now: now)
            guard !intake.readyFiles(gate: referenceGate, at: now()).isEmpty, let control = board.start(pipeline.name) else { continue }
            let logger = self.logger, gate = referenceGate
            let thread = Thread {
                defer { board.finish(pipeline.name) }
                for outcome in intake.ingestReady(gate: gate, control: control) { WatchLog.log(outcome, to: logger) }
            }
            thread.name = "plytix-prima reference intake"
            thread.start()
        }
    }

    /// Runs one file on a thread of its own: the run blocks on I/O and CPU, which must not
    /// hold one of the few cooperative threads.
    private func start(_ name: String, marker: String?, pipeline: PipelineConfig, control: RunControl, board: RunBoard) {
        let processor = FileProcessor(layout: layout, worker: worker, state: state, now: now)
        let logger = self.logger, sequence = self.sequence, now = self.now
        let thread = Thread {
            defer { board.finish(pipeline.name) }
            let outcome = processor.process(name, marker: marker, pipeline: pipeline, sequence: sequence, control: control) { _ in
                logger.info("claimed", metadata: ["file": "\(name)", "pipeline": "\(pipeline.name)"])
            }
            guard let outcome else { return }
            var retry: Double?
            if case .failed = outcome.result { retry = board.noteFailure(name, now: now()) } else { board.noteDone(name) }
            WatchLog.log(outcome, retryInSeconds: retry, to: logger)
        }
        thread.name = "plytix-prima run"
        thread.start()
    }
}

enum WatchLog {
    static func log(_ outcome: ReferenceOutcome, to logger: Logger) {
        var metadata: Logger.Metadata = ["file": "\(outcome.name)", "pipeline": "\(outcome.pipeline)", "kind": "\(outcome.kind.rawValue)"]
        switch outcome.result {
        case .loaded(let folder, let intakeID, let rows, let rejected):
            metadata["intake_id"] = "\(intakeID)"
            metadata["rows"] = "\(rows)"
            metadata["rejected"] = "\(rejected)"
            metadata["intake_folder"] = "\(folder)"
            logger.info("reference_loaded", metadata: metadata)
        case .quarantined(let fault, let movedTo):
            metadata["reason"] = "\(fault)"
            metadata["moved_to"] = "\(movedTo)"
            logger.error("reference_quarantined", metadata: metadata)
        case .failed(let message):
            metadata["error"] = "\(message)"
            logger.error("reference_failed", metadata: metadata)
        }
    }

    static func log(_ outcome: FileOutcome, retryInSeconds: Double? = nil, to logger: Logger) {
        var metadata: Logger.Metadata = ["file": "\(outcome.name)", "pipeline": "\(outcome.pipeline)"]
        switch outcome.result {
        case .published(let directory, let runID, let counts, _):
            metadata["run_id"] = "\(runID)"
            metadata["read"] = "\(counts.read)"
            metadata["accepted"] = "\(counts.accepted)"
            metadata["rejected"] = "\(counts.rejected)"
            metadata["skipped"] = "\(counts.skipped)"
            // What reached Prima: the diff's counts (issue 3), not only the row counts.
            metadata["new"] = "\(counts.new)"
            metadata["updated"] = "\(counts.updated)"
            metadata["unchanged"] = "\(counts.unchanged)"
            metadata["discontinued"] = "\(counts.discontinued)"
            metadata["stale"] = "\(counts.stale)"
            metadata["run_folder"] = "\(directory)"
            logger.info("published", metadata: metadata)
        case .quarantined(let fault, let movedTo):
            metadata["reason"] = "\(fault)"
            metadata["moved_to"] = "\(movedTo)"
            logger.error("quarantined", metadata: metadata)
        case .failed(let message):
            metadata["error"] = "\(message)"
            if let retryInSeconds { metadata["retry_in_seconds"] = "\(Int(retryInSeconds))" }
            logger.error("failed", metadata: metadata)
        case .rolledBack:
            logger.warning("rolled_back", metadata: metadata)
        case .held(let runID, let reason, let heldAt):
            metadata["run_id"] = "\(runID)"
            metadata["reason"] = "\(reason)"
            metadata["held_at"] = "\(heldAt)"
            logger.warning("held", metadata: metadata)
        case .duplicate(let earlier):
            metadata["earlier_run_id"] = "\(earlier)"
            logger.notice("duplicate", metadata: metadata)
        }
    }
}
