import ArgumentParser
import Foundation
import PlytixPrima

struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show the last runs per pipeline, held runs, open rejects by rule, claimed and quarantined files.",
        discussion: "Exit codes: 0 shown; 2 the root or its state store cannot be read."
    )

    @OptionGroup var rootOptions: RootOptions

    @Flag(help: "Print JSON instead of text.") var json = false

    func run() throws {
        do {
            let report = try StatusReport.gather(layout: rootOptions.layout)
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
                print(String(decoding: try encoder.encode(report), as: UTF8.self))
            } else {
                print(report.text)
            }
        } catch {
            Console.error("error: \(error)")
            throw ExitCode(ExitStatus.usage)
        }
    }
}

struct ApproveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "approve",
        abstract: "Publish a run the mass-change guard held, and commit its changes.",
        discussion: "Exit codes: 0 published; 1 it failed (the held run is left as it was where possible); 2 no such held run."
    )

    @Argument(help: ArgumentHelp("The held run's id (see `plytix-prima status`).", valueName: "RUN_ID")) var runID: String
    @OptionGroup var rootOptions: RootOptions

    func run() throws {
        try HeldRunAction.perform(on: runID, layout: rootOptions.layout) { runID, layout throws(HeldRuns.Failure) in
            "\(runID): approved and published to \(try HeldRuns.approve(runID, layout: layout))"
        }
    }
}

struct DiscardCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "discard",
        abstract: "Drop a run the mass-change guard held: nothing is published; its input stays archived.",
        discussion: "Exit codes: 0 dropped; 1 it failed; 2 no such held run."
    )

    @Argument(help: ArgumentHelp("The held run's id (see `plytix-prima status`).", valueName: "RUN_ID")) var runID: String
    @OptionGroup var rootOptions: RootOptions

    func run() throws {
        try HeldRunAction.perform(on: runID, layout: rootOptions.layout) { runID, layout throws(HeldRuns.Failure) in
            try HeldRuns.discard(runID, layout: layout)
            return "\(runID): discarded; nothing was published"
        }
    }
}

/// `approve` and `discard` share their checks and exit codes: 2 for an unknown run, 1 when the
/// action fails.
enum HeldRunAction {
    static func perform(
        on runID: String, layout: RootLayout, _ action: (String, RootLayout) throws(HeldRuns.Failure) -> String
    ) throws {
        guard HeldRuns.list(layout: layout).contains(where: { $0.runID == runID }) else {
            Console.error("error: no held run \(runID); `plytix-prima status` lists the held runs")
            throw ExitCode(ExitStatus.usage)
        }
        do {
            print(try action(runID, layout))
        } catch {
            Console.error("error: \(error)")
            throw ExitCode(ExitStatus.failure)
        }
    }
}
