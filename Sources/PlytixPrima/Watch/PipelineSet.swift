import Foundation
import Logging

/// The pipelines a long-running worker uses, reloaded when their YAML changes. A file that
/// becomes invalid is reported and its last good version stays in force.
struct PipelineSet {
    let directory: String
    private var loaded: [String: (stamp: FileStamp, config: PipelineConfig)] = [:]
    /// Files whose current version failed to load (so the error is logged once per version).
    private var rejected: [String: FileStamp] = [:]
    /// Rejected files that are valid alone but share Prima reference files with a loaded
    /// pipeline: tried again once the loaded pipelines change (the other may have gone).
    private var refusedForOverlap: Set<String> = []

    struct FileStamp: Equatable {
        var size: Int64
        var modified: Date
        var changed: Date
    }

    init(directory: String) { self.directory = directory }

    var pipelines: [PipelineConfig] { loaded.keys.sorted().compactMap { loaded[$0]?.config } }

    /// Loads new and changed pipeline files; forgets removed ones.
    mutating func refresh(logger: Logger) {
        let files = Set(FileSystem.list(directory).filter { $0.hasSuffix("." + PipelineLoader.fileExtension) && !$0.hasPrefix(".") })
        let before = loaded.mapValues(\.stamp)
        defer {
            if loaded.mapValues(\.stamp) != before {
                for file in refusedForOverlap { rejected[file] = nil }
                refusedForOverlap = []
            }
        }
        for gone in loaded.keys where !files.contains(gone) {
            loaded[gone] = nil
            logger.info("pipeline_removed", metadata: ["file": "\(gone)"])
        }
        rejected = rejected.filter { files.contains($0.key) }
        for file in files.sorted() {
            let path = directory + "/" + file
            guard let stat = FileSystem.inboxStat(path: path, name: file) else { continue }
            let stamp = FileStamp(size: stat.size, modified: stat.modified, changed: stat.changed)
            if loaded[file]?.stamp == stamp || rejected[file] == stamp { continue }
            do {
                let config = try PipelineLoader.load(path: path)
                // Refused like any invalid pipeline when its reference files could be another's (as `run` does).
                refusedForOverlap.remove(file)
                for (other, entry) in loaded.sorted(by: { $0.key < $1.key }) where other != file {
                    if let conflict = ReferencePatternOverlap.conflict(config, with: entry.config) {
                        refusedForOverlap.insert(file)
                        throw conflict
                    }
                }
                let event = loaded[file] == nil ? "pipeline_loaded" : "pipeline_reloaded"
                loaded[file] = (stamp, config)
                rejected[file] = nil
                logger.info("\(event)", metadata: ["pipeline": "\(config.name)", "patterns": "\(config.input.patterns.joined(separator: " "))"])
            } catch {
                rejected[file] = stamp
                let kept = loaded[file] == nil ? "not in use" : "the last good version stays in force"
                logger.error("pipeline_invalid", metadata: ["file": "\(file)", "error": "\(error)", "action": "\(kept)"])
            }
        }
    }
}
