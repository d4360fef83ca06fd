import Foundation

/// Lets a long-running worker stop a run that is still staging (graceful shutdown past its
/// grace period). A cancelled run publishes nothing: its staging is removed and its input
/// returned to the inbox. Once publishing has begun, the run is finished instead.
public final class RunControl: @unchecked Sendable {
    // @unchecked: `cancelled` is only read and written while holding `lock`.
    private let lock = NSLock()
    private var cancelled = false

    public init() {}

    public func cancel() {
        lock.lock()
        cancelled = true
        lock.unlock()
    }

    public var isCancelled: Bool {
        lock.lock()
        defer { lock.unlock() }
        return cancelled
    }
}
