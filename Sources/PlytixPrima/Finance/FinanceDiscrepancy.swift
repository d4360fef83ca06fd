/// One place where Plytix and Prima disagree about an item's price or VAT code: one line of
/// the run's `finance-review.csv`. Prima's value stands; the line is for finance to review.
struct FinanceDiscrepancy: Equatable {
    enum Reason: String, CaseIterable, Sendable {
        case priceDiffers = "price_differs"
        case noPrimaPrice = "no_prima_price"
        case priceNotANumber = "price_not_a_number"
        case vatDiffers = "vat_differs"
        case vatUnknown = "vat_unknown"
    }

    var sku: String
    /// The Prima price list; empty on a VAT line.
    var priceList: String
    var plytixValue = ""
    var primaValue = ""
    /// Plytix minus Prima at the list's precision, on a price line where both are numbers.
    var difference = ""
    var plytixVAT = ""
    var primaVAT = ""
    var reason: Reason
    var line: Int

    /// A sentence a finance clerk understands.
    var sentence: String {
        switch reason {
        case .priceDiffers:
            return "Price differs: Plytix has \(plytixValue), Prima's \(priceList) price list has \(primaValue). Prima's price stands."
        case .noPrimaPrice:
            return "No Prima price for this item on the \(priceList) price list; Plytix has \(plytixValue). Nothing was sent to Prima."
        case .priceNotANumber:
            return "The Plytix price \(quoted(plytixValue)) for the \(priceList) price list is not a number, so it cannot be compared with Prima."
        case .vatDiffers:
            return "VAT code differs: Plytix has \(quoted(plytixVAT)), Prima has \(primaVAT.isEmpty ? "none" : quoted(primaVAT)). Prima's VAT code stands."
        case .vatUnknown:
            return "VAT code unknown to Prima: Plytix has \(quoted(plytixVAT)), which is not in Prima's VAT codes."
        }
    }

    /// The Plytix and Prima values the state store remembers for an open discrepancy.
    var storedValues: (plytix: String, prima: String) {
        priceList.isEmpty ? (plytixVAT, primaVAT) : (plytixValue, primaValue)
    }
}

/// Writes `finance-review.csv` for finance, who open it in Excel: the same conventions as
/// `rejects.csv` (UTF-8 with a BOM, CRLF, formulas neutralised). A review file, not an import
/// file: the manifest lists it with kind `finance-review`, after the import files.
final class FinanceReviewWriter {
    static let fileName = "finance-review.csv"
    static let kind = "finance-review"
    /// The issue's columns in order; `ReasonCode`, `SourceFile` and `Line` are added at the end.
    static let header = ["ItemCode", "PriceList", "PlytixValue", "PrimaValue", "Difference", "PlytixVAT", "PrimaVAT", "Reason", "ReasonCode", "SourceFile", "Line"]

    private let file: ExcelCSVFile
    private let sourceFile: String

    init(path: String, sourceFile: String) throws(OutputError) {
        file = try ExcelCSVFile(
            directory: FileSystem.parentPath(of: path), name: FileSystem.lastComponent(of: path), kind: Self.kind, header: Self.header)
        self.sourceFile = sourceFile
    }

    var rows: Int { file.rows }

    func append(_ item: FinanceDiscrepancy) throws(OutputError) {
        try file.append([
            item.sku, item.priceList, item.plytixValue, item.primaValue, item.difference, item.plytixVAT, item.primaVAT,
            item.sentence, item.reason.rawValue, sourceFile, String(item.line),
        ])
    }

    func finish() throws(OutputError) -> OutputFile { try file.finish() }
}
