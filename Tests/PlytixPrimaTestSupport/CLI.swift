import Foundation

/// Runs the built `plytix-prima` executable, as a user or cron would.
public enum CLI {
    public struct Result: Sendable {
        public var status: Int32
        /// The process was killed by a signal (`status` is then the signal's number).
        public var signalled: Bool = false
        public var stdout: String
        public var stderr: String
    }

    /// The executable next to the test bundle (SwiftPM builds it with the tests).
    public static var executable: String {
        let testBinary = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var folder = testBinary.deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = folder.appendingPathComponent("plytix-prima").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            folder = folder.deletingLastPathComponent()
        }
        // Fall back to the package's debug build folder.
        let package = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return package.appendingPathComponent(".build/debug/plytix-prima").path
    }

    public static func run(_ arguments: [String], environment: [String: String] = [:], cwd: String? = nil) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let cwd { process.currentDirectoryURL = URL(fileURLWithPath: cwd) }
        // A crash point armed in the test runner's own environment must never leak into a child.
        var inherited = ProcessInfo.processInfo.environment
        inherited.removeValue(forKey: "PLYTIX_PRIMA_CRASH_AT")
        process.environment = inherited.merging(environment) { $1 }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        // Read both pipes before waiting so a chatty child cannot block on a full pipe.
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(
            status: process.terminationStatus, signalled: process.terminationReason == .uncaughtSignal,
            stdout: String(decoding: outData, as: UTF8.self), stderr: String(decoding: errData, as: UTF8.self))
    }
}
