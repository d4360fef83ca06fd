import Crypto
#if canImport(Glibc)
@preconcurrency import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A file written through a large buffer, hashed as it is written, and fsynced on close:
/// what the manifest says about a file is what is on disk.
final class DurableFileWriter {
    let path: String
    private let descriptor: Int32
    private var buffer: [UInt8] = []
    private let flushThreshold = 1 << 20
    /// nil: not hashed here (`ChunkSealer` hashes the closed file on a thread of its own).
    private var hasher: SHA256?
    private(set) var bytesWritten: Int64 = 0
    private var closed = false

    /// `hashing`: false for a file whose digest is taken after it is closed (`finishUnhashed`).
    init(path: String, hashing: Bool = true) throws(OutputError) {
        self.path = path
        hasher = hashing ? SHA256() : nil
        descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw OutputError.system("create \(path)", errno) }
        buffer.reserveCapacity(flushThreshold + (64 << 10))
    }

    deinit {
        if !closed { close(descriptor) }
    }

    /// Bytes written so far, including what is still buffered.
    var size: Int64 { bytesWritten + Int64(buffer.count) }

    func write(_ bytes: some Sequence<UInt8>) throws(OutputError) {
        buffer.append(contentsOf: bytes)
        if buffer.count >= flushThreshold { try flush() }
    }

    func write(_ text: String) throws(OutputError) {
        try write(text.utf8)
    }

    private func flush() throws(OutputError) {
        guard !buffer.isEmpty else { return }
        let failure: Int32? = buffer.withUnsafeBytes { raw in
            hasher?.update(bufferPointer: raw)
            return POSIXWrite.all(raw, to: descriptor)
        }
        if let failure { throw OutputError.system("write \(path)", failure) }
        bytesWritten += Int64(buffer.count)
        buffer.removeAll(keepingCapacity: true)
    }

    /// Flushes and closes; returns the file's SHA-256 (hex) and size. With `sync`, fsyncs first;
    /// without, the caller fsyncs later (`FileSystem.syncFile`), e.g. a batch of chunks at once.
    func finish(sync: Bool = true) throws(OutputError) -> (sha256: String, bytes: Int64) {
        precondition(hasher != nil, "\(path) was written without hashing: finish it with finishUnhashed")
        let bytes = try finishUnhashed(sync: sync)  // hashes what was still buffered
        return (Hex.string(hasher!.finalize()), bytes)
    }

    /// Flushes and closes, as `finish` does, without a digest; returns the file's size.
    func finishUnhashed(sync: Bool = true) throws(OutputError) -> Int64 {
        try flush()
        if sync {
            guard fsync(descriptor) == 0 else { throw OutputError.system("fsync \(path)", errno) }
        }
        closed = true
        guard close(descriptor) == 0 else { throw OutputError.system("close \(path)", errno) }
        return bytesWritten
    }

    /// Writes a whole small file durably.
    static func write(_ bytes: [UInt8], to path: String) throws(OutputError) -> (sha256: String, bytes: Int64) {
        let writer = try DurableFileWriter(path: path)
        try writer.write(bytes)
        return try writer.finish()
    }
}

/// A failure to write output (disk full, permissions): the run is not published.
public struct OutputError: Error, Sendable, CustomStringConvertible {
    public let message: String

    public init(_ message: String) { self.message = message }

    static func system(_ action: String, _ code: Int32) -> OutputError {
        OutputError("\(action) failed: \(String(cString: strerror(code)))")
    }

    public var description: String { message }
}

enum Hex {
    static func string(_ digest: some Sequence<UInt8>) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        for byte in digest {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
