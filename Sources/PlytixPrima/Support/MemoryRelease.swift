#if canImport(Glibc)
@preconcurrency import Glibc
#endif

/// Hands memory the finished per-row threads freed back to the system. glibc keeps a freed
/// heap per thread arena, and the barrier pass allocates on another thread, so without this the
/// run's peak would be the first pass's peak plus the barrier pass's, not the larger of the two.
enum MemoryRelease {
    #if canImport(Glibc)
    private typealias Trim = @convention(c) (Int) -> Int32
    /// glibc's `malloc_trim` (from `<malloc.h>`, which the Glibc module does not export).
    private static let trim: Trim? = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "malloc_trim")
        .map { unsafeBitCast($0, to: Trim.self) }
    #endif

    static func returnFreedMemory() {
        #if canImport(Glibc)
        _ = trim?(0)
        #endif
    }
}
