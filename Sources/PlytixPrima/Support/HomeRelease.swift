import Synchronization

/// Memory handed back to the thread that allocated it, so that it is freed there.
///
/// glibc's malloc gives each thread an arena of its own. A row built on one thread and freed on
/// another takes the first thread's arena lock while that thread allocates from it, and the two
/// then queue on a futex: about half a million futex calls in a 1M-row run. So a consumer hands
/// each batch back once it is done with it, and the producer frees what came back before it
/// builds its next batch.
final class HomeRelease<Element: Sendable>: Sendable {
    private let returned = Mutex<[Element]>([])

    /// The consumer is done with `element`; pass it by `consume`, so no reference stays behind.
    func handBack(_ element: consuming Element) {
        var handed = Optional(element)
        returned.withLock { $0.append(handed.take()!) }
    }

    /// Frees, on the calling thread, everything handed back so far.
    func releaseReturned() {
        var taken: [Element] = []
        returned.withLock { swap(&taken, &$0) }
        // `taken` goes out of scope here, outside the lock.
    }
}
