import Foundation
import Testing
@testable import PlytixPrima
import PlytixPrimaTestSupport

/// Readiness from names and times alone: every `Date` is injected, nothing sleeps.
@Suite struct ArrivalTrackerTests {
    /// An arbitrary fixed origin; every moment in these tests is `t(seconds)` after it.
    static let origin = Date(timeIntervalSince1970: 1_700_000_000)
    func t(_ seconds: Double) -> Date { Self.origin.addingTimeInterval(seconds) }

    /// A file last written at `written` (mtime and ctime both), unless `changed` says otherwise.
    func stat(_ name: String, size: Int64 = 100, written: Double, changed: Double? = nil) -> InboxFileStat {
        InboxFileStat(name: name, size: size, modified: t(written), changed: t(changed ?? written))
    }

    @Test func aFileFirstSeenLongAfterItsLastChangeIsReadyAtOnce() {
        var tracker = ArrivalTracker(settleSeconds: 5)
        #expect(tracker.observe([stat("old.csv", written: 0)], now: t(3600)) == ["old.csv"])
        #expect(tracker.remainingSeconds(for: "old.csv", now: t(3600)) == nil)
    }

    @Test func aFileFirstSeenJustAfterItsLastChangeWaitsOnlyTheRestOfTheSettleTime() {
        var tracker = ArrivalTracker(settleSeconds: 5)
        #expect(tracker.observe([stat("a.csv", written: 0)], now: t(3)).isEmpty)
        #expect(tracker.remainingSeconds(for: "a.csv", now: t(3)) == 2)
        #expect(tracker.observe([stat("a.csv", written: 0)], now: t(4.9)).isEmpty)
        #expect(tracker.observe([stat("a.csv", written: 0)], now: t(5)) == ["a.csv"])
    }

    @Test func aGrowingFileIsNotReadyUntilStableForTheSettleTime() {
        var tracker = ArrivalTracker(settleSeconds: 5)
        // Grows by 100 bytes every 2 s for 20 s: never 5 s unchanged, so never ready.
        for step in 0...10 {
            let now = Double(step) * 2
            let ready = tracker.observe([stat("grow.csv", size: Int64(100 * (step + 1)), written: now)], now: now == 0 ? t(0) : t(now + 0.5))
            #expect(ready.isEmpty, "ready while still growing at \(now) s")
        }
        // Last write at 20 s: stable since the poll that noticed it (20.5 s).
        let final = stat("grow.csv", size: 1100, written: 20)
        #expect(tracker.observe([final], now: t(24)).isEmpty)
        #expect(tracker.remainingSeconds(for: "grow.csv", now: t(24)).map { abs($0 - 1.5) < 1e-9 } == true)
        #expect(tracker.observe([final], now: t(25.4)).isEmpty)
        #expect(tracker.observe([final], now: t(25.5)) == ["grow.csv"])
    }

    @Test func eachOfSizeMtimeAndCtimeAloneRestartsTheSettleTime() {
        for change in ["size", "mtime", "ctime"] {
            var tracker = ArrivalTracker(settleSeconds: 5)
            let first = stat("f.csv", size: 10, written: 0)
            #expect(tracker.observe([first], now: t(4)).isEmpty)
            var second = first
            switch change {
            case "size": second.size = 11
            // An SFTP client may set mtime back to the source's (older) time: still a change.
            case "mtime": second.modified = t(-1000)
            default: second.changed = t(4)
            }
            #expect(tracker.observe([second], now: t(4.5)).isEmpty, "\(change)")
            // Would have been ready at 5 s without the change; now counted from 4.5 s.
            #expect(tracker.observe([second], now: t(6)).isEmpty, "\(change)")
            #expect(tracker.observe([second], now: t(9.4)).isEmpty, "\(change)")
            #expect(tracker.observe([second], now: t(9.5)) == ["f.csv"], "\(change)")
        }
    }

    @Test func aRecentCtimeCountsEvenWhenMtimeIsOld() {
        // Uploaded just now with the source's old modification time preserved.
        var tracker = ArrivalTracker(settleSeconds: 5)
        let file = stat("preserved.csv", written: -86400, changed: 0)
        #expect(tracker.observe([file], now: t(1)).isEmpty)
        #expect(tracker.observe([file], now: t(5)) == ["preserved.csv"])
    }

    @Test func temporaryNamesAreNeverReady() {
        var tracker = ArrivalTracker(settleSeconds: 1)
        let names = ["x.csv.part", "x.csv.filepart", "x.csv.tmp", "x.csv.PART", "x.csv.partial", ".x.csv", "~x.csv", "x.csv.crdownload"]
        let files = names.map { stat($0, written: 0) }
        for now in [0.0, 10, 3600, 86400] {
            #expect(tracker.observe(files, now: t(now)).isEmpty)
        }
    }

