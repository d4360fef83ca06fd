import Foundation

/// Which pipelines have a run in progress (one at a time each, so state changes apply in
/// export order), and the controls to stop those runs at the end of a grace period.
final class RunBoard: @unchecked Sendable {
    // @unchecked: every stored property is only touched while holding `lock`.
    private let lock = NSLock()
    private var active: [String: RunControl] = [:]
    private var finishedSinceLastLook = false

    /// Marks `pipeline` busy and returns its run's control, or `nil` if it is busy already.
    func start(_ pipeline: String) -> RunControl? {
        lock.lock()
        defer { lock.unlock() }
        guard active[pipeline] == nil else { return nil }
        let control = RunControl()
        active[pipeline] = control
        return control
    }

    func finish(_ pipeline: String) {
        lock.lock()
        active[pipeline] = nil
        finishedSinceLastLook = true
        lock.unlock()
    }

    var activeCount: Int {
        lock.lock()
        defer { lock.unlock() }
        return active.count
    }

    /// Whether a run ended since the last call (the scheduler then looks at the inbox at once).
    func takeFinishedFlag() -> Bool {
        lock.lock()
        defer { lock.unlock() }
        let flag = finishedSinceLastLook
        finishedSinceLastLook = false
        return flag
    }

    func cancelAll() {
        lock.lock()
        let controls = Array(active.values)
        lock.unlock()
        for control in controls { control.cancel() }
    }
}
