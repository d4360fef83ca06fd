public import Foundation

/// What the inbox knows about one file at one moment.
public struct InboxFileStat: Sendable, Equatable {
    public var name: String
    public var size: Int64
    /// Last content modification (an SFTP client may set it to the source's time).
    public var modified: Date
    /// Last inode change; every write moves it and no client can set it back.
    public var changed: Date

    public init(name: String, size: Int64, modified: Date, changed: Date) {
        self.name = name
        self.size = size
        self.modified = modified
        self.changed = changed
    }
}

/// Whether an inbox file may be taken.
public enum Readiness: Sendable, Equatable {
    case ready
    /// An upload in progress under a temporary name, or a hidden file.
    case temporaryName
    /// Changed too recently; it may still be growing.
    case settling(remainingSeconds: Double)
}

/// Decides readiness from names and times alone: a pure value, tested without sleeping.
///
/// SFTP uploads are not atomic: a file can be seen while still growing or under a temporary
/// name, so a file is taken only once it has not changed for `settleSeconds`.
public struct ReadinessGate: Sendable, Equatable {
    public var settleSeconds: Double

    public static let temporarySuffixes = [".part", ".filepart", ".tmp", ".partial", ".crdownload"]

    public init(settleSeconds: Double) { self.settleSeconds = settleSeconds }

    public static func isTemporaryName(_ name: String) -> Bool {
        if name.hasPrefix(".") || name.hasPrefix("~") { return true }
        let lower = name.lowercased()
        return temporarySuffixes.contains { lower.hasSuffix($0) }
    }

    public func readiness(of file: InboxFileStat, now: Date) -> Readiness {
        if Self.isTemporaryName(file.name) { return .temporaryName }
        let lastChange = max(file.modified, file.changed)
        let age = now.timeIntervalSince(lastChange)
        // A clock step backwards must not make a file look settled.
        if age >= settleSeconds { return .ready }
        return .settling(remainingSeconds: settleSeconds - max(0, age))
    }
}
