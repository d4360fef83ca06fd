#if canImport(Glibc)
@preconcurrency import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads a file through its descriptor in large blocks; closes it on deinit.
public final class FileByteSource: ByteSource {
    /// The open file; `FileDigest` reads a duplicate of it with `pread`, never moving this offset.
    let descriptor: Int32
    public let path: String

    public init(path: String) throws(FileFault) {
        self.path = path
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            let cause = String(cString: strerror(errno))
            throw FileFault(.unreadable, "The file cannot be opened: \(cause).")
        }
        descriptor = fd
    }

    deinit { close(descriptor) }

    /// Tells the kernel the file will not be read again, so its cached pages are freed now: a
    /// 1.6 GB export's pages are then reused for the run's own output instead of fresh memory
    /// beside them (on a VM, memory the host has taken back costs system time to touch again).
    /// The file is unchanged; a later reader reads it from disk.
    func dropCachedPages() {
        #if canImport(Glibc)
        _ = posix_fadvise(descriptor, 0, 0, POSIX_FADV_DONTNEED)
        #endif
    }

    /// A regular file (not a pipe or device): it can be read twice at once with `pread`.
    var isRegularFile: Bool {
        var status = stat()
        return fstat(descriptor, &status) == 0 && (status.st_mode & S_IFMT) == S_IFREG
    }

    public func read(into buffer: UnsafeMutableRawBufferPointer) throws(FileFault) -> Int {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return 0 }
        while true {
            let count = Glibc.read(descriptor, base, buffer.count)
            if count >= 0 { return count }
            if errno == EINTR { continue }
            let cause = String(cString: strerror(errno))
            throw FileFault(.unreadable, "Reading the file failed: \(cause).")
        }
    }
}