    @Test func aFilepartRenamedToItsFinalNameIsReadyOnceSettled() {
        var tracker = ArrivalTracker(settleSeconds: 5)
        // Uploading: the temporary name grows, then stays unchanged a long time (a stalled client).
        for step in 0...3 {
            #expect(tracker.observe([stat("x.csv.filepart", size: Int64(step + 1) * 1000, written: Double(step))], now: t(Double(step) + 0.5)).isEmpty)
        }
        #expect(tracker.observe([stat("x.csv.filepart", size: 4000, written: 3)], now: t(60)).isEmpty)
        // Renamed at 61 s: the rename moves ctime; mtime is still the last write.
        let renamed = stat("x.csv", size: 4000, written: 3, changed: 61)
        #expect(tracker.observe([renamed], now: t(61.1)).isEmpty)
        #expect(tracker.observe([renamed], now: t(65.9)).isEmpty)
        #expect(tracker.observe([renamed], now: t(66)) == ["x.csv"])
    }

    @Test func markerModeTakesOnlyMarkedFilesAndNeverTheMarkers() {
        var tracker = ArrivalTracker(settleSeconds: 5, requireMarker: true)
        var files = [stat("a.csv", written: 0), stat("b.csv", written: 0), stat("c.csv", written: 0)]
        // Settled long ago but unmarked: not ready.
        #expect(tracker.observe(files, now: t(1000)).isEmpty)
        files.append(stat("a.csv.done", size: 0, written: 1000))
        files.append(stat("b.csv.ok", size: 0, written: 1000))
        // A marker for a file that is not there, and a marker with no base name, are nothing.
        files.append(stat("z.csv.done", size: 0, written: 1000))
        files.append(stat(".done", size: 0, written: 0))
        #expect(tracker.observe(files, now: t(1000.1)) == ["a.csv", "b.csv"])
        #expect(tracker.observe(files, now: t(5000)) == ["a.csv", "b.csv"])
        // Without marker mode the same listing takes c.csv too, but never a marker.
        var plain = ArrivalTracker(settleSeconds: 5)
        #expect(plain.observe(files, now: t(5000)) == ["a.csv", "b.csv", "c.csv"])
        #expect(ArrivalTracker.isMarker("a.csv.done") && ArrivalTracker.isMarker("b.csv.ok"))
        #expect(!ArrivalTracker.isMarker(".done") && !ArrivalTracker.isMarker("a.csv"))
        #expect(ArrivalTracker.marker(for: "a.csv", among: Set(files.map(\.name))) == "a.csv.done")
        #expect(ArrivalTracker.marker(for: "b.csv", among: Set(files.map(\.name))) == "b.csv.ok")
        #expect(ArrivalTracker.marker(for: "c.csv", among: Set(files.map(\.name))) == nil)
    }

    @Test func markerModeStillWaitsForAMarkedFileToSettle() {
        var tracker = ArrivalTracker(settleSeconds: 5, requireMarker: true)
        let files = [stat("a.csv", written: 0), stat("a.csv.done", size: 0, written: 0)]
        #expect(tracker.observe(files, now: t(1)).isEmpty)
        #expect(tracker.observe(files, now: t(5)) == ["a.csv"])
    }

    @Test func readyFilesComeOldestFirstByMtimeThenName() {
        var tracker = ArrivalTracker(settleSeconds: 5)
        let files = [
            stat("c.csv", written: 30), stat("b.csv", written: 10), stat("a.csv", written: 20),
            stat("d.csv", written: 10), stat("0.csv", written: 40),
            // Same mtime: by name; ctime plays no part in the order.
            stat("aa.csv", written: 20, changed: 50),
        ]
        #expect(tracker.observe(files.reversed(), now: t(1000)) == ["b.csv", "d.csv", "a.csv", "aa.csv", "c.csv", "0.csv"])
    }

    @Test func aFileThatDisappearsIsForgottenAndItsReturnWithNewContentSettlesAgain() {
        var tracker = ArrivalTracker(settleSeconds: 5)
        #expect(tracker.observe([stat("x.csv", written: 0)], now: t(100)) == ["x.csv"])
        // Claimed or deleted: gone from the listing, and from the tracker.
        #expect(tracker.observe([], now: t(101)).isEmpty)
        #expect(tracker.remainingSeconds(for: "x.csv", now: t(101)) == nil)
        // Re-uploaded with new content: settles from its new change, not from the old sighting.
        let again = stat("x.csv", size: 200, written: 102)
        #expect(tracker.observe([again], now: t(102.5)).isEmpty)
        #expect(tracker.remainingSeconds(for: "x.csv", now: t(102.5)) == 4.5)
        #expect(tracker.observe([again], now: t(106.9)).isEmpty)
        #expect(tracker.observe([again], now: t(107)) == ["x.csv"])
    }

    @Test func otherFilesComingAndGoingDoNotDisturbASettlingOne() {
        var tracker = ArrivalTracker(settleSeconds: 5)
        let steady = stat("steady.csv", written: 0)
        #expect(tracker.observe([steady, stat("noise.csv", written: 0.5)], now: t(1)).isEmpty)
        #expect(tracker.observe([steady], now: t(2)).isEmpty)
        #expect(tracker.observe([steady, stat("noise.csv", written: 3)], now: t(3)).isEmpty)
        #expect(tracker.observe([steady, stat("noise.csv", written: 3)], now: t(5)) == ["steady.csv"])
    }

