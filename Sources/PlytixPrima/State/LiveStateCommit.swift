import Foundation
import GRDB
import Synchronization

/// A run's state commit, prepared while the run still writes its outputs. A thread of its own
/// follows the state delta as the second pass writes it and applies it in a transaction on a
/// connection of its own; the transaction is committed once the run is published (`commit`)
/// or rolled back (`abandon`). A first run upserts every product, and this takes that work off
/// the time between the end of the second pass and the end of the run.
///
/// The delta file stays what a crash recovers from: a transaction never committed leaves no
/// trace in the store, and a commit whose preparation failed is made from the file instead.
///
/// The open transaction holds the store's write lock, which other writers (another
/// pipeline's commit in `watch`, a finance intake, `approve` in another process) wait for.
/// So the hold is bounded: a preparation that would keep the lock longer than `maximumHold`
/// (a very large run, a publish that takes long) rolls back and leaves the commit to the
/// delta file, as does one that cannot get the lock within `busyTimeout`. Other writers so
/// wait at most `maximumHold` (15 s) for a prepared commit, inside their own 30 s timeout;
/// for a commit made from the file they wait as long as it takes (~2.3 s for a million items).
final class LiveStateCommit: Sendable {
    private enum Decision: Sendable { case commit, abandon }

    /// Why a preparation stopped before its decision (the commit is then made from the file).
    enum Stop: Error, CustomStringConvertible {
        case abandoned
        case heldTooLong(seconds: TimeInterval)

        var description: String {
            switch self {
            case .abandoned: "the run was not published"
            case .heldTooLong(let seconds): "the prepared transaction would hold the store's write lock for more than \(Int(seconds)) s"
            }
        }
    }

    /// What the committing thread and the run share.
    private final class Exchange: Sendable {
        let decision = Mutex<Decision?>(nil)
        let decided = DispatchSemaphore(value: 0)
        let outcome = Mutex<Result<RunRecord?, any Error>?>(nil)
        let finished = DispatchSemaphore(value: 0)
        let applied = Atomic<Int>(0)

        var isAbandoned: Bool { decision.withLock { $0 } == .abandon }
    }

    /// How far the delta is written (its writer reports to it).
    private let growth: GrowingFile
    private let deltaPath: String
    private let store: StateStore
    private let exchange = Exchange()

    /// Set when `commit` applied the delta file because the prepared transaction failed.
    var committedFromDeltaFile: Bool { fellBack.load(ordering: .relaxed) }
    private let fellBack = Atomic<Bool>(false)

    /// Delta entries applied in the prepared transaction so far (counted in steps of 256).
    var entriesApplied: Int { exchange.applied.load(ordering: .relaxed) }

    /// Why the prepared transaction ended without waiting for the decision, once it has.
    var preparationFailure: (any Error)? {
        guard case .failure(let error)? = exchange.outcome.withLock({ $0 }) else { return nil }
        return error
    }

    /// Starts following the delta at `deltaPath`, which a `StateDeltaWriter` created with
    /// `growth` is writing. `busyTimeout`: how long to wait for the write lock;
    /// `maximumHold`: how long to keep it before the decision.
    init(
        store: StateStore, deltaPath: String, growth: GrowingFile, busyTimeout: TimeInterval = 30, maximumHold: TimeInterval = 15
    ) {
        self.store = store
        self.deltaPath = deltaPath
        self.growth = growth
        // The thread holds what it uses, not `self`: dropping the commit abandons it.
        let exchange = self.exchange, storePath = store.path
        let thread = Thread {
            let result = Result { () throws -> RunRecord? in
                let reader = try StateDeltaReader(path: deltaPath, following: growth)
                var run = reader.run
                run.status = .published
                var configuration = Configuration()
                // Waits for another writer, but not once the run is abandoned.
                let lockDeadline = Date().addingTimeInterval(busyTimeout)
                configuration.busyMode = .callback { _ in
                    guard !exchange.isAbandoned, Date() < lockDeadline else { return false }
                    usleep(2_000)
                    return true
                }
                configuration.label = "plytix-prima state commit"
                // As the store's pool has it (GRDB's WAL default), so both ways commit alike.
                configuration.prepareDatabase { db in try db.execute(sql: "PRAGMA synchronous = NORMAL") }
                let connection = try DatabaseQueue(path: storePath, configuration: configuration)
                var committed: RunRecord?
                try connection.writeWithoutTransaction { db in
                    try db.inTransaction(.immediate) {
                        let holdDeadline = Date().addingTimeInterval(maximumHold)
                        let applied = try StateStore.applyEntries(of: reader, to: &run, in: db) { count in
                            exchange.applied.store(count, ordering: .relaxed)
                            if exchange.isAbandoned { throw Stop.abandoned }
                            if Date() > holdDeadline { throw Stop.heldTooLong(seconds: maximumHold) }
                        }
                        let left = holdDeadline.timeIntervalSinceNow
                        guard exchange.decided.wait(timeout: .now() + max(0, left)) == .success else {
                            throw Stop.heldTooLong(seconds: maximumHold)
                        }
                        guard applied, exchange.decision.withLock({ $0 }) == .commit else { return .rollback }
                        try StateStore.recordCommitted(run, in: db)
                        committed = run
                        return .commit
                    }
                }
                return committed
            }
            exchange.outcome.withLock { $0 = result }
            exchange.finished.signal()
        }
        thread.name = "plytix-prima state commit"
        thread.start()
    }

    deinit { decide(.abandon) }

    /// Commits the run's state changes; call once the run is published. When preparing them
    /// failed (the store was busy, the lock would have been held too long, a write failed),
    /// they are applied from the delta file.
    @discardableResult
    func commit() throws -> RunRecord {
        guard decide(.commit) else { throw StateError("the state commit of \(deltaPath) was already decided") }
        switch exchange.outcome.withLock({ $0 }) {
        case .success(let run?)?: return run
        default:
            fellBack.store(true, ordering: .relaxed)
            return try store.apply(deltaAt: deltaPath)
        }
    }

    /// Rolls the prepared changes back: the run is held or was not published.
    func abandon() { decide(.abandon) }

    /// Tells the thread what to do and waits for it to end; `false` when already decided.
    @discardableResult
    private func decide(_ choice: Decision) -> Bool {
        let first = exchange.decision.withLock { current in
            guard current == nil else { return false }
            current = choice
            return true
        }
        guard first else { return false }
        // A delta that is no longer written ends here, so a thread still following it stops.
        if choice == .abandon { growth.end() }
        exchange.decided.signal()
        exchange.finished.wait()
        return true
    }
}
