import Foundation
#if canImport(Glibc)
@preconcurrency import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One running worker on a root, known by an exclusive lock it holds while alive.
///
/// Claims and staging folders carry the worker's id. The kernel drops the lock when the process
/// dies (even by SIGKILL), so another worker can tell a dead owner's leftovers from a live one's
/// without trusting process ids, which get reused.
public final class WorkerIdentity: Sendable {
    public let id: String
    private let lockDescriptor: Int32
    let layout: RootLayout

    /// `firstID` lets a test pick the first id tried; otherwise ids are random.
    init(layout: RootLayout, firstID: String? = nil) throws(OutputError) {
        self.layout = layout
        try FileSystem.makeDirectory(layout.claims)
        (id, lockDescriptor) = try Self.lock(in: layout.claims, firstID: firstID)
    }

    deinit {
        unlink(layout.claims + "/\(id).lock")
        close(lockDescriptor)
    }

    /// Creates and locks a fresh lock file. Until our flock, a peer sees the new file unheld,
    /// may judge it a dead worker's and remove it; so we lock (waiting out a peer's probe), then
    /// check that the path still names the file we hold, and start again if it does not.
    /// Peers can then trust that a live worker always has its lock file.
    private static func lock(in folder: String, firstID: String?) throws(OutputError) -> (String, Int32) {
        var random = SystemRandomNumberGenerator()
        var next = firstID
        while true {
            let id = next ?? "w\(getpid())-\(String(random.next() & 0xFFFF_FFFF, radix: 16))"
            next = nil
            let path = folder + "/\(id).lock"
            let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
            guard fd >= 0 else { throw OutputError.system("create worker lock in \(folder)", errno) }
            while flock(fd, LOCK_EX) != 0 {
                guard errno == EINTR else {
                    let code = errno
                    close(fd)
                    throw OutputError.system("lock worker lock", code)
                }
            }
            var held = Glibc.stat(), named = Glibc.stat()
            if fstat(fd, &held) == 0 && stat(path, &named) == 0 && held.st_ino == named.st_ino && held.st_dev == named.st_dev {
                return (id, fd)
            }
            close(fd)
        }
    }

    /// Workers whose lock file is left but no longer held: they died. Each comes with the
    /// descriptor that now holds its lock: keep it while recovering, so a new worker that
    /// happens to pick that file cannot start in the meantime; then `release` it.
    static func deadWorkers(layout: RootLayout, except live: String) -> [(id: String, lock: Int32)] {
        FileSystem.list(layout.claims).compactMap { name in
            guard name.hasSuffix(".lock") else { return nil }
            let id = String(name.dropLast(5))
            guard id != live else { return nil }
            let fd = open(layout.claims + "/" + name, O_RDWR | O_CLOEXEC)
            guard fd >= 0 else { return nil }
            guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
                close(fd)
                return nil
            }
            return (id, fd)
        }
    }

    /// Lets go of a dead worker's lock; with `remove`, first deletes its lock file (while still
    /// holding it). A lock file is kept while any of its claims is left, so the next start retries.
    static func release(_ dead: (id: String, lock: Int32), remove: Bool, layout: RootLayout) {
        if remove { unlink(layout.claims + "/" + dead.id + ".lock") }
        close(dead.lock)
    }
}
