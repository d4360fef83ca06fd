import Foundation
#if canImport(Glibc)
@preconcurrency import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The few POSIX operations publishing depends on, with errors that say what failed.
enum FileSystem {
    static func exists(_ path: String) -> Bool {
        var info = Glibc.stat()
        return lstat(path, &info) == 0
    }

    static func isDirectory(_ path: String) -> Bool {
        var info = Glibc.stat()
        return fstatat(AT_FDCWD, path, &info, 0) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }

    /// Creates `path` (and parents) if missing; fsyncs the parent of each folder it creates.
    static func makeDirectory(_ path: String) throws(OutputError) {
        if isDirectory(path) { return }
        let parent = parentPath(of: path)
        if !parent.isEmpty && parent != path { try makeDirectory(parent) }
        if mkdir(path, 0o755) != 0 && errno != EEXIST { throw OutputError.system("create folder \(path)", errno) }
        try syncDirectory(parent.isEmpty ? "." : parent)
    }

    /// The folder holding `path` (`""` for a bare name). Plain string logic: Foundation's
    /// `deletingLastPathComponent` traps on some short relative paths on Linux.
    static func parentPath(of path: String) -> String {
        var trimmed = Substring(path)
        while trimmed.count > 1 && trimmed.hasSuffix("/") { trimmed = trimmed.dropLast() }
        guard let slash = trimmed.lastIndex(of: "/") else { return "" }
        let parent = trimmed[..<slash]
        return parent.isEmpty ? "/" : String(parent)
    }

    /// The last component of `path`.
    static func lastComponent(of path: String) -> String {
        var trimmed = Substring(path)
        while trimmed.count > 1 && trimmed.hasSuffix("/") { trimmed = trimmed.dropLast() }
        guard let slash = trimmed.lastIndex(of: "/") else { return String(trimmed) }
        return String(trimmed[trimmed.index(after: slash)...])
    }

    /// Makes a rename or a creation in `path` durable.
    static func syncDirectory(_ path: String) throws(OutputError) {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw OutputError.system("open folder \(path)", errno) }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw OutputError.system("fsync folder \(path)", errno) }
    }

    /// Makes a file's contents durable (any descriptor of the file will do).
    static func syncFile(_ path: String) throws(OutputError) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw OutputError.system("open \(path)", errno) }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw OutputError.system("fsync \(path)", errno) }
    }

    /// Atomic within one file system; fails rather than replacing an existing target.
    static func rename(_ from: String, to destination: String) throws(OutputError) {
        if exists(destination) { throw OutputError("cannot move \(from): \(destination) already exists") }
        guard Glibc.rename(from, destination) == 0 else { throw OutputError.system("move \(from) to \(destination)", errno) }
    }

    /// Moves a file to a name that must not exist yet, without a window in which another
    /// process could take that name: link(2) fails on an existing target, then the old name goes.
    /// Where hard links are not supported, falls back to a checked rename.
    static func moveWithoutReplacing(_ from: String, to destination: String) throws(OutputError) {
        if link(from, destination) == 0 {
            guard unlink(from) == 0 else { throw OutputError.system("remove \(from) after moving it", errno) }
            return
        }
        switch errno {
        case EEXIST: throw OutputError("cannot move \(from): \(destination) already exists")
        case ENOENT: throw OutputError.system("move \(from) to \(destination)", ENOENT)
        default: try rename(from, to: destination)
        }
    }

    /// `directory/name`, or a timestamped variant when that name is taken (re-uploads keep every copy).
    static func freeName(in directory: String, for name: String, stamp: String) -> String {
        if !exists(directory + "/" + name) { return name }
        var candidate = "\(stamp)-\(name)"
        var counter = 2
        while exists(directory + "/" + candidate) {
            candidate = "\(stamp)-\(counter)-\(name)"
            counter += 1
        }
        return candidate
    }

    static func inboxStat(path: String, name: String) -> InboxFileStat? {
        var info = Glibc.stat()
        guard fstatat(AT_FDCWD, path, &info, 0) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return nil }
        func date(_ spec: timespec) -> Date {
            Date(timeIntervalSince1970: Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9)
        }
        return InboxFileStat(name: name, size: Int64(info.st_size), modified: date(info.st_mtim), changed: date(info.st_ctim))
    }

    static func removeTree(_ path: String) {
        try? FileManager.default.removeItem(atPath: path)
    }

    static func list(_ directory: String) -> [String] {
        (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
    }
}
