import ArgumentParser
import Foundation
import Logging
import PlytixPrima
import ServiceLifecycle
import UnixSignals

struct WatchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "watch",
        abstract: "Run as a long-lived worker: process inbox files as they arrive, until SIGTERM or SIGINT.",
        discussion: """
            Polls every pipeline's inbox patterns. A file is taken once its name is not a temporary \
            upload name and its size and times have not changed for --settle seconds (or, for a \
            pipeline with `require_done_marker: true`, once NAME.done or NAME.ok stands beside it). \
            Files are processed oldest first, one run at a time per pipeline, through the same code \
            path as `run`. Pipelines are reloaded when their YAML changes; an invalid new version is \
            reported and the last good one stays in force.

            On SIGTERM or SIGINT the worker stops claiming, lets the run in progress finish within \
            --grace seconds or rolls it back (claim returned, nothing published), and exits 0. \
            Logs: one line per event (seen, claimed, published, quarantined, failed, rolled_back) on \
            standard output, as text or JSON.

            Exit codes: 0 stopped by a signal; 2 usage or configuration error (no valid pipeline, \
            no inbox); 1 any other failure.
            """
    )

    @OptionGroup var rootOptions: RootOptions

    @Option(help: ArgumentHelp("Seconds between looks at the inbox.", valueName: "SECONDS"))
    var poll: Double = 2

    @Option(help: ArgumentHelp("Seconds a file must stay unchanged before it is taken.", valueName: "SECONDS"))
    var settle: Double = 5

    @Option(help: ArgumentHelp("Seconds a run in progress may take to finish after SIGTERM before it is rolled back.", valueName: "SECONDS"))
    var grace: Double = 30

    @Option(name: .customLong("log-format"), help: "text or json.")
    var logFormat: String = "text"

    func validate() throws {
        guard LineLogHandler.Format(rawValue: logFormat) != nil else { throw ValidationError("--log-format must be text or json") }
        for (name, value) in [("poll", poll), ("settle", settle), ("grace", grace)] where !(value >= 0 && value.isFinite) {
            throw ValidationError("--\(name) must be 0 or more seconds")
        }
    }

    func run() async throws {
        let format = LineLogHandler.Format(rawValue: logFormat)!
        let logger = Logger(label: "plytix-prima") { _ in LineLogHandler(format: format) }
        let service = WatchService(
            options: WatchService.Options(layout: rootOptions.layout, pollSeconds: poll, settleSeconds: settle, graceSeconds: grace),
            logger: logger)
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: [.init(service: service)],
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger))
        do {
            try await group.run()
        } catch let error as WatchService.StartError {
            Console.error("error: \(error)")
            throw ExitCode(ExitStatus.usage)
        } catch {
            Console.error("error: \(error)")
            throw ExitCode(ExitStatus.failure)
        }
    }
}
