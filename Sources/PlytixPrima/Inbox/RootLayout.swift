/// The folders under a root (`--root DIR`), as `plytix-prima init` creates them.
public struct RootLayout: Sendable, Equatable {
    public let root: String

    public init(root: String) {
        var root = root.isEmpty ? "." : root
        while root.count > 1 && root.hasSuffix("/") { root.removeLast() }
        self.root = root
    }

    public var inbox: String { root + "/inbox" }
    public var outbox: String { root + "/outbox" }
    public var pipelines: String { root + "/pipelines" }
    /// Inputs whose runs were published; never deleted.
    public var archive: String { inbox + "/archive" }
    /// Structurally broken inputs, each with `NAME.reason.txt`.
    public var failed: String { inbox + "/failed" }
    /// Inputs being processed, renamed here so that one worker owns each.
    public var claims: String { inbox + "/.claims" }
    /// Runs being written; renamed into `outbox/<pipeline>/` when complete.
    public var staging: String { outbox + "/.staging" }

    public func outbox(pipeline: String) -> String { outbox + "/" + pipeline }
    /// A published run's folder: `outbox/<pipeline>/<run-id>`.
    public func runFolder(pipeline: String, runID: String) -> String { outbox(pipeline: pipeline) + "/" + runID }
    /// The state store (`plytix-prima.sqlite`) and the state deltas of runs being committed.
    public var state: String { root + "/state" }
    public var pendingDeltas: String { state + "/pending" }
    /// Runs held by the mass-change guard: complete, not published, awaiting approve or discard.
    public var held: String { outbox + "/.held" }
    public var heldDeltas: String { state + "/held" }
}
