import Foundation
import Testing
@testable import PlytixPrima
import PlytixPrimaTestSupport

/// The finance guard (issue 5): Prima owns prices and VAT codes; Plytix values are compared
/// with Prima's snapshot and every disagreement is a line of `finance-review.csv`.
enum FinanceFixture {
    static let priceHeader = "ItemCode,PriceList,Price,VATCode"
    static let vatHeader = "VATCode,Rate,Description"

    /// Drops a Prima reference file into `inbox/prima/`, dated in the past so it is ready.
    @discardableResult
    static func drop(_ root: TempRoot, _ name: String, _ text: String, age: TimeInterval = 120) -> String {
        let file = root.directory.write("inbox/prima/" + name, text)
        try? FileManager.default.setAttributes([.modificationDate: Date().addingTimeInterval(-age)], ofItemAtPath: file)
        return file
    }

    /// A price list: `(item, list, price, vat)` rows.
    static func priceList(_ rows: [(String, String, String, String)]) -> String {
        ([priceHeader] + rows.map { "\($0.0),\($0.1),\"\($0.2)\",\($0.3)" }).joined(separator: "\r\n") + "\r\n"
    }

    static let standardVATCodes = vatHeader + "\r\nS,20,Standard\r\nR,5,Reduced\r\nZ,0,Zero rated\r\n"

    /// Loads the reference files dropped so far and one export, in one `run`; returns the export's run folder.
    static func run(_ root: TempRoot, export: ExportBuilder, name: String = "export.csv") throws -> (result: InboxRunResult, run: String) {
        root.drop(name, export.bytes)
        let result = try root.runOnce()
        let published = result.outcomes.compactMap { outcome -> String? in
            if case .published(let directory, _, _, _) = outcome.result { return directory }
            return nil
        }
        let run = try #require(published.last, "no run was published: \(result.outcomes.map(\.summary)) \(result.references.map(\.summary))")
        return (result, String(run.dropFirst(root.path.count + 1)))
    }

    /// The review file's data rows as dictionaries by header (BOM dropped), or `nil` when absent.
    static func review(_ root: TempRoot, _ run: String) -> [[String: String]]? {
        guard let text = root.text(run + "/finance-review.csv") else { return nil }
        let rows = parseCSV(String(text.dropFirst()))
        guard let header = rows.first else { return [] }
        return rows.dropFirst().map { Dictionary(uniqueKeysWithValues: zip(header, $0)) }
    }

    static func financeReport(_ root: TempRoot, _ run: String) throws -> [String: Any] {
        try #require(try StateFixture.report(root, run)["finance"] as? [String: Any])
    }

    /// The default pipeline (delta mode) with Trade Price → TRADE mapped as well.
    static var twoListPipeline: String {
        TempRoot.pipelineYAML.replacingOccurrences(
            of: "      price_list: RETAIL\n",
            with: "      price_list: RETAIL\n    - source: Trade Price\n      xml: trade_price\n      price_list: TRADE\n")
    }

    static func export(_ rows: [(String, [String: String])], extraHeaders: [String] = []) -> ExportBuilder {
        var builder = ExportBuilder(headers: ExportBuilder.headers + extraHeaders)
        for (sku, overrides) in rows { builder.add(sku, overrides) }
        return builder
    }
}

@Suite struct FinanceReviewTests {
    @Test func anEqualPriceAndVATCodeGiveAHeaderOnlyReviewFile() throws {
        let root = TempRoot("finance-equal")
        FinanceFixture.drop(root, "price-list.csv", FinanceFixture.priceList([("A-1", "RETAIL", "19.99", "S")]))
        FinanceFixture.drop(root, "vat-codes.csv", FinanceFixture.standardVATCodes)
        let (result, run) = try FinanceFixture.run(root, export: FinanceFixture.export([("A-1", [:])]))
        #expect(result.references.count == 2)
        #expect(result.exitCode == 0)
        #expect(FinanceFixture.review(root, run) == [])
        let text = try #require(root.text(run + "/finance-review.csv"))
        #expect(text == "\u{FEFF}ItemCode,PriceList,PlytixValue,PrimaValue,Difference,PlytixVAT,PrimaVAT,Reason,ReasonCode,SourceFile,Line\r\n")
        let manifest = try root.manifest(run)
        #expect(manifest.files.map(\.kind) == ["items", "rejects", "finance-review", "report"])
        let review = try #require(manifest.files.first { $0.kind == "finance-review" })
        #expect(review.name == "finance-review.csv" && review.rows == 0)
        let finance = try FinanceFixture.financeReport(root, run)
        #expect(finance["discrepancies"] as? Int == 0)
        #expect(finance["values_compared"] as? Int == 2)
        #expect(finance["notice"] == nil)
        #expect((finance["snapshot"] as? [[String: Any]])?.count == 2)
    }

    @Test func aDifferentPriceIsOneLineAndTheItemStillFlows() throws {
        let root = TempRoot("finance-differs")
        FinanceFixture.drop(root, "price-list.csv", FinanceFixture.priceList([("A-1", "RETAIL", "17.50", "S"), ("B-2", "RETAIL", "19.99", "S")]))
        let (_, run) = try FinanceFixture.run(root, export: FinanceFixture.export([("A-1", [:]), ("B-2", [:])]))
        let lines = try #require(FinanceFixture.review(root, run))
        #expect(lines.count == 1)
        let line = try #require(lines.first)
        #expect(line["ItemCode"] == "A-1")
        #expect(line["PriceList"] == "RETAIL")
        #expect(line["PlytixValue"] == "19.99")
        #expect(line["PrimaValue"] == "17.50")
        #expect(line["Difference"] == "2.49")
        #expect(line["ReasonCode"] == "price_differs")
        #expect(line["Reason"]?.hasPrefix("Price differs") == true)
        #expect(line["SourceFile"] == "export.csv" && line["Line"] == "2")
        // The discrepancy never holds the enrichment back, and no price reaches the import file.
        let items = StateFixture.rows(root, run + "/items-0001.csv").map { $0[1] }
        #expect(items == ["A-1", "B-2"])
        #expect(!(root.text(run + "/items-0001.csv") ?? "").contains("19.99"))
        let finance = try FinanceFixture.financeReport(root, run)
        #expect(finance["discrepancies_by_reason"] as? [String: Int] == ["price_differs": 1])
    }

