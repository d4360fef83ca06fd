import Foundation

/// Pass 2's reading side, on a thread of its own: the spooled rows are read back and decoded,
/// each with what the catalogue and the SKU index say of its SKU, while the caller decides and
/// writes. Only lookups in what pass 1 finished are made here; every decision that needs the
/// relationship plan, and every write, stays with the caller, in input order.
///
/// Pass 2 ran on one core: on a second run, reading the spool and these lookups (cache misses
/// in million-entry tables) were a third of it.
final class SpoolPrefetch: Sendable {
    /// One spooled row and the lookups made for it.
    struct Row: Sendable {
        var record: SpoolRecord
        /// The SKU's record in the catalogue, for accepted and skipped rows (`nil` for others).
        var known: KnownCatalogue.Entry?
        /// The SKU's index entry when the export holds it more than once.
        var duplicate: SKUIndex.Entry?
        /// For an accepted row: whether a row of this export (`namedParents`), or a variant Prima
        /// has (`known`), names its product as its parent (`RelationshipPlan.isParent(_:known:)`).
        var isParent = false

        init(record: SpoolRecord) { self.record = record }
    }

    private enum Message: Sendable {
        case rows([Row])
        case failed(OutputError)
    }

    static let batchSize = 256
    private let channel = BatchChannel<Message>(capacity: 8)
    /// Batches the caller is done with, freed by the thread that read them (`HomeRelease`).
    private let home = HomeRelease<[Row]>()
    /// Left when the thread ends; a group, so that every later wait returns at once.
    private let finished = DispatchGroup()

    /// Starts reading `path`, a complete spool. `namedParents`: the parents this export's rows
    /// name (`RelationshipGraph.namedParents`).
    init(path: String, catalogue: KnownCatalogue?, index: SKUIndex, namedParents: FingerprintSet = FingerprintSet()) {
        let channel = self.channel, finished = self.finished, home = self.home
        finished.enter()
        let thread = Thread {
            defer {
                channel.close()
                finished.leave()
            }
            let spool: RowSpoolReader
            do throws(OutputError) {
                spool = try RowSpoolReader(path: path, releasingReadBytes: true)
            } catch {
                channel.send(.failed(error))
                return
            }
            var lookups: [Lookup] = []
            lookups.reserveCapacity(Self.batchSize)
            var failure: OutputError?
            while failure == nil {
                home.releaseReturned()
                var batch: [Row] = []
                batch.reserveCapacity(Self.batchSize)
                lookups.removeAll(keepingCapacity: true)
                do throws(OutputError) {
                    while batch.count < Self.batchSize, let record = try spool.next() {
                        batch.append(Row(record: record))
                        lookups.append(Lookup(record))
                    }
                } catch {
                    // The rows before it are handed over first.
                    failure = error
                }
                if !batch.isEmpty {
                    Self.lookUp(&batch, lookups, catalogue: catalogue, index: index, namedParents: namedParents)
                    guard channel.send(.rows(batch)) else { return }
                }
                if let failure { channel.send(.failed(failure)) }
                // A short batch was the last.
                if batch.count < Self.batchSize { return }
            }
        }
        thread.name = "plytix-prima spool"
        thread.start()
    }

    /// The next rows in spool order; `nil` after the last. Throws what reading the spool threw.
    func nextBatch() throws(OutputError) -> [Row]? {
        switch channel.receive() {
        case nil: return nil
        case .rows(let rows): return rows
        case .failed(let error): throw error
        }
    }

    /// The rows one at a time, in spool order.
    func rows() -> Rows { Rows(prefetch: self) }

    /// Hands out each row of a batch, then hands the batch back to the reading thread, which
    /// frees it (`HomeRelease`): freeing the rows here made the two threads queue on the
    /// allocator's lock for almost every row. Each row handed out is a copy that shares the
    /// batch's buffers, so a row the caller changes (an update's action, a new style's item
    /// type) copies its line first: a few percent of rows, against a lock taken for every one.
    struct Rows {
        let prefetch: SpoolPrefetch
        private var batch: [Row] = []
        private var position = 0

        init(prefetch: SpoolPrefetch) { self.prefetch = prefetch }

        mutating func next() throws(OutputError) -> Row? {
            if position == batch.count {
                var done: [Row] = []
                swap(&done, &batch)
                position = 0
                if !done.isEmpty { prefetch.home.handBack(done) }
                guard let next = try prefetch.nextBatch() else {
                    // The reading thread has stopped: what it did not free is freed here.
                    prefetch.home.releaseReturned()
                    return nil
                }
                batch = next
            }
            position += 1
            return batch[position - 1]
        }
    }

    /// Stops the thread if it is still reading (the caller gave up) and waits for it.
    func stop() {
        channel.cancel()
        finished.wait()
    }

    /// A batch's lookups, one table at a time, in loops of independent loads: the processor
    /// overlaps their cache misses instead of waiting for each in turn.
    private static func lookUp(
        _ batch: inout [Row], _ lookups: [Lookup], catalogue: KnownCatalogue?, index: SKUIndex, namedParents: FingerprintSet
    ) {
        if let catalogue {
            for row in batch.indices where lookups[row].wantsKnown {
                batch[row].known = catalogue.entry(for: lookups[row].key, slot: lookups[row].slot)
            }
        }
        for row in batch.indices {
            if let entry = index.entry(for: lookups[row].key), entry.isDuplicate { batch[row].duplicate = entry }
        }
        if !namedParents.isEmpty || catalogue != nil {
            for row in batch.indices where lookups[row].isAccepted {
                batch[row].isParent = RelationshipPlan.isParent(lookups[row].key, namedParents: namedParents, known: batch[row].known)
            }
        }
    }

    /// What is looked up for a record: its SKU, where pass 1 found it in the catalogue, and
    /// whether its catalogue record is wanted (accepted and skipped rows).
    private struct Lookup {
        var key: SKUFingerprint
        var slot: Int32?
        var wantsKnown: Bool
        var isAccepted = false

        init(_ record: SpoolRecord) {
            switch record {
            case .accepted(let row): (key, slot, wantsKnown, isAccepted) = (row.key, row.catalogueSlot, true, true)
            case .skipped(_, let sku, _): (key, slot, wantsKnown) = (SKUFingerprint(sku), nil, true)
            case .rejected(let reasons): (key, slot, wantsKnown) = (SKUFingerprint(reasons.first?.sku ?? ""), nil, false)
            case .unreadable(let fault): (key, slot, wantsKnown) = (SKUFingerprint(fault.sku), nil, false)
            }
        }
    }
}
