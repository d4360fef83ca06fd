import ArgumentParser
import Foundation
import PlytixPrima

struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Pre-flight checklist: validate one export exactly as `run` would, changing nothing.",
        discussion: """
            Prints the row counts and the number of failures per rule, and writes the reject rows \
            (the same columns as rejects.csv) to --rejects PATH, or to standard output.

            Exit codes: 0 nothing rejected; 1 rows were rejected (or another failure); \
            2 usage or configuration error; 3 the file is structurally broken and `run` would quarantine it.
            """
    )

    @Argument(help: ArgumentHelp("The export to check (CSV or XML, optionally gzipped).", valueName: "FILE"))
    var file: String

    @OptionGroup var rootOptions: RootOptions

    @Option(help: ArgumentHelp("The pipeline to check against. Default: the one whose patterns match FILE.", valueName: "NAME"))
    var pipeline: String?

    @Option(help: ArgumentHelp("Write the reject rows here instead of standard output.", valueName: "PATH"))
    var rejects: String?

    func run() throws {
        let pipelines: [PipelineConfig]
        let chosen: PipelineConfig
        do {
            pipelines = try InboxRun.loadPipelines(layout: rootOptions.layout, named: pipeline)
            chosen = try PreflightCheck.choosePipeline(for: URL(fileURLWithPath: file).lastPathComponent, among: pipelines)
        } catch {
            Console.error("configuration error: \(error)")
            throw ExitCode(ExitStatus.usage)
        }
        guard FileManager.default.fileExists(atPath: file) else {
            Console.error("error: \(file) does not exist")
            throw ExitCode(ExitStatus.usage)
        }
        let result: PreflightCheck.Result
        do {
            result = try PreflightCheck.check(file: file, pipeline: chosen, state: openState())
        } catch {
            switch error {
            case .wouldQuarantine(let fault):
                Console.error("\(file): structurally broken, `run` would quarantine it.\n  \(fault)")
                throw ExitCode(ExitStatus.quarantined)
            case .usage(let message):
                Console.error("error: \(message)")
                throw ExitCode(ExitStatus.usage)
            case .output(let failure):
                Console.error("error: \(failure)")
                throw ExitCode(ExitStatus.failure)
            }
        }
        // With rejects on stdout, the summary goes to stderr so stdout stays a clean CSV.
        let summary: (String) -> Void = rejects == nil ? { Console.error($0) } : { print($0) }
        let counts = result.counts
        summary("\(file) (pipeline \(result.pipeline)): \(counts.read) row(s) read, \(counts.accepted) accepted, \(counts.rejected) rejected, \(counts.skipped) skipped")
        if result.comparedWithState {
            summary("  against the state store: \(counts.new) new, \(counts.updated) updated, \(counts.unchanged) unchanged, \(counts.discontinued) to discontinue")
        }
        for (rule, count) in result.rejectsByRule.sorted(by: { ($0.value, $1.key) > ($1.value, $0.key) }) {
            summary("  \(rule): \(count)")
        }
        if let rejects {
            guard FileManager.default.createFile(atPath: rejects, contents: Data(result.rejectsCSV)) else {
                Console.error("error: cannot write \(rejects)")
                throw ExitCode(ExitStatus.failure)
            }
        } else {
            let body = result.rejectsCSV.starts(with: [0xEF, 0xBB, 0xBF]) ? Array(result.rejectsCSV.dropFirst(3)) : result.rejectsCSV
            FileHandle.standardOutput.write(Data(body))
        }
        throw ExitCode(counts.rejected == 0 ? ExitStatus.success : ExitStatus.failure)
    }

    /// The root's state store when there is one, so the check sees what Prima already has; a
    /// root without one (or with an unusable one) is checked as a first run.
    private func openState() -> StateStore? {
        let layout = rootOptions.layout
        guard FileManager.default.fileExists(atPath: StateStore.path(in: layout)) else { return nil }
        do {
            return try StateStore.open(layout: layout)
        } catch {
            Console.error("warning: \(error); checking as if nothing had been published yet")
            return nil
        }
    }
}
