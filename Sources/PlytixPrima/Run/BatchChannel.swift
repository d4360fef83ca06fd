import Foundation

/// A bounded hand-over between the reading thread and the mapping thread.
///
/// Bounded, so a fast reader cannot fill memory ahead of a slow mapper; either side can stop the
/// other (`close` when done, `cancel` when the consumer gives up).
///
/// A consumer waits only while the queue is empty and a producer only while it is full, so
/// waiters are woken only when the queue leaves one of those states. Waking on every hand-over
/// cost a futex call (a VM exit on this machine's kind of host) per batch on both sides.
final class BatchChannel<Element: Sendable>: @unchecked Sendable {
    // @unchecked: every stored property is read and written only while holding `condition`.
    private let condition = NSCondition()
    private var items: [Element] = []
    private let capacity: Int
    private var closed = false
    private var cancelled = false

    init(capacity: Int) { self.capacity = capacity }

    /// Blocks while full; returns `false` when the consumer cancelled (the producer should stop).
    @discardableResult
    func send(_ element: Element) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while items.count >= capacity && !cancelled { condition.wait() }
        guard !cancelled else { return false }
        items.append(element)
        if items.count == 1 { condition.broadcast() }
        return true
    }

    /// The producer is done; `receive` returns `nil` once the queue is empty.
    func close() {
        condition.lock()
        closed = true
        condition.broadcast()
        condition.unlock()
    }

    /// The consumer gives up: pending and future sends are dropped.
    func cancel() {
        condition.lock()
        cancelled = true
        items.removeAll()
        condition.broadcast()
        condition.unlock()
    }

    /// Blocks until an element arrives; `nil` after `close` once drained, or after `cancel`.
    func receive() -> Element? {
        condition.lock()
        defer { condition.unlock() }
        while items.isEmpty && !closed && !cancelled { condition.wait() }
        guard !items.isEmpty, !cancelled else { return nil }
        let wasFull = items.count >= capacity
        let element = items.removeFirst()
        if wasFull { condition.broadcast() }
        return element
    }

}
