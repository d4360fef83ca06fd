public import Foundation

/// Watches files arrive across polls and says which are ready: a pure value driven by the
/// times it is given, so it is tested without sleeping.
///
/// A file is ready once its size and times have stayed the same for `settleSeconds`, counted
/// from its last change (or from when a change was first noticed). Temporary upload names are
/// never ready. In marker mode only files with a `NAME.done` or `NAME.ok` beside them are.
public struct ArrivalTracker: Sendable, Equatable {
    public static let markerSuffixes = [".done", ".ok"]

    public var settleSeconds: Double
    public var requireMarker: Bool
    private var observations: [String: Observation] = [:]

    struct Observation: Sendable, Equatable {
        var size: Int64
        var modified: Date
        var changed: Date
        /// Since when the file has looked the same.
        var stableSince: Date
    }

    public init(settleSeconds: Double, requireMarker: Bool = false) {
        self.settleSeconds = settleSeconds
        self.requireMarker = requireMarker
    }

    /// Records one listing of the inbox (every file in it) and returns the ready names,
    /// oldest first (modification time, then name).
    public mutating func observe(_ files: [InboxFileStat], now: Date) -> [String] {
        let names = Set(files.map(\.name))
        observations = observations.filter { names.contains($0.key) }
        var ready: [InboxFileStat] = []
        for file in files {
            let lastChange = max(file.modified, file.changed)
            if var seen = observations[file.name],
                seen.size == file.size, seen.modified == file.modified, seen.changed == file.changed
            {
                seen.stableSince = min(seen.stableSince, now)
                observations[file.name] = seen
            } else {
                // New, or changed since the last look: stable from its last change at the earliest.
                let since = observations[file.name] == nil ? min(lastChange, now) : now
                observations[file.name] = Observation(size: file.size, modified: file.modified, changed: file.changed, stableSince: since)
            }
            guard isCandidate(file.name, among: names) else { continue }
            if now.timeIntervalSince(observations[file.name]!.stableSince) >= settleSeconds { ready.append(file) }
        }
        ready.sort { ($0.modified, $0.name) < ($1.modified, $1.name) }
        return ready.map(\.name)
    }

    /// Seconds until `name` may be ready, if it is being tracked and is not yet.
    public func remainingSeconds(for name: String, now: Date) -> Double? {
        guard let seen = observations[name] else { return nil }
        let remaining = settleSeconds - now.timeIntervalSince(seen.stableSince)
        return remaining > 0 ? remaining : nil
    }

    func isCandidate(_ name: String, among names: Set<String>) -> Bool {
        if ReadinessGate.isTemporaryName(name) || Self.isMarker(name) { return false }
        guard requireMarker else { return true }
        return Self.marker(for: name, among: names) != nil
    }

    /// A done marker is `NAME.done` or `NAME.ok`.
    public static func isMarker(_ name: String) -> Bool {
        markerSuffixes.contains { name.hasSuffix($0) && name.count > $0.count }
    }

    /// The marker that releases `name`, if present.
    public static func marker(for name: String, among names: Set<String>) -> String? {
        markerSuffixes.map { name + $0 }.first { names.contains($0) }
    }
}
