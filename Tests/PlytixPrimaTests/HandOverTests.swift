import Foundation
import Synchronization
import Testing

@testable import PlytixPrima

/// The hand-overs between the run's threads: the bounded channel, and memory handed back to the
/// thread that made it.
@Suite(.timeLimit(.minutes(1))) struct HandOverTests {
    /// The threads `Tracked` instances were freed on.
    final class FreeLog: Sendable {
        let threads = Mutex<[pthread_t]>([])
    }

    /// Records the thread it is freed on.
    final class Tracked: Sendable {
        let log: FreeLog
        init(log: FreeLog) { self.log = log }
        deinit { log.threads.withLock { $0.append(pthread_self()) } }
    }

    /// Runs `body` on a thread of its own and waits for it.
    static func onThread(_ body: @escaping @Sendable () -> Void) {
        let done = DispatchSemaphore(value: 0)
        Thread {
            body()
            done.signal()
        }.start()
        done.wait()
    }

    @Test func handedBackMemoryIsFreedByTheThreadThatAsksForIt() {
        let freedOn = FreeLog()
        let home = HomeRelease<[Tracked]>()
        let homeThread = Mutex<pthread_t?>(nil)
        // Made on the main thread and handed back there, like a batch the consumer is done with.
        home.handBack((0..<3).map { _ in Tracked(log: freedOn) })
        home.handBack([Tracked(log: freedOn)])
        #expect(freedOn.threads.withLock { $0.isEmpty }, "nothing is freed before the home thread asks")
        Self.onThread {
            homeThread.withLock { $0 = pthread_self() }
            home.releaseReturned()
        }
        let threads = freedOn.threads.withLock { $0 }
        let expected = homeThread.withLock { $0 }!
        #expect(threads.count == 4)
        #expect(threads.allSatisfy { pthread_equal($0, expected) != 0 })
        #expect(threads.allSatisfy { pthread_equal($0, pthread_self()) == 0 })
        home.releaseReturned()
        #expect(freedOn.threads.withLock { $0.count } == 4, "each element is freed once")
    }

    /// Waking waiters only when the queue stops being empty or full: several producers and
    /// consumers around a two-place queue still hand over every element exactly once.
    @Test func everyElementArrivesOnceThroughASmallQueue() {
        let channel = BatchChannel<Int>(capacity: 2)
        let producers = 3, consumers = 2, perProducer = 20_000
        let received = Mutex<[Int]>([])
        let group = DispatchGroup()
        for consumer in 0..<consumers {
            group.enter()
            Thread {
                var mine: [Int] = []
                while let value = channel.receive() {
                    mine.append(value)
                    // One consumer slower than the other, so the queue both fills and empties.
                    if consumer == 0 && value % 1000 == 0 { usleep(200) }
                }
                received.withLock { $0 += mine }
                group.leave()
            }.start()
        }
        let sent = DispatchGroup()
        for producer in 0..<producers {
            sent.enter()
            Thread {
                for index in 0..<perProducer { #expect(channel.send(producer * perProducer + index)) }
                sent.leave()
            }.start()
        }
        sent.wait()
        channel.close()
        group.wait()
        let all = received.withLock { $0.sorted() }
        #expect(all.count == producers * perProducer && all.indices.allSatisfy { all[$0] == $0 })
    }

    /// A lone element in an empty queue, and a full queue emptied by one receive, each wake
    /// the thread waiting for them: two threads taking turns would otherwise wait for ever.
    @Test func threadsTakingTurnsWakeEachOther() {
        let requests = BatchChannel<Int>(capacity: 1), replies = BatchChannel<Int>(capacity: 1)
        let rounds = 5_000
        Thread {
            while let first = requests.receive(), let second = requests.receive() { replies.send(first + second) }
            replies.close()
        }.start()
        let sums = Mutex<[Int]>([])
        let done = DispatchSemaphore(value: 0)
        Thread {
            for round in 0..<rounds {
                // The second send waits until the first is taken.
                requests.send(round)
                requests.send(round)
                if let sum = replies.receive() { sums.withLock { $0.append(sum) } }
            }
            requests.close()
            done.signal()
        }.start()
        // A lost wake-up leaves both threads waiting: the test fails instead of hanging.
        guard done.wait(timeout: .now() + 30) == .success else {
            Issue.record("the threads stopped waking each other after \(sums.withLock { $0.count }) of \(rounds) rounds")
            return
        }
        let received = sums.withLock { $0 }
        #expect(received.count == rounds && received.indices.allSatisfy { received[$0] == 2 * $0 })
        #expect(replies.receive() == nil)
    }

    @Test func cancellingWakesAProducerWaitingOnAFullQueue() {
        let channel = BatchChannel<Int>(capacity: 1)
        #expect(channel.send(1))
        let result = Mutex<Bool?>(nil)
        let done = DispatchSemaphore(value: 0)
        Thread {
            let accepted = channel.send(2)  // blocks: the queue is full
            result.withLock { $0 = accepted }
            done.signal()
        }.start()
        usleep(20_000)
        channel.cancel()
        done.wait()
        #expect(result.withLock { $0 } == false)
        #expect(channel.receive() == nil)
    }
}
