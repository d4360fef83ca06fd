import ArgumentParser
import Foundation
import PlytixPrima

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Process every ready file in the inbox once, then exit.",
        discussion: """
            A file is ready when its name is not a temporary name (*.part, *.filepart, *.tmp, \
            dot-files) and it has not changed for --settle seconds. Each file becomes one run, \
            published atomically as outbox/<pipeline>/<run-id>/ (items-NNNN.csv, rejects.csv, \
            report.json, manifest.json); the input then moves to inbox/archive/. A structurally \
            broken file moves to inbox/failed/ with NAME.reason.txt and nothing from it is published.

            Each run is compared with what was published before (state/plytix-prima.sqlite): new \
            products go out as A, changed ones as U, unchanged ones are counted; a full export \
            discontinues products it no longer lists. A run that would discontinue or update too \
            much of the catalogue is held (see `status`, `approve`, `discard`).

            Exit codes: 0 every ready file processed (rejected rows are normal and still 0); \
            2 usage or configuration error, or an unusable state store (nothing processed); \
            3 at least one file was quarantined; 4 a run was held by the mass-change guard; \
            1 any other failure (the file goes back to the inbox).
            """
    )

    @OptionGroup var rootOptions: RootOptions

    @Option(help: ArgumentHelp("Run only this pipeline (pipelines/NAME.yml). Default: every pipeline.", valueName: "NAME"))
    var pipeline: String?

    @Option(help: ArgumentHelp("Seconds a file must stay unchanged before it is taken.", valueName: "SECONDS"))
    var settle: Double = 5

    func validate() throws {
        guard settle >= 0, settle.isFinite else { throw ValidationError("--settle must be 0 or more seconds") }
    }

    func run() throws {
        let layout = rootOptions.layout
        let pipelines: [PipelineConfig]
        do {
            pipelines = try InboxRun.loadPipelines(layout: layout, named: pipeline)
        } catch {
            Console.error("configuration error: \(error)")
            throw ExitCode(ExitStatus.usage)
        }
        let result: InboxRunResult
        do {
            result = try InboxRun(layout: layout, pipelines: pipelines, settleSeconds: settle).run { print($0) }
        } catch {
            Console.error("error: \(error)")
            throw ExitCode(ExitStatus.usage)
        }
        for (name, seconds) in result.settling {
            if seconds.isInfinite {
                print(OneLine.text("\(name): waiting for its done marker (\(name).done or \(name).ok)"))
            } else {
                print(OneLine.text("\(name): waiting, still changing (ready in \(Int(seconds.rounded(.up)))s)"))
            }
        }
        for (name, pipeline) in result.blockedByHeldRun {
            print(OneLine.text("\(name): waiting, pipeline \(pipeline) has a held run; see `plytix-prima status`, then approve or discard it"))
        }
        for name in result.unmatched {
            print(OneLine.text("\(name): ignored, no pipeline's patterns match it"))
        }
        if result.outcomes.isEmpty && result.references.isEmpty && result.settling.isEmpty && result.blockedByHeldRun.isEmpty {
            print("Nothing to do: no ready file in \(layout.inbox).")
        }
        throw ExitCode(result.exitCode)
    }
}

struct InitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Create inbox/, outbox/ and pipelines/ with the default pipeline (plytix-to-prima.yml).",
        discussion: "Existing folders and pipeline files are left as they are."
    )

    @Argument(help: ArgumentHelp("The root folder to set up.", valueName: "DIR"))
    var directory: String = "."

    func run() throws {
        do {
            let created = try RootSetup.initialise(root: directory)
            if created.isEmpty {
                print("\(directory) is already set up; nothing created.")
            } else {
                for path in created { print("created \(path)") }
            }
        } catch {
            Console.error("error: \(error)")
            throw ExitCode(ExitStatus.failure)
        }
    }
}
