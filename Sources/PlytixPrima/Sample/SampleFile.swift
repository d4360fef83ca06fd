#if canImport(Glibc)
@preconcurrency import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes whole blocks straight to a file descriptor; the caller does all the buffering.
final class SampleFile {
    let path: String
    private var descriptor: Int32
    private(set) var bytesWritten: Int64 = 0

    init(creating path: String) throws(SampleExportError) {
        self.path = path
        descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw SampleExportError("Cannot create \(path): \(Self.lastError()).") }
    }

    deinit {
        if descriptor >= 0 { _ = Self.closeDescriptor(descriptor) }
    }

    func write(_ bytes: [UInt8]) throws(SampleExportError) {
        let failure = bytes.withUnsafeBytes { POSIXWrite.all($0, to: descriptor) }
        if let failure { throw SampleExportError("Writing \(path) failed: \(String(cString: strerror(failure))).") }
        bytesWritten += Int64(bytes.count)
    }

    func close() throws(SampleExportError) {
        let result = Self.closeDescriptor(descriptor)
        descriptor = -1
        guard result == 0 else { throw SampleExportError("Closing \(path) failed: \(Self.lastError()).") }
    }

    /// Closes (if still open) and deletes the partial file after a failure.
    func discard() {
        if descriptor >= 0 { _ = Self.closeDescriptor(descriptor); descriptor = -1 }
        unlink(path)
    }

    private static func lastError() -> String { String(cString: strerror(errno)) }

    // Qualified so it does not resolve to this class's own `close`.
    #if canImport(Glibc)
    private static func closeDescriptor(_ fd: Int32) -> Int32 { Glibc.close(fd) }
    #else
    private static func closeDescriptor(_ fd: Int32) -> Int32 { Darwin.close(fd) }
    #endif
}
