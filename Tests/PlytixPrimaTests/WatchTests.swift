import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import PlytixPrima
import PlytixPrimaTestSupport

/// `plytix-prima watch` as it runs in production: the real binary on a temporary root, files
/// dropped while it runs, its JSON log read back, signals sent. Each test has its own root and
/// waits on conditions (with time limits) rather than fixed sleeps.
@Suite(.timeLimit(.minutes(2))) struct WatchTests {
    // MARK: - Scenarios

    @Test func aFileWrittenSlowlyIsTakenOnlyAfterItStopsGrowing() async throws {
        let root = TempRoot("watch-slow")
        let watcher = try Watcher(root: root, ["--poll", "0.1", "--settle", "1"])
        defer { watcher.kill() }
        try await watcher.started()

        var export = ExportBuilder()
        for i in 1...70 { export.add("SLOW-\(i)") }
        let bytes = export.bytes
        let chunkSize = (bytes.count + 6) / 7
        let chunks = stride(from: 0, to: bytes.count, by: chunkSize).map { bytes[$0..<min($0 + chunkSize, bytes.count)] }
        let path = root.path + "/inbox/slow.csv"
        _ = FileManager.default.createFile(atPath: path, contents: nil)
        // A chunk every 300 ms for about 2 s: never still for the 1 s settle time until the end.
        let writes = try await writeSlowly(chunks, to: path, interval: 0.3)
        let lastWrite = try #require(writes.last)
        let gaps = zip(writes.dropFirst(), writes).map { $0.timeIntervalSince($1) }
        try #require(gaps.allSatisfy { $0 < 0.9 }, "the writer itself stalled (gaps \(gaps)): this run proves nothing")

        let published = try await watcher.waitFor("published", file: "slow.csv")
        let claimed = try #require(watcher.events("claimed").first)
        let claimedAt = try #require(Watcher.time(of: claimed))
        // 10 ms of slack for the log's millisecond timestamps.
        #expect(claimedAt.timeIntervalSince(lastWrite) >= 1 - 0.01, "claimed \(claimedAt.timeIntervalSince(lastWrite)) s after the last write")
        #expect(watcher.events("claimed").count == 1)
        #expect(watcher.events("published").count == 1)
        #expect(published["read"] == "70" && published["accepted"] == "70")

        let run = try #require(root.runs().first)
        #expect(root.runs().count == 1)
        let manifest = try root.manifest(run)
        #expect(manifest.counts == RunCounts(read: 70, accepted: 70, rejected: 0, skipped: 0, new: 70))
        #expect(manifest.source.bytes == Int64(bytes.count))
        let items = parseCSV(try #require(root.text(run + "/items-0001.csv")))
        #expect(items.dropFirst().map { $0[1] } == (1...70).map { "SLOW-\($0)" })
        #expect(root.directory.list("inbox/archive") == ["slow.csv"])
        #expect(root.directory.readText("inbox/archive/slow.csv") == export.csv)
        #expect(try await watcher.stop() == 0)
    }

    @Test func aFilepartRenamedToItsFinalNameIsTaken() async throws {
        let root = TempRoot("watch-filepart")
        let watcher = try Watcher(root: root, ["--poll", "0.1", "--settle", "0.5"])
        defer { watcher.kill() }
        try await watcher.started()
        var export = ExportBuilder()
        export.add("FP-1")
        export.add("FP-2")
        root.drop("upload.csv.filepart", export.bytes, age: 3600)
        root.drop(".hidden.csv", export.bytes, age: 3600)
        // Long past its settle time under the temporary name: still left alone.
        try await Task.sleep(nanoseconds: 1_500_000_000)
        #expect(watcher.events("claimed").isEmpty)
        #expect(root.runs().isEmpty)
        #expect(root.directory.exists("inbox/upload.csv.filepart"))

        try FileManager.default.moveItem(atPath: root.path + "/inbox/upload.csv.filepart", toPath: root.path + "/inbox/upload.csv")
        let published = try await watcher.waitFor("published", file: "upload.csv")
        #expect(published["accepted"] == "2")
        #expect(root.runs().count == 1)
        #expect(root.directory.list("inbox/archive") == ["upload.csv"])
        #expect(root.directory.exists("inbox/.hidden.csv"))
        #expect(watcher.events("claimed").map { $0["file"] } == ["upload.csv"])
        #expect(try await watcher.stop() == 0)
    }

    @Test func markerModeTakesAFileOnlyOnceItsDoneMarkerArrives() async throws {
        let root = TempRoot("watch-marker")
        root.writePipeline(yaml: TempRoot.pipelineYAML.replacingOccurrences(of: "input:\n", with: "input:\n  require_done_marker: true\n"))
        let watcher = try Watcher(root: root, ["--poll", "0.1", "--settle", "0.3"])
        defer { watcher.kill() }
        try await watcher.started()
        var a = ExportBuilder(), b = ExportBuilder()
        a.add("MK-A")
        b.add("MK-B")
        root.drop("a.csv", a.bytes, age: 120)
        root.drop("b.csv", b.bytes, age: 60)
        try await watcher.waitFor("seen", file: "b.csv")
        // Settled many times over, but unmarked: not taken.
        try await Task.sleep(nanoseconds: 1_500_000_000)
        #expect(watcher.events("claimed").isEmpty)
        #expect(root.runs().isEmpty)
        #expect(root.directory.exists("inbox/a.csv") && root.directory.exists("inbox/b.csv"))

        root.directory.write("inbox/b.csv.done", "")
        try await watcher.waitFor("published", file: "b.csv")
        #expect(root.directory.list("inbox/archive") == ["b.csv", "b.csv.done"])
        #expect(root.directory.exists("inbox/a.csv"))
        #expect(!root.directory.exists("inbox/b.csv.done"))

        root.directory.write("inbox/a.csv.ok", "")
        try await watcher.waitFor("published", file: "a.csv")
        #expect(root.directory.list("inbox/archive") == ["a.csv", "a.csv.ok", "b.csv", "b.csv.done"])
        #expect(root.runs().count == 2)
        #expect(root.directory.list("inbox").filter { !$0.hasPrefix(".") } == ["archive"])
        // Markers are never taken as files of their own.
        #expect(Set(watcher.events("claimed").compactMap { $0["file"] }) == ["a.csv", "b.csv"])
        #expect(try await watcher.stop() == 0)
    }

    @Test func filesArrivingDuringARunFollowItAndAPoisonFileIsQuarantinedOnce() async throws {
        let root = TempRoot("watch-queue")
        let sample = root.path + "/first.csv"
        try await generateSample(rows: 4000, to: sample)
        let watcher = try Watcher(root: root, ["--poll", "0.1", "--settle", "0.5"], pauseAfterClaim: true, pauseSeconds: 2)
        defer { watcher.kill() }
        try await watcher.started()
        try FileManager.default.moveItem(atPath: sample, toPath: root.path + "/inbox/first.csv")
        try await watcher.waitFor("claimed", file: "first.csv")

        // Arrive while the first run is in progress; older mtime first.
        var good1 = ExportBuilder(), good2 = ExportBuilder()
        good1.add("Q-1")
        good2.add("Q-2")
        root.drop("b-good.csv", good1.bytes, age: 30)
        root.drop("c-poison.csv", good1.csv + "Q-9,\"never closed,Complete\r\n", age: 20)
        root.drop("a-good.csv", good2.bytes, age: 10)
        try await watcher.waitFor("seen", file: "a-good.csv")
        let stillRunning = watcher.events("published", file: "first.csv").isEmpty
        #expect(stillRunning, "the first run ended before the others arrived: the test proves less than it says")

        try await watcher.waitFor("published", file: "a-good.csv")
        let all = watcher.events()
        func index(_ event: String, _ file: String) -> Int? { all.firstIndex { $0["event"] == event && $0["file"] == file } }
        let firstDone = try #require(index("published", "first.csv"))
        // One run at a time, oldest first (by mtime, not by name).
        let claims = all.filter { $0["event"] == "claimed" }.compactMap { $0["file"] }
        #expect(claims == ["first.csv", "b-good.csv", "c-poison.csv", "a-good.csv"])
        for file in ["b-good.csv", "c-poison.csv", "a-good.csv"] {
            #expect(try #require(index("claimed", file)) > firstDone, "\(file) claimed during the first run")
        }
        #expect(watcher.events("quarantined").map { $0["file"] } == ["c-poison.csv"])
        #expect(watcher.events("quarantined").first?["reason"]?.contains("unterminated") == true)
        #expect(root.runs().count == 3)
        #expect(root.directory.list("inbox/archive") == ["a-good.csv", "b-good.csv", "first.csv"])
        #expect(root.directory.list("inbox/failed") == ["c-poison.csv", "c-poison.csv.reason.txt"])
        // Nothing left over, and the quarantined file is not taken again.
        try await Task.sleep(nanoseconds: 800_000_000)
        #expect(watcher.events("claimed").count == 4)
        #expect(try await watcher.stop() == 0)
        #expect(root.directory.list("outbox/.staging").isEmpty)
        #expect(root.directory.list("inbox/.claims").isEmpty)
    }

    @Test func sigtermPastTheGracePeriodRollsBackAndARestartPublishes() async throws {
        let root = TempRoot("watch-sigterm")
        let sample = root.path + "/big.csv"
        try await generateSample(rows: 12000, to: sample)
        let sampleBytes = try #require(root.directory.read("big.csv"))
        let watcher = try Watcher(root: root, ["--poll", "0.1", "--settle", "0.3", "--grace", "0"], pauseAfterClaim: true)
        defer { watcher.kill() }
        try await watcher.started()
        try FileManager.default.moveItem(atPath: sample, toPath: root.path + "/inbox/big.csv")
        try await watcher.waitFor("claimed", file: "big.csv")
        // Mid-run: the file is held under the worker's claim.
        #expect(!root.directory.exists("inbox/big.csv"))

        #expect(try await watcher.stop(timeout: 60) == 0)
        #expect(!watcher.events("rolled_back", file: "big.csv").isEmpty)
        #expect(watcher.events("published").isEmpty)
        #expect(root.runs().isEmpty)
        #expect(root.directory.list("outbox/plytix-to-prima").isEmpty)
        #expect(root.directory.list("outbox/.staging").isEmpty)
        #expect(root.directory.read("inbox/big.csv") == sampleBytes)
        #expect(root.directory.list("inbox/archive").isEmpty)
        #expect(root.directory.list("inbox/failed").isEmpty)
        #expect(root.directory.list("inbox/.claims").isEmpty)

        let again = try Watcher(root: root, ["--poll", "0.1", "--settle", "0.3"], name: "watch-2")
        defer { again.kill() }
        let published = try await again.waitFor("published", file: "big.csv", timeout: 120)
        #expect(published["read"] == "12000")
        let run = try #require(root.runs().first)
        #expect(root.runs().count == 1)
        #expect(try root.manifest(run).counts.read == 12000)
        #expect(root.directory.list("inbox/archive") == ["big.csv"])
        #expect(try await again.stop() == 0)
    }

    @Test func sigtermWithinTheGracePeriodFinishesTheRunAndClaimsNothingMore() async throws {
        let root = TempRoot("watch-grace")
        // A second pipeline, so that a settled file it would take is not held back by the busy one.
        root.writePipeline("other", yaml: TempRoot.pipelineYAML.replacingOccurrences(
            of: #"patterns: ["*.csv", "*.xml", "*.csv.gz", "*.xml.gz"]"#, with: #"patterns: ["*.dat"]"#)
            .replacingOccurrences(of: "    folder: prima\n", with: "    folder: prima-other\n"))  // its own Prima reference files
        let sample = root.path + "/big.csv"
        try await generateSample(rows: 8000, to: sample)
        let watcher = try Watcher(root: root, ["--poll", "0.1", "--settle", "0.5", "--grace", "60"])
        defer { watcher.kill() }
        try await watcher.started()
        #expect(watcher.events("pipeline_loaded").count == 2)
        try FileManager.default.moveItem(atPath: sample, toPath: root.path + "/inbox/big.csv")
        try await watcher.waitFor("claimed", file: "big.csv")
        var late = ExportBuilder()
        late.add("LATE-1")
        root.drop("late.dat", late.bytes)
        try await watcher.waitFor("seen", file: "late.dat")

        watcher.signal(SIGTERM)
        #expect(try await watcher.waitForExit(timeout: 120) == 0)
        let all = watcher.events()
        let shutdown = try #require(all.firstIndex { $0["event"] == "shutting_down" })
        let published = try #require(all.firstIndex { $0["event"] == "published" && $0["file"] == "big.csv" })
        let stopped = try #require(all.firstIndex { $0["event"] == "stopped" })
        #expect(shutdown < published && published < stopped)
        #expect(watcher.events("rolled_back").isEmpty)
        #expect(root.runs().count == 1)
        #expect(try root.manifest(try #require(root.runs().first)).counts.read == 8000)
        #expect(root.directory.list("inbox/archive") == ["big.csv"])
        // Settled during the grace period, but the worker had stopped claiming.
        #expect(watcher.events("claimed", file: "late.dat").isEmpty)
        #expect(root.directory.exists("inbox/late.dat"))
        #expect(root.runs(pipeline: "other").isEmpty)
        #expect(root.directory.list("outbox/.staging").isEmpty)
    }

    @Test func pipelineChangesAreReloadedAndAnInvalidOneKeepsTheLastGood() async throws {
        let root = TempRoot("watch-reload")
        let watcher = try Watcher(root: root, ["--poll", "0.1", "--settle", "0.3"])
        defer { watcher.kill() }
        try await watcher.started()
        // Five new products per drop: the same bytes twice would be a duplicate, and the same SKUs unchanged.
        func export(_ batch: Int) -> [UInt8] {
            var export = ExportBuilder()
            for i in 1...5 { export.add("R\(batch)-\(i)") }
            return export.bytes
        }
        func itemChunks(_ file: String) throws -> [Int] {
            let run = try #require(root.runs().first { (try? root.manifest($0).source.name) == file })
            return try root.manifest(run).files.filter { $0.kind == "items" }.map(\.rows)
        }

        root.drop("one.csv", export(1))
        try await watcher.waitFor("published", file: "one.csv")
        #expect(try itemChunks("one.csv") == [5])

        try atomicWrite(root.path + "/pipelines/plytix-to-prima.yml",
                        TempRoot.pipelineYAML.replacingOccurrences(of: "rows_per_chunk: 5000", with: "rows_per_chunk: 2"))
        let reloaded = try await watcher.waitFor("pipeline_reloaded")
        #expect(reloaded["pipeline"] == "plytix-to-prima")
        root.drop("two.csv", export(2))
        try await watcher.waitFor("published", file: "two.csv")
        #expect(try itemChunks("two.csv") == [2, 2, 1])

        try atomicWrite(root.path + "/pipelines/plytix-to-prima.yml",
                        TempRoot.pipelineYAML.replacingOccurrences(of: "    max_length: 60", with: "    max_lenght: 60"))
        let invalid = try await watcher.waitFor("pipeline_invalid")
        #expect(invalid["file"] == "plytix-to-prima.yml")
        #expect(invalid["error"]?.contains("max_lenght") == true)
        root.drop("three.csv", export(3))
        try await watcher.waitFor("published", file: "three.csv")
        #expect(try itemChunks("three.csv") == [2, 2, 1])
        // Reported once per version, not once per poll.
        try await Task.sleep(nanoseconds: 500_000_000)
        #expect(watcher.events("pipeline_invalid").count == 1)
        #expect(watcher.events("pipeline_reloaded").count == 1)

        // Fixed again: reloaded.
        try atomicWrite(root.path + "/pipelines/plytix-to-prima.yml", TempRoot.pipelineYAML)
        try await watcher.waitFor("pipeline_reloaded", count: 2)
        root.drop("four.csv", export(4))
        try await watcher.waitFor("published", file: "four.csv")
        #expect(try itemChunks("four.csv") == [5])
        #expect(try await watcher.stop() == 0)
    }

    @Test func twoWatchersOnOneRootPublishEachFileOnce() async throws {
        let root = TempRoot("watch-two")
        let first = try Watcher(root: root, ["--poll", "0.1", "--settle", "0.3"], name: "watch-a")
        defer { first.kill() }
        let second = try Watcher(root: root, ["--poll", "0.1", "--settle", "0.3"], name: "watch-b")
        defer { second.kill() }
        try await first.started()
        try await second.started()
        let names = (1...20).map { String(format: "f%02d.csv", $0) }
        for (index, name) in names.enumerated() {
            var export = ExportBuilder()
            export.add("TW-\(index)")
            root.drop(name, export.bytes)
        }
        let done = await eventually(timeout: 135) {
            first.events("published").count + second.events("published").count >= 20
        }
        #expect(done, "published: \(first.events("published").count) + \(second.events("published").count)")
        // Any duplicate would show up shortly after.
        try await Task.sleep(nanoseconds: 500_000_000)
        #expect(try await first.stop() == 0)
        #expect(try await second.stop() == 0)

        let published = (first.events("published") + second.events("published")).compactMap { $0["file"] }
        #expect(published.sorted() == names)
        let claimed = (first.events("claimed") + second.events("claimed")).compactMap { $0["file"] }
        #expect(claimed.sorted() == names)
        let runs = root.runs()
        #expect(runs.count == 20)
        let sources = try runs.map { try root.manifest($0).source.name }
        #expect(sources.sorted() == names)
        #expect(root.directory.list("inbox/archive") == names)
        #expect(root.directory.list("inbox/failed").isEmpty)
        #expect(root.directory.list("inbox/.claims").isEmpty)
        #expect(root.directory.list("outbox/.staging").isEmpty)
        #expect(root.directory.list("inbox").filter { $0.hasSuffix(".csv") }.isEmpty)
    }

    @Test func aDuplicateAndAHeldRunAreLoggedAndAHeldRunBlocksItsPipeline() async throws {
        let root = TempRoot("watch-held", fullMode: true)
        let watcher = try Watcher(root: root, ["--poll", "0.1", "--settle", "0.3"])
        defer { watcher.kill() }
        try await watcher.started()
        var full = ExportBuilder()
        for i in 1...20 { full.add("H-\(i)") }
        root.drop("full.csv", full.bytes)
        try await watcher.waitFor("published", file: "full.csv")

        root.drop("again.csv", full.bytes)
        let duplicate = try await watcher.waitFor("duplicate", file: "again.csv")
        #expect(duplicate["earlier_run_id"] == FileSystem.lastComponent(of: try #require(root.runs().first)))

        var half = ExportBuilder()
        for i in 1...10 { half.add("H-\(i)") }
        root.drop("half.csv", half.bytes)
        let held = try await watcher.waitFor("held", file: "half.csv")
        #expect(held["reason"]?.contains("discontinue 10 of 20") == true)
        #expect(root.directory.list("outbox/.held/plytix-to-prima") == [try #require(held["run_id"])])

        // A later export of the same pipeline waits behind the held run.
        var next = ExportBuilder()
        for i in 1...20 { next.add("H-\(i)", ["Brand": "Changed"]) }
        root.drop("next.csv", next.bytes)
        try await Task.sleep(nanoseconds: 1_500_000_000)
        #expect(watcher.events("claimed", file: "next.csv").isEmpty)
        #expect(root.directory.exists("inbox/next.csv"))
        #expect(root.runs().count == 1)
        #expect(try await watcher.stop() == 0)
    }

    @Test func jsonLogLinesCarryEventFilePipelineAndRunID() async throws {
        let root = TempRoot("watch-json")
        let watcher = try Watcher(root: root, ["--poll", "0.1", "--settle", "0.3"])
        defer { watcher.kill() }
        try await watcher.started()
        var export = ExportBuilder()
        export.add("J-1")
        export.add("J-2", ["Status": "Draft"])
        export.add("J-3", ["Label": String(repeating: "x", count: 80)])
        root.drop("json.csv", export.bytes)
        root.drop("notes.txt", "hello")
        let published = try await watcher.waitFor("published", file: "json.csv")
        #expect(try await watcher.stop() == 0)

        // Every line is one JSON object of strings with a time, a level and an event.
        let lines = watcher.completeLines()
        #expect(lines.count >= 5)
        for line in lines {
            let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: String]
            #expect(object != nil, "not a JSON object of strings: \(line)")
            #expect(object?["event"] != nil && object?["level"] != nil && object.flatMap { Watcher.time(of: $0) } != nil, "\(line)")
        }
        let run = try #require(root.runs().first)
        #expect(published["file"] == "json.csv")
        #expect(published["pipeline"] == "plytix-to-prima")
        #expect(published["run_id"] == (run as NSString).lastPathComponent)
        #expect(published["read"] == "3" && published["accepted"] == "1" && published["rejected"] == "1" && published["skipped"] == "1")
        let claimed = try #require(watcher.events("claimed", file: "json.csv").first)
        #expect(claimed["pipeline"] == "plytix-to-prima")
        #expect(!watcher.events("seen", file: "json.csv").isEmpty)
        #expect(watcher.events("ignored").compactMap { $0["file"] } == ["notes.txt"])
        let events = watcher.events().compactMap { $0["event"] }
        #expect(events.first == "pipeline_loaded" || events.first == "watching")
        #expect(events.suffix(2) == ["shutting_down", "stopped"])
    }

    @Test func startupErrorsExitTwo() async throws {
        // No inbox.
        let empty = TempDirectory("watch-noinbox")
        let noInbox = try await runToExit(["watch", "--root", empty.path, "--poll", "0.1"])
        #expect(noInbox?.status == 2)
        #expect(noInbox?.stderr.contains("inbox") == true)

        // Only an invalid pipeline.
        let invalid = TempRoot("watch-invalid")
        invalid.writePipeline(yaml: "version: 1\ninput: [unclosed\n")
        let badPipeline = try await runToExit(["watch", "--root", invalid.path, "--poll", "0.1"])
        #expect(badPipeline?.status == 2)
        #expect(badPipeline?.stderr.contains("no valid pipeline") == true)

        // No pipeline at all.
        let none = TempRoot("watch-nopipeline")
        try FileManager.default.removeItem(atPath: none.path + "/pipelines/plytix-to-prima.yml")
        let noPipeline = try await runToExit(["watch", "--root", none.path, "--poll", "0.1"])
        #expect(noPipeline?.status == 2)

        // Bad options.
        #expect(try await runToExit(["watch", "--root", none.path, "--log-format", "xml"])?.status == 2)
        #expect(try await runToExit(["watch", "--root", none.path, "--settle", "-1"])?.status == 2)
        let help = try await runToExit(["watch", "--help"])
        #expect(help?.status == 0)
        #expect(help?.stdout.contains("Exit codes") == true)
    }

    @Test func aWorkerKilledMidRunIsRecoveredByTheNextOne() async throws {
        let root = TempRoot("watch-sigkill")
        let sample = root.path + "/big.csv"
        try await generateSample(rows: 6000, to: sample)
        let watcher = try Watcher(root: root, ["--poll", "0.1", "--settle", "0.3"], pauseAfterClaim: true)
        defer { watcher.kill() }
        try await watcher.started()
        try FileManager.default.moveItem(atPath: sample, toPath: root.path + "/inbox/big.csv")
        try await watcher.waitFor("claimed", file: "big.csv")
        watcher.kill()
        #expect(root.runs().isEmpty)
        #expect(root.directory.list("inbox/.claims").contains { $0.hasSuffix("~big.csv") })

        let again = try Watcher(root: root, ["--poll", "0.1", "--settle", "0.3"], name: "watch-2")
        defer { again.kill() }
        let returned = try await again.waitFor("returned", file: "big.csv")
        #expect(returned["level"] == "warning")
        let published = try await again.waitFor("published", file: "big.csv", timeout: 120)
        #expect(published["read"] == "6000")
        #expect(root.runs().count == 1)
        #expect(root.directory.list("inbox/archive") == ["big.csv"])
        #expect(try await again.stop() == 0)
        #expect(root.directory.list("inbox/.claims").isEmpty)
        #expect(root.directory.list("outbox/.staging").isEmpty)
    }

    @Test func differentPipelinesRunConcurrentlyAndABacklogGoesOldestFirst() async throws {
        let root = TempRoot("watch-backlog")
        root.writePipeline("other", yaml: TempRoot.pipelineYAML.replacingOccurrences(
            of: #"patterns: ["*.csv", "*.xml", "*.csv.gz", "*.xml.gz"]"#, with: #"patterns: ["*.dat"]"#)
            .replacingOccurrences(of: "    folder: prima\n", with: "    folder: prima-other\n"))  // its own Prima reference files
        try await generateSample(rows: 6000, to: root.path + "/inbox/big.dat")
        // A backlog for the default pipeline: names in the opposite order to their times.
        let names = (1...12).map { String(format: "b%02d.csv", $0) }
        for (index, name) in names.enumerated() {
            var export = ExportBuilder()
            export.add("BL-\(index)")
            root.drop(name, export.bytes, age: Double(100 + index))
        }
        // The same time: by name.
        var tie = ExportBuilder()
        tie.add("BL-TIE")
        root.drop("a-tie.csv", tie.bytes, age: 100)
        let tieDate = try FileManager.default.attributesOfItem(atPath: root.path + "/inbox/b01.csv")[.modificationDate]
        try FileManager.default.setAttributes([.modificationDate: tieDate as Any], ofItemAtPath: root.path + "/inbox/a-tie.csv")
        // All settled before the worker first looks, so that all are ready on its first poll.
        try await Task.sleep(nanoseconds: 500_000_000)

        let watcher = try Watcher(root: root, ["--poll", "0.1", "--settle", "0.3"])
        defer { watcher.kill() }
        try await watcher.waitFor("published", file: "big.dat", timeout: 120)
        let done = await eventually(timeout: 90) { watcher.events("published").count == names.count + 2 }
        #expect(done)
        let all = watcher.events()
        let claimed = all.filter { $0["event"] == "claimed" && $0["pipeline"] == "plytix-to-prima" }.compactMap { $0["file"] }
        #expect(claimed == Array(names.reversed().prefix(11)) + ["a-tie.csv", "b01.csv"])
        // The small files did not wait for the big one in the other pipeline.
        let bigDone = try #require(all.firstIndex { $0["event"] == "published" && $0["file"] == "big.dat" })
        let firstSmallDone = try #require(all.firstIndex { $0["event"] == "published" && $0["pipeline"] == "plytix-to-prima" })
        #expect(firstSmallDone < bigDone)
        #expect(root.runs(pipeline: "other").count == 1)
        #expect(root.runs().count == names.count + 1)
        #expect(try await watcher.stop() == 0)
    }

    @Test func markersFollowAQuarantinedFileAndStayWithARolledBackOne() async throws {
        let root = TempRoot("watch-marker-fail")
        root.writePipeline(yaml: TempRoot.pipelineYAML.replacingOccurrences(of: "input:\n", with: "input:\n  require_done_marker: true\n"))
        let watcher = try Watcher(root: root, ["--poll", "0.1", "--settle", "0.3", "--grace", "0"])
        defer { watcher.kill() }
        try await watcher.started()
        root.drop("poison.csv", "")
        root.directory.write("inbox/poison.csv.done", "")
        try await watcher.waitFor("quarantined", file: "poison.csv")
        #expect(root.directory.list("inbox/failed") == ["poison.csv", "poison.csv.done", "poison.csv.reason.txt"])
        #expect(!root.directory.exists("inbox/poison.csv.done"))

        try await generateSample(rows: 6000, to: root.path + "/big.csv")
        try FileManager.default.moveItem(atPath: root.path + "/big.csv", toPath: root.path + "/inbox/big.csv")
        root.directory.write("inbox/big.csv.ok", "")
        try await watcher.waitFor("claimed", file: "big.csv")
        // The marker is claimed with the file.
        #expect(!root.directory.exists("inbox/big.csv.ok"))
        // Stopped by SIGINT mid-run: the file goes back with its marker still beside it.
        watcher.signal(SIGINT)
        #expect(try await watcher.waitForExit() == 0)
        #expect(!watcher.events("rolled_back", file: "big.csv").isEmpty)
        #expect(root.directory.exists("inbox/big.csv") && root.directory.exists("inbox/big.csv.ok"))
        #expect(root.runs().isEmpty)
    }

    @Test func aReuploadWithItsOwnMarkerDuringARunKeepsThatMarker() async throws {
        // Plytix pushes the same file name on a schedule: the next export and its marker can
        // arrive while the previous one is still being processed.
        let root = TempRoot("watch-marker-reupload")
        root.writePipeline(yaml: TempRoot.pipelineYAML.replacingOccurrences(of: "input:\n", with: "input:\n  require_done_marker: true\n"))
        try await generateSample(rows: 6000, to: root.path + "/catalogue.csv")
        let watcher = try Watcher(root: root, ["--poll", "0.1", "--settle", "0.3"])
        defer { watcher.kill() }
        try await watcher.started()
        try FileManager.default.moveItem(atPath: root.path + "/catalogue.csv", toPath: root.path + "/inbox/catalogue.csv")
        root.directory.write("inbox/catalogue.csv.done", "")
        try await watcher.waitFor("claimed", file: "catalogue.csv")

        var next = ExportBuilder()
        next.add("NEXT-1")
        root.drop("catalogue.csv", next.bytes)
        root.directory.write("inbox/catalogue.csv.done", "")
        let first = try await watcher.waitFor("published", file: "catalogue.csv", timeout: 120)
        #expect(first["read"] == "6000", "the run in progress finished first")
        let second = try await watcher.waitFor("published", file: "catalogue.csv", count: 2, timeout: 60)
        #expect(second["read"] == "1")
        let archive = root.directory.list("inbox/archive")
        #expect(archive.count == 4)
        #expect(archive.filter { $0.hasSuffix("catalogue.csv") }.count == 2)
        #expect(archive.filter { $0.hasSuffix("catalogue.csv.done") }.count == 2)
        #expect(root.directory.list("inbox").filter { !$0.hasPrefix(".") } == ["archive"])
        #expect(try await watcher.stop() == 0)
    }

    // MARK: - Helpers

    /// Writes through a hidden temporary name and a rename, as a deploy tool would.
    func atomicWrite(_ path: String, _ text: String) throws {
        let directory = (path as NSString).deletingLastPathComponent
        let temporary = directory + "/.\(UUID().uuidString).tmp"
        try Data(text.utf8).write(to: URL(fileURLWithPath: temporary))
        #expect(rename(temporary, path) == 0)
    }

    /// `plytix-prima sample`, waited for without blocking a thread of the shared pool.
    func generateSample(rows: Int, to path: String) async throws {
        let result = try await runToExit(["sample", "--rows", "\(rows)", "--out", path])
        try #require(result?.status == 0, "\(result?.stderr ?? "")")
    }

    /// Appends `chunks` to `path`, one every `interval` seconds, on a thread of its own (not the
    /// shared pool, which other tests may keep busy); returns when each write began.
    func writeSlowly(_ chunks: [ArraySlice<UInt8>], to path: String, interval: Double) async throws -> [Date] {
        try await withCheckedThrowingContinuation { continuation in
            let thread = Thread {
                do {
                    let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
                    var times: [Date] = []
                    for (index, chunk) in chunks.enumerated() {
                        if index > 0 { Thread.sleep(forTimeInterval: interval) }
                        times.append(Date())
                        try handle.write(contentsOf: chunk)
                    }
                    try handle.close()
                    continuation.resume(returning: times)
                } catch {
                    continuation.resume(throwing: error)
                }
            }
            thread.start()
        }
    }

    /// Runs the binary to its exit, killing it after `timeout` (then `nil`).
    func runToExit(_ arguments: [String], timeout: Double = 60) async throws -> (status: Int32, stdout: String, stderr: String)? {
        let scratch = TempDirectory("watch-exit")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CLI.executable)
        process.arguments = arguments
        _ = FileManager.default.createFile(atPath: scratch.path + "/out", contents: nil)
        _ = FileManager.default.createFile(atPath: scratch.path + "/err", contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: scratch.path + "/out"))
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: scratch.path + "/err"))
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let exited = await eventually(timeout: timeout) { !process.isRunning }
        if !exited {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            Issue.record("\(arguments) still running after \(timeout) s")
            return nil
        }
        return (process.terminationStatus, scratch.readText("out") ?? "", scratch.readText("err") ?? "")
    }
}

