import Crypto
import Foundation
import Synchronization

/// The SHA-256 of a whole input file, computed on a thread of its own while the reading thread
/// parses the same file: the file's identity (duplicate detection, run ids, the manifest) no
/// longer costs the reading thread, which bounds how fast a run goes.
///
/// It reads a duplicate of the reader's descriptor with `pread`, so both see the same file (even
/// if its name is reused meanwhile) and the reader's offset never moves. The reader compares
/// its byte count with the digest's: a file that changed under the run is caught.
final class FileDigest: Sendable {
    struct Digest: Sendable {
        var sha256: String
        var bytes: Int64
    }

    private let outcome = Mutex<Result<Digest, FileFault>?>(nil)
    private let stopped = Atomic<Bool>(false)
    private let finished = DispatchSemaphore(value: 0)

    init(source: FileByteSource) {
        let descriptor = fcntl(source.descriptor, F_DUPFD_CLOEXEC, 0)
        let thread = Thread { [self] in
            let result = Self.digest(descriptor: descriptor, stopped: stopped)
            if descriptor >= 0 { close(descriptor) }
            outcome.withLock { $0 = result }
            finished.signal()
        }
        thread.name = "plytix-prima digest"
        thread.start()
    }

    /// Waits for the digest. Call once.
    func result() throws(FileFault) -> Digest {
        finished.wait()
        return try outcome.withLock { $0 ?? .failure(FileFault(.unreadable, "The file's digest was not computed.")) }.get()
    }

    /// Stops early (the run gave up) and waits for the thread, so it never outlives the run.
    func cancel() {
        stopped.store(true, ordering: .relaxed)
        finished.wait()
    }

    private static func digest(descriptor: Int32, stopped: borrowing Atomic<Bool>) -> Result<Digest, FileFault> {
        guard descriptor >= 0 else {
            return .failure(FileFault(.unreadable, "The file cannot be opened a second time: \(String(cString: strerror(errno)))."))
        }
        switch contents(of: descriptor, until: { stopped.load(ordering: .relaxed) }) {
        case .hashed(let digest): return .success(digest)
        case .readFailed(let code): return .failure(FileFault(.unreadable, "Reading the file failed: \(String(cString: strerror(code)))."))
        case .stopped: return .failure(FileFault(.unreadable, "Stopped."))
        }
    }

    enum Reading {
        case hashed(Digest)
        case readFailed(errno: Int32)
        case stopped
    }

    /// The SHA-256 and size of everything `descriptor` holds, read with `pread` from its start
    /// (its offset never moves); `stop` is asked before each megabyte.
    static func contents(of descriptor: Int32, until stop: () -> Bool = { false }) -> Reading {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: readSize, alignment: 64)
        defer { buffer.deallocate() }
        return contents(of: descriptor, through: buffer, until: stop)
    }

    /// How much one `pread` asks for.
    static let readSize = 1 << 20

    /// `contents(of:until:)` reading through the caller's `buffer` (a thread that hashes file
    /// after file keeps one, rather than a megabyte allocated and freed per file).
    static func contents(of descriptor: Int32, through buffer: UnsafeMutableRawBufferPointer, until stop: () -> Bool = { false }) -> Reading {
        var hasher = SHA256()
        switch FileBlocks.read(descriptor, through: buffer, until: stop, { hasher.update(bufferPointer: $0) }) {
        case .end(let bytes): return .hashed(Digest(sha256: Hex.string(hasher.finalize()), bytes: bytes))
        case .readFailed(let code): return .readFailed(errno: code)
        case .stopped: return .stopped
        }
    }
}

/// A whole file read block by block through a caller's buffer, with `pread` from its start
/// (so the descriptor's offset never moves, and a duplicate of another reader's can be used).
enum FileBlocks {
    enum Ending {
        /// Read to its end: how many bytes it held.
        case end(bytes: Int64)
        case readFailed(errno: Int32)
        case stopped
    }

    /// Hands every block to `body`; `stop` is asked before each read.
    static func read(
        _ descriptor: Int32, through buffer: UnsafeMutableRawBufferPointer, until stop: () -> Bool = { false },
        _ body: (UnsafeRawBufferPointer) -> Void
    ) -> Ending {
        var offset: Int64 = 0
        while !stop() {
            let count = pread(descriptor, buffer.baseAddress, buffer.count, off_t(offset))
            if count < 0 {
                if errno == EINTR { continue }
                return .readFailed(errno: errno)
            }
            if count == 0 { return .end(bytes: offset) }
            body(UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
            offset += Int64(count)
        }
        return .stopped
    }
}

/// An input file opened for reading while its identity (SHA-256 and size) is taken: a regular
/// file is hashed by a `FileDigest` thread; a pipe or other stream, readable only once, is
/// hashed as it is read.
final class IdentifiedInput {
    /// What the reader reads.
    let source: any ByteSource
    private let counting: CountingByteSource?
    private let hashing: HashingByteSource?
    private let digest: FileDigest?
    private var settled = false
    private let file: FileByteSource

    init(file: FileByteSource) {
        self.file = file
        if file.isRegularFile {
            let counting = CountingByteSource(upstream: file)
            (self.counting, hashing, digest, source) = (counting, nil, FileDigest(source: file), counting)
        } else {
            let hashing = HashingByteSource(upstream: file)
            (counting, self.hashing, digest, source) = (nil, hashing, nil, hashing)
        }
    }

    /// A reader that gave up stops the digest thread and waits for it.
    deinit { if !settled { digest?.cancel() } }

    /// Reads what the reader left (trailing bytes), then the whole file's SHA-256 and size.
    func finish() throws(FileFault) -> FileDigest.Digest {
        if let hashing {
            let sha256 = try hashing.finish()
            return FileDigest.Digest(sha256: sha256, bytes: hashing.bytesRead)
        }
        guard let counting, let digest else { throw FileFault(.unreadable, "The file's digest was not computed.") }
        let bytes = try counting.finish()
        settled = true
        let whole = try digest.result()
        guard whole.bytes == bytes else {
            throw FileFault(.unreadable, "The file changed while it was read (\(bytes) bytes read, \(whole.bytes) hashed): it was still being written or was replaced. Drop it again once it is complete.")
        }
        // Read through by the reader and the digest alike: nothing in the run reads it again but
        // the rare re-read of rows whose item type changed.
        file.dropCachedPages()
        return whole
    }
}

/// Counts what a consumer reads (`FileDigest` hashes the same file on another thread).
final class CountingByteSource: ByteSource {
    private let upstream: any ByteSource
    private(set) var bytesRead: Int64 = 0

    init(upstream: any ByteSource) { self.upstream = upstream }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws(FileFault) -> Int {
        let count = try upstream.read(into: buffer)
        bytesRead += Int64(count)
        return count
    }

    /// Reads what the consumer left unread (trailing bytes); returns the total.
    func finish() throws(FileFault) -> Int64 {
        try readToEnd()
        return bytesRead
    }
}
