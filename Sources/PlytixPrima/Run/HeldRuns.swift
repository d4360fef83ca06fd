import Foundation

/// Runs the mass-change guard stopped, and what a person can do with them.
public enum HeldRuns {
    public struct Held: Sendable, Equatable {
        public var pipeline: String
        public var runID: String
        public var path: String
    }

    public static func list(layout: RootLayout) -> [Held] {
        FileSystem.list(layout.held).sorted().flatMap { pipeline in
            FileSystem.list(layout.held + "/" + pipeline).sorted().map {
                Held(pipeline: pipeline, runID: $0, path: layout.held + "/" + pipeline + "/" + $0)
            }
        }
    }

    static func pipelines(layout: RootLayout) -> Set<String> { Set(list(layout: layout).map(\.pipeline)) }

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// Publishes a held run and commits its state, exactly as `run` would have.
    public static func approve(_ runID: String, layout: RootLayout) throws(Failure) -> String {
        guard let held = list(layout: layout).first(where: { $0.runID == runID }) else {
            throw Failure(description: "no held run \(runID); `plytix-prima status` lists the held runs")
        }
        let state: StateStore
        do { state = try StateStore.open(layout: layout) } catch { throw Failure(description: "\(error)") }
        let heldDelta = layout.heldDeltas + "/" + runID + ".delta"
        let target = layout.runFolder(pipeline: held.pipeline, runID: runID)
        do {
            // Not while a run of the pipeline is staging against the state this commit changes.
            let lock = try PipelineLock.acquire(held.pipeline, layout: layout)
            defer { withExtendedLifetime(lock) {} }
            // The rename into the outbox is the point of no return; a crash after it leaves a held
            // delta whose run is published, which the next start commits (CrashRecovery).
            try FileSystem.makeDirectory(layout.outbox(pipeline: held.pipeline))
            try FileSystem.rename(held.path, to: target)
            try FileSystem.syncDirectory(layout.outbox(pipeline: held.pipeline))
            try state.apply(deltaAt: heldDelta)
            unlink(heldDelta)
        } catch {
            throw Failure(description: "approving \(runID) failed: \(error)")
        }
        return target
    }

    /// Drops a held run: nothing is published, state stays as it is; its input stays archived.
    public static func discard(_ runID: String, layout: RootLayout) throws(Failure) {
        guard let held = list(layout: layout).first(where: { $0.runID == runID }) else {
            throw Failure(description: "no held run \(runID); `plytix-prima status` lists the held runs")
        }
        do {
            // The same lock as approve: discarding a run while it is being approved must wait.
            let lock = try PipelineLock.acquire(held.pipeline, layout: layout)
            defer { withExtendedLifetime(lock) {} }
            guard FileSystem.exists(held.path) else { throw Failure(description: "\(runID) is no longer held") }
            let state = try StateStore.open(layout: layout)
            let delta = layout.heldDeltas + "/" + runID + ".delta"
            if var record = StateDelta.record(at: delta) {
                record.status = .discarded
                record.note = "discarded by an operator"
                try state.record(record)
            }
            unlink(delta)
            FileSystem.removeTree(held.path)
        } catch {
            throw Failure(description: "discarding \(runID) failed: \(error)")
        }
    }
}
