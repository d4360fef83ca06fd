import Foundation
import Testing
@testable import PlytixPrima
import PlytixPrimaTestSupport

/// A review of `run`, `check` and `init` against issue 2's contract and the bad-input catalogue
/// of reliability.md: names, flags, exit codes, file names, JSON keys and headers exactly as
/// the issue writes them, plus the odd cases users' scripts and SFTP servers produce.
@Suite struct ContractReviewTests {
    static let rejectsHeader = "source_file,line,sku,field,value,rule,reason"

    // MARK: - Command line

    @Test func helpOnEveryCommandExplainsItAndExitsZero() throws {
        let expectations: [([String], [String])] = [
            (["--help"], ["run", "check", "init"]),
            (["run", "--help"], ["--root", "--pipeline", "--settle", "Exit codes"]),
            (["check", "--help"], ["FILE", "--root", "--pipeline", "--rejects"]),
            (["init", "--help"], ["DIR"]),
        ]
        for (arguments, words) in expectations {
            let help = try CLI.run(arguments)
            #expect(help.status == 0, "\(arguments)")
            for word in words { #expect(help.stdout.contains(word), "\(arguments) help mentions \(word)") }
        }
    }

    @Test(arguments: [
        ["run", "--settle", "-1"], ["run", "--settle", "soon"], ["run", "extra"], ["check"], ["init", "a", "b"],
    ])
    func usageErrorsExitTwo(_ arguments: [String]) throws {
        let root = TempRoot("usage")
        #expect(try CLI.run(arguments, cwd: root.path).status == 2)
        #expect(root.runs().isEmpty)
    }

    @Test func aMissingPipelineExitsTwoAndProcessesNothing() throws {
        let root = TempRoot("nopipe")
        let export = Self.export(["N-1"])
        root.drop("a.csv", export.bytes)
        let result = try CLI.run(["run", "--root", root.path, "--pipeline", "nope", "--settle", "0"])
        #expect(result.status == 2)
        #expect(result.stderr.contains("nope"))
        #expect(root.directory.read("inbox/a.csv") == export.bytes)
        #expect(root.runs().isEmpty && root.directory.list("outbox").isEmpty)
        #expect(root.directory.list("inbox/.claims").isEmpty)
        // check answers the same way.
        let file = root.directory.write("b.csv", export.bytes)
        #expect(try CLI.run(["check", file, "--root", root.path, "--pipeline", "nope"]).status == 2)
    }

    @Test func oneInvalidPipelineAmongValidOnesStopsTheRunBeforeAnyClaim() throws {
        let root = TempRoot("twopipes")
        let other = TempRoot.pipelineYAML
            .replacingOccurrences(of: #"patterns: ["*.csv", "*.xml", "*.csv.gz", "*.xml.gz"]"#, with: #"patterns: ["*.dat"]"#)
            .replacingOccurrences(of: "  rows_per_chunk: 5000", with: "  rows_per_chunk: 5000\n  rows_per_chunck: 10")
        root.writePipeline("other", yaml: other)
        let export = Self.export(["V-1"])
        root.drop("a.csv", export.bytes)
        let result = try CLI.run(["run", "--root", root.path, "--settle", "0"])
        #expect(result.status == 2)
        #expect(result.stderr.contains("other.yml") && result.stderr.contains("rows_per_chunck"))
        #expect(root.directory.read("inbox/a.csv") == export.bytes)
        #expect(root.directory.list("inbox/.claims").isEmpty)
        #expect(root.runs().isEmpty)
    }

    @Test func aRootWithoutAnInboxExitsTwo() throws {
        let root = TempRoot("noinbox")
        try FileManager.default.removeItem(atPath: root.layout.inbox)
        let result = try CLI.run(["run", "--root", root.path, "--settle", "0"])
        #expect(result.status == 2)
        #expect(result.stderr.contains("inbox"))
        #expect(!root.directory.exists("inbox"))
        #expect(root.directory.list("outbox").isEmpty)
    }

    /// Outbox not writable (tests run as root, so a regular file stands in for a read-only folder):
    /// exit 1, and the input is back in the inbox untouched: neither quarantined nor archived.
    @Test(arguments: ["outbox", "outbox/plytix-to-prima"])
    func anUnwritableOutboxExitsOneAndLeavesTheInputInTheInbox(_ blocker: String) throws {
        let root = TempRoot("outbox")
        if blocker == "outbox" { try FileManager.default.removeItem(atPath: root.layout.outbox) }
        root.directory.write(blocker, "not a folder")
        let export = Self.export(["O-1", "O-2"])
        root.drop("a.csv", export.bytes)
        let result = try CLI.run(["run", "--root", root.path, "--settle", "0"])
        #expect(result.status == 1, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains("a.csv: FAILED"))
        #expect(root.directory.read("inbox/a.csv") == export.bytes)
        #expect(!root.directory.exists("inbox/failed") && !root.directory.exists("inbox/archive"))
        #expect(root.directory.list("inbox/.claims").filter { !$0.hasSuffix(".lock") }.isEmpty)
        #expect(root.directory.list("outbox/.staging").isEmpty)
    }

    /// `check` validates exactly as `run` would: same counts, same reject bytes, nothing changed.
    @Test func checkGivesTheSameRejectsAsRunAndExitsZeroOrOne() throws {
        let root = TempRoot("checkrun")
        var export = ExportBuilder()
        export.add("C-1")
        export.add("C-2", ["HS Code": "12345", "Label": "=1+1"])
        export.add("C-1", ["Label": "Again"])
        export.add("C-4", ["Status": "Draft"])
        let file = root.directory.write("c.csv", export.bytes)
        let rejectsPath = root.path + "/check.csv"
        let check = try CLI.run(["check", file, "--root", root.path, "--rejects", rejectsPath])
        #expect(check.status == 1)
        #expect(check.stdout.contains("4 row(s) read, 0 accepted, 3 rejected, 1 skipped"))
        #expect(check.stdout.contains("duplicate_sku: 2") && check.stdout.contains("hs_code: 1"))
        #expect(root.directory.list("inbox").isEmpty && root.directory.list("outbox").isEmpty)
        #expect(try CLI.run(["check", root.path + "/missing.csv", "--root", root.path]).status == 2)

        root.drop("c.csv", export.bytes)
        #expect(try CLI.run(["run", "--root", root.path, "--settle", "0"]).status == 0)
        let run = try #require(root.runs().first)
        #expect(root.directory.read("check.csv") == root.directory.read(run + "/rejects.csv"))
    }

    // MARK: - Output

    @Test func aRunFolderHoldsExactlyTheContractFilesAndKeys() throws {
        let root = TempRoot("keys")
        var export = ExportBuilder()
        export.add("K-1", ["Label": "Quoted \"pillow\", with comma", "Description": "two\nlines"])
        export.add("K-2", ["Label": String(repeating: "L", count: 300)])
        export.add("=K3", ["Label": "+SUM(A1)", "Weight (kg)": "-1", "Brand": String(repeating: "b", count: 51)])
        export.add("@K4", ["Status": "Draft"])
        root.drop("keys.csv", export.bytes)
        let result = try CLI.run(["run", "--root", root.path, "--settle", "0"])
        #expect(result.status == 0)
        let run = try #require(root.runs().first)
        #expect(root.directory.list(run) == ["items-0001.csv", "manifest.json", "rejects.csv", "report.json"])

        let manifestBytes = try #require(root.directory.read(run + "/manifest.json"))
        let manifest = try #require(try JSONSerialization.jsonObject(with: Data(manifestBytes)) as? [String: Any])
        #expect(manifest["run_id"] as? String == (run as NSString).lastPathComponent)
        #expect(manifest["pipeline"] as? String == "plytix-to-prima")
        let source = try #require(manifest["source"] as? [String: Any])
        #expect(source["name"] as? String == "keys.csv")
        #expect(source["sha256"] as? String == sha256(export.bytes))
        #expect(source["bytes"] as? Int == export.bytes.count)
        let files = try #require(manifest["files"] as? [[String: Any]])
        #expect(files.map { $0["name"] as? String } == ["items-0001.csv", "rejects.csv", "report.json"])
        #expect(files.map { $0["kind"] as? String } == ["items", "rejects", "report"])
        for file in files {
            let bytes = try #require(root.directory.read(run + "/" + (file["name"] as? String ?? "")))
            #expect(file["sha256"] as? String == sha256(bytes))
            #expect(file["rows"] is Int)
        }
        #expect(files[0]["rows"] as? Int == 1)
        let counts = try #require(manifest["counts"] as? [String: Int])
        #expect(counts == ["read": 4, "accepted": 1, "rejected": 2, "skipped": 1, "new": 1, "updated": 0, "unchanged": 0, "discontinued": 0, "stale": 0])

        // Items: UTF-8 without BOM, CRLF line ends only, RFC 4180 quoting.
        let items = try #require(root.directory.read(run + "/items-0001.csv"))
        #expect(!items.starts(with: [0xEF, 0xBB, 0xBF]))
        let itemsText = String(decoding: items, as: UTF8.self)
        #expect(itemsText.hasSuffix("\r\n"))
        #expect(itemsText.replacingOccurrences(of: "\r\n", with: "").firstIndex { $0 == "\r" || $0 == "\n" } == nil)
        #expect(itemsText.contains(",\"Quoted \"\"pillow\"\", with comma\","))

        // Rejects: BOM, CRLF, the header's first columns, values cut to 200, formulas neutralised.
        let rejectBytes = try #require(root.directory.read(run + "/rejects.csv"))
        #expect(rejectBytes.starts(with: [0xEF, 0xBB, 0xBF] + Array((Self.rejectsHeader + ",").utf8)))
        let rejects = parseCSV(String(decoding: rejectBytes, as: UTF8.self))
        let label = try #require(rejects.first { $0[2] == "K-2" })
        #expect(label[4] == String(repeating: "L", count: 200))
        let formula = rejects.filter { $0[2] == "'=K3" }
        #expect(Set(formula.map { $0[5] }) == ["pattern", "number", "max_length"])
        // A plain negative number stays a number; anything else starting like a formula is neutralised.
        #expect(formula.contains { $0[4] == "-1" })
        for row in rejects.dropFirst() {
            for cell in row where !ExcelSafety.isPlainNumber(cell.utf8) {
                #expect(!["=", "+", "-", "@"].contains(cell.first.map(String.init) ?? ""), "\(cell)")
            }
        }
    }

    @Test func chunksNeverPassMaxChunkBytes() throws {
        let root = TempRoot("bytes")
        root.writePipeline(yaml: TempRoot.pipelineYAML.replacingOccurrences(of: "max_chunk_bytes: 52428800", with: "max_chunk_bytes: 4096"))
        var export = ExportBuilder()
        for i in 1...60 { export.add("B-\(i)", ["Description": String(repeating: "word ", count: 30 + i)]) }
        root.drop("big.csv", export.bytes)
        _ = try root.runOnce()
        let run = try #require(root.runs().first)
        let manifest = try root.manifest(run)
        let chunks = manifest.files.filter { $0.kind == "items" }
        #expect(chunks.count > 3)
        #expect(chunks.map(\.name) == (1...chunks.count).map { String(format: "items-%04d.csv", $0) })
        var skus: [String] = []
        for chunk in chunks {
            let bytes = try #require(root.directory.read(run + "/" + chunk.name))
            #expect(bytes.count <= 4096, "\(chunk.name) is \(bytes.count) bytes")
            let rows = parseCSV(String(decoding: bytes, as: UTF8.self))
            #expect(rows[0][1] == "ItemCode")
            #expect(rows.count - 1 == chunk.rows)
            skus += rows.dropFirst().map { $0[1] }
        }
        #expect(skus == (1...60).map { "B-\($0)" })
        #expect(manifest.counts.accepted == 60)
    }

    @Test func runIDsOfSeveralFilesInOneRunSortByTime() throws {
        let root = TempRoot("order")
        for (index, name) in ["c.csv", "a.csv", "b.csv"].enumerated() {
            root.drop(name, Self.export(["R-\(index)"]).bytes, age: Double(300 - index * 100))
        }
        let result = try CLI.run(["run", "--root", root.path, "--settle", "0"])
        #expect(result.status == 0)
        let runs = root.runs()  // sorted by name
        #expect(runs.count == 3)
        // Oldest file first, and the run ids sort in that order.
        #expect(try runs.map { try root.manifest($0).source.name } == ["c.csv", "a.csv", "b.csv"])
        let lines = result.stdout.split(separator: "\n").filter { $0.contains("published") }
        #expect(lines.map { String($0.prefix(5)) } == ["c.csv", "a.csv", "b.csv"])
    }

    // MARK: - XML end to end

    @Test func xmlCsvAndGzippedXmlSamplesPublishTheSameItems() throws {
        let scratch = TempDirectory("samples")
        var options = SampleExportOptions(rows: 300, seed: 7, defectRate: 0.05, descriptionBytes: 300)
        _ = try SampleExport.write(options, to: scratch.path + "/s.csv")
        options.format = .xml
        _ = try SampleExport.write(options, to: scratch.path + "/s.xml")
        let xml = try #require(scratch.read("s.xml"))
        var items: [[UInt8]] = []
        var counts: [RunCounts] = []
        for (name, bytes) in [("s.csv", try #require(scratch.read("s.csv"))), ("s.xml", xml), ("s.xml.gz", try gzip(xml)), ("s.export", try gzip(xml))] {
            let root = TempRoot("same")
            root.drop(name, bytes)
            if name == "s.export" { root.writePipeline(yaml: TempRoot.pipelineYAML.replacingOccurrences(of: #"patterns: ["*.csv""#, with: #"patterns: ["*.export", "*.csv""#)) }
            let result = try root.runOnce()
            #expect(result.exitCode == 0, "\(name)")
            let run = try #require(root.runs().first)
            counts.append(try root.manifest(run).counts)
            items.append(try #require(root.directory.read(run + "/items-0001.csv")))
        }
        #expect(Set(items).count == 1)
        #expect(Set(counts.map { "\($0)" }).count == 1)
        #expect(counts[0].rejected > 0 && counts[0].accepted > 0)
    }

    @Test func brokenXMLIsQuarantinedWithItsReason() throws {
        let scratch = TempDirectory("badxml")
        _ = try SampleExport.write(SampleExportOptions(rows: 5, format: .xml), to: scratch.path + "/s.xml")
        let good = try #require(scratch.readText("s.xml"))
        let body = good.replacingOccurrences(of: #"<?xml version="1.0" encoding="UTF-8"?>"#, with: "")
        let cases: [(String, [UInt8], String)] = [
            ("truncated.xml", Array(good.utf8.prefix(good.utf8.count / 2)), "xml_malformed"),
            ("mismatch.xml", Array(good.replacingOccurrences(of: "</label>", with: "</lable>").utf8), "xml_malformed"),
            ("xxe.xml", Array((#"<?xml version="1.0"?><!DOCTYPE products [<!ENTITY x SYSTEM "file:///etc/passwd">]>"# + body.replacingOccurrences(of: "<brand>", with: "<brand>&x;")).utf8), "xml_doctype"),
            ("laughs.xml", Array((#"<?xml version="1.0"?><!DOCTYPE p [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>"# + body).utf8), "xml_doctype"),
            ("root.xml", Array(good.replacingOccurrences(of: "products>", with: "catalogue>").utf8), "xml_wrong_root"),
            ("cut.xml.gz", try gzip(Array(good.utf8.dropLast(40))), "xml_malformed"),
            ("empty.xml", [], "empty_file"),
        ]
        let root = TempRoot("badxml")
        for (name, bytes, _) in cases { root.drop(name, bytes) }
        let result = try CLI.run(["run", "--root", root.path, "--settle", "0"])
        #expect(result.status == 3)
        #expect(root.runs().isEmpty)
        for (name, bytes, code) in cases {
            #expect(root.directory.read("inbox/failed/" + name) == bytes, "\(name)")
            let reason = root.text("inbox/failed/\(name).reason.txt") ?? ""
            #expect(reason.contains("Problem: \(code)"), "\(name): \(reason)")
            #expect(!reason.contains("root:"), "\(name) must not read /etc/passwd")
        }
        #expect(root.directory.list("outbox/.staging").isEmpty)
    }

    // MARK: - No row is lost

    @Test(arguments: [SampleExportOptions.Format.csv, .xml])
    func noRowIsLostInAGeneratedExportWithDefects(_ format: SampleExportOptions.Format) throws {
        let root = TempRoot("lost")
        let name = "gen." + format.rawValue
        let summary = try SampleExport.write(SampleExportOptions(rows: 3000, format: format, defectRate: 0.05, descriptionBytes: 150), to: root.layout.inbox + "/" + name)
        #expect(summary.defective >= 140)
        let result = try root.runOnce()
        #expect(result.exitCode == 0)
        let run = try #require(root.runs().first)
        let counts = try root.manifest(run).counts
        #expect(counts.read == summary.rows)
        #expect(counts.rejected == summary.defective)
        #expect(counts.accepted == summary.salesReady - summary.defective)
        #expect(counts.skipped == summary.skipped)
        #expect(counts.read == counts.accepted + counts.rejected + counts.skipped)
        // Descriptions are whitespace-collapsed, so every items line is one row (header excluded).
        let items = try #require(root.directory.read(run + "/items-0001.csv"))
        #expect(items.reduce(0) { $0 + ($1 == 10 ? 1 : 0) } - 1 == counts.accepted)
        // Every rejected row is in rejects.csv (one or more lines each), and report.json agrees.
        let rejects = parseCSV(try #require(root.text(run + "/rejects.csv"))).dropFirst()
        #expect(Set(rejects.map { $0[1] }).count == counts.rejected)
        #expect(rejects.allSatisfy { $0[0] == name && !$0[5].isEmpty && !$0[6].isEmpty })
        let report = try JSONSerialization.jsonObject(with: Data(try #require(root.directory.read(run + "/report.json")))) as? [String: Any]
        let byRule = try #require(report?["rejects_by_rule"] as? [String: Int])
        #expect(byRule.values.reduce(0, +) == rejects.count)
        #expect(byRule["duplicate_sku"] == summary.defectsByKind["duplicate_sku"])
    }

    // MARK: - Crash safety

    @Test func aDeadWorkersClaimAndStagingAreRecoveredAtTheNextRun() throws {
        let root = TempRoot("dead")
        try FileManager.default.createDirectory(atPath: root.layout.claims, withIntermediateDirectories: true)
        root.directory.write("inbox/.claims/wdead-1.lock", "")
        let export = Self.export(["D-1", "D-2"])
        root.directory.write("inbox/.claims/wdead-1~cat.csv", export.bytes)
        root.directory.write("outbox/.staging/wdead-1-0/items-0001.csv", "half")
        let result = try CLI.run(["run", "--root", root.path, "--settle", "0"])
        #expect(result.status == 0)
        #expect(result.stdout.contains("cat.csv: returned to the inbox"))
        #expect(root.directory.list("inbox/archive") == ["cat.csv"])
        #expect(try root.manifest(try #require(root.runs().first)).counts.accepted == 2)
        #expect(root.directory.list("inbox/.claims").isEmpty)
        #expect(root.directory.list("outbox/.staging").isEmpty)
    }

    @Test func aLiveWorkersClaimIsLeftAlone() throws {
        let root = TempRoot("live")
        let live = try WorkerIdentity(layout: root.layout)
        root.directory.write("inbox/.claims/\(live.id)~busy.csv", Self.export(["L-1"]).bytes)
        root.directory.write("outbox/.staging/\(live.id)-0/items-0001.csv", "in progress")
        let result = try CLI.run(["run", "--root", root.path, "--settle", "0"])
        #expect(result.status == 0)
        #expect(root.directory.exists("inbox/.claims/\(live.id)~busy.csv"))
        #expect(root.directory.exists("outbox/.staging/\(live.id)-0/items-0001.csv"))
        #expect(root.runs().isEmpty)
        withExtendedLifetime(live) {}
    }

    /// A peer judges a starting worker dead in the instant between the creation of its lock
    /// file and its flock (the file looks unheld), holds it and removes it. The starting worker
    /// must neither fail (it used to give up at once: exit 2) nor run on with no lock file,
    /// which would make its claims unrecoverable after a crash.
    @Test func aWorkerProbedByAPeerWhileStartingEndsUpWithALockFile() throws {
        let root = TempRoot("probe")
        try FileManager.default.createDirectory(atPath: root.layout.claims, withIntermediateDirectories: true)
        let probed = root.layout.claims + "/wprobed-1.lock"
        let peer = open(probed, O_RDWR | O_CREAT, 0o644)
        #expect(flock(peer, LOCK_EX | LOCK_NB) == 0)
        let started = DispatchSemaphore(value: 0)
        let box = WorkerBox()
        Thread {
            box.set(Result { () throws(OutputError) in try WorkerIdentity(layout: root.layout, firstID: "wprobed-1") })
            started.signal()
        }.start()
        usleep(100_000)
        unlink(probed)  // the peer's recovery removes the "dead" lock file, then lets go of it
        close(peer)
        #expect(started.wait(timeout: .now() + 10) == .success)
        let worker = try #require(try box.get())
        #expect(root.directory.exists("inbox/.claims/\(worker.id).lock"))
        #expect(WorkerIdentity.deadWorkers(layout: root.layout, except: "").isEmpty)
        withExtendedLifetime(worker) {}
    }

    /// Several workers started at once on one root (they probe each other's fresh lock files):
    /// every file is published exactly once and nothing is left claimed or staged.
    @Test func workersStartedTogetherPublishEachFileOnce() throws {
        let root = TempRoot("together")
        let names = (1...6).map { "f\($0).csv" }
        for (index, name) in names.enumerated() { root.drop(name, Self.export(["T-\(index)"]).bytes) }
        let processes = (0..<3).map { _ in
            let process = Process()
            process.executableURL = URL(fileURLWithPath: CLI.executable)
            process.arguments = ["run", "--root", root.path, "--settle", "0"]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            return process
        }
        for process in processes { try process.run() }
        for process in processes { process.waitUntilExit() }
        #expect(processes.allSatisfy { $0.terminationStatus == 0 })
        #expect(try root.runs().map { try root.manifest($0).source.name }.sorted() == names)
        #expect(root.directory.list("inbox/archive") == names)
        #expect(root.directory.list("inbox/.claims").filter { !$0.hasSuffix(".lock") }.isEmpty)
        #expect(root.directory.list("outbox/.staging").isEmpty)
    }

    // MARK: - Bad-input catalogue

    @Test func oddFileNamesArePublishedUnderTheirNamesWithOneSummaryLineEach() throws {
        let root = TempRoot("names")
        let names = ["with space.csv", "Ürün kataloğu ✓.csv", "line\nbreak.csv", "tab\tname.csv"]
        for (index, name) in names.enumerated() { root.drop(name, Self.export(["U-\(index)"]).bytes, age: Double(100 - index)) }
        let result = try CLI.run(["run", "--root", root.path, "--settle", "0"])
        #expect(result.status == 0)
        #expect(root.directory.list("inbox/archive") == names.sorted())
        #expect(Set(try root.runs().map { try root.manifest($0).source.name }) == Set(names))
        // One line per file: a newline in a name must not split the summary.
        let lines = result.stdout.split(separator: "\n", omittingEmptySubsequences: false).filter { !$0.isEmpty }
        #expect(lines.count == names.count, "\(lines)")
        #expect(lines.allSatisfy { $0.contains(": published 1 item(s)") })
        #expect(result.stdout.contains(#"line\nbreak.csv: published"#))
    }

    @Test func aHeaderOnlyExportPublishesAnEmptyConsistentRun() throws {
        let root = TempRoot("headeronly")
        root.drop("header.csv", ExportBuilder().bytes)
        let result = try CLI.run(["run", "--root", root.path, "--settle", "0"])
        #expect(result.status == 0)
        let run = try #require(root.runs().first)
        let manifest = try root.manifest(run)
        #expect(manifest.counts == RunCounts())
        #expect(Set(manifest.files.map(\.name) + ["manifest.json"]) == Set(root.directory.list(run)))
        #expect(root.directory.list("inbox/archive") == ["header.csv"])
    }

    @Test func aFiftyMegabyteFieldIsRejectedAndTheOtherRowsPublish() throws {
        let root = TempRoot("huge")
        var export = ExportBuilder()
        export.add("H-1")
        export.add("H-2", ["Description": "HUGE"])
        export.add("H-3")
        export.add("H-4", ["Description": String(repeating: "y", count: (1 << 20) + 10)])  // just over, may fit the buffer
        // Spliced as Data: building a 50 MB String or Array element-wise is slow in debug builds.
        let bytes = export.bytes
        let at = try #require(bytes.firstRange(of: Array("HUGE".utf8)))
        var data = Data(bytes[..<at.lowerBound])
        data.append(Data(repeating: UInt8(ascii: "x"), count: 50 << 20))
        data.append(Data(bytes[at.upperBound...]))
        #expect(FileManager.default.createFile(atPath: root.layout.inbox + "/huge.csv", contents: data))
        let result = try CLI.run(["run", "--root", root.path, "--settle", "0"])
        #expect(result.status == 0)
        let run = try #require(root.runs().first)
        #expect(try root.manifest(run).counts == RunCounts(read: 4, accepted: 2, rejected: 2, skipped: 0, new: 2))
        let rejects = parseCSV(try #require(root.text(run + "/rejects.csv")))
        #expect(rejects.count == 3)
        #expect(rejects.dropFirst().map { $0[5] } == ["record_too_long", "record_too_long"])
        #expect(rejects.dropFirst().map { $0[1] } == ["3", "5"])
        // Reliability promise 6: the reject names the product, though the row is not kept.
        #expect(rejects.dropFirst().map { $0[2] } == ["H-2", "H-4"])
    }

    /// Both ways a record is found too long: whole in the buffer, or skipped past the buffer.
    @Test(arguments: [150, 6 << 20])
    func anOverlongRecordStillReportsItsKeyCell(_ size: Int) throws {
        var bytes = Array("SKU,Text\nA-1,short\n\"B,2\",".utf8)
        bytes += [UInt8](repeating: UInt8(ascii: "z"), count: size)
        bytes += Array("\nC-3,short\n".utf8)
        let reader = CSVRecordReader(source: MemoryByteSource(bytes), dialect: CSVDialect(delimiter: UInt8(ascii: ","), maxRecordBytes: 100))
        #expect(try reader.next() == .record(line: 1))
        reader.keyCell = 0
        #expect(try reader.next() == .record(line: 2))
        guard case .tooLong(line: 3, _) = try reader.next() else { Issue.record("expected a too-long record"); return }
        #expect(reader.overlongKeyBytes == Array("B,2".utf8))
        #expect(try reader.next() == .record(line: 4))
        #expect(reader.cellBytes(0) == Array("C-3".utf8))
    }

    @Test func nulBytesAreRejectedAndNeverWrittenToTheRejectFile() throws {
        let root = TempRoot("nul")
        var export = ExportBuilder()
        export.add("Z-1", ["Label": "Pil\u{0}low"])
        export.add("Z-2", ["Price": "1\u{0}9"])  // an unused column: not our business
        export.add("Z-3")
        root.drop("nul.csv", export.bytes)
        let result = try CLI.run(["run", "--root", root.path, "--settle", "0"])
        #expect(result.status == 0)
        let run = try #require(root.runs().first)
        #expect(try root.manifest(run).counts == RunCounts(read: 3, accepted: 2, rejected: 1, skipped: 0, new: 2))
        let bytes = try #require(root.directory.read(run + "/rejects.csv"))
        let rejects = parseCSV(String(decoding: bytes, as: UTF8.self))
        #expect(rejects.count == 2 && rejects[1][2] == "Z-1" && rejects[1][5] == "encoding")
        // Excel and many CSV tools stop at a NUL: the reject file must not carry one.
        #expect(!bytes.contains(0), "rejects.csv holds a NUL byte")
        #expect(rejects[1][4] == "Pil\u{2400}low")
    }

    @Test func encodingDefectsEndToEnd() throws {
        let root = TempRoot("encoding")
        var export = ExportBuilder()
        export.add("E-1", ["Label": "\u{00A0}\u{200B} Spaced pillow \u{200B}\u{00A0}", "SKU": "\u{200B}E-1\u{00A0}"])
        export.add("E-2", ["Label": "Caf__ pillow"])
        var bytes = export.bytes
        // Windows-1252 é (0xE9) in a UTF-8 file.
        let marker = Array("Caf__".utf8)
        let at = try #require(bytes.firstRange(of: marker))
        bytes.replaceSubrange(at, with: Array("Caf".utf8) + [0xE9])
        root.drop("mixed.csv", bytes)
        root.drop("utf16.csv", [0xFF, 0xFE] + Array("S\0K\0U\0\r\0\n\0".utf8))
        let result = try CLI.run(["run", "--root", root.path, "--settle", "0"])
        #expect(result.status == 3)
        #expect(root.text("inbox/failed/utf16.csv.reason.txt")?.contains("unsupported_encoding") == true)
        let run = try #require(root.runs().first)
        let items = parseCSV(try #require(root.text(run + "/items-0001.csv")))
        #expect(items.count == 2 && items[1][1] == "E-1" && items[1][4] == "Spaced pillow")
        let rejectBytes = try #require(root.directory.read(run + "/rejects.csv"))
        #expect(String(validating: rejectBytes, as: UTF8.self) != nil)
        let rejects = parseCSV(String(decoding: rejectBytes, as: UTF8.self))
        #expect(rejects.count == 2 && rejects[1][2] == "E-2" && rejects[1][5] == "encoding")
    }

    /// A file that vanishes once claimed (an operator cleaning up, another tool): a clear failure,
    /// nothing published, and no `NAME.reason.txt` left in `failed/` for a file that is not there.
    @Test func aFileRemovedAfterItWasClaimedFailsCleanly() throws {
        let root = TempRoot("vanish")
        root.drop("gone.csv", Self.export(["X-1"]).bytes)
        let claims = root.layout.claims
        let remover: @Sendable () -> Date = {
            for entry in FileSystem.list(claims) where entry.hasSuffix("~gone.csv") { unlink(claims + "/" + entry) }
            return Date()
        }
        let pipelines = try InboxRun.loadPipelines(layout: root.layout, named: nil)
        let result = try InboxRun(layout: root.layout, pipelines: pipelines, settleSeconds: 0, now: remover).run()
        #expect(result.outcomes.count == 1)
        #expect(result.exitCode == 1)
        #expect(root.runs().isEmpty)
        #expect(root.directory.list("inbox/failed").isEmpty, "a reason file for a file that is not there")
        #expect(root.directory.list("outbox/.staging").isEmpty)
    }

    /// The contract: a SKU that occurs more than once in a file is rejected in every occurrence.
    /// A row rejected as malformed still names its SKU; the other row with that SKU is ambiguous too.
    @Test func aSKUSharedWithAMalformedRowIsRejectedEverywhere() throws {
        let root = TempRoot("dupmalformed")
        var export = ExportBuilder()
        export.add("M-1")
        export.add("M-2")
        let csv = export.csv + "M-1,Pillow,extra,cells,short\r\n"
        root.drop("dup.csv", csv)
        _ = try root.runOnce()
        let run = try #require(root.runs().first)
        let manifest = try root.manifest(run)
        #expect(manifest.counts == RunCounts(read: 3, accepted: 1, rejected: 2, skipped: 0, new: 1))
        let items = parseCSV(try #require(root.text(run + "/items-0001.csv")))
        #expect(items.dropFirst().map { $0[1] } == ["M-2"])
        let rejects = parseCSV(try #require(root.text(run + "/rejects.csv"))).dropFirst()
        #expect(rejects.contains { $0[1] == "2" && $0[2] == "M-1" && $0[5] == "duplicate_sku" })
        #expect(rejects.contains { $0[1] == "4" && $0[2] == "M-1" && $0[5] == "malformed_row" })
    }

    // MARK: - Helpers

    final class WorkerBox: @unchecked Sendable {
        private let lock = NSLock()
        private var result: Result<WorkerIdentity, OutputError>?
        func set(_ value: Result<WorkerIdentity, OutputError>) { lock.withLock { result = value } }
        func get() throws -> WorkerIdentity? { try lock.withLock { result }?.get() }
    }

    static func export(_ skus: [String]) -> ExportBuilder {
        var export = ExportBuilder()
        for sku in skus { export.add(sku) }
        return export
    }
}
