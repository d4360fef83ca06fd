import Foundation

/// Which pipelines have a run in progress (one at a time each, so state changes apply in
/// export order), and the controls to stop those runs at the end of a grace period.
final class RunBoard: @unchecked Sendable {
    // @unchecked: every stored property is only touched while holding `lock`.
    private let lock = NSLock()
    private var active: [String: RunControl] = [:]
    private var finishedSinceLastLook = false
    /// Files whose last run failed through no fault of their own (disk full, outbox broken):
    /// retried after a growing delay instead of being reprocessed in a tight loop.
    private var failures: [String: (count: Int, retryAt: Date)] = [:]

    static let firstRetrySeconds = 30.0
    static let maxRetrySeconds = 900.0

    /// Records a failed run of `file`; returns the seconds until it may be tried again.
    func noteFailure(_ file: String, now: Date) -> Double {
        lock.lock()
        defer { lock.unlock() }
        let count = (failures[file]?.count ?? 0) + 1
        let delay = min(Self.maxRetrySeconds, Self.firstRetrySeconds * Double(1 << min(count - 1, 10)))
        failures[file] = (count, now.addingTimeInterval(delay))
        return delay
    }

    func noteDone(_ file: String) {
        lock.lock()
        failures[file] = nil
        lock.unlock()
    }

    func mayTry(_ file: String, now: Date) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        guard let failure = failures[file] else { return true }
        return now >= failure.retryAt
    }

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
