import ArgumentParser
import Foundation
import PlytixPrima

@main
struct PlytixPrimaCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plytix-prima",
        abstract: "Keeps Prima's item master true to Plytix: turns Plytix catalogue exports into Prima bulk-import files.",
        discussion: """
            A root folder holds inbox/ (Plytix exports arrive here), outbox/ (Prima import runs are \
            published here) and pipelines/ (YAML configuration). Start with `plytix-prima init`.

            Exit codes of `run`: 0 every ready file processed (rejected rows are normal), \
            2 usage or configuration error (nothing processed), 3 at least one file quarantined, \
            1 any other failure.
            """,
        subcommands: [RunCommand.self, WatchCommand.self, CheckCommand.self, StatusCommand.self, ApproveCommand.self, DiscardCommand.self, InitCommand.self, SampleCommand.self]
    )

    /// Runs the command and exits with the documented codes; parse errors are usage errors (2).
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch let code as ArgumentParser.ExitCode {
            Foundation.exit(code.rawValue)
        } catch {
            let status = exitCode(for: error)
            if status == .success {
                print(fullMessage(for: error))
                Foundation.exit(0)
            }
            Console.error(fullMessage(for: error))
            Foundation.exit(ExitStatus.usage)
        }
    }
}

enum Console {
    static func error(_ message: String) {
        FileHandle.standardError.write(Data((message + "\n").utf8))
    }
}

/// Options every command that works on a root shares.
struct RootOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The folder holding inbox/, outbox/ and pipelines/.", valueName: "DIR"))
    var root: String = "."

    var layout: RootLayout { RootLayout(root: root) }
}
