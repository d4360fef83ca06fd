import Foundation
import CZlib
import GRDB
import Testing
@testable import PlytixPrima
import PlytixPrimaTestSupport

/// Helpers shared by the state, diff and crash-recovery tests: the binary with its termination
/// reason, a catalogue builder, the state store read back row by row, and run-folder checks.
enum StateFixture {
    struct Exit: Sendable {
        var status: Int32
        /// Killed by a signal (then `status` is the signal number).
        var signalled: Bool
        var stdout: String
        var stderr: String
        var summary: String { "exit \(status)\(signalled ? " (signal)" : "")\nstdout:\n\(stdout)\nstderr:\n\(stderr)" }
    }

    /// Runs the `plytix-prima` binary like `CLI.run`, but also says whether a signal ended it.
    static func cli(_ arguments: [String], environment: [String: String] = [:]) throws -> Exit {
        let result = try CLI.run(arguments, environment: environment)
        return Exit(status: result.status, signalled: result.signalled, stdout: result.stdout, stderr: result.stderr)
    }

    /// `plytix-prima run --root ROOT --settle 0`.
    static func run(_ root: TempRoot, environment: [String: String] = [:]) throws -> Exit {
        try cli(["run", "--root", root.path, "--settle", "0"], environment: environment)
    }

    /// `plytix-prima status --json` as a dictionary.
    static func status(_ root: TempRoot) throws -> [String: Any] {
        let result = try cli(["status", "--root", root.path, "--json"])
        try #require(result.status == 0, "\(result.summary)")
        return try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
    }

    /// The status block of the default pipeline.
    static func pipelineStatus(_ root: TempRoot) throws -> [String: Any] {
        let pipelines = try #require(try status(root)["pipelines"] as? [[String: Any]])
        return try #require(pipelines.first { $0["pipeline"] as? String == DefaultPipeline.name })
    }

    /// An export of valid products, each with optional overrides.
    static func export(_ skus: some Sequence<String>, _ overrides: [String: [String: String]] = [:]) -> ExportBuilder {
        var builder = ExportBuilder()
        for sku in skus { builder.add(sku, overrides[sku] ?? [:]) }
        return builder
    }

    static func report(_ root: TempRoot, _ run: String) throws -> [String: Any] {
        let bytes = try #require(root.directory.read(run + "/report.json"))
        return try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
    }

    /// Data rows (header dropped) of one published CSV file, or `[]` if it is not there.
    static func rows(_ root: TempRoot, _ file: String) -> [[String]] {
        Array(parseCSV(root.text(file) ?? "").dropFirst())
    }

    // MARK: - The state store, read back

    /// How the store fingerprints a published value: its UTF-8's CRC-32, as `hex()` shows it.
    static func fingerprint(_ value: String) -> String {
        let bytes = Array(value.utf8)
        let crc = bytes.withUnsafeBufferPointer { UInt32(crc32(0, $0.baseAddress, UInt32($0.count))) }
        let hex = String(crc, radix: 16, uppercase: true)
        return String(repeating: "0", count: 8 - hex.count) + hex
    }

    struct Item: Equatable, Comparable, CustomStringConvertible {
        var sku: String
        var hash: String
        /// Per output column, the fingerprint the store keeps of the published value (hex).
        var columns: [String]
        /// The whole import line: only rows published before `v4-compact-lines` keep one.
        var legacyLine: String
        var discontinued: Bool
        static func < (a: Item, b: Item) -> Bool { a.sku < b.sku }
        var description: String { "\(sku)\(discontinued ? " (discontinued)" : "") \(hash.prefix(8))" }
    }

    struct Snapshot: Equatable {
        var items: [Item]
        var openRejects: [String]
        /// `source_name status` per run, sorted.
        var runs: [String]
        /// `source_name sha256` per processed file, sorted.
        var processedFiles: [String]
    }

