/// Prima reference files that fit a sample export (for the demo): a price list and VAT codes
/// that agree with the export on most items and disagree on a few, deterministically, so the
/// run's `finance-review.csv` shows each kind of discrepancy.
public enum SamplePrimaReference {
    public struct Summary: Sendable, Codable, Equatable {
        public var prices = 0
        public var pricesChanged = 0
        public var pricesLeftOut = 0
        public var vatCodesChanged = 0

        enum CodingKeys: String, CodingKey {
            case prices, pricesChanged = "prices_changed", pricesLeftOut = "prices_left_out", vatCodesChanged = "vat_codes_changed"
        }
    }

    /// Reads the export at `exportPath` and writes `price-list-sample.csv` and
    /// `vat-codes-sample.csv` into `directory`.
    public static func write(fromExport exportPath: String, into directory: String) throws -> Summary {
        let opened = try InputOpener.open(try FileByteSource(path: exportPath), name: exportPath, settings: InputSettings())
        var next: () throws -> SourceRow?
        if opened.format == .xml {
            let reader = try XMLProductReader(source: opened.source, wantedFields: ["sku", "status", "price", "vat_code"])
            next = { try reader.next() }
        } else {
            let reader = try CSVProductReader(
                source: opened.source, dialect: CSVDialect(), encoding: .utf8,
                layout: InputLayout(referenceColumns: ["SKU", "Status", "Price", "VAT Code"], optional: [2, 3]))
            next = {
                while let outcome = try reader.next() {
                    if case .row(let row) = outcome { return row }
                }
                return nil
            }
        }
        try FileSystem.makeDirectory(directory)
        let prices = try DurableFileWriter(path: directory + "/price-list-sample.csv")
        try prices.write("ItemCode,PriceList,Price,VATCode\r\n")
        var summary = Summary()
        var seen: Set<String> = []
        var index = 0
        while let row = try next() {
            let cells = row.values.map { TextCleaning.trim($0 ?? "") }
            guard cells[1].lowercased().hasPrefix("complete"), !cells[0].isEmpty, seen.insert(cells[0]).inserted,
                  cells[0].utf8.allSatisfy({ $0 > 32 && $0 != UInt8(ascii: ",") && $0 != UInt8(ascii: "\"") }),
                  var price = DecimalAmount(cells[2], separator: .auto)?.rounded(toScale: 2) else { continue }
            index += 1
            if index % 97 == 0 {
                summary.pricesLeftOut += 1
                continue
            }
            var vat = cells[3].isEmpty ? "S" : cells[3]
            if index % 41 == 0 {
                price.units += 100
                summary.pricesChanged += 1
            }
            if index % 67 == 0 {
                vat = vat == "S" ? "R" : "S"
                summary.vatCodesChanged += 1
            }
            try prices.write("\(cells[0]),RETAIL,\(price),\(vat)\r\n")
            summary.prices += 1
        }
        _ = try prices.finish()
        _ = try DurableFileWriter.write(Array("VATCode,Rate,Description\r\nS,20,Standard rate\r\nR,5,Reduced rate\r\nZ,0,Zero rated\r\n".utf8), to: directory + "/vat-codes-sample.csv")
        return summary
    }
}