    @Test func aNegativeDifferenceStaysANumberForExcel() throws {
        let root = TempRoot("finance-negative")
        FinanceFixture.drop(root, "price-list.csv", FinanceFixture.priceList([("A-1", "RETAIL", "25", "S")]))
        let (_, run) = try FinanceFixture.run(root, export: FinanceFixture.export([("A-1", ["Price": "19.99"])]))
        let line = try #require(FinanceFixture.review(root, run)?.first)
        // Prima's list has whole prices; the comparison still keeps two decimals.
        #expect(line["PrimaValue"] == "25")
        // A plain negative number is no formula: finance can sum it.
        #expect(line["Difference"] == "-5.01")
        let text = try #require(root.text(run + "/finance-review.csv"))
        #expect(text.contains(",-5.01,") && !text.contains("'-5.01"))
    }

    @Test func wholePrimaPricesCompareAtTwoDecimalsUnlessAPrecisionIsConfigured() throws {
        let root = TempRoot("finance-precision")
        FinanceFixture.drop(root, "price-list.csv", FinanceFixture.priceList([("A-1", "RETAIL", "10", "S"), ("B-2", "RETAIL", "10", "S"), ("C-3", "RETAIL", "10", "S")]))
        let export = FinanceFixture.export([("A-1", ["Price": "10.49"]), ("B-2", ["Price": "10.00"]), ("C-3", ["Price": "10.5"])])
        let (_, run) = try FinanceFixture.run(root, export: export)
        // Prima writing `10` does not make 10.49 equal 10.
        let lines = try #require(FinanceFixture.review(root, run))
        #expect(lines.map { "\($0["ItemCode"]!) \($0["Difference"]!)" } == ["A-1 0.49", "C-3 0.50"])
        // A price mapping with `precision: 0` compares whole units: 10.49 is 10, 10.5 rounds to 11.
        let whole = TempRoot("finance-precision-0")
        whole.writePipeline(yaml: TempRoot.pipelineYAML.replacingOccurrences(of: "      price_list: RETAIL\n", with: "      price_list: RETAIL\n      precision: 0\n"))
        FinanceFixture.drop(whole, "price-list.csv", FinanceFixture.priceList([("A-1", "RETAIL", "10", "S"), ("B-2", "RETAIL", "10", "S"), ("C-3", "RETAIL", "10", "S")]))
        let (_, wholeRun) = try FinanceFixture.run(whole, export: export)
        #expect(try #require(FinanceFixture.review(whole, wholeRun)).map { "\($0["ItemCode"]!) \($0["Difference"]!)" } == ["C-3 1"])
        #expect(PipelineFixture.error(TempRoot.pipelineYAML.replacingOccurrences(of: "      price_list: RETAIL\n", with: "      price_list: RETAIL\n      precision: 9\n"))?.message.contains("0 to 8") == true)
    }

    @Test func noPrimaPriceForTheItemAndList() throws {
        let root = TempRoot("finance-missing")
        FinanceFixture.drop(root, "price-list.csv", FinanceFixture.priceList([("B-2", "RETAIL", "19.99", "S")]))
        let (_, run) = try FinanceFixture.run(root, export: FinanceFixture.export([("A-1", [:]), ("B-2", [:])]))
        let lines = try #require(FinanceFixture.review(root, run))
        #expect(lines.map { $0["ItemCode"] } == ["A-1"])
        #expect(lines.first?["ReasonCode"] == "no_prima_price")
        #expect(lines.first?["PrimaValue"] == "")
        #expect(lines.first?["Reason"]?.contains("No Prima price for this item on the RETAIL price list") == true)
    }

    @Test func tradeAndRetailListsAreComparedSeparately() throws {
        let root = TempRoot("finance-lists")
        root.writePipeline(yaml: FinanceFixture.twoListPipeline)
        FinanceFixture.drop(root, "price-list.csv", FinanceFixture.priceList([
            ("A-1", "RETAIL", "19.99", "S"), ("A-1", "TRADE", "10.00", "S"), ("B-2", "RETAIL", "19.99", "S"), ("B-2", "TRADE", "12.00", "S"),
        ]))
        let export = FinanceFixture.export([("A-1", ["Trade Price": "12.00"]), ("B-2", ["Trade Price": "12"])], extraHeaders: ["Trade Price"])
        let (_, run) = try FinanceFixture.run(root, export: export)
        let lines = try #require(FinanceFixture.review(root, run))
        #expect(lines.count == 1)
        #expect(lines.first?["ItemCode"] == "A-1")
        #expect(lines.first?["PriceList"] == "TRADE")
        #expect(lines.first?["PrimaValue"] == "10.00")
        #expect(lines.first?["Difference"] == "2.00")
    }

    @Test func aVATCodeThatDiffersAndOneUnknownToPrima() throws {
        let root = TempRoot("finance-vat")
        FinanceFixture.drop(root, "price-list.csv", FinanceFixture.priceList([("A-1", "RETAIL", "19.99", "S"), ("B-2", "RETAIL", "19.99", "S"), ("C-3", "RETAIL", "19.99", "S")]))
        FinanceFixture.drop(root, "vat-codes.csv", FinanceFixture.standardVATCodes)
        let export = FinanceFixture.export([("A-1", ["VAT Code": "Z"]), ("B-2", ["VAT Code": "X9"]), ("C-3", ["VAT Code": "s"])])
        let (_, run) = try FinanceFixture.run(root, export: export)
        let lines = try #require(FinanceFixture.review(root, run))
        #expect(lines.count == 2)
        #expect(lines[0]["ItemCode"] == "A-1" && lines[0]["ReasonCode"] == "vat_differs")
        #expect(lines[0]["PlytixVAT"] == "Z" && lines[0]["PrimaVAT"] == "S" && lines[0]["PriceList"] == "")
        #expect(lines[0]["Reason"]?.hasPrefix("VAT code differs") == true)
        #expect(lines[1]["ItemCode"] == "B-2" && lines[1]["ReasonCode"] == "vat_unknown")
        #expect(lines[1]["Reason"]?.hasPrefix("VAT code unknown to Prima") == true)
        let finance = try FinanceFixture.financeReport(root, run)
        #expect(finance["discrepancies_by_reason"] as? [String: Int] == ["vat_differs": 1, "vat_unknown": 1])
    }

    @Test func decimalCommasOnBothSidesCompareAsDecimals() throws {
        let root = TempRoot("finance-comma")
        FinanceFixture.drop(root, "price-list.csv", FinanceFixture.priceList([("A-1", "RETAIL", "19,99", "S"), ("B-2", "RETAIL", "0,30", "S"), ("C-3", "RETAIL", "5,10", "S")]))
        // 0,1 + 0,2 is 0,3 exactly: no binary floating point anywhere; 5,1 is 5,10 at the list's precision.
        let export = FinanceFixture.export([("A-1", ["Price": "19,99"]), ("B-2", ["Price": "0,300"]), ("C-3", ["Price": "5,1"])])
        let (_, run) = try FinanceFixture.run(root, export: export)
        #expect(FinanceFixture.review(root, run) == [])
        #expect(try FinanceFixture.financeReport(root, run)["values_compared"] as? Int == 6)
    }

