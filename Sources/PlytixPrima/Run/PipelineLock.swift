import Foundation
#if canImport(Glibc)
@preconcurrency import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One run of a pipeline at a time on a root, across processes: a run diffs against the state
/// the previous run committed, so two workers staging runs of one pipeline side by side would
/// both send a new SKU as new (`A` twice) and could commit out of export order. Held from
/// before the claim to after the archive (`state/locks/<pipeline>.lock`, an `flock` the kernel
/// drops when the holder dies). Claims still decide which worker takes a file.
final class PipelineLock {
    private let descriptor: Int32

    private init(descriptor: Int32) { self.descriptor = descriptor }

    deinit {
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }

    static func path(for pipeline: String, layout: RootLayout) -> String { layout.state + "/locks/" + pipeline + ".lock" }

    /// Waits for the pipeline's lock; `nil` when `control` is cancelled first.
    static func acquire(_ pipeline: String, layout: RootLayout, control: RunControl = RunControl()) throws(OutputError) -> PipelineLock? {
        let path = path(for: pipeline, layout: layout)
        try FileSystem.makeDirectory(FileSystem.parentPath(of: path))
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw OutputError.system("open pipeline lock \(path)", errno) }
        // Polled rather than blocking, so a shutdown does not wait for another worker's run.
        while flock(fd, LOCK_EX | LOCK_NB) != 0 {
            let code = errno
            guard code == EWOULDBLOCK || code == EINTR else {
                close(fd)
                throw OutputError.system("lock pipeline lock \(path)", code)
            }
            if control.isCancelled {
                close(fd)
                return nil
            }
            usleep(20_000)
        }
        return PipelineLock(descriptor: fd)
    }
}
