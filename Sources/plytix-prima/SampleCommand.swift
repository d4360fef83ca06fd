import ArgumentParser
import Foundation
import PlytixPrima

struct SampleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sample",
        abstract: "Write a deterministic, realistic Plytix export (for the demo, tests and benchmarks).",
        discussion: """
            The same options always give the same bytes. About --defect-rate of the rows are made \
            invalid on purpose (one defect each) and must be rejected; the summary printed as JSON \
            says how many rows of each kind the file holds. Compress with `gzip` if needed \
            (scripts/generate-export.sh --gzip).
            """
    )

    @Option(help: "Number of products.") var rows: Int = 1000
    @Option(help: "csv or xml.") var format: String = "csv"
    @Option(help: "Seed of the pseudo-random generator.") var seed: UInt64 = 42
    @Option(name: .customLong("defect-rate"), help: "Share of rows made invalid on purpose.") var defectRate: Double = 0.005
    @Option(name: .customLong("kit-rate"), help: "Share of rows that are kits.") var kitRate: Double = 0.03
    @Option(name: .customLong("variant-rate"), help: "Share of rows that are variants.") var variantRate: Double = 0.30
    @Option(name: .customLong("description-bytes"), help: "Approximate size of each HTML description.") var descriptionBytes: Int = 1200
    @Option(help: ArgumentHelp("Where to write the export.", valueName: "FILE")) var out: String
    @Option(name: .customLong("prima-reference"), help: ArgumentHelp(
        "Also write a Prima price list and VAT codes that fit the export (a few prices and VAT codes disagree on purpose) into this folder.",
        valueName: "DIR")) var primaReference: String?

    func validate() throws {
        guard rows >= 0 else { throw ValidationError("--rows must be 0 or more") }
        guard SampleExportOptions.Format(rawValue: format) != nil else { throw ValidationError("--format must be csv or xml") }
        for (name, rate) in [("defect-rate", defectRate), ("kit-rate", kitRate), ("variant-rate", variantRate)] where !(0...1).contains(rate) {
            throw ValidationError("--\(name) must be between 0 and 1")
        }
    }

    func run() throws {
        var options = SampleExportOptions()
        options.rows = rows
        options.format = SampleExportOptions.Format(rawValue: format)!
        options.seed = seed
        options.defectRate = defectRate
        options.kitRate = kitRate
        options.variantRate = variantRate
        options.descriptionBytes = descriptionBytes
        do {
            let summary = try SampleExport.write(options, to: out)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(summary), as: UTF8.self))
            if let primaReference {
                let reference = try SamplePrimaReference.write(fromExport: out, into: primaReference)
                // On standard error: standard output stays the export's summary, one JSON document.
                FileHandle.standardError.write(Data("Prima reference files in \(primaReference): ".utf8) + (try encoder.encode(reference)) + Data([10]))
            }
        } catch {
            Console.error("error: \(error)")
            throw ExitCode(ExitStatus.failure)
        }
    }
}