    @Test func aPlytixPriceThatIsNotANumberIsReviewedNotRejected() throws {
        let root = TempRoot("finance-nan")
        FinanceFixture.drop(root, "price-list.csv", FinanceFixture.priceList([("A-1", "RETAIL", "19.99", "S")]))
        let (result, run) = try FinanceFixture.run(root, export: FinanceFixture.export([("A-1", ["Price": "19.99 EUR"])]))
        let line = try #require(FinanceFixture.review(root, run)?.first)
        #expect(line["ReasonCode"] == "price_not_a_number")
        #expect(line["PlytixValue"] == "19.99 EUR" && line["PrimaValue"] == "19.99")
        if case .published(_, _, let counts, _) = result.outcomes.first?.result {
            #expect(counts.accepted == 1 && counts.rejected == 0)
        } else {
            Issue.record("not published")
        }
    }

    @Test func formulasAreNeutralisedAndTheFileIsExcelReady() throws {
        let root = TempRoot("finance-excel")
        FinanceFixture.drop(root, "price-list.csv", FinanceFixture.priceList([("A-1", "RETAIL", "19.99", "S")]))
        FinanceFixture.drop(root, "vat-codes.csv", FinanceFixture.standardVATCodes)
        let (_, run) = try FinanceFixture.run(root, export: FinanceFixture.export([("A-1", ["VAT Code": "=1+2", "Price": "@SUM(1)"])]))
        let bytes = try #require(root.directory.read(run + "/finance-review.csv"))
        #expect(Array(bytes.prefix(3)) == [0xEF, 0xBB, 0xBF])
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(text.components(separatedBy: "\r\n").count == 4)  // header, two lines, and the final CRLF
        #expect(!text.replacingOccurrences(of: "\r\n", with: "").contains("\n"))
        let lines = try #require(FinanceFixture.review(root, run))
        #expect(lines.first { $0["ReasonCode"] == "price_not_a_number" }?["PlytixValue"] == "'@SUM(1)")
        #expect(lines.first { $0["ReasonCode"] == "vat_unknown" }?["PlytixVAT"] == "'=1+2")
    }

    @Test func withoutASnapshotTheReportSaysSoOnceAndNoReviewFileIsWritten() throws {
        let root = TempRoot("finance-nosnapshot")
        let (_, run) = try FinanceFixture.run(root, export: FinanceFixture.export([("A-1", [:]), ("B-2", [:])]))
        let finance = try FinanceFixture.financeReport(root, run)
        #expect(finance["snapshot"] is NSNull)
        #expect(finance["notice"] as? String == FinanceReview.notice)
        #expect(finance["values_compared"] as? Int == 0)
        #expect(root.text(run + "/finance-review.csv") == nil)
        #expect(try root.manifest(run).files.map(\.kind) == ["items", "rejects", "report"])
    }

    @Test func withOnlyVATCodesUnknownCodesAreFoundAndTheReportSaysPricesWereNotCompared() throws {
        let root = TempRoot("finance-vatonly")
        FinanceFixture.drop(root, "vat-codes.csv", FinanceFixture.standardVATCodes)
        let (_, run) = try FinanceFixture.run(root, export: FinanceFixture.export([("A-1", ["VAT Code": "Q"]), ("B-2", [:])]))
        let lines = try #require(FinanceFixture.review(root, run))
        #expect(lines.map { "\($0["ItemCode"]!) \($0["ReasonCode"]!)" } == ["A-1 vat_unknown"])
        let finance = try FinanceFixture.financeReport(root, run)
        #expect((finance["notice"] as? String)?.hasPrefix("No Prima price list has been received yet") == true)
        // B-2's known code has no item code in Prima to be compared with: only A-1's is judged.
        #expect(finance["values_compared"] as? Int == 1)
    }

    @Test func aLaterRunThatAgreesClosesTheDiscrepancyInStatus() throws {
        let root = TempRoot("finance-status")
        FinanceFixture.drop(root, "price-list.csv", FinanceFixture.priceList([("A-1", "RETAIL", "17.50", "S"), ("B-2", "RETAIL", "19.99", "S")]))
        FinanceFixture.drop(root, "vat-codes.csv", FinanceFixture.standardVATCodes)
        _ = try FinanceFixture.run(root, export: FinanceFixture.export([("A-1", [:]), ("B-2", ["VAT Code": "Z"])]), name: "one.csv")
        var status = try #require(try StatusReport.gather(layout: root.layout).pipelines.first)
        #expect(status.openFinanceDiscrepancies == ["price_differs": 1, "vat_differs": 1])
        #expect(status.primaSnapshots.map(\.kind) == ["price_list", "vat_codes"])
        let text = try StatusReport.gather(layout: root.layout).text
        #expect(text.contains("open finance discrepancies: 2 (price_differs 1, vat_differs 1)"))
        #expect(text.contains("Prima snapshots: price list price-list.csv (2 rows"))
        // Plytix now agrees on A-1's price: it closes. B-2's VAT cell is empty now: nothing was
        // compared, so its discrepancy stays open (only agreement closes one).
        var (_, run) = try FinanceFixture.run(root, export: FinanceFixture.export([("A-1", ["Price": "17.5"]), ("B-2", ["VAT Code": ""])]), name: "two.csv")
        status = try #require(try StatusReport.gather(layout: root.layout).pipelines.first)
        #expect(status.openFinanceDiscrepancies == ["vat_differs": 1])
        #expect(try FinanceFixture.financeReport(root, run)["closed"] as? Int == 1)
        (_, run) = try FinanceFixture.run(root, export: FinanceFixture.export([("B-2", ["VAT Code": "s"])]), name: "three.csv")
        #expect(try FinanceFixture.financeReport(root, run)["closed"] as? Int == 1)
        #expect(try StatusReport.gather(layout: root.layout).text.contains("open finance discrepancies: none"))
    }

