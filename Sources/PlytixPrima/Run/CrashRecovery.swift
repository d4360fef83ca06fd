import Foundation

/// Brings a root back to the crash-free outcome after a worker died mid-run.
enum CrashRecovery {
    /// A run is published once its folder, with its manifest, is in the outbox: the rename is
    /// the commit point every recovery decision turns on.
    static func isPublished(_ run: RunRecord, layout: RootLayout) -> Bool {
        isPublished(pipeline: run.pipeline, runID: run.runID, layout: layout)
    }

    /// Whether the run's folder reached the outbox (its manifest is written before the rename).
    static func isPublished(pipeline: String, runID: String, layout: RootLayout) -> Bool {
        FileSystem.exists(layout.runFolder(pipeline: pipeline, runID: runID) + "/" + RunManifest.fileName)
    }

    /// Commits held runs whose approval was interrupted after their folder reached the outbox.
    static func settleApprovedDeltas(layout: RootLayout, state: StateStore?) {
        guard let state else { return }
        for name in FileSystem.list(layout.heldDeltas) where name.hasSuffix(".delta") {
            let path = layout.heldDeltas + "/" + name
            guard let run = StateDelta.header(at: path),
                isPublished(run, layout: layout)
            else { continue }
            if (try? state.apply(deltaAt: path)) != nil { unlink(path) }
        }
    }

    /// Called with the pipeline's lock held, before a run diffs: commits every delta of
    /// `pipeline` whose run was published but not committed, whichever worker wrote it. Under
    /// the lock no other run of the pipeline can be between its publish and its commit, and
    /// applying is idempotent, so this is always safe; it covers our own failed commits (a
    /// long-running `watch` is never a dead worker to itself) and a peer that died holding the
    /// lock just before we took it. Returns a run that still cannot be committed, or `nil`.
    static func settlePublishedDeltas(pipeline: String, layout: RootLayout, state: StateStore) -> String? {
        for name in FileSystem.list(layout.pendingDeltas) where name.hasSuffix(".delta") {
            let path = layout.pendingDeltas + "/" + name
            guard let run = StateDelta.header(at: path), run.pipeline == pipeline,
                isPublished(run, layout: layout)
            else { continue }
            guard (try? state.apply(deltaAt: path)) != nil else { return run.runID }
            unlink(path)
        }
        return nil
    }

    /// What settling a dead worker's state deltas found.
    struct Settlement {
        /// Runs it published that are now committed: their inputs are done and go to the archive.
        var committed: [RunRecord] = []
        /// Runs it published whose commit failed again: their inputs stay claimed until it succeeds.
        var uncommitted: [RunRecord] = []
        var complete: Bool { uncommitted.isEmpty }
    }

    /// For each state delta a dead worker left: if its run reached the outbox, commit it (the
    /// run was published, so state must follow; a delta already committed is a no-op); if not,
    /// drop it (nothing was published).
    static func settleDeltas(of deadWorker: String, layout: RootLayout, state: StateStore?) -> Settlement {
        var settlement = Settlement()
        for name in FileSystem.list(layout.pendingDeltas) where name.hasPrefix(deadWorker + "-") && name.hasSuffix(".delta") {
            let path = layout.pendingDeltas + "/" + name
            guard let run = StateDelta.header(at: path) else {
                unlink(path)  // never completed: the run cannot have been published
                continue
            }
            let published = isPublished(run, layout: layout)
            if published {
                guard let state, (try? state.apply(deltaAt: path)) != nil else {
                    settlement.uncommitted.append(run)
                    continue  // kept for the next start
                }
                settlement.committed.append(run)
            }
            unlink(path)
        }
        return settlement
    }
}

/// Named points at which a run can be made to kill itself (SIGKILL), for crash tests:
/// `PLYTIX_PRIMA_CRASH_AT=<point>` in the environment. Unset in production.
public enum CrashPoint: String, CaseIterable, Sendable {
    case afterClaim = "after-claim"
    case afterFirstChunk = "after-first-chunk"
    case beforePublish = "before-publish"
    case afterPublish = "after-publish"
    case afterCommit = "after-commit"
    case afterArchive = "after-archive"

    public static let environmentVariable = "PLYTIX_PRIMA_CRASH_AT"
    /// `PLYTIX_PRIMA_PAUSE_AT=<point>` holds a run there for `PLYTIX_PRIMA_PAUSE_SECONDS` (default 10)
    /// or until it is cancelled: lets tests signal a run mid-way without racing its speed.
    public static let pauseVariable = "PLYTIX_PRIMA_PAUSE_AT"
    static let armed: CrashPoint? = ProcessInfo.processInfo.environment[environmentVariable].flatMap(CrashPoint.init)
    static let paused: CrashPoint? = ProcessInfo.processInfo.environment[pauseVariable].flatMap(CrashPoint.init)
    static let pauseSeconds: Double = ProcessInfo.processInfo.environment["PLYTIX_PRIMA_PAUSE_SECONDS"].flatMap(Double.init) ?? 10

    func reach(control: RunControl? = nil) {
        if Self.armed == self { kill(getpid(), SIGKILL) }
        if Self.paused == self {
            let end = Date().addingTimeInterval(Self.pauseSeconds)
            while Date() < end && control?.isCancelled != true { usleep(20_000) }
        }
    }
}
