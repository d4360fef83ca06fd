public import Foundation
public import PlytixPrima

/// A fresh temporary folder per test (tests run in parallel), removed when the value is dropped.
public final class TempDirectory: @unchecked Sendable {
    // Sendable without a lock is safe here: `path` is immutable after init.
    public let path: String

    public init(_ label: String = "test") {
        let base = FileManager.default.temporaryDirectory.path
        path = "\(base)/plytix-prima-\(label)-\(getpid())-\(UUID().uuidString.prefix(8))"
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    /// Writes `bytes` to `name` inside the folder and returns its path.
    @discardableResult
    public func write(_ name: String, _ bytes: [UInt8]) -> String {
        let target = path + "/" + name
        let parent = (target as NSString).deletingLastPathComponent
        try! FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: target, contents: Data(bytes))
        return target
    }

    @discardableResult
    public func write(_ name: String, _ text: String) -> String { write(name, Array(text.utf8)) }

    public func read(_ name: String) -> [UInt8]? {
        FileManager.default.contents(atPath: path + "/" + name).map { Array($0) }
    }

    public func readText(_ name: String) -> String? {
        read(name).map { String(decoding: $0, as: UTF8.self) }
    }

    public func list(_ name: String = "") -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: name.isEmpty ? path : path + "/" + name)) ?? []).sorted()
    }

    public func exists(_ name: String) -> Bool { FileManager.default.fileExists(atPath: path + "/" + name) }
}

/// A temporary root set up by `plytix-prima init`, with helpers to drop exports and read runs.
public final class TempRoot: @unchecked Sendable {
    // Sendable without a lock is safe here: all stored properties are immutable.
    public let directory: TempDirectory
    public var path: String { directory.path }
    public var layout: RootLayout { RootLayout(root: path) }

    /// The default pipeline in delta mode: most tests drop unrelated exports, which in full mode
    /// would discontinue each other's products (and trip the mass-change guard).
    public static let pipelineYAML = DefaultPipeline.yaml.replacingOccurrences(of: "  mode: full ", with: "  mode: delta")

    /// A root with the default pipeline; in delta mode unless `fullMode` (the shipped setting).
    public init(_ label: String = "root", fullMode: Bool = false) {
        directory = TempDirectory(label)
        try! RootSetup.initialise(root: directory.path)
        if !fullMode { directory.write("pipelines/\(DefaultPipeline.name).yml", Self.pipelineYAML) }
    }

    /// Drops an export into `inbox/`, dated in the past so it is ready with any settle time.
    @discardableResult
    public func drop(_ name: String, _ bytes: [UInt8], age: TimeInterval = 60) -> String {
        let file = directory.write("inbox/" + name, bytes)
        let date = Date().addingTimeInterval(-age)
        try? FileManager.default.setAttributes([.modificationDate: date], ofItemAtPath: file)
        return file
    }

    @discardableResult
    public func drop(_ name: String, _ text: String, age: TimeInterval = 60) -> String { drop(name, Array(text.utf8), age: age) }

    /// Run folders published for a pipeline, oldest first.
    public func runs(pipeline: String = DefaultPipeline.name) -> [String] {
        directory.list("outbox/" + pipeline).map { "outbox/\(pipeline)/\($0)" }
    }

    public func text(_ relative: String) -> String? { directory.readText(relative) }

    public func manifest(_ run: String) throws -> RunManifest { try RunManifest.read(from: path + "/" + run) }

    /// Replaces the default pipeline's YAML (e.g. to change limits in a test).
    public func writePipeline(_ name: String = DefaultPipeline.name, yaml: String) {
        directory.write("pipelines/\(name).yml", yaml)
    }

    /// Runs the inbox once in-process, like `plytix-prima run --settle 0`.
    public func runOnce(settle: Double = 0) throws -> InboxRunResult {
        let pipelines = try InboxRun.loadPipelines(layout: layout, named: nil)
        return try InboxRun(layout: layout, pipelines: pipelines, settleSeconds: settle).run()
    }
}
