import Foundation

/// An inbox file this worker owns: renamed atomically into `inbox/.claims/` so that no other
/// worker takes it (a rename, which only one of two racing workers can win), then archived (published), quarantined (broken) or returned (not our fault).
public struct InboxClaim: Sendable {
    /// The name the file arrived under.
    public let name: String
    /// Where the file sits while claimed.
    public let path: String
    /// The done marker (`NAME.done`, `NAME.ok`) that released the file, if any. It is claimed with
    /// the file (kept at `path` + its suffix) and follows it to the archive, failed/ or back to the inbox.
    public var marker: String? = nil
    let layout: RootLayout

    static let separator = "~"

    /// Claims `inbox/NAME`; `nil` when another worker took it first (or it vanished).
    static func take(_ name: String, marker: String? = nil, layout: RootLayout, worker: WorkerIdentity) throws(OutputError) -> InboxClaim? {
        let claimed = layout.claims + "/" + worker.id + separator + name
        do {
            try FileSystem.rename(layout.inbox + "/" + name, to: claimed)
        } catch {
            if !FileSystem.exists(layout.inbox + "/" + name) { return nil }
            throw error
        }
        // Take the marker now: one arriving later belongs to the next upload under the same name.
        var taken: String?
        if let marker, (try? FileSystem.rename(layout.inbox + "/" + marker, to: claimed + String(marker.dropFirst(name.count)))) != nil {
            taken = marker
        }
        return InboxClaim(name: name, path: claimed, marker: taken, layout: layout)
    }

    /// Moves the published input to `inbox/archive/` (never deleted). Returns where it went.
    func archive(stamp: String) throws(OutputError) -> String {
        try FileSystem.makeDirectory(layout.archive)
        let targetName = FileSystem.freeName(in: layout.archive, for: name, stamp: stamp)
        let target = layout.archive + "/" + targetName
        try FileSystem.moveWithoutReplacing(path, to: target)
        try moveMarker(to: layout.archive, beside: targetName)
        try FileSystem.syncDirectory(layout.archive)
        try FileSystem.syncDirectory(layout.claims)
        return target
    }

    /// Moves a broken input to `inbox/failed/` with `NAME.reason.txt` beside it.
    func quarantine(_ fault: FileFault, pipeline: String, at time: Date, stamp: String) throws(OutputError) -> String {
        let reason = QuarantineNote(fileName: name, pipeline: pipeline, fault: fault, time: time).text
        let targetName = try QuarantineNote.move(path, named: name, reason: reason, layout: layout, stamp: stamp)
        try moveMarker(to: layout.failed, beside: targetName)
        try FileSystem.syncDirectory(layout.failed)
        try FileSystem.syncDirectory(layout.claims)
        return layout.failed + "/" + targetName
    }

    /// Moves the claimed done marker next to the file's new name (`NAME.done` stays `NAME.done`).
    private func moveMarker(to directory: String, beside targetName: String) throws(OutputError) {
        guard let marker else { return }
        let suffix = String(marker.dropFirst(name.count))
        guard FileSystem.exists(path + suffix) else { return }
        try FileSystem.moveWithoutReplacing(path + suffix, to: directory + "/" + FileSystem.freeName(in: directory, for: targetName + suffix, stamp: "marker"))
    }

    /// Gives the file (and its marker) back to the inbox untouched (the failure was ours, not the file's).
    func release() throws(OutputError) {
        let target = FileSystem.freeName(in: layout.inbox, for: name, stamp: "returned")
        try FileSystem.moveWithoutReplacing(path, to: layout.inbox + "/" + target)
        if let marker {
            let suffix = String(marker.dropFirst(name.count))
            if FileSystem.exists(path + suffix) {
                try FileSystem.moveWithoutReplacing(path + suffix, to: layout.inbox + "/" + FileSystem.freeName(in: layout.inbox, for: target + suffix, stamp: "returned"))
            }
        }
        try FileSystem.syncDirectory(layout.inbox)
    }

    /// Returns files claimed by dead workers to the inbox and removes their half-written runs.
    static func recoverAbandoned(layout: RootLayout, worker: WorkerIdentity, state: StateStore? = nil) -> [String] {
        var returned: [String] = []
        CrashRecovery.settleApprovedDeltas(layout: layout, state: state)
        // Each dead worker's lock stays held until its leftovers are dealt with.
        for dead in WorkerIdentity.deadWorkers(layout: layout, except: worker.id) {
            let prefix = dead.id + separator
            // First finish what it published but did not commit. The input of a run it published
            // is done: archived as the worker would have, not returned (processing it again would
            // only record a duplicate run); while that run's commit fails, it stays claimed.
            let settlement = CrashRecovery.settleDeltas(of: dead.id, layout: layout, state: state)
            var allReturned = settlement.complete
            for entry in FileSystem.list(layout.claims) where entry.hasPrefix(prefix) {
                let path = layout.claims + "/" + entry
                guard FileSystem.exists(path) else { continue }  // a marker archived with its file
                var claim = InboxClaim(name: String(entry.dropFirst(prefix.count)), path: path, layout: layout)
                if settlement.uncommitted.contains(where: { $0.sourceName == claim.name }) {
                    allReturned = false
                    continue
                }
                if let run = settlement.committed.first(where: { $0.sourceName == claim.name }) {
                    claim.marker = ArrivalTracker.markerSuffixes.map { claim.name + $0 }.first { FileSystem.exists(path + String($0.dropFirst(claim.name.count))) }
                    if (try? claim.archive(stamp: run.runID)) == nil { allReturned = false }
                    continue
                }
                if (try? claim.release()) != nil { returned.append(claim.name) } else { allReturned = false }
            }
            for entry in FileSystem.list(layout.staging) where entry.hasPrefix(dead.id + "-") {
                FileSystem.removeTree(layout.staging + "/" + entry)
            }
            WorkerIdentity.release(dead, remove: allReturned, layout: layout)
        }
        return returned
    }
}

/// The text of `NAME.reason.txt`: what is wrong with a quarantined file, where, and what to do.
struct QuarantineNote {
    /// Moves `path` to `inbox/failed/` under a free name, with `NAME.reason.txt` beside it;
    /// returns the name used. No reason file stays for a file that could not be moved.
    static func move(_ path: String, named name: String, reason: String, layout: RootLayout, stamp: String) throws(OutputError) -> String {
        try FileSystem.makeDirectory(layout.failed)
        let targetName = FileSystem.freeName(in: layout.failed, for: name, stamp: stamp)
        let reasonPath = layout.failed + "/" + targetName + ".reason.txt"
        _ = try DurableFileWriter.write(Array(reason.utf8), to: reasonPath)
        do {
            try FileSystem.moveWithoutReplacing(path, to: layout.failed + "/" + targetName)
        } catch {
            unlink(reasonPath)
            throw error
        }
        return targetName
    }

    let fileName: String
    let pipeline: String
    let fault: FileFault
    let time: Date

    var text: String {
        var lines = [
            "File: \(fileName)",
            "Pipeline: \(pipeline)",
            "Quarantined at: \(ISO8601DateFormatter().string(from: time))",
            "Problem: \(fault.code.rawValue)",
            "What is wrong: \(fault.message)",
        ]
        var place: [String] = []
        if let line = fault.line { place.append("line \(line)") }
        if let offset = fault.byteOffset { place.append("byte offset \(offset)") }
        if !place.isEmpty { lines.append("Where: \(place.joined(separator: ", "))") }
        lines.append("Nothing from this file was sent to Prima. Fix or re-export the file from Plytix and drop it into the inbox again.")
        return lines.joined(separator: "\n") + "\n"
    }
}