    @Test func remainingSecondsCountsDownAndIsNilWhenReadyOrUnknown() {
        var tracker = ArrivalTracker(settleSeconds: 10)
        #expect(tracker.remainingSeconds(for: "a.csv", now: t(0)) == nil)
        _ = tracker.observe([stat("a.csv", written: 0)], now: t(0))
        #expect(tracker.remainingSeconds(for: "a.csv", now: t(0)) == 10)
        #expect(tracker.remainingSeconds(for: "a.csv", now: t(7.5)) == 2.5)
        #expect(tracker.remainingSeconds(for: "a.csv", now: t(10)) == nil)
        #expect(tracker.remainingSeconds(for: "a.csv", now: t(11)) == nil)
        // A change starts the count again from the poll that noticed it.
        _ = tracker.observe([stat("a.csv", size: 101, written: 11)], now: t(12))
        #expect(tracker.remainingSeconds(for: "a.csv", now: t(12)) == 10)
    }

    @Test func aClockStepBackwardsDoesNotMakeAFileReady() {
        var tracker = ArrivalTracker(settleSeconds: 5)
        let file = stat("a.csv", written: 100)
        #expect(tracker.observe([file], now: t(101)).isEmpty)
        // The clock jumps back an hour: the file has not been stable for 5 s by any honest count.
        #expect(tracker.observe([file], now: t(101 - 3600)).isEmpty)
        #expect(tracker.observe([file], now: t(102 - 3600)).isEmpty)
        // … and it becomes ready once 5 s have passed on the new clock.
        #expect(tracker.observe([file], now: t(101 - 3600 + 5)) == ["a.csv"])
    }

    @Test func aFutureTimestampDoesNotHoldAFileForever() {
        // Clock skew: the file claims to be from an hour ahead. Stable for the settle time → ready.
        var tracker = ArrivalTracker(settleSeconds: 5)
        let file = stat("skew.csv", written: 3600)
        #expect(tracker.observe([file], now: t(0)).isEmpty)
        #expect(tracker.observe([file], now: t(5)) == ["skew.csv"])
    }

    @Test func zeroSettleTakesAnyNonTemporaryFileAtOnce() {
        var tracker = ArrivalTracker(settleSeconds: 0)
        #expect(tracker.observe([stat("now.csv", written: 10), stat("now.csv.part", written: 10)], now: t(10)) == ["now.csv"])
    }
}

/// `plytix-prima run`'s one-look readiness (no history): names and times alone.
@Suite struct ReadinessGateTests {
    static let origin = Date(timeIntervalSince1970: 1_700_000_000)
    func t(_ seconds: Double) -> Date { Self.origin.addingTimeInterval(seconds) }

    @Test func temporaryNames() {
        for name in ["a.part", "a.csv.filepart", "a.tmp", "a.TMP", "a.csv.partial", "a.crdownload", ".hidden.csv", "~lock.csv", ".", ".."] {
            #expect(ReadinessGate.isTemporaryName(name), "\(name)")
        }
        for name in ["a.csv", "a.csv.gz", "partner.csv", "tmp.csv", "part.xml", "a.csv.done"] {
            #expect(!ReadinessGate.isTemporaryName(name), "\(name)")
        }
        let gate = ReadinessGate(settleSeconds: 5)
        let file = InboxFileStat(name: "x.csv.part", size: 1, modified: t(0), changed: t(0))
        #expect(gate.readiness(of: file, now: t(86400)) == .temporaryName)
    }

    @Test func readyOnlyOnceTheLatestOfMtimeAndCtimeIsSettleSecondsOld() {
        let gate = ReadinessGate(settleSeconds: 5)
        let file = InboxFileStat(name: "x.csv", size: 1, modified: t(0), changed: t(2))
        #expect(gate.readiness(of: file, now: t(3)) == .settling(remainingSeconds: 4))
        #expect(gate.readiness(of: file, now: t(6.5)) == .settling(remainingSeconds: 0.5))
        #expect(gate.readiness(of: file, now: t(7)) == .ready)
        #expect(gate.readiness(of: file, now: t(1000)) == .ready)
        // mtime newer than ctime cannot happen on disk, but the latest of the two counts either way.
        let odd = InboxFileStat(name: "x.csv", size: 1, modified: t(10), changed: t(0))
        #expect(gate.readiness(of: odd, now: t(12)) == .settling(remainingSeconds: 3))
        #expect(ReadinessGate(settleSeconds: 0).readiness(of: file, now: t(2)) == .ready)
    }

    @Test func aTimestampInTheFutureIsNotSettled() {
        let gate = ReadinessGate(settleSeconds: 5)
        let file = InboxFileStat(name: "x.csv", size: 1, modified: t(100), changed: t(100))
        guard case .settling(let remaining) = gate.readiness(of: file, now: t(0)) else {
            Issue.record("a file from the future looked settled")
            return
        }
        #expect(remaining > 0 && remaining <= 5)
    }
}
