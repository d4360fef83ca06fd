public import Foundation

/// `plytix-prima check`: validates one file exactly as `run` would, changing nothing.
public struct PreflightCheck: Sendable {
    public struct Result: Sendable {
        public var pipeline: String
        public var counts: RunCounts
        public var rejectsByRule: [String: Int]
        /// `rejects.csv` as `run` would publish it (UTF-8 BOM, CRLF).
        public var rejectsCSV: [UInt8]
        /// Compared with the state store (new/updated/unchanged are meaningful).
        public var comparedWithState = false
    }

    public enum Failure: Error, Sendable, CustomStringConvertible {
        /// `run` would quarantine the file.
        case wouldQuarantine(FileFault)
        case output(OutputError)
        case usage(String)

        public var description: String {
            switch self {
            case .wouldQuarantine(let fault): return "the file would be quarantined: \(fault)"
            case .output(let error): return "\(error)"
            case .usage(let message): return message
            }
        }
    }

    /// The pipeline that takes `fileName`: the one named, else the one whose patterns match, else the only one.
    public static func choosePipeline(for fileName: String, among pipelines: [PipelineConfig]) throws(Failure) -> PipelineConfig {
        if pipelines.count == 1 { return pipelines[0] }
        let takers = pipelines.filter { $0.input.patterns.contains { Glob.matches($0, fileName) } }
        guard takers.count == 1 else {
            let names = pipelines.map(\.name).joined(separator: ", ")
            throw .usage(takers.isEmpty
                ? "no pipeline's patterns match '\(fileName)'; name one with --pipeline (\(names))"
                : "'\(fileName)' matches several pipelines (\(takers.map(\.name).joined(separator: ", "))); name one with --pipeline")
        }
        return takers[0]
    }

    /// With the root's state store, the check compares with what Prima already has, as `run`
    /// would: parents and kit components published earlier exist, and rows count as new,
    /// updated or unchanged. Nothing is written to the store.
    public static func check(file path: String, pipeline: PipelineConfig, state: StateStore? = nil, now: Date = Date()) throws(Failure) -> Result {
        let scratch = FileManager.default.temporaryDirectory.path + "/plytix-prima-check-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        do { try FileSystem.makeDirectory(scratch) } catch { throw .output(error) }
        defer { FileSystem.removeTree(scratch) }
        let name = FileSystem.lastComponent(of: path)
        let staged: StagedRun
        do {
            staged = try RunProcessor(config: pipeline).stage(
                inputPath: path, sourceName: name, startedAt: now, into: scratch, state: state, detectsRepeatedFiles: false)
        } catch {
            switch error {
            case .quarantine(let fault): throw .wouldQuarantine(fault)
            case .output(let failure): throw .output(failure)
            case .cancelled: throw .output(OutputError("the check was stopped"))
            }
        }
        let rejects = FileManager.default.contents(atPath: scratch + "/rejects.csv").map { Array($0) } ?? []
        return Result(
            pipeline: pipeline.name, counts: staged.counts, rejectsByRule: staged.rejectsByRule, rejectsCSV: rejects,
            comparedWithState: state != nil)
    }
}
