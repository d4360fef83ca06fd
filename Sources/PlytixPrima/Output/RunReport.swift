public import Foundation

/// `report.json`: what a run did, for operations and monitoring.
struct RunReport: Encodable {
    var runID: String
    var pipeline: String
    var source: SourceInfo
    var format: String
    var compressed: Bool
    var delimiter: String?
    var startedAt: Date
    var finishedAt: Date
    /// Reading, validating and spooling; the rest of the run is the barrier stages and output.
    var firstPassSeconds: Double
    var counts: RunCounts
    /// Reject lines per rule code (a row with two failures counts under both rules).
    var rejectsByRule: [String: Int]
    /// Skipped rows per status value as exported (`Draft`, `Archived`, …; `""` when empty).
    var skippedByStatus: [String: Int]
    /// Skipped statuses the pipeline does not list at all: possibly a typo in Plytix.
    var unexpectedStatuses: [String]
    /// Optional pipeline fields the export does not carry; their Prima columns stay empty.
    var absentFields: [String]
    var distinctSKUs: Int
    var diff: DiffReport
    /// Variants, styles and kits of the run, and the bill-of-materials lines it sends.
    var relationships: RelationshipReport
    /// Why the mass-change guard held the run, if it did.
    var heldReason: String?
    var files: [OutputFile]
    /// The finance guard's comparison with Prima's snapshot (pipelines that map prices or VAT).
    var finance: FinanceReportSection? = nil

    enum CodingKeys: String, CodingKey {
        case runID = "run_id", pipeline, source, format, compressed, delimiter
        case startedAt = "started_at", finishedAt = "finished_at", durationSeconds = "duration_seconds"
        case firstPassSeconds = "read_and_validate_seconds"
        case counts, rejectsByRule = "rejects_by_rule", skippedByStatus = "skipped_by_status"
        case unexpectedStatuses = "unexpected_statuses", absentFields = "absent_fields", distinctSKUs = "distinct_skus", files
        case diff, relationships, heldReason = "held_reason", finance
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(runID, forKey: .runID)
        try container.encode(pipeline, forKey: .pipeline)
        try container.encode(source, forKey: .source)
        try container.encode(format, forKey: .format)
        try container.encode(compressed, forKey: .compressed)
        try container.encodeIfPresent(delimiter, forKey: .delimiter)
        try container.encode(startedAt, forKey: .startedAt)
        try container.encode(finishedAt, forKey: .finishedAt)
        try container.encode((finishedAt.timeIntervalSince(startedAt) * 1000).rounded() / 1000, forKey: .durationSeconds)
        try container.encode((firstPassSeconds * 1000).rounded() / 1000, forKey: .firstPassSeconds)
        try container.encode(counts, forKey: .counts)
        try container.encode(rejectsByRule, forKey: .rejectsByRule)
        try container.encode(skippedByStatus, forKey: .skippedByStatus)
        try container.encode(unexpectedStatuses, forKey: .unexpectedStatuses)
        try container.encode(absentFields, forKey: .absentFields)
        try container.encode(distinctSKUs, forKey: .distinctSKUs)
        try container.encode(diff, forKey: .diff)
        try container.encode(relationships, forKey: .relationships)
        try container.encodeIfPresent(heldReason, forKey: .heldReason)
        try container.encode(files, forKey: .files)
        try container.encodeIfPresent(finance, forKey: .finance)
    }

    func write(to directory: String) throws(OutputError) -> OutputFile {
        let bytes = try JSONOutput.encode(self)
        let (sha256, size) = try DurableFileWriter.write(bytes, to: directory + "/report.json")
        return OutputFile(name: "report.json", kind: "report", rows: 0, sha256: sha256, bytes: size)
    }
}

/// `manifest.json`, written last: the files of the run in import order with their checksums.
/// Prima's importer (and anyone checking a run) trusts a run folder only with its manifest.
public struct RunManifest: Codable, Sendable, Equatable {
    public var formatVersion = 1
    public var runID: String
    public var pipeline: String
    public var createdAt: Date
    public var source: SourceInfo
    public var files: [OutputFile]
    public var counts: RunCounts

    enum CodingKeys: String, CodingKey {
        case formatVersion = "format_version", runID = "run_id", pipeline, createdAt = "created_at", source, files, counts
    }

    public static let fileName = "manifest.json"

    func write(to directory: String) throws(OutputError) {
        _ = try DurableFileWriter.write(try JSONOutput.encode(self), to: directory + "/" + Self.fileName)
    }

    public static func read(from directory: String) throws -> RunManifest {
        let data = try Data(contentsOf: URL(fileURLWithPath: directory + "/" + fileName))
        return try JSONOutput.decoder.decode(RunManifest.self, from: data)
    }
}

enum JSONOutput {
    static func encode(_ value: some Encodable) throws(OutputError) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        do {
            return Array(try encoder.encode(value)) + [10]
        } catch {
            throw OutputError("encoding JSON failed: \(error)")
        }
    }

    static var decoder: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }
}
