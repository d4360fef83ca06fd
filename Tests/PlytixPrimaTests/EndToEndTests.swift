import Crypto
import Foundation
import Testing
@testable import PlytixPrima
import PlytixPrimaTestSupport

/// The binary on a temporary root, as a user or cron runs it: published bytes, counts,
/// checksums, exit codes, archive and quarantine.
@Suite struct EndToEndTests {
    static let itemsHeader =
        "Action,ItemCode,ParentItemCode,ItemType,Description,LongDescription,Status,Barcode,CategoryPath,Brand,Colour,Size,NetWeightKg,LengthCm,WidthCm,HeightCm,CommodityCode,CountryOfOrigin,SupplierCode,SupplierItemCode,ImageUrl"

    @Test func initCreatesTheLayoutAndTheDefaultPipeline() throws {
        let dir = TempDirectory("init")
        let result = try CLI.run(["init", dir.path + "/root"])
        #expect(result.status == 0)
        #expect(dir.list("root") == ["inbox", "outbox", "pipelines"])
        #expect(dir.readText("root/pipelines/plytix-to-prima.yml") == DefaultPipeline.yaml)
        // A second init changes nothing and says so.
        let again = try CLI.run(["init", dir.path + "/root"])
        #expect(again.status == 0)
        #expect(again.stdout.contains("nothing created"))
    }

