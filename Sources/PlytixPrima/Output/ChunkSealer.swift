import Foundation
import Synchronization

/// Seals finished chunk files on a thread of its own while the next chunks are written: reads
/// each one back for the SHA-256 the manifest lists (the digest of what the file holds), then
/// fsyncs it, so the disk works while the CPU does. The thread writing the chunks (pass 2's,
/// which bounds it) so pays for neither. Durability is still checked at the end: the publisher
/// fsyncs every file before writing the manifest (cheap for a file synced here).
final class ChunkSealer: Sendable {
    private let channel = BatchChannel<String>(capacity: 4096)
    private let done = DispatchSemaphore(value: 0)
    /// What the sealing thread found, by path; shared with it (the thread holds no `self`, so
    /// dropping the sealer still ends the thread).
    private final class Sealed: Sendable {
        let digests = Mutex<[String: Result<FileDigest.Digest, OutputError>]>([:])
    }
    private let sealed = Sealed()

    init() {
        let channel = self.channel, done = self.done, sealed = self.sealed
        let thread = Thread {
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: FileDigest.readSize, alignment: 64)
            defer { buffer.deallocate() }
            while let path = channel.receive() {
                let digest = Self.seal(path, through: buffer)
                sealed.digests.withLock { $0[path] = digest }
            }
            done.signal()
        }
        thread.name = "plytix-prima chunk seal"
        thread.start()
    }

    /// A writer dropped half-way (the run failed): the thread drops what is queued and ends.
    deinit { channel.cancel() }

    /// Queues a closed file that nothing writes any more.
    func submit(_ path: String) { channel.send(path) }

    /// Waits until every submitted file is sealed; returns their digests by path. Throws the
    /// first failure (a file that could not be read back).
    func finish() throws(OutputError) -> [String: FileDigest.Digest] {
        channel.close()
        done.wait()
        var digests: [String: FileDigest.Digest] = [:]
        for (path, result) in sealed.digests.withLock({ $0 }).sorted(by: { $0.key < $1.key }) { digests[path] = try result.get() }
        return digests
    }

    private static func seal(_ path: String, through buffer: UnsafeMutableRawBufferPointer) -> Result<FileDigest.Digest, OutputError> {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return .failure(OutputError.system("open \(path) to hash it", errno)) }
        defer { close(descriptor) }
        switch FileDigest.contents(of: descriptor, through: buffer) {
        case .hashed(let digest):
            // Reported here: on Linux a write error that one fsync returned is not returned again
            // by the publisher's later fsync, so the manifest could name a file the disk lacks.
            guard fsync(descriptor) == 0 else { return .failure(OutputError.system("fsync \(path)", errno)) }
            return .success(digest)
        case .readFailed(let code):
            return .failure(OutputError.system("read \(path) back to hash it", code))
        case .stopped:
            return .failure(OutputError("hashing \(path) stopped"))
        }
    }
}
