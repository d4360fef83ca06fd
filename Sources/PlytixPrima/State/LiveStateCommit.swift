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
/// While it waits, the transaction holds the store's write lock: other writers (another
/// worker's commit, a finance intake) wait for it as they wait for any commit, here for about
/// as long as the second pass.
final class LiveStateCommit: Sendable {
    private enum Decision: Sendable { case commit, abandon }

    /// What the committing thread and the run share.
    private final class Exchange: Sendable {
        let decision = Mutex<Decision?>(nil)
        let decided = DispatchSemaphore(value: 0)
        let outcome = Mutex<Result<RunRecord?, any Error>?>(nil)
        let finished = DispatchSemaphore(value: 0)
    }

    /// How far the delta is written (its writer reports to it).
    private let growth: GrowingFile
    private let deltaPath: String
    private let store: StateStore
    private let exchange = Exchange()

    /// Set when `commit` applied the delta file because the prepared transaction failed.
    var committedFromDeltaFile: Bool { fellBack.load(ordering: .relaxed) }
    private let fellBack = Atomic<Bool>(false)

    /// Starts following the delta at `deltaPath`, which a `StateDeltaWriter` created with
    /// `growth` is writing. `busyTimeout`: how long the transaction waits for another writer.
    init(store: StateStore, deltaPath: String, growth: GrowingFile, busyTimeout: TimeInterval = 30) {
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
                configuration.busyMode = .timeout(busyTimeout)
                configuration.label = "plytix-prima state commit"
                let connection = try DatabaseQueue(path: storePath, configuration: configuration)
                var committed: RunRecord?
                try connection.writeWithoutTransaction { db in
                    try db.inTransaction(.immediate) {
                        let applied = try StateStore.applyEntries(of: reader, to: &run, in: db)
                        exchange.decided.wait()
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
    /// failed (the store was busy, a write failed), they are applied from the delta file.
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