    @Test func aDiscontinuedItemsDiscrepanciesCloseAnItemAbsentFromADeltaKeepsThem() throws {
        let root = TempRoot("finance-discontinued")
        FinanceFixture.drop(root, "price-list.csv", FinanceFixture.priceList([("A-1", "RETAIL", "17.50", "S"), ("B-2", "RETAIL", "17.50", "S"), ("C-3", "RETAIL", "17.50", "S")]))
        FinanceFixture.drop(root, "vat-codes.csv", FinanceFixture.standardVATCodes)
        _ = try FinanceFixture.run(root, export: FinanceFixture.export([("A-1", ["VAT Code": "Z"]), ("B-2", [:])]), name: "one.csv")
        func open() throws -> [String: Int] { try #require(try StatusReport.gather(layout: root.layout).pipelines.first).openFinanceDiscrepancies }
        #expect(try open() == ["price_differs": 2, "vat_differs": 1])
        // A delta export without A-1 and B-2: they are not discontinued, their discrepancies stay.
        _ = try FinanceFixture.run(root, export: FinanceFixture.export([("C-3", ["Price": "17.50"])]), name: "two.csv")
        #expect(try open() == ["price_differs": 2, "vat_differs": 1])
        // A-1 archived in Plytix: discontinued in Prima, both of its discrepancies close.
        let (_, run) = try FinanceFixture.run(root, export: FinanceFixture.export([("A-1", ["Status": "Archived"])]), name: "three.csv")
        #expect(try root.manifest(run).counts.discontinued == 1)
        #expect(try FinanceFixture.financeReport(root, run)["closed"] as? Int == 2)
        #expect(try open() == ["price_differs": 1])
    }

    @Test func anExportWithoutThePriceAndVATColumnsClosesNothingAndTheReportSaysSo() throws {
        let root = TempRoot("finance-absent")
        FinanceFixture.drop(root, "price-list.csv", FinanceFixture.priceList([("A-1", "RETAIL", "17.50", "S")]))
        FinanceFixture.drop(root, "vat-codes.csv", FinanceFixture.standardVATCodes)
        _ = try FinanceFixture.run(root, export: FinanceFixture.export([("A-1", ["VAT Code": "Z"])]), name: "one.csv")
        let before = try #require(try StatusReport.gather(layout: root.layout).pipelines.first)
        #expect(before.openFinanceDiscrepancies == ["price_differs": 1, "vat_differs": 1])
        // The channel lost both columns: nothing was judged, so nothing closes.
        var export = ExportBuilder(headers: ExportBuilder.headers.filter { $0 != "Price" && $0 != "VAT Code" })
        export.add("A-1")
        let (_, run) = try FinanceFixture.run(root, export: export, name: "two.csv")
        let after = try #require(try StatusReport.gather(layout: root.layout).pipelines.first)
        #expect(after.openFinanceDiscrepancies == ["price_differs": 1, "vat_differs": 1])
        let finance = try FinanceFixture.financeReport(root, run)
        #expect(finance["closed"] as? Int == 0)
        #expect(finance["values_compared"] as? Int == 0)
        #expect(finance["absent_columns"] as? [String] == ["Price", "VAT Code"])
        let notice = try #require(finance["notice"] as? String)
        #expect(notice.contains("no 'Price', 'VAT Code' column") && notice.contains("stay open"), "\(notice)")
        #expect(FinanceFixture.review(root, run) == [])
    }

    @Test func theItemVATCodeComesFromAnyListAndAMissingOneIsNotJudged() throws {
        let root = TempRoot("finance-vat-lists")
        // The pipeline maps no price at all: VAT only. Prima's item codes come from its lists anyway.
        root.writePipeline(yaml: TempRoot.pipelineYAML.replacingOccurrences(
            of: "  prices:\n    - source: Price\n      xml: price\n      price_list: RETAIL\n", with: ""))
        FinanceFixture.drop(root, "price-list.csv", FinanceFixture.priceList([
            ("A-1", "TRADE", "10", "S"), ("B-2", "TRADE", "10", ""), ("D-4", "WHOLESALE", "9", "S"),
        ]))
        FinanceFixture.drop(root, "vat-codes.csv", FinanceFixture.standardVATCodes)
        // A-1 differs (Prima's TRADE list says S); B-2 has an empty Prima code and C-3 none: not compared.
        let (_, firstRun) = try FinanceFixture.run(root, export: FinanceFixture.export([("A-1", ["VAT Code": "Z"]), ("B-2", ["VAT Code": "Z"]), ("C-3", ["VAT Code": "Z"]), ("D-4", [:])]), name: "one.csv")
        var status = try #require(try StatusReport.gather(layout: root.layout).pipelines.first)
        #expect(status.openFinanceDiscrepancies == ["vat_differs": 1])
        let first = try #require(FinanceFixture.review(root, firstRun))
        #expect(first.map { "\($0["ItemCode"]!) \($0["PrimaVAT"]!)" } == ["A-1 S"])
        #expect(try FinanceFixture.financeReport(root, firstRun)["values_compared"] as? Int == 2)
        // A code Prima does not know is still judged, with or without an item code.
        let (_, run) = try FinanceFixture.run(root, export: FinanceFixture.export([("C-3", ["VAT Code": "Q"])]), name: "two.csv")
        #expect(FinanceFixture.review(root, run)?.map { $0["ReasonCode"] } == ["vat_unknown"])
        status = try #require(try StatusReport.gather(layout: root.layout).pipelines.first)
        #expect(status.openFinanceDiscrepancies == ["vat_differs": 1, "vat_unknown": 1])
    }
}

@Suite struct ReferenceIntakeTests {
    @Test func aReferenceFileIsValidatedWithRejectsLoadedAndArchived() throws {
        let root = TempRoot("reference-rejects")
        let text = FinanceFixture.priceList([
            ("A-1", "RETAIL", "19.99", "S"), ("B-2", "RETAIL", "abc", "S"), ("C-3", "RETAIL", "5", "S"), ("C-3", "RETAIL", "6", "S"),
            ("", "RETAIL", "1", "S"), ("D-4", "RETAIL", "-1", "S"), ("C-3", "TRADE", "4", "S"),
        ])
        FinanceFixture.drop(root, "price-list.csv", text)
        let result = try root.runOnce()
        #expect(result.exitCode == 0)
        let outcome = try #require(result.references.first)
        guard case .loaded(let folder, _, let rows, let rejected) = outcome.result else {
            Issue.record("not loaded: \(outcome.summary)")
            return
        }
        #expect(rows == 2 && rejected == 5)
        #expect(folder.hasPrefix(root.path + "/outbox/prima-reference/plytix-to-prima/"))
        let rejects = Array(parseCSV(String((try #require(root.directory.readText(String(folder.dropFirst(root.path.count + 1)) + "/rejects.csv"))).dropFirst())).dropFirst())
        #expect(rejects.map { [$0[1], $0[5]] } == [["3", "number"], ["6", "required"], ["7", "number"], ["4", "duplicate_price"], ["5", "duplicate_price"]])
        let manifest = try RunManifest.read(from: folder)
        #expect(manifest.files.map(\.kind) == ["rejects", "report"])
        #expect(manifest.counts.read == 7 && manifest.counts.accepted == 2 && manifest.counts.rejected == 5)
        #expect(root.directory.list("inbox/prima").isEmpty)
        #expect(root.directory.list("inbox/archive") == ["price-list.csv"])
        // Only A-1 RETAIL and C-3 TRADE are in force.
        let snapshot = try #require(try PriceListSnapshot.load(store: StateStore.open(layout: root.layout), pipeline: "plytix-to-prima", lists: ["RETAIL", "TRADE"]))
        #expect(snapshot.price(of: SKUFingerprint("A-1"), list: 0) == DecimalAmount(units: 1999, scale: 2))
        #expect(snapshot.price(of: SKUFingerprint("C-3"), list: 0) == nil)
        #expect(snapshot.price(of: SKUFingerprint("C-3"), list: 1) == DecimalAmount(units: 4, scale: 0))
    }

    @Test func aRowWithTwoFailuresCountsAsOneRejectedRow() throws {
        let root = TempRoot("reference-counts")
        // Line 3 lacks the item code and has no number: two failures, one row.
        FinanceFixture.drop(root, "price-list.csv", FinanceFixture.priceList([("A-1", "RETAIL", "19.99", "S"), ("", "RETAIL", "abc", "S"), ("B-2", "RETAIL", "5", "S")]))
        let outcome = try #require(try root.runOnce().references.first)
        guard case .loaded(let folder, _, let rows, let rejected) = outcome.result else {
            Issue.record("not loaded: \(outcome.summary)")
            return
        }
        #expect(rows == 2 && rejected == 1)
        let manifest = try RunManifest.read(from: folder)
        #expect(manifest.counts.read == 3 && manifest.counts.accepted == 2 && manifest.counts.rejected == 1)
        let data = try #require(FileManager.default.contents(atPath: folder + "/report.json"))
        let report = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(report["counts"] as? [String: Int] == ["read": 3, "accepted": 2, "rejected": 1])
        // Every failure is still a line of rejects.csv and counted per rule.
        #expect(report["rejects_by_rule"] as? [String: Int] == ["required": 1, "number": 1])
        let rejects = parseCSV(String(try #require(root.directory.readText(String(folder.dropFirst(root.path.count + 1)) + "/rejects.csv")).dropFirst()))
        #expect(rejects.dropFirst().map { [$0[1], $0[5]] } == [["3", "required"], ["3", "number"]])
    }

    @Test func aBrokenReferenceFileIsQuarantinedAndThePreviousSnapshotStays() throws {
        let root = TempRoot("reference-broken")
        FinanceFixture.drop(root, "price-list-1.csv", FinanceFixture.priceList([("A-1", "RETAIL", "17.50", "S")]))
        #expect(try root.runOnce().exitCode == 0)
        // No Price column: structurally broken.
        FinanceFixture.drop(root, "price-list-2.csv", "ItemCode,PriceList,VATCode\r\nA-1,RETAIL,S\r\n", age: 60)
        // Every row rejected: it would wipe the snapshot.
        FinanceFixture.drop(root, "price-list-3.csv", FinanceFixture.priceList([("A-1", "RETAIL", "n/a", "S")]), age: 30)
        let result = try root.runOnce()
        #expect(result.exitCode == ExitStatus.quarantined)
        let faults = result.references.compactMap { outcome -> String? in
            if case .quarantined(let fault, _) = outcome.result { return "\(outcome.name) \(fault.code)" }
            return nil
        }
        #expect(faults == ["price-list-2.csv missing_column", "price-list-3.csv no_reference_rows"])
        let reason = try #require(root.text("inbox/failed/price-list-2.csv.reason.txt"))
        #expect(reason.contains("'Price'") && reason.contains("previous snapshot stays in force"))
        let (_, run) = try FinanceFixture.run(root, export: FinanceFixture.export([("A-1", [:])]))
        let line = try #require(FinanceFixture.review(root, run)?.first)
        #expect(line["PrimaValue"] == "17.50")
        let snapshots = try StateStore.open(layout: root.layout).referenceSnapshots(pipeline: "plytix-to-prima")
        #expect(snapshots.map(\.source) == ["price-list-1.csv"])
    }

    @Test func aNewPriceListReplacesTheWholeSnapshot() throws {
        let root = TempRoot("reference-replace")
        FinanceFixture.drop(root, "price-list-1.csv", FinanceFixture.priceList([("A-1", "RETAIL", "17.50", "S"), ("B-2", "RETAIL", "9", "S")]))
        _ = try root.runOnce()
        FinanceFixture.drop(root, "price-list-2.csv", FinanceFixture.priceList([("A-1", "RETAIL", "19.99", "S")]))
        let (_, run) = try FinanceFixture.run(root, export: FinanceFixture.export([("A-1", [:]), ("B-2", [:])]))
        let lines = try #require(FinanceFixture.review(root, run))
        // A-1 now agrees; B-2 is gone from Prima's list.
        #expect(lines.map { "\($0["ItemCode"]!) \($0["ReasonCode"]!)" } == ["B-2 no_prima_price"])
    }

    @Test func aPriceListFilePerListReplacesOnlyTheListsItHolds() throws {
        let root = TempRoot("reference-per-list")
        root.writePipeline(yaml: FinanceFixture.twoListPipeline)
        FinanceFixture.drop(root, "price-list-retail.csv", FinanceFixture.priceList([("A-1", "RETAIL", "19.99", "S"), ("B-2", "RETAIL", "19.99", "S")]), age: 120)
        FinanceFixture.drop(root, "price-list-trade.csv", FinanceFixture.priceList([("A-1", "TRADE", "12.00", "S"), ("B-2", "TRADE", "12.00", "S")]), age: 90)
        let export = FinanceFixture.export([("A-1", ["Trade Price": "12"]), ("B-2", ["Trade Price": "12"])], extraHeaders: ["Trade Price"])
        let (result, run) = try FinanceFixture.run(root, export: export)
        // The TRADE file did not wipe the RETAIL list: both lists agree.
        #expect(FinanceFixture.review(root, run) == [])
        #expect(try FinanceFixture.financeReport(root, run)["values_compared"] as? Int == 6)
        let reports = try result.references.map { outcome -> [String: Any] in
            guard case .loaded(let folder, _, _, _) = outcome.result else { throw CancellationError() }
            let data = try #require(FileManager.default.contents(atPath: folder + "/report.json"))
            return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        }
        #expect(reports.map { $0["replaced_price_lists"] as? [String] } == [["RETAIL"], ["TRADE"]])
        #expect(((reports.last?["price_lists"] as? [String: Any])?.keys.sorted()) == ["RETAIL", "TRADE"])
        // A new RETAIL file replaces RETAIL whole (B-2 leaves it) and leaves TRADE as it was.
        FinanceFixture.drop(root, "price-list-retail-2.csv", FinanceFixture.priceList([("A-1", "RETAIL", "18.00", "S")]))
        let again = FinanceFixture.export([("A-1", ["Trade Price": "12", "Label": "New label"]), ("B-2", ["Trade Price": "12"])], extraHeaders: ["Trade Price"])
        let (_, second) = try FinanceFixture.run(root, export: again, name: "export-2.csv")
        let lines = try #require(FinanceFixture.review(root, second))
        #expect(lines.map { "\($0["ItemCode"]!) \($0["PriceList"]!) \($0["ReasonCode"]!)" } == ["A-1 RETAIL price_differs", "B-2 RETAIL no_prima_price"])
        let snapshot = try #require(try StateStore.open(layout: root.layout).referenceSnapshots(pipeline: DefaultPipeline.name).first)
        #expect(snapshot.source == "price-list-retail-2.csv" && snapshot.rows == 3)
    }

    @Test func aFileInTheReferenceFolderThatNoPatternMatchesIsListedAndLeftAlone() throws {
        let root = TempRoot("reference-unmatched")
        FinanceFixture.drop(root, "prices-2026.csv", FinanceFixture.priceList([("A-1", "RETAIL", "1", "S")]))
        FinanceFixture.drop(root, "price-list.csv.part", "ItemCode")
        let result = try root.runOnce()
        #expect(result.unmatched == ["prima/prices-2026.csv"])
        #expect(result.references.isEmpty)
        #expect(root.directory.list("inbox/prima") == ["price-list.csv.part", "prices-2026.csv"])
    }

    @Test func killedBetweenPublishingAnIntakeAndCommittingItTheOldSnapshotStandsAndTheFileLoadsAgain() throws {
        let root = TempRoot("reference-crash")
        FinanceFixture.drop(root, "price-list-1.csv", FinanceFixture.priceList([("A-1", "RETAIL", "17.50", "S")]))
        try #require(try StateFixture.run(root).status == 0)
        FinanceFixture.drop(root, "price-list-2.csv", FinanceFixture.priceList([("A-1", "RETAIL", "19.99", "S")]))
        let killed = try StateFixture.run(root, environment: [CrashPoint.environmentVariable: "reference-after-publish"])
        #expect(killed.signalled && killed.status == SIGKILL, "\(killed.summary)")
        func snapshotSources() throws -> [String] {
            try StateStore.open(layout: root.layout).referenceSnapshots(pipeline: DefaultPipeline.name).map(\.source)
        }
        // The intake folder is complete, the snapshot untouched, the file still waiting.
        let intakes = root.directory.list("outbox/prima-reference/\(DefaultPipeline.name)")
        #expect(intakes.count == 2)
        for intake in intakes {
            #expect(root.directory.exists("outbox/prima-reference/\(DefaultPipeline.name)/\(intake)/manifest.json"))
        }
        let killedIntake = try #require(intakes.first { $0.hasSuffix("-price-list-2.csv") })
        #expect(try snapshotSources() == ["price-list-1.csv"])
        #expect(root.directory.list("inbox/prima") == ["price-list-2.csv"])
        // The next run loads it again and compares with it.
        let (_, run) = try FinanceFixture.run(root, export: FinanceFixture.export([("A-1", [:])]))
        #expect(try snapshotSources() == ["price-list-2.csv"])
        #expect(FinanceFixture.review(root, run) == [])
        #expect(root.directory.list("inbox/prima").isEmpty)
        // The reload published the same intake again, in the same folder: no stray second one.
        #expect(root.directory.list("outbox/prima-reference/\(DefaultPipeline.name)").sorted() == intakes.sorted())
        let snapshot = try #require(try StateStore.open(layout: root.layout).referenceSnapshots(pipeline: DefaultPipeline.name).first)
        #expect(snapshot.intakeID == killedIntake)
        #expect(try RunManifest.read(from: root.path + "/outbox/prima-reference/\(DefaultPipeline.name)/\(killedIntake)").runID == killedIntake)
        #expect(root.directory.list("outbox/.staging").isEmpty)
    }

    static let secondPipeline = TempRoot.pipelineYAML.replacingOccurrences(
        of: "  patterns: [\"*.csv\", \"*.xml\", \"*.csv.gz\", \"*.xml.gz\"]", with: "  patterns: [\"other-*.csv\"]")

    @Test func pipelinesWhoseReferencePatternsOverlapAreRefusedAtLoadWithExit2() throws {
        let root = TempRoot("reference-ambiguous")
        // Not the same pattern, but `price-list-eu.csv` would match both.
        root.writePipeline("second", yaml: Self.secondPipeline.replacingOccurrences(
            of: "price_list_patterns: [\"price-list*.csv\", \"price-list*.csv.gz\"]", with: "price_list_patterns: [\"*-eu.csv\"]"))
        // Refused before any reference file arrives, not only when one lies there.
        #expect(throws: ConfigError.self) { try root.runOnce() }
        FinanceFixture.drop(root, "price-list.csv", FinanceFixture.priceList([("A-1", "RETAIL", "1", "S")]))
        let result = try CLI.run(["run", "--root", root.path, "--settle", "0"])
        #expect(result.status == 2)
        #expect(result.stderr.contains("second.yml") && result.stderr.contains("finance.reference") && result.stderr.contains("'price-list*.csv'"), "\(result.stderr)")
        #expect(root.directory.list("inbox/prima") == ["price-list.csv"])
        // Running only one of the pair is refused too: the file would still be ambiguous.
        let named = try CLI.run(["run", "--root", root.path, "--settle", "0", "--pipeline", DefaultPipeline.name])
        #expect(named.status == 2 && named.stderr.contains("finance.reference"), "\(named.stderr)")
        #expect(root.directory.list("inbox/prima") == ["price-list.csv"])
        // Another folder, or patterns no name matches both, load.
        root.writePipeline("second", yaml: Self.secondPipeline.replacingOccurrences(of: "    folder: prima\n", with: "    folder: prima-eu\n"))
        #expect(try InboxRun.loadPipelines(layout: root.layout, named: nil).count == 2)
    }

    @Test(arguments: [
        ("price-list*.csv", "price-list*.csv", true), ("price-list*.csv", "*-eu.csv", true), ("price-list*.csv", "vat-codes*.csv", false),
        ("price-list*.csv", "price-list*.csv.gz", false), ("price-list*", "*.csv.gz", true), ("price-list-[a-m]*.csv", "price-list-[n-z]*.csv", false),
        ("price-list-[a-m].csv", "price-list-?.csv", true), ("price-list-[!a].csv", "price-list-a.csv", false),
        ("price-list-eu.csv", "price-list-EU.csv", false), ("*.csv.gz", "*.csv", false), ("a\\*", "a*b", false),
    ])
    func referencePatternsOverlapWhenSomeNameMatchesBoth(a: String, b: String, overlap: Bool) {
        #expect(ReferencePatternOverlap.patternsOverlap(a, b) == overlap)
        #expect(ReferencePatternOverlap.patternsOverlap(b, a) == overlap)
    }

    @Test func twoPipelinesIntakesNeverShareAStagingFolder() throws {
        let root = TempRoot("reference-staging")
        let first = try PipelineLoader.parse(yaml: TempRoot.pipelineYAML, name: "first", path: "first.yml")
        let second = try PipelineLoader.parse(yaml: TempRoot.pipelineYAML, name: "second", path: "second.yml")
        // `watch` runs both intakes at once under one worker id.
        let intakes = [first, second, first].map { ReferenceFileIntake(layout: root.layout, pipeline: $0, state: nil, workerID: "w1", now: Date.init) }
        let folders = intakes.map { $0.stagingFolder() }
        #expect(Set(folders).count == 3)
        #expect(folders[0].contains("-first-") && folders[1].contains("-second-"))
        #expect(folders.allSatisfy { $0.hasPrefix(root.layout.staging + "/w1-prima-reference-") })
    }
}

@Suite struct PrimaOwnershipTests {
    static func pipeline(adding column: String) -> String {
        TempRoot.pipelineYAML.replacingOccurrences(of: "\ndiff:\n", with: column + "\ndiff:\n")
    }

    @Test(arguments: [
        ("  - header: UnitPrice\n    source: Price\n", "UnitPrice", "Price"),
        ("  - header: RRP\n    source: Trade Price\n", "RRP", "Trade Price"),
        ("  - header: VATCode\n    constant: S\n", "VATCode", "VATCode"),
        ("  - header: Tax\n    source: VAT Code\n", "Tax", "VAT Code"),
        // Not an owned name, but a financial word in the header, the source or the XML name.
        ("  - header: NetPriceEUR\n    constant: \"0\"\n", "NetPriceEUR", "NetPriceEUR"),
        ("  - header: Landed\n    source: Landed_Cost\n", "Landed", "Landed_Cost"),
        ("  - header: Rate\n    source: Rate\n    xml: vat-rate\n", "Rate", "vat-rate"),
        ("  - header: TaxClass\n    source: Tax Class\n", "TaxClass", "TaxClass"),
    ])
    func aColumnCarryingPrimaOwnedDataIsRefusedAtLoad(column: String, header: String, owned: String) {
        let yaml = Self.pipeline(adding: column)
        #expect {
            _ = try PipelineLoader.parse(yaml: yaml, name: "p", path: "p.yml")
        } throws: { error in
            guard let error = error as? ConfigError else { return false }
            return error.key.hasSuffix("(\(header))") && error.message.contains("'\(owned)'") && error.message.contains("Prima-owned")
                && error.line == PipelineFixture.line(of: "header: \(header)", in: yaml)
        }
    }

    @Test func theDefaultPipelineMapsNoFinancialColumn() throws {
        let config = try PipelineLoader.parse(yaml: DefaultPipeline.yaml, name: "d", path: "d.yml")
        #expect(config.finance.prices == [PriceMapping(source: FieldSource(csv: "Price", xml: "price"), priceList: "RETAIL")])
        #expect(config.finance.vat == FieldSource(csv: "VAT Code", xml: "vat_code"))
        #expect(config.finance.reference.folder == "prima")
        #expect(!config.columns.contains { config.finance.isPrimaOwned($0.header) || ($0.source.map { config.finance.isPrimaOwned($0.csv) } ?? false) })
    }

    @Test func primaOwnedNamesAreAddedToTheDefaultsNeverReplaceThem() throws {
        let base = TempRoot.pipelineYAML
        let owned = "  prima_owned: [Price, Prices, Trade Price, Retail Price, Sale Price, Cost, Cost Price, Unit Cost, Standard Cost, VAT, VAT Code, VATCode, Tax Code, TaxCode, PriceList]\n"
        #expect(base.contains(owned))
        let added = try PipelineLoader.parse(yaml: base.replacingOccurrences(of: owned, with: "  prima_owned: [Margin]\n"), name: "p", path: "p.yml")
        #expect(added.finance.primaOwned == FinanceSettings.defaultPrimaOwned + ["Margin"])
        let empty = try PipelineLoader.parse(yaml: base.replacingOccurrences(of: owned, with: "  prima_owned: []\n"), name: "p", path: "p.yml")
        #expect(empty.finance.primaOwned == FinanceSettings.defaultPrimaOwned)
        // An empty list does not let a cost column through, and a user's own name is refused too.
        for (list, column) in [("[]", "  - header: StandardCost\n    source: Standard Cost\n"), ("[Margin]", "  - header: Margin\n    constant: \"0\"\n")] {
            let yaml = PrimaOwnershipTests.pipeline(adding: column).replacingOccurrences(of: owned, with: "  prima_owned: \(list)\n")
            #expect(PipelineFixture.error(yaml)?.message.contains("Prima-owned") == true, "\(list) \(column)")
        }
    }

    @Test func runRefusesAPipelineMappingAPriceIntoTheItemFileWithExit2() throws {
        let root = TempRoot("finance-refused")
        root.writePipeline(yaml: Self.pipeline(adding: "  - header: SalesPrice\n    source: Price\n"))
        root.drop("export.csv", FinanceFixture.export([("A-1", [:])]).bytes)
        let result = try CLI.run(["run", "--root", root.path, "--settle", "0"])
        #expect(result.status == 2)
        #expect(result.stderr.contains("SalesPrice") && result.stderr.contains("Prima-owned"))
        #expect(root.directory.list("inbox") .contains("export.csv"))
        #expect(root.runs().isEmpty)
    }

    @Test func badFinanceSettingsNameTheKey() {
        let cases: [(String, String, String)] = [
            ("      price_list: RETAIL\n", "      price_list: RETAIL\n    - source: Other\n      price_list: RETAIL\n", "mapped twice"),
            ("    folder: prima\n", "    folder: ../elsewhere\n", "folder under inbox/"),
            ("    folder: prima\n", "    folder: archive\n", "folder under inbox/"),
            ("    decimal_separator: auto\n", "    decimal_separator: x\n", "is not one of"),
            ("  vat:\n", "  vta:\n", "unknown key 'vta'"),
        ]
        for (old, new, message) in cases {
            let yaml = TempRoot.pipelineYAML.replacingOccurrences(of: old, with: new)
            #expect(yaml != TempRoot.pipelineYAML)
            let error = PipelineFixture.error(yaml)
            #expect(error?.key.hasPrefix("finance") == true, "\(String(describing: error))")
            #expect(error?.message.contains(message) == true, "\(String(describing: error))")
        }
    }
}

@Suite struct DecimalAmountTests {
    @Test(arguments: [("19.99", 1999, 2), ("19,99", 1999, 2), ("-0,5", -5, 1), ("+3", 3, 0), ("0.10", 10, 2), (".5", 5, 1)])
    func parses(text: String, units: Int64, scale: Int) {
        #expect(DecimalAmount(text, separator: .auto) == DecimalAmount(units: units, scale: scale))
    }

    @Test(arguments: ["", "abc", "1.2.3", "1,2.3", "19.99 EUR", "1e5", "-", "123456789012345678"])
    func refuses(text: String) {
        #expect(DecimalAmount(text, separator: .auto) == nil)
    }

    @Test func separatorsCanBeFixed() {
        #expect(DecimalAmount("1,5", separator: .point) == nil)
        #expect(DecimalAmount("1.5", separator: .comma) == nil)
    }

    @Test func roundsHalfAwayFromZero() {
        #expect(DecimalAmount("19.995", separator: .auto)?.rounded(toScale: 2) == DecimalAmount(units: 2000, scale: 2))
        #expect(DecimalAmount("-19.995", separator: .auto)?.rounded(toScale: 2) == DecimalAmount(units: -2000, scale: 2))
        #expect(DecimalAmount("19.994", separator: .auto)?.rounded(toScale: 2) == DecimalAmount(units: 1999, scale: 2))
        #expect(DecimalAmount("5.1", separator: .auto)?.rounded(toScale: 2) == DecimalAmount(units: 510, scale: 2))
        #expect(DecimalAmount(units: -5, scale: 2).description == "-0.05")
        #expect(DecimalAmount(units: 1999, scale: 2).description == "19.99")
    }
}

@Suite(.timeLimit(.minutes(2))) struct ReferenceWatchTests {
    @Test func watchLoadsReferenceFilesBeforeTheExportsOfTheirPipeline() async throws {
        let root = TempRoot("reference-watch")
        FinanceFixture.drop(root, "price-list.csv", FinanceFixture.priceList([("W-1", "RETAIL", "17.50", "S")]))
        FinanceFixture.drop(root, "vat-codes.csv", "Code,Rate\r\nS,20\r\n")
        var export = ExportBuilder()
        export.add("W-1")
        root.drop("export.csv", export.bytes)
        let watcher = try Watcher(root: root, ["--poll", "0.1", "--settle", "0.5"])
        defer { watcher.kill() }
        try await watcher.started()
        let published = try await watcher.waitFor("published", file: "export.csv")
        let all = watcher.events()
        let loaded = try #require(all.firstIndex { $0["event"] == "reference_loaded" && $0["file"] == "price-list.csv" })
        let claimed = try #require(all.firstIndex { $0["event"] == "claimed" && $0["file"] == "export.csv" })
        #expect(loaded < claimed)
        #expect(watcher.events("reference_quarantined").first?["file"] == "vat-codes.csv")
        #expect(watcher.events("reference_quarantined").first?["reason"]?.contains("missing_column") == true)
        let run = try #require(published["run_folder"])
        let review = try #require(FinanceFixture.review(root, String(run.dropFirst(root.path.count + 1))))
        #expect(review.map { $0["PrimaValue"] } == ["17.50"])
        #expect(try await watcher.stop() == 0)
        #expect(root.directory.list("inbox/prima").isEmpty)
        #expect(root.directory.list("inbox/failed") == ["vat-codes.csv", "vat-codes.csv.reason.txt"])
    }
}

@Suite(.timeLimit(.minutes(2))) struct ReferenceWatchOverlapTests {
    @Test func watchRefusesAPipelineWhoseReferenceFilesAnotherPipelineTakesAsAConfigError() async throws {
        let root = TempRoot("reference-watch-overlap")
        root.writePipeline("second", yaml: ReferenceIntakeTests.secondPipeline)
        FinanceFixture.drop(root, "price-list.csv", FinanceFixture.priceList([("W-1", "RETAIL", "17.50", "S")]))
        let watcher = try Watcher(root: root, ["--poll", "0.1", "--settle", "0.5"])
        defer { watcher.kill() }
        try await watcher.started()
        let invalid = try await watcher.waitFor("pipeline_invalid")
        #expect(invalid["file"] == "second.yml")
        #expect(invalid["error"]?.contains("finance.reference") == true)
        let loaded = try await watcher.waitFor("reference_loaded", file: "price-list.csv")
        #expect(loaded["pipeline"] == DefaultPipeline.name)
        #expect(watcher.events("reference_loaded").count == 1)
        #expect(root.directory.list("outbox/prima-reference") == [DefaultPipeline.name])
        // Once the other pipeline is gone, the refused one is tried again and loads.
        try FileManager.default.removeItem(atPath: root.path + "/pipelines/\(DefaultPipeline.name).yml")
        try await watcher.waitFor("pipeline_loaded", count: 2)
        #expect(watcher.events("pipeline_loaded").last?["pipeline"] == "second")
        #expect(try await watcher.stop() == 0)
    }
}

@Suite struct PrimaOwnershipBOMTests {
    @Test func aBOMColumnNamedAfterPrimaOwnedDataIsRefused() {
        let yaml = TempRoot.pipelineYAML.replacingOccurrences(
            of: "headers: [Action, ParentItemCode, LineNo, ComponentItemCode, QuantityPer]",
            with: "headers: [Action, ParentItemCode, LineNo, ComponentItemCode, UnitCost]")
        #expect(yaml != TempRoot.pipelineYAML)
        let error = PipelineFixture.error(yaml)
        #expect(error?.key == "relationships.bom.headers[4]")
        #expect(error?.message.contains("'UnitCost'") == true && error?.message.contains("Prima-owned") == true)
        #expect(error?.line == PipelineFixture.line(of: "UnitCost]", in: yaml))
    }
}