/// Polls `condition` every 50 ms until it holds or `timeout` seconds pass.
func eventually(timeout: Double, _ condition: () -> Bool) async -> Bool {
    let end = Date().addingTimeInterval(timeout)
    while true {
        if condition() { return true }
        if Date() >= end { return false }
        try? await Task.sleep(nanoseconds: 50_000_000)
    }
}

/// One `plytix-prima watch` process with its standard output (the JSON log) in a file.
final class Watcher: @unchecked Sendable {
    // @unchecked: `process` is thread-safe for the calls made here; the paths are immutable.
    let process = Process()
    let logPath: String
    let errorPath: String

    struct Timeout: Error, CustomStringConvertible {
        let description: String
    }

    /// `pauseAfterClaim`: each run waits after its claim (cancellably), so a test can signal a
    /// run in progress however fast or slow the machine is.
    init(root: TempRoot, _ arguments: [String], name: String = "watch", pauseAfterClaim: Bool = false, pauseSeconds: Double = 10) throws {
        logPath = root.path + "/\(name).log"
        errorPath = root.path + "/\(name).err"
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        _ = FileManager.default.createFile(atPath: errorPath, contents: nil)
        process.executableURL = URL(fileURLWithPath: CLI.executable)
        process.arguments = ["watch", "--root", root.path, "--log-format", "json"] + arguments
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: errorPath))
        process.standardInput = FileHandle.nullDevice
        if pauseAfterClaim {
            process.environment = ProcessInfo.processInfo.environment.merging([
                CrashPoint.pauseVariable: CrashPoint.afterClaim.rawValue, "PLYTIX_PRIMA_PAUSE_SECONDS": String(pauseSeconds),
            ]) { $1 }
        }
        try process.run()
    }

    /// Lines of the log so far, without a last one still being written.
    func completeLines() -> [String] {
        let text = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
        var lines = text.components(separatedBy: "\n")
        lines.removeLast()  // after the last line break: empty, or a line in progress
        return lines
    }

    /// Parsed log events in order; a line that is not a JSON object of strings is recorded as an issue.
    func events() -> [[String: String]] {
        completeLines().compactMap { line in
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: String] else {
                Issue.record("log line is not a JSON object of strings: \(line)")
                return nil
            }
            return object
        }
    }

    func events(_ event: String, file: String? = nil) -> [[String: String]] {
        events().filter { $0["event"] == event && (file == nil || $0["file"] == file) }
    }

    var stderr: String { (try? String(contentsOfFile: errorPath, encoding: .utf8)) ?? "" }

    static func time(of event: [String: String]) -> Date? {
        guard let text = event["time"] else { return nil }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.date(from: text)
    }

    /// Waits until the worker logs `watching` (its signal handlers are in place by then).
    func started(timeout: Double = 60) async throws {
        try await waitFor("watching", timeout: timeout)
    }

    /// Waits for the `count`-th `event` (about `file`, if given) and returns it.
    @discardableResult
    func waitFor(_ event: String, file: String? = nil, count: Int = 1, timeout: Double = 90) async throws -> [String: String] {
        var found: [[String: String]] = []
        let ok = await eventually(timeout: timeout) {
            found = events(event, file: file)
            return found.count >= count || !process.isRunning
        }
        guard ok, found.count >= count else {
            throw Timeout(description: "no '\(event)'\(file.map { " for \($0)" } ?? "") (×\(count)) within \(timeout) s; running: \(process.isRunning); stderr: \(stderr); log:\n\(completeLines().suffix(30).joined(separator: "\n"))")
        }
        return found[count - 1]
    }

    func signal(_ signal: Int32) {
        if process.isRunning { _ = Glibc.kill(process.processIdentifier, signal) }
    }

    /// The exit status once the process has exited normally; `nil` if killed by a signal.
    func waitForExit(timeout: Double = 60) async throws -> Int32? {
        guard await eventually(timeout: timeout, { !process.isRunning }) else {
            throw Timeout(description: "still running \(timeout) s after the signal; log:\n\(completeLines().suffix(30).joined(separator: "\n"))")
        }
        return process.terminationReason == .exit ? process.terminationStatus : nil
    }

    /// SIGTERM, then the exit status.
    func stop(timeout: Double = 60) async throws -> Int32? {
        signal(SIGTERM)
        return try await waitForExit(timeout: timeout)
    }

    /// Last resort in a `defer`: SIGKILL if still running.
    func kill() {
        guard process.isRunning else { return }
        _ = Glibc.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }
}