    /// Everything the state store holds for the default pipeline, without run ids and times.
    static func snapshot(_ root: TempRoot) throws -> Snapshot {
        let path = StateStore.path(in: root.layout)
        try #require(FileManager.default.fileExists(atPath: path), "no state store at \(path)")
        var configuration = Configuration()
        configuration.readonly = true
        let queue = try DatabaseQueue(path: path, configuration: configuration)
        return try queue.read { db in
            let items = try Row.fetchAll(db, sql: """
                SELECT sku, hex(record_hash), hex(column_prints), line, discontinued_run_id IS NOT NULL FROM published_item
                WHERE pipeline = ? ORDER BY sku
                """, arguments: [DefaultPipeline.name]).map { row in
                let prints: String = row[2]
                let columns = stride(from: 0, to: prints.count, by: 8).map { String(prints.dropFirst($0).prefix(8)) }
                return Item(sku: row[0], hash: row[1], columns: columns, legacyLine: String(decoding: (row[3] as Data), as: UTF8.self), discontinued: row[4])
            }
            let rejects = try Row.fetchAll(db, sql: "SELECT sku, rule FROM open_reject WHERE pipeline = ? ORDER BY sku, rule", arguments: [DefaultPipeline.name])
                .map { "\($0[0] as String) \($0[1] as String)" }
            let runs = try Row.fetchAll(db, sql: "SELECT source_name, status FROM run WHERE pipeline = ?", arguments: [DefaultPipeline.name])
                .map { "\($0[0] as String) \($0[1] as String)" }.sorted()
            let files = try Row.fetchAll(db, sql: "SELECT source_name, sha256 FROM processed_file WHERE pipeline = ?", arguments: [DefaultPipeline.name])
                .map { "\($0[0] as String) \($0[1] as String)" }.sorted()
            return Snapshot(items: items, openRejects: rejects, runs: runs, processedFiles: files)
        }
    }

    // MARK: - Run folders

    /// Problems with the run folders in `folder` (relative to the root): each must hold a
    /// `manifest.json` whose files exist with the listed sha256, size and row count, and nothing else.
    static func manifestProblems(_ root: TempRoot, in folder: String = "outbox/\(DefaultPipeline.name)") -> [String] {
        var problems: [String] = []
        for name in root.directory.list(folder) {
            let run = folder + "/" + name
            guard let manifest = try? root.manifest(run) else {
                problems.append("\(run) has no readable manifest.json (contents: \(root.directory.list(run)))")
                continue
            }
            if manifest.runID != name { problems.append("\(run): manifest names run \(manifest.runID)") }
            for file in manifest.files {
                guard let bytes = root.directory.read(run + "/" + file.name) else {
                    problems.append("\(run)/\(file.name) is listed but missing")
                    continue
                }
                if sha256(bytes) != file.sha256 { problems.append("\(run)/\(file.name): sha256 does not match the manifest") }
                if Int64(bytes.count) != file.bytes { problems.append("\(run)/\(file.name): \(bytes.count) bytes, manifest says \(file.bytes)") }
                if file.name.hasSuffix(".csv") {
                    let rows = parseCSV(String(decoding: bytes, as: UTF8.self)).count - 1
                    if rows != file.rows { problems.append("\(run)/\(file.name): \(rows) rows, manifest says \(file.rows)") }
                }
            }
            let extra = Set(root.directory.list(run)).subtracting(manifest.files.map(\.name) + [RunManifest.fileName])
            if !extra.isEmpty { problems.append("\(run) holds files the manifest does not list: \(extra.sorted())") }
            let c = manifest.counts
            if c.read != c.new + c.updated + c.unchanged + c.rejected + c.skipped || c.accepted != c.new + c.updated + c.unchanged {
                problems.append("\(run): counts do not add up: \(c)")
            }
            let itemRows = manifest.files.filter { $0.kind == "items" }.reduce(0) { $0 + $1.rows }
            if itemRows != c.new + c.updated { problems.append("\(run): \(itemRows) item rows for \(c.new) new + \(c.updated) updated") }
            let discontinueRows = manifest.files.filter { $0.kind == "discontinue" }.reduce(0) { $0 + $1.rows }
            if discontinueRows != c.discontinued { problems.append("\(run): \(discontinueRows) discontinue rows for \(c.discontinued) discontinued") }
        }
        return problems
    }

    /// What a run published, without its id and times: every file but report.json and the
    /// manifest, as `name kind rows sha256`.
    static func publishedContent(_ root: TempRoot, _ run: String) throws -> [String] {
        try root.manifest(run).files.filter { $0.kind != "report" }.map { "\($0.name) \($0.kind) \($0.rows) \($0.sha256)" }
    }

    /// Every item row published by every run, as `Action,ItemCode` strings.
    static func emittedItems(_ root: TempRoot) throws -> [String] {
        try root.runs().flatMap { run in
            try root.manifest(run).files.filter { $0.kind == "items" }.flatMap { file in
                rows(root, run + "/" + file.name).map { "\($0[0]),\($0[1])" }
            }
        }
    }
}