    @Test func publishesExactItemsRejectsReportAndManifest() throws {
        let root = TempRoot("e2e")
        var export = ExportBuilder()
        export.add("PX-1", ["Label": "  Cotton   pillow ", "Description": "<p>Soft &amp; <b>warm</b></p>", "Weight (kg)": "0,35",
                            "Country of Origin": "uk", "HS Code": "9404 90 10", "Categories": "Home>Bedding, Sale>Now"])
        export.add("PX-2", ["Status": "Draft"])
        export.add("PX-3", ["Label": String(repeating: "x", count: 73)])
        export.add("PX-4", ["Bundle Contents": "PX-1#2", "GTIN": "", "Thumbnail": ""])
        root.drop("catalogue.csv", export.bytes)

        let result = try CLI.run(["run", "--root", root.path, "--settle", "0"])
        #expect(result.status == 0, "\(result.stderr)")
        let runs = root.runs()
        try #require(runs.count == 1)
        let run = runs[0]
        #expect(result.stdout.contains("catalogue.csv: published 2 item(s), rejected 1, skipped 1 of 4 row(s)"))

        let items = try #require(root.text(run + "/items-0001.csv"))
        let expected = [
            Self.itemsHeader,
            "A,PX-1,,STOCK,Cotton pillow,Soft & warm,ACTIVE,5012345678900,Home>Bedding,Acme,White,M,0.35,50,30,10,9404901,GB,SUP1,S-PX-1,https://img.example.com/PX-1.jpg",
            "A,PX-4,,KIT,Cotton pillow PX-4,Soft & warm,ACTIVE,,Home>Bedding>Pillows,Acme,White,M,0.35,50,30,10,940490,GB,SUP1,S-PX-4,",
        ].joined(separator: "\r\n") + "\r\n"
        // HS code "9404 90 10" has 8 digits after removing spaces: 94049010.
        #expect(items == expected.replacingOccurrences(of: ",9404901,", with: ",94049010,"))

        let rejectBytes = try #require(root.directory.read(run + "/rejects.csv"))
        #expect(rejectBytes.starts(with: [0xEF, 0xBB, 0xBF]))
        let rejects = parseCSV(String(decoding: rejectBytes, as: UTF8.self))
        #expect(rejects[0] == ["source_file", "line", "sku", "field", "value", "rule", "reason", "prima_column"])
        #expect(rejects.count == 2)
        #expect(rejects[1][0...5] == ["catalogue.csv", "4", "PX-3", "Label", String(repeating: "x", count: 73), "max_length"])
        #expect(rejects[1][6] == "Description is 73 characters; Prima allows 60.")
        #expect(String(decoding: rejectBytes, as: UTF8.self).contains("\r\n"))

        let manifest = try root.manifest(run)
        #expect(manifest.pipeline == "plytix-to-prima")
        #expect(manifest.runID == (run as NSString).lastPathComponent)
        #expect(manifest.counts == RunCounts(read: 4, accepted: 2, rejected: 1, skipped: 1, new: 2))
        #expect(manifest.files.map(\.name) == ["items-0001.csv", "bom-0001.csv", "rejects.csv", "report.json"])
        #expect(manifest.files.map(\.kind) == ["items", "bom", "rejects", "report"])
        #expect(manifest.files[0].rows == 2)
        #expect(root.text(run + "/bom-0001.csv") == "Action,ParentItemCode,LineNo,ComponentItemCode,QuantityPer\r\nA,PX-4,10,PX-1,2\r\n")
        #expect(manifest.source.name == "catalogue.csv")
        #expect(manifest.source.sha256 == sha256(export.bytes))
        #expect(manifest.source.bytes == Int64(export.bytes.count))
        for file in manifest.files {
            let bytes = try #require(root.directory.read(run + "/" + file.name))
            #expect(sha256(bytes) == file.sha256, "checksum of \(file.name)")
            #expect(Int64(bytes.count) == file.bytes)
        }

        let report = try JSONSerialization.jsonObject(with: Data(try #require(root.directory.read(run + "/report.json")))) as? [String: Any]
        #expect((report?["rejects_by_rule"] as? [String: Int]) == ["max_length": 1])

        // The input is archived, never deleted; a second run finds nothing to do.
        #expect(root.directory.list("inbox/archive") == ["catalogue.csv"])
        #expect(root.directory.readText("inbox/archive/catalogue.csv") == export.csv)
        let second = try CLI.run(["run", "--root", root.path, "--settle", "0"])
        #expect(second.status == 0)
        #expect(second.stdout.contains("Nothing to do"))
        #expect(root.runs().count == 1)
    }

    @Test func everyRowIsCountedOnce() throws {
        let root = TempRoot("count")
        var export = ExportBuilder()
        for i in 0..<40 { export.add("SKU-\(i)") }
        export.add("SKU-3", ["Label": "Again"])          // duplicate: both occurrences rejected
        export.add("BAD SKU")                              // pattern
        export.add("SKU-50", ["Status": "Archived"])     // skipped
        export.add("SKU-51", ["Status": "Ready"])        // unknown status: skipped, and reported
        export.add("SKU-52", ["GTIN": "5.01234E+12", "Weight (kg)": "-1"])
        var csv = export.csv
        csv += "SKU-53,too,few,cells\r\n"                  // malformed row
        root.drop("counts.csv", csv)
        _ = try root.runOnce()
        let run = try #require(root.runs().first)
        let manifest = try root.manifest(run)
        let c = manifest.counts
        #expect(c.read == 46)
        #expect(c.read == c.accepted + c.rejected + c.skipped)
        #expect(c.skipped == 2)
        #expect(c.rejected == 5)  // SKU-3 twice, BAD SKU, SKU-52, SKU-53
        #expect(c.accepted == 39)
        let items = parseCSV(try #require(root.text(run + "/items-0001.csv")))
        #expect(items.count - 1 == c.accepted)
        #expect(!items.contains { $0[1] == "SKU-3" })
        let rejects = parseCSV(try #require(root.text(run + "/rejects.csv")))
        let rules = rejects.dropFirst().map { $0[5] }
        #expect(rules.filter { $0 == "duplicate_sku" }.count == 2)
        #expect(rules.contains("pattern") && rules.contains("gtin") && rules.contains("number"))
        #expect(!rules.contains("status"))
        let report = try JSONSerialization.jsonObject(with: Data(try #require(root.directory.read(run + "/report.json")))) as? [String: Any]
        #expect((report?["skipped_by_status"] as? [String: Int]) == ["Archived": 1, "Ready": 1])
        #expect((report?["unexpected_statuses"] as? [String]) == ["Ready"])
        #expect(rules.contains("malformed_row"))
        // Each rejected row appears in the reject file.
        #expect(Set(rejects.dropFirst().map { $0[1] }).count == c.rejected)
    }

    @Test func chunksFollowRowsPerChunk() throws {
        let root = TempRoot("chunks")
        root.writePipeline(yaml: TempRoot.pipelineYAML.replacingOccurrences(of: "rows_per_chunk: 5000", with: "rows_per_chunk: 2"))
        var export = ExportBuilder()
        for i in 1...5 { export.add("C-\(i)") }
        root.drop("five.csv", export.bytes)
        _ = try root.runOnce()
        let run = try #require(root.runs().first)
        let manifest = try root.manifest(run)
        #expect(manifest.files.filter { $0.kind == "items" }.map(\.name) == ["items-0001.csv", "items-0002.csv", "items-0003.csv"])
        #expect(manifest.files.filter { $0.kind == "items" }.map(\.rows) == [2, 2, 1])
        let skus = (1...3).flatMap { n in
            parseCSV(root.text(run + "/items-000\(n).csv") ?? "").dropFirst().map { $0[1] }
        }
        #expect(skus == ["C-1", "C-2", "C-3", "C-4", "C-5"])
        for n in 1...3 { #expect(root.text(run + "/items-000\(n).csv")?.hasPrefix(Self.itemsHeader + "\r\n") == true) }
    }

    @Test func aRunWithNothingAcceptedStillHasItsFirstChunk() throws {
        let root = TempRoot("nothing")
        var export = ExportBuilder()
        export.add("N-1", ["Status": "Draft"])
        export.add("N-2", ["HS Code": ""])
        root.drop("nothing.csv", export.bytes)
        _ = try root.runOnce()
        let run = try #require(root.runs().first)
        #expect(root.text(run + "/items-0001.csv") == Self.itemsHeader + "\r\n")
        let manifest = try root.manifest(run)
        #expect(manifest.files.map(\.name) == ["items-0001.csv", "rejects.csv", "report.json"])
        #expect(manifest.files[0].rows == 0)
        #expect(manifest.counts == RunCounts(read: 2, accepted: 0, rejected: 1, skipped: 1))
    }

    @Test func gzippedExportPublishesTheSameItems() throws {
        var export = ExportBuilder()
        for i in 1...20 { export.add("G-\(i)") }
        let plain = TempRoot("plain"), zipped = TempRoot("gz")
        plain.drop("a.csv", export.bytes)
        zipped.drop("a.csv.gz", try gzip(export.bytes))
        _ = try plain.runOnce()
        _ = try zipped.runOnce()
        let a = plain.text(try #require(plain.runs().first) + "/items-0001.csv")
        let b = zipped.text(try #require(zipped.runs().first) + "/items-0001.csv")
        #expect(a != nil && a == b)
    }

    @Test func brokenFilesAreQuarantinedWithAReasonAndTheRestPublish() throws {
        let root = TempRoot("poison")
        var good = ExportBuilder()
        good.add("OK-1")
        root.drop("good-1.csv", good.bytes, age: 300)
        root.drop("broken-quote.csv", good.csv + "OK-2,\"never closed,Complete\r\n", age: 200)
        root.drop("no-hs-column.csv", ExportBuilder(headers: ExportBuilder.headers.filter { $0 != "HS Code" }).csv, age: 150)
        root.drop("truncated.csv.gz", Array(try gzip(good.bytes).dropLast(12)), age: 120)
        root.drop("empty.csv", "", age: 100)
        var good2 = good
        good2.add("OK-3")
        root.drop("good-2.csv", good2.bytes, age: 50)

        let result = try CLI.run(["run", "--root", root.path, "--settle", "0"])
        #expect(result.status == 3)
        #expect(root.runs().count == 2)
        #expect(root.directory.list("inbox/archive") == ["good-1.csv", "good-2.csv"])
        let failed = root.directory.list("inbox/failed")
        #expect(failed == [
            "broken-quote.csv", "broken-quote.csv.reason.txt", "empty.csv", "empty.csv.reason.txt",
            "no-hs-column.csv", "no-hs-column.csv.reason.txt", "truncated.csv.gz", "truncated.csv.gz.reason.txt",
        ])
        let quote = root.text("inbox/failed/broken-quote.csv.reason.txt") ?? ""
        #expect(quote.contains("unterminated_quote"))
        #expect(quote.contains("Where: line 3"))
        #expect(root.text("inbox/failed/no-hs-column.csv.reason.txt")?.contains("'HS Code'") == true)
        #expect(root.text("inbox/failed/truncated.csv.gz.reason.txt")?.contains("gzip_truncated") == true)
        #expect(root.text("inbox/failed/empty.csv.reason.txt")?.contains("empty_file") == true)
        #expect(result.stdout.contains("QUARANTINED"))
        // Nothing half-written is left behind.
        #expect(root.directory.list("outbox/.staging").isEmpty)
        #expect(root.directory.list("inbox/.claims").isEmpty)
    }

    @Test func configurationErrorsExitTwoBeforeClaimingAnything() throws {
        let root = TempRoot("config")
        root.writePipeline(yaml: TempRoot.pipelineYAML.replacingOccurrences(of: "    max_length: 60", with: "    max_lenght: 60"))
        root.drop("a.csv", ExportBuilder().bytes)
        let result = try CLI.run(["run", "--root", root.path, "--settle", "0"])
        #expect(result.status == 2)
        #expect(result.stderr.contains("plytix-to-prima.yml"))
        #expect(result.stderr.contains("max_lenght"))
        #expect(result.stderr.contains("unknown key"))
        #expect(root.directory.exists("inbox/a.csv"))
        #expect(root.runs().isEmpty)
    }

    @Test func usageErrorsExitTwoAndHelpExitsZero() throws {
        #expect(try CLI.run(["run", "--no-such-flag"]).status == 2)
        #expect(try CLI.run(["frobnicate"]).status == 2)
        for command in ["run", "check", "init"] {
            let help = try CLI.run([command, "--help"])
            #expect(help.status == 0)
            #expect(help.stdout.lowercased().contains("usage"))
        }
        #expect(try CLI.run(["run", "--help"]).stdout.contains("Exit codes"))
        #expect(try CLI.run(["run", "--root", "/nonexistent/root", "--settle", "0"]).status == 2)
    }

    @Test func temporaryNamesAndFreshFilesAreLeftAlone() throws {
        let root = TempRoot("arrival")
        var export = ExportBuilder()
        export.add("T-1")
        for name in ["upload.csv.part", "upload.csv.filepart", "upload.tmp", ".hidden.csv"] { root.drop(name, export.bytes) }
        root.drop("fresh.csv", export.bytes, age: 0)
        root.drop("notes.txt", "hello")
        let result = try CLI.run(["run", "--root", root.path, "--settle", "30"])
        #expect(result.status == 0)
        #expect(root.runs().isEmpty)
        #expect(result.stdout.contains("fresh.csv: waiting"))
        #expect(result.stdout.contains("notes.txt: ignored"))
        for name in ["upload.csv.part", "upload.csv.filepart", "upload.tmp", ".hidden.csv", "fresh.csv"] {
            #expect(root.directory.exists("inbox/" + name))
        }
        // Renamed to its final name and settled: taken.
        try FileManager.default.moveItem(atPath: root.path + "/inbox/upload.csv.filepart", toPath: root.path + "/inbox/upload.csv")
        #expect(try CLI.run(["run", "--root", root.path, "--settle", "0"]).status == 0)
        #expect(root.directory.list("inbox/archive").contains("upload.csv"))
    }

    @Test func checkValidatesWithoutChangingAnything() throws {
        let root = TempRoot("check")
        var export = ExportBuilder()
        export.add("K-1")
        export.add("K-2", ["Country of Origin": "XX", "Label": "=cmd|' /C calc'!A0" + String(repeating: "!", count: 60)])
        let file = root.directory.write("export.csv", export.bytes)

        let result = try CLI.run(["check", file, "--root", root.path])
        #expect(result.status == 1)
        #expect(result.stderr.contains("2 row(s) read, 1 accepted, 1 rejected, 0 skipped"))
        #expect(result.stderr.contains("country: 1"))
        let rows = parseCSV(result.stdout)
        #expect(rows[0][0] == "source_file")
        #expect(rows.count == 3)
        // Formula injection is neutralised for Excel.
        let label = try #require(rows.first { $0[5] == "max_length" })
        #expect(label[4].hasPrefix("'=cmd"))

        let rejectsPath = root.path + "/check-rejects.csv"
        let toFile = try CLI.run(["check", file, "--root", root.path, "--rejects", rejectsPath])
        #expect(toFile.status == 1)
        #expect(toFile.stdout.contains("1 rejected"))
        #expect(FileManager.default.contents(atPath: rejectsPath)?.starts(with: [0xEF, 0xBB, 0xBF]) == true)

        var clean = ExportBuilder()
        clean.add("K-3")
        let cleanFile = root.directory.write("clean.csv", clean.bytes)
        #expect(try CLI.run(["check", cleanFile, "--root", root.path]).status == 0)

        let broken = root.directory.write("broken.csv", "SKU,Label\r\n\"unterminated\r\n")
        let brokenResult = try CLI.run(["check", broken, "--root", root.path])
        #expect(brokenResult.status == 3)
        #expect(brokenResult.stderr.contains("quarantine"))

        // check never touches the root.
        #expect(root.runs().isEmpty)
        #expect(root.directory.list("inbox").isEmpty)
        #expect(root.directory.exists("export.csv"))
    }

    @Test func windows1252OutputRejectsWhatItCannotHold() throws {
        let root = TempRoot("cp1252")
        root.writePipeline(yaml: TempRoot.pipelineYAML.replacingOccurrences(of: "  encoding: utf-8               # utf-8 | windows-1252\n  byte_order_mark", with: "  encoding: windows-1252\n  byte_order_mark"))
        var export = ExportBuilder()
        export.add("W-1", ["Label": "Café crème €5"])
        export.add("W-2", ["Label": "Łódź pillow"])
        root.drop("w.csv", export.bytes)
        _ = try root.runOnce()
        let run = try #require(root.runs().first)
        let bytes = try #require(root.directory.read(run + "/items-0001.csv"))
        #expect(bytes.contains(0xE9))  // é in Windows-1252
        #expect(bytes.contains(0x80))  // € in Windows-1252
        #expect(String(validating: bytes, as: UTF8.self) == nil)
        let rejects = parseCSV(try #require(root.text(run + "/rejects.csv")))
        #expect(rejects.count == 2)
        #expect(rejects[1][2] == "W-2" && rejects[1][5] == "encoding")
    }

    @Test func mixedLineEndingsSeparatorsAndBOMAreRead() throws {
        let root = TempRoot("dialect")
        var export = ExportBuilder()
        export.delimiter = ";"
        export.add("D-1", ["Description": "line one\nline two; still \"quoted\""])
        export.add("D-2")
        let text = "\u{FEFF}" + export.csv.replacingOccurrences(of: "\r\nD-2", with: "\nD-2")
        root.drop("semi.csv", text)
        _ = try root.runOnce()
        let run = try #require(root.runs().first)
        let manifest = try root.manifest(run)
        #expect(manifest.counts == RunCounts(read: 2, accepted: 2, rejected: 0, skipped: 0, new: 2))
        let items = parseCSV(try #require(root.text(run + "/items-0001.csv")))
        #expect(items[1][5] == "line one line two; still \"quoted\"")
    }
}

func sha256(_ bytes: [UInt8]) -> String {
    SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
}

/// gzip through the system tool: an independent compressor for end-to-end inputs.
func gzip(_ bytes: [UInt8]) throws -> [UInt8] {
    let dir = TempDirectory("gzip")
    let path = dir.write("data", bytes)
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/gzip")
    process.arguments = ["-kn", path]
    try process.run()
    process.waitUntilExit()
    return try #require(dir.read("data.gz"))
}
