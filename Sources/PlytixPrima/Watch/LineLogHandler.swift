public import Foundation
public import Logging

/// One line per event for operators and log shippers: `text` (`time level event key=value …`)
/// or `json` (one object per line).
public struct LineLogHandler: LogHandler {
    public enum Format: String, Sendable, CaseIterable { case text, json }

    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level = .info
    let format: Format
    let output: LineOutput

    public init(format: Format, output: LineOutput = .standardOutput) {
        self.format = format
        self.output = output
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        let merged = metadata.merging(event.metadata ?? [:]) { $1 }
        let time = ISO8601DateFormatter.string(from: Date(), timeZone: TimeZone(identifier: "UTC")!, formatOptions: [.withInternetDateTime, .withFractionalSeconds])
        switch format {
        case .text:
            let fields = merged.sorted { $0.key < $1.key }.map { "\($0.key)=\(Self.textValue("\($0.value)"))" }
            output.write(([time, event.level.rawValue, "\(event.message)"] + fields).joined(separator: " "))
        case .json:
            var object: [String: String] = ["time": time, "level": event.level.rawValue, "event": "\(event.message)"]
            for (key, value) in merged { object[key] = "\(value)" }
            let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
            output.write(String(decoding: data, as: UTF8.self))
        }
    }

    /// Quotes a value with spaces so each line stays `key=value` separable.
    static func textValue(_ value: String) -> String {
        guard value.contains(where: { $0 == " " || $0 == "\"" || $0 == "=" || $0.isNewline }) else { return value }
        return "\"" + value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n") + "\""
    }
}

/// Where log lines go; whole lines are written under a lock so threads never interleave.
public final class LineOutput: @unchecked Sendable {
    // @unchecked: writes are serialised by `lock`.
    private let lock = NSLock()
    private let handle: FileHandle

    public init(handle: FileHandle) { self.handle = handle }

    public static let standardOutput = LineOutput(handle: .standardOutput)

    func write(_ line: String) {
        lock.lock()
        defer { lock.unlock() }
        handle.write(Data((line + "\n").utf8))
    }
}
