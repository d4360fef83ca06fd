import Foundation

/// Fsyncs finished chunk files on a thread of its own while the next chunks are written, so
/// the disk works while the CPU does. Durability is still checked at the end: the publisher
/// fsyncs every file before writing the manifest (cheap for a file already synced here).
final class BackgroundSync: Sendable {
    private let channel = BatchChannel<String>(capacity: 4096)
    private let done = DispatchSemaphore(value: 0)

    init() {
        let channel = self.channel, done = self.done
        let thread = Thread {
            while let path = channel.receive() { try? FileSystem.syncFile(path) }
            done.signal()
        }
        thread.name = "plytix-prima fsync"
        thread.start()
    }

    /// A writer dropped half-way (the run failed) lets the thread end instead of waiting forever.
    deinit { channel.close() }

    func submit(_ path: String) { channel.send(path) }

    /// Waits until every submitted file has been synced.
    func finish() {
        channel.close()
        done.wait()
    }
}
