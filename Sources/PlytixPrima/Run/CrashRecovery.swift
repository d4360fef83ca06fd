import Foundation

/// Brings a root back to the crash-free outcome after a worker died mid-run.
enum CrashRecovery {
    /// Commits held runs whose approval was interrupted after their folder reached the outbox.
    static func settleApprovedDeltas(layout: RootLayout, state: StateStore?) {
        guard let state else { return }
        for name in FileSystem.list(layout.heldDeltas) where name.hasSuffix(".delta") {
            let path = layout.heldDeltas + "/" + name
            guard let run = StateDelta.header(at: path),
                FileSystem.exists(layout.outbox(pipeline: run.pipeline) + "/" + run.runID + "/" + RunManifest.fileName)
            else { continue }
            if (try? state.apply(deltaAt: path)) != nil { unlink(path) }
        }
    }

    /// For each state delta a dead worker left: if its run reached the outbox, commit it (the
    /// run was published, so state must follow); if not, drop it (nothing was published).
    /// Returns `false` when a delta could not be settled (it is kept for the next start).
    static func settleDeltas(of deadWorker: String, layout: RootLayout, state: StateStore?) -> Bool {
        var settled = true
        for name in FileSystem.list(layout.pendingDeltas) where name.hasPrefix(deadWorker + "-") && name.hasSuffix(".delta") {
            let path = layout.pendingDeltas + "/" + name
            guard let run = StateDelta.header(at: path) else {
                unlink(path)  // never completed: the run cannot have been published
                continue
            }
            let published = FileSystem.exists(layout.outbox(pipeline: run.pipeline) + "/" + run.runID + "/" + RunManifest.fileName)
            if published {
                guard let state, (try? state.apply(deltaAt: path)) != nil else {
                    settled = false
                    continue
                }
            }
            unlink(path)
        }
        return settled
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
    static let armed: CrashPoint? = ProcessInfo.processInfo.environment[environmentVariable].flatMap(CrashPoint.init)

    func reach() {
        if Self.armed == self { kill(getpid(), SIGKILL) }
    }
}
