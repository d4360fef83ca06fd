/// Options for a generated Plytix export: how big, which format, and how much of it is broken on purpose.
public struct SampleExportOptions: Sendable, Equatable {
    public enum Format: String, Sendable, CaseIterable { case csv, xml }

    public var rows: Int
    public var format: Format
    public var seed: UInt64
    /// Share of rows made invalid on purpose, one defect each (see `SampleDefect`).
    public var defectRate: Double
    /// Share of rows that are kits whose `Bundle Contents` name earlier valid standalone SKUs.
    public var kitRate: Double
    /// Share of rows that are variants of an earlier valid, sales-ready parent.
    public var variantRate: Double
    /// Share of rows with status `Draft` or `Archived` (skipped by the pipeline).
    public var nonSalesReadyRate: Double
    /// Approximate size of each HTML description; ~1.6 KB per CSV row overall at 1200.
    public var descriptionBytes: Int
    /// CSV field separator (ignored for XML). Multi-value cells always use `,` as Plytix does.
    public var delimiter: UInt8
    /// Write decimals (weights, dimensions, prices) as `12,5` instead of `12.5`.
    public var decimalComma: Bool

    public init(
        rows: Int = 1000,
        format: Format = .csv,
        seed: UInt64 = 42,
        defectRate: Double = 0.005,
        kitRate: Double = 0.03,
        variantRate: Double = 0.30,
        nonSalesReadyRate: Double = 0.02,
        descriptionBytes: Int = 1200,
        delimiter: UInt8 = UInt8(ascii: ","),
        decimalComma: Bool = false
    ) {
        self.rows = rows
        self.format = format
        self.seed = seed
        self.defectRate = defectRate
        self.kitRate = kitRate
        self.variantRate = variantRate
        self.nonSalesReadyRate = nonSalesReadyRate
        self.descriptionBytes = descriptionBytes
        self.delimiter = delimiter
        self.decimalComma = decimalComma
    }

    /// Largest supported export: SKU numbers must stay within 8 digits so variant SKUs fit 20 chars.
    public static let maximumRows = 90_000_000

    /// Rows that will be defective: `defectRate × rows`, rounded half away from zero. Exact.
    public var defectiveRows: Int { Self.share(defectRate, of: rows) }
    /// Rows that will be `Draft`/`Archived`: `nonSalesReadyRate × rows`, rounded the same way. Exact.
    public var skippedRows: Int { Self.share(nonSalesReadyRate, of: rows) }

    static func share(_ rate: Double, of rows: Int) -> Int {
        Int((rate * Double(rows)).rounded(.toNearestOrAwayFromZero))
    }

    func validate() throws(SampleExportError) {
        guard (0...Self.maximumRows).contains(rows) else {
            throw SampleExportError("rows must be between 0 and \(Self.maximumRows), not \(rows).")
        }
        let rates = [("defectRate", defectRate), ("kitRate", kitRate),
                     ("variantRate", variantRate), ("nonSalesReadyRate", nonSalesReadyRate)]
        for (name, rate) in rates where !(rate.isFinite && (0...1).contains(rate)) {
            throw SampleExportError("\(name) must be between 0 and 1, not \(rate).")
        }
        let planned = defectiveRows + skippedRows + Self.share(kitRate, of: rows) + Self.share(variantRate, of: rows)
        guard planned <= rows else {
            throw SampleExportError("defectRate + kitRate + variantRate + nonSalesReadyRate must not exceed 1.")
        }
        guard (0...1_000_000).contains(descriptionBytes) else {
            throw SampleExportError("descriptionBytes must be between 0 and 1000000, not \(descriptionBytes).")
        }
        // A quote or line break as separator would make the CSV ambiguous; non-ASCII is not one byte in UTF-8.
        let forbidden: [UInt8] = [UInt8(ascii: "\""), UInt8(ascii: "\r"), UInt8(ascii: "\n")]
        guard delimiter < 0x80, !forbidden.contains(delimiter) else {
            throw SampleExportError("delimiter must be an ASCII character other than a quote, CR or LF.")
        }
    }
}

/// What a generated export contains, so tests and benchmarks know the expected pipeline outcome.
public struct SampleExportSummary: Sendable, Equatable, Codable {
    /// Product records written (header and XML wrapper not counted).
    public var rows: Int
    /// Rows with a sales-ready status (`Complete`/`Completed`); includes the defective ones.
    public var salesReady: Int
    /// Rows with status `Draft` or `Archived`: the pipeline skips them. `rows == salesReady + skipped`.
    public var skipped: Int
    /// Sales-ready rows the pipeline must reject; both rows of a duplicate-SKU pair count.
    public var defective: Int
    /// Valid kits (rows with `Bundle Contents`).
    public var kits: Int
    /// Valid variants (rows with `Variant of`).
    public var variants: Int
    /// Size of the written file.
    public var bytes: Int64
    /// Defective rows per `SampleDefect` raw value; only kinds that occur are present.
    public var defectsByKind: [String: Int]

    public init(rows: Int = 0, salesReady: Int = 0, skipped: Int = 0, defective: Int = 0,
                kits: Int = 0, variants: Int = 0, bytes: Int64 = 0, defectsByKind: [String: Int] = [:]) {
        self.rows = rows
        self.salesReady = salesReady
        self.skipped = skipped
        self.defective = defective
        self.kits = kits
        self.variants = variants
        self.bytes = bytes
        self.defectsByKind = defectsByKind
    }

    /// Sales-ready rows that must pass validation: `salesReady - defective`.
    public var valid: Int { salesReady - defective }
}

/// Why an export could not be generated.
public struct SampleExportError: Error, Sendable, Equatable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Generates realistic Plytix exports for the demo, the tests and the benchmark.
public enum SampleExport {
    /// Writes the export to `path` (streaming, constant memory) and returns what it contains.
    /// The same options always produce byte-identical output. On failure the partial file is removed.
    public static func write(_ options: SampleExportOptions, to path: String) throws -> SampleExportSummary {
        try options.validate()
        let file = try SampleFile(creating: path)
        do {
            switch options.format {
            case .csv: return try run(CSVSampleEncoder(delimiter: options.delimiter), options, file)
            case .xml: return try run(XMLSampleEncoder(), options, file)
            }
        } catch {
            file.discard()
            throw error
        }
    }

    /// Flush threshold: big enough that write(2) calls are rare, small enough to stay cache-friendly.
    private static let blockSize = 1 << 20

    // Generic so the encoder calls are specialised and inlined in the hot loop.
    private static func run<Encoder: SampleEncoder>(
        _ encoder: Encoder, _ options: SampleExportOptions, _ file: SampleFile
    ) throws(SampleExportError) -> SampleExportSummary {
        var generator = SampleGenerator(options)
        var record = SampleRecord()
        var block: [UInt8] = []
        block.reserveCapacity(blockSize + 256 * 1024)
        encoder.header(into: &block)
        for _ in 0..<options.rows {
            generator.next(into: &record)
            encoder.encode(record, into: &block)
            if block.count >= blockSize {
                try file.write(block)
                block.removeAll(keepingCapacity: true)
            }
        }
        encoder.footer(into: &block)
        try file.write(block)
        try file.close()
        var summary = generator.summary
        summary.bytes = file.bytesWritten
        return summary
    }
}
