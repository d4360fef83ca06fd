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

    init(layout: RootLayout) throws(OutputError) {
        self.layout = layout
        try FileSystem.makeDirectory(layout.claims)
        var random = SystemRandomNumberGenerator()
        let id = "w\(getpid())-\(String(random.next() & 0xFFFF_FFFF, radix: 16))"
        let fd = open(layout.claims + "/\(id).lock", O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw OutputError.system("create worker lock in \(layout.claims)", errno) }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else { throw OutputError.system("lock worker lock", errno) }
        self.id = id
        self.lockDescriptor = fd
    }

    deinit {
        unlink(layout.claims + "/\(id).lock")
        close(lockDescriptor)
    }

    /// Ids of workers whose lock file is left but no longer held: they died.
    static func deadWorkers(layout: RootLayout, except live: String) -> [String] {
        FileSystem.list(layout.claims).compactMap { name in
            guard name.hasSuffix(".lock") else { return nil }
            let id = String(name.dropLast(5))
            guard id != live else { return nil }
            let fd = open(layout.claims + "/" + name, O_RDWR | O_CLOEXEC)
            guard fd >= 0 else { return nil }
            defer { close(fd) }
            return flock(fd, LOCK_EX | LOCK_NB) == 0 ? id : nil
        }
    }
}
