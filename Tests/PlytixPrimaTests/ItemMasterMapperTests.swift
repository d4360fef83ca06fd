import Testing
@testable import PlytixPrima
import PlytixPrimaTestSupport

// The per-row stage under the default pipeline: rows are built by Plytix field name through
// the pipeline's InputLayout, exactly as a reader would hand them on.

enum MapperFixture {
    static let config: PipelineConfig = {
        do {
            return try PipelineLoader.parse(yaml: DefaultPipeline.yaml, name: DefaultPipeline.name, path: "pipelines/plytix-to-prima.yml")
        } catch {
            fatalError("the default pipeline must load: \(error)")
        }
    }()

    static let mapper = ItemMasterMapper(config: config, format: .csv)

    /// A valid product as the test exports carry it, with every field of the layout present
    /// (fields the export builder leaves out, such as `Variant of`, are present but empty).
    static func fields(_ sku: String = "PIL-1") -> [String: String?] {
        var fields: [String: String?] = [:]
        for name in mapper.layout.csvNames { fields[name] = .some("") }
        for (name, value) in ExportBuilder.validProduct(sku) { fields[name] = .some(value) }
        return fields
    }

    /// A row holding `fields` (by CSV header) in the layout's order; a `nil` value is a field the export lacks.
    static func row(
        _ overrides: [String: String?] = [:], sku: String = "PIL-1", line: Int = 7,
        issues: [String: Bool] = [:], mapper: ItemMasterMapper = mapper
    ) -> SourceRow {
        var fields = fields(sku)
        for (name, value) in overrides {
            #expect(mapper.layout.csvNames.contains(name), "\(name) is not a field of the layout")
            fields[name] = .some(value)
        }
        let names = mapper.layout.csvNames
        let values = names.map { fields[$0] ?? nil }
        let encodingIssues = issues.map { name, nul in EncodingIssue(fieldIndex: names.firstIndex(of: name)!, containsNUL: nul) }
        return SourceRow(line: line, values: values, encodingIssues: encodingIssues)
    }

    static let headers = config.columns.map(\.header)

    /// What the valid product `PIL-1` becomes, column by column.
    static let expectedValues = [
        "A",  // Action
        "PIL-1",  // ItemCode
        "",  // ParentItemCode
        "STOCK",  // ItemType
        "Cotton pillow PIL-1",  // Description
        "Soft & warm",  // LongDescription
        "ACTIVE",  // Status
        "5012345678900",  // Barcode
        "Home>Bedding>Pillows",  // CategoryPath
        "Acme",  // Brand
        "White",  // Colour
        "M",  // Size
        "0.35",  // NetWeightKg
        "50",  // LengthCm
        "30",  // WidthCm
        "10",  // HeightCm
        "940490",  // CommodityCode
        "GB",  // CountryOfOrigin
        "SUP1",  // SupplierCode
        "S-PIL-1",  // SupplierItemCode
        "https://img.example.com/PIL-1.jpg",  // ImageUrl
    ]

    static func values(_ disposition: RowDisposition) -> [String]? {
        if case .accepted(let record) = disposition { return record.values }
        return nil
    }

    static func reasons(_ disposition: RowDisposition) -> [RejectReason]? {
        if case .rejected(let reasons) = disposition { return reasons }
        return nil
    }

    /// The output value of column `header` for `row`, when accepted.
    static func value(_ header: String, _ overrides: [String: String?]) -> String? {
        values(mapper.map(row(overrides))).map { $0[headers.firstIndex(of: header)!] }
    }
}

@Suite struct ItemMasterMapperAcceptTests {
    @Test func aValidRowYieldsExactlyTheExpectedValuesInColumnOrder() {
        let disposition = MapperFixture.mapper.map(MapperFixture.row(line: 12))
        #expect(disposition == .accepted(ItemMasterRecord(line: 12, sku: "PIL-1", values: MapperFixture.expectedValues)))
        #expect(MapperFixture.expectedValues.count == MapperFixture.config.columns.count)
    }

    /// Price and VAT are read for the finance review only (issue 5): no output column reads them.
    @Test func priceAndVATAreNeverWritten() {
        let layout = MapperFixture.mapper.layout
        let columnFields = Set(layout.columnFields.compactMap { $0 }.map { layout.csvNames[$0] })
        #expect(!columnFields.contains("Price") && !columnFields.contains("VAT Code"))
        #expect(layout.financeFields.map { layout.csvNames[$0] } == ["Price", "VAT Code"])
        #expect(!MapperFixture.headers.contains { $0.lowercased().contains("price") || $0.lowercased().contains("vat") })
        let values = MapperFixture.values(MapperFixture.mapper.map(MapperFixture.row())) ?? []
        #expect(!values.contains(ExportBuilder.validProduct("PIL-1")["Price"]!))
    }

    @Test(arguments: [("12,5", "12.5"), ("12.5", "12.5"), ("012,50", "12.5"), ("0,001", "0.001"), ("+3", "3")])
    func decimalCommasAreWrittenWithAPoint(input: String, written: String) {
        #expect(MapperFixture.value("NetWeightKg", ["Weight (kg)": input]) == written)
        #expect(MapperFixture.value("LengthCm", ["Length (cm)": input]) == written)
    }

    @Test func dimensionsMayBeZeroOrMissing() {
        #expect(MapperFixture.value("LengthCm", ["Length (cm)": "0"]) == "0")
        #expect(MapperFixture.value("WidthCm", ["Width (cm)": "-0"]) == "0")
        #expect(MapperFixture.value("HeightCm", ["Height (cm)": ""]) == "")
        #expect(MapperFixture.value("HeightCm", ["Height (cm)": nil]) == "")
    }

    @Test(arguments: [("UK", "GB"), ("uk", "GB"), ("EL", "GR"), ("de", "DE"), (" gb ", "GB")])
    func countriesAreNormalised(input: String, written: String) {
        #expect(MapperFixture.value("CountryOfOrigin", ["Country of Origin": input]) == written)
    }

    @Test func valuesAreTrimmedOfEveryKindOfSpace() {
        let row = MapperFixture.row([
            "SKU": "\u{00A0}PIL-1\u{200B}", "Brand": "\u{FEFF} Acme\t", "HS Code": " 9404.90\u{00A0}",
            "Thumbnail": "\u{200B}https://img.example.com/PIL-1.jpg ",
        ])
        #expect(MapperFixture.mapper.sku(of: row) == "PIL-1")
        #expect(MapperFixture.values(MapperFixture.mapper.map(row)) == MapperFixture.expectedValues)
    }

    @Test func descriptionsAreCleaned() {
        #expect(MapperFixture.value("Description", ["Label": "  Cotton \n\t pillow\u{00A0}\u{00A0}PIL-1 "]) == "Cotton pillow PIL-1")
        let html = "<div>\n<p>Soft&nbsp;&amp;   <b>warm</b></p>\n<ul><li>100% cotton</li><li>50 &times; 30 cm</li></ul><script>x()</script></div>"
        #expect(MapperFixture.value("LongDescription", ["Description": html]) == "Soft & warm 100% cotton 50 × 30 cm")
        #expect(MapperFixture.value("LongDescription", ["Description": "<p> </p>"]) == "")
    }

    @Test func collapsingHappensBeforeTheLengthCheck() {
        let label = "Cotton" + String(repeating: " ", count: 70) + "pillow"  // 82 characters, 13 after collapsing
        #expect(MapperFixture.value("Description", ["Label": label]) == "Cotton pillow")
    }

    @Test func onlyTheFirstCategoryPathIsWritten() {
        let categories = "Clothing > Pants > Denim,Collection>2017>AW17"
        #expect(MapperFixture.value("CategoryPath", ["Categories": categories]) == "Clothing>Pants>Denim")
    }

    @Test(arguments: [
        ("PILLOW-1#2,SHEETSET-4#1", "KIT"), ("PILLOW-1", "KIT"), ("", "STOCK"), (" \u{00A0}", "STOCK"),
    ])
    func itemTypeFollowsBundleContents(contents: String, type: String) {
        #expect(MapperFixture.value("ItemType", ["Bundle Contents": contents]) == type)
    }

    @Test func itemTypeIsStockWhenTheExportHasNoBundleColumn() {
        #expect(MapperFixture.value("ItemType", ["Bundle Contents": nil]) == "STOCK")
    }

    @Test func aVariantNamesItsParent() {
        #expect(MapperFixture.value("ParentItemCode", ["Variant of": "PIL"]) == "PIL")
        #expect(MapperFixture.value("ParentItemCode", ["Variant of": nil]) == "")
    }

    @Test func optionalColumnsMayBeEmpty() {
        let empty: [String: String?] = [
            "Variant of": "", "GTIN": "", "Categories": "", "Brand": "", "Colour": "", "Size": "", "Description": "",
            "Length (cm)": "", "Width (cm)": "", "Height (cm)": "", "Supplier": "", "Thumbnail": "",
        ]
        let values = MapperFixture.values(MapperFixture.mapper.map(MapperFixture.row(empty)))
        #expect(values == [
            "A", "PIL-1", "", "STOCK", "Cotton pillow PIL-1", "", "ACTIVE", "", "", "", "", "", "0.35", "", "", "", "940490",
            "GB", "", "S-PIL-1", "",
        ])
    }

    @Test func limitsAreInclusive() {
        let atLimit: [String: String?] = [
            "SKU": String(repeating: "S", count: 20), "Label": String(repeating: "é", count: 60),
            "Description": String(repeating: "d", count: 1000), "Brand": String(repeating: "b", count: 50),
            "Colour": String(repeating: "c", count: 20), "Size": String(repeating: "z", count: 20),
            "Supplier": String(repeating: "s", count: 20), "Supplier Code": String(repeating: "k", count: 50),
            "Categories": String(repeating: "x", count: 250),
            "Thumbnail": "https://example.com/" + String(repeating: "p", count: 235),
        ]
        #expect(MapperFixture.values(MapperFixture.mapper.map(MapperFixture.row(atLimit))) != nil)
    }
}

@Suite struct ItemMasterMapperRejectTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var field: String
        var value: String
        var rule: String
        var column: String
        var reason: String? = nil
        var testDescription: String { "\(field)=\(value.prefix(30)) -> \(rule)" }
    }

    static let cases: [Case] = [
        Case(field: "SKU", value: "AB CD", rule: "pattern", column: "ItemCode",
             reason: "ItemCode 'AB CD' contains a space; Prima allows only these characters: A-Za-z0-9-_./."),
        Case(field: "SKU", value: "PIL#1", rule: "pattern", column: "ItemCode"),
        Case(field: "SKU", value: String(repeating: "S", count: 21), rule: "max_length", column: "ItemCode",
             reason: "ItemCode is 21 characters; Prima allows 20."),
        Case(field: "SKU", value: "", rule: "required", column: "ItemCode",
             reason: "ItemCode is required, but the export's SKU is empty."),
        Case(field: "SKU", value: " \u{00A0} ", rule: "required", column: "ItemCode"),
        Case(field: "Variant of", value: "PAR ENT", rule: "pattern", column: "ParentItemCode"),
        Case(field: "Variant of", value: String(repeating: "P", count: 21), rule: "max_length", column: "ParentItemCode"),
        Case(field: "Label", value: "", rule: "required", column: "Description",
             reason: "Description is required, but the export's Label is empty."),
        Case(field: "Label", value: String(repeating: "x", count: 73), rule: "max_length", column: "Description",
             reason: "Description is 73 characters; Prima allows 60."),
        Case(field: "Description", value: String(repeating: "d", count: 1001), rule: "max_length", column: "LongDescription",
             reason: "LongDescription is 1001 characters; Prima allows 1000."),
        Case(field: "GTIN", value: "5012345678901", rule: "gtin", column: "Barcode",
             reason: "Barcode 5012345678901 has a wrong check digit: for these digits the last one must be 0. A digit is probably mistyped."),
        Case(field: "GTIN", value: "5.01234E+12", rule: "gtin", column: "Barcode",
             reason: "Barcode '5.01234E+12' is in scientific notation: a spreadsheet rounded the barcode. Export the full digits from Plytix."),
        Case(field: "GTIN", value: "1234567", rule: "gtin", column: "Barcode"),
        Case(field: "Categories", value: String(repeating: "c", count: 251), rule: "max_length", column: "CategoryPath"),
        Case(field: "Brand", value: String(repeating: "b", count: 51), rule: "max_length", column: "Brand"),
        Case(field: "Colour", value: String(repeating: "c", count: 21), rule: "max_length", column: "Colour"),
        Case(field: "Size", value: String(repeating: "z", count: 21), rule: "max_length", column: "Size"),
        Case(field: "Weight (kg)", value: "", rule: "required", column: "NetWeightKg"),
        Case(field: "Weight (kg)", value: "abc", rule: "number", column: "NetWeightKg",
             reason: "NetWeightKg must be a number (digits with a point or a comma for decimals); the export has 'abc'."),
        Case(field: "Weight (kg)", value: "-1", rule: "number", column: "NetWeightKg",
             reason: "NetWeightKg must be greater than 0; the export has -1."),
        Case(field: "Weight (kg)", value: "0", rule: "number", column: "NetWeightKg",
             reason: "NetWeightKg must be greater than 0; the export has 0."),
        Case(field: "Weight (kg)", value: "0,00", rule: "number", column: "NetWeightKg"),
        Case(field: "Weight (kg)", value: "1,000.5", rule: "number", column: "NetWeightKg"),
        Case(field: "Weight (kg)", value: "1e3", rule: "number", column: "NetWeightKg"),
        Case(field: "Weight (kg)", value: "0.35 kg", rule: "number", column: "NetWeightKg"),
        Case(field: "Length (cm)", value: "-0.5", rule: "number", column: "LengthCm",
             reason: "LengthCm must be at least 0; the export has -0.5."),
        Case(field: "Width (cm)", value: "x", rule: "number", column: "WidthCm"),
        Case(field: "Height (cm)", value: "12,5,0", rule: "number", column: "HeightCm"),
        Case(field: "HS Code", value: "", rule: "required", column: "CommodityCode"),
        Case(field: "HS Code", value: "9404", rule: "hs_code", column: "CommodityCode",
             reason: "CommodityCode must have 6, 8 or 10 digits; '9404' has 4."),
        Case(field: "HS Code", value: "9404-90", rule: "hs_code", column: "CommodityCode"),
        Case(field: "Country of Origin", value: "", rule: "required", column: "CountryOfOrigin"),
        Case(field: "Country of Origin", value: "XX", rule: "country", column: "CountryOfOrigin",
             reason: "CountryOfOrigin 'XX' is not an ISO 3166-1 two-letter country code."),
        Case(field: "Country of Origin", value: "GBR", rule: "country", column: "CountryOfOrigin"),
        Case(field: "Supplier", value: String(repeating: "s", count: 21), rule: "max_length", column: "SupplierCode"),
        Case(field: "Supplier Code", value: "", rule: "required", column: "SupplierItemCode"),
        Case(field: "Supplier Code", value: String(repeating: "k", count: 51), rule: "max_length", column: "SupplierItemCode"),
        Case(field: "Thumbnail", value: "ftp://img.example.com/a.jpg", rule: "url", column: "ImageUrl"),
        Case(field: "Thumbnail", value: "https://example.com/" + String(repeating: "p", count: 236), rule: "max_length",
             column: "ImageUrl", reason: "ImageUrl is 256 characters; Prima allows 255."),
    ]

    @Test(arguments: cases)
    func eachFailureIsReportedWithItsRuleFieldColumnAndValue(test: Case) throws {
        let row = MapperFixture.row([test.field: test.value], line: 42)
        let reasons = try #require(MapperFixture.reasons(MapperFixture.mapper.map(row)))
        try #require(reasons.count == 1, "\(reasons)")
        let reason = reasons[0]
        #expect(reason.rule.rawValue == test.rule)
        #expect(reason.field == test.field)
        #expect(reason.primaColumn == test.column)
        #expect(reason.value == test.value)  // as exported, not as normalised
        #expect(reason.line == 42)
        #expect(reason.sku == MapperFixture.mapper.sku(of: row))
        if let expected = test.reason { #expect(reason.reason == expected) }
        #expect(!reason.reason.isEmpty && reason.reason.hasSuffix("."))
    }

    @Test func theReportedValueIsTheUntrimmedExport() throws {
        let reasons = try #require(MapperFixture.reasons(MapperFixture.mapper.map(MapperFixture.row(["Weight (kg)": " abc\u{00A0}"]))))
        #expect(reasons.map(\.value) == [" abc\u{00A0}"])
        #expect(reasons[0].reason == "NetWeightKg must be a number (digits with a point or a comma for decimals); the export has 'abc'.")
    }

    @Test func everyFailingColumnIsReportedInColumnOrder() throws {
        let row = MapperFixture.row(["GTIN": "5012345678901", "Weight (kg)": "-2", "Country of Origin": "ZZ"])
        let reasons = try #require(MapperFixture.reasons(MapperFixture.mapper.map(row)))
        #expect(reasons.map(\.rule.rawValue) == ["gtin", "number", "country"])
        #expect(reasons.map(\.primaColumn) == ["Barcode", "NetWeightKg", "CountryOfOrigin"])
        #expect(reasons.map(\.field) == ["GTIN", "Weight (kg)", "Country of Origin"])
        #expect(reasons.map(\.value) == ["5012345678901", "-2", "ZZ"])
    }

    @Test func aRowBrokenEverywhereReportsEveryColumnOnce() throws {
        let row = MapperFixture.row([
            "SKU": "BAD SKU", "Variant of": "BAD PARENT", "Label": "", "Description": String(repeating: "d", count: 1001),
            "GTIN": "123", "Categories": String(repeating: "c", count: 251), "Brand": String(repeating: "b", count: 51),
            "Colour": String(repeating: "c", count: 21), "Size": String(repeating: "z", count: 21), "Weight (kg)": "0",
            "Length (cm)": "-1", "Width (cm)": "w", "Height (cm)": "h", "HS Code": "1", "Country of Origin": "Narnia",
            "Supplier": String(repeating: "s", count: 21), "Supplier Code": "", "Thumbnail": "img.jpg",
        ])
        let reasons = try #require(MapperFixture.reasons(MapperFixture.mapper.map(row)))
        #expect(reasons.map(\.primaColumn) == [
            "ItemCode", "ParentItemCode", "Description", "LongDescription", "Barcode", "CategoryPath", "Brand", "Colour",
            "Size", "NetWeightKg", "LengthCm", "WidthCm", "HeightCm", "CommodityCode", "CountryOfOrigin", "SupplierCode",
            "SupplierItemCode", "ImageUrl",
        ])
        #expect(reasons.allSatisfy { $0.sku == "BAD SKU" && $0.line == 7 })
    }
}

@Suite struct ItemMasterMapperRequiredTests {
    static let required = [
        ("SKU", "ItemCode"), ("Label", "Description"), ("Weight (kg)", "NetWeightKg"), ("HS Code", "CommodityCode"),
        ("Country of Origin", "CountryOfOrigin"), ("Supplier Code", "SupplierItemCode"),
    ]

    @Test(arguments: required)
    func anEmptyValueIsEmpty(field: String, column: String) throws {
        let reasons = try #require(MapperFixture.reasons(MapperFixture.mapper.map(MapperFixture.row([field: ""]))))
        #expect(reasons == [RejectReason(
            line: 7, sku: field == "SKU" ? "" : "PIL-1", field: field, value: "", rule: .required,
            reason: "\(column) is required, but the export's \(field) is empty.", primaColumn: column)])
    }

    @Test(arguments: required)
    func aMissingFieldIsMissing(field: String, column: String) throws {
        let reasons = try #require(MapperFixture.reasons(MapperFixture.mapper.map(MapperFixture.row([field: nil]))))
        #expect(reasons == [RejectReason(
            line: 7, sku: field == "SKU" ? "" : "PIL-1", field: field, value: "", rule: .required,
            reason: "\(column) is required, but the export has no \(field) for this product.", primaColumn: column)])
    }

    @Test func aValueEmptiedByItsTransformsIsEmpty() throws {
        let reasons = try #require(MapperFixture.reasons(MapperFixture.mapper.map(MapperFixture.row(["Label": "\u{200B}\n\t\u{00A0}"]))))
        #expect(reasons.map(\.rule) == [.required])
        #expect(reasons.map(\.value) == ["\u{200B}\n\t\u{00A0}"])
    }
}

@Suite struct ItemMasterMapperStatusTests {
    @Test(arguments: ["Complete", "Completed", "COMPLETE", "completed", "cOmPlEtE", " Complete\u{00A0}"])
    func salesReadyStatusesAreAccepted(status: String) {
        #expect(MapperFixture.values(MapperFixture.mapper.map(MapperFixture.row(["Status": status]))) == MapperFixture.expectedValues)
    }

    @Test(arguments: ["Draft", "draft", "DRAFT", "Archived", "archived", " Draft "])
    func notSalesReadyStatusesAreSkipped(status: String) {
        let disposition = MapperFixture.mapper.map(MapperFixture.row(["Status": status]))
        #expect(disposition == .skipped(status: TextCleaning.trim(status)))
    }

    @Test func aSkippedRowIsNotCheckedFurther() {
        let disposition = MapperFixture.mapper.map(MapperFixture.row(["Status": "Draft", "SKU": "", "Weight (kg)": "heavy"]))
        #expect(disposition == .skipped(status: "Draft"))
    }

    /// The contract: only Complete/Completed rows go to Prima; "other rows are skipped (counted,
    /// not rejected)". report.json lists them by status so an unexpected one is still seen.
    @Test(arguments: ["Ready", "Published", "Completes", "Complete!", "Drafts", "0", "true"])
    func unknownStatusesAreSkipped(status: String) {
        let disposition = MapperFixture.mapper.map(MapperFixture.row(["Status": status], line: 9))
        #expect(disposition == .skipped(status: status))
    }

    @Test(arguments: [String?.some(""), .some(" \u{00A0}\u{200B}"), .none])
    func anEmptyOrMissingStatusIsSkipped(status: String?) {
        let disposition = MapperFixture.mapper.map(MapperFixture.row(["Status": status]))
        #expect(disposition == .skipped(status: ""))
    }

    @Test func aSkippedRowIsNeverValidated() {
        let disposition = MapperFixture.mapper.map(MapperFixture.row(["Status": "Ready", "Weight (kg)": "x", "GTIN": "1"]))
        #expect(disposition == .skipped(status: "Ready"))
    }
}

@Suite struct ItemMasterMapperEncodingTests {
    @Test func invalidUTF8IsAnEncodingReject() throws {
        let row = MapperFixture.row(["Brand": "Caf\u{FFFD}"], issues: ["Brand": false])
        let reasons = try #require(MapperFixture.reasons(MapperFixture.mapper.map(row)))
        #expect(reasons == [RejectReason(
            line: 7, sku: "PIL-1", field: "Brand", value: "Caf\u{FFFD}", rule: .encoding,
            reason: "Brand holds bytes that are not valid UTF-8 (often Windows-1252 text saved into a UTF-8 export); re-export it from Plytix as UTF-8.",
            primaColumn: "Brand")])
    }

    @Test func aNULByteIsAnEncodingReject() throws {
        let row = MapperFixture.row(["Label": "Cotton\u{0000}pillow"], issues: ["Label": true])
        let reasons = try #require(MapperFixture.reasons(MapperFixture.mapper.map(row)))
        #expect(reasons.map(\.rule) == [.encoding])
        #expect(reasons.map(\.primaColumn) == ["Description"])
        #expect(reasons.map(\.reason) == ["Label holds a NUL byte (an invisible control character) that Prima cannot store."])
    }

    @Test func anEncodingIssueOnAnOptionalEmptyFieldIsStillReported() throws {
        let row = MapperFixture.row(["Colour": ""], issues: ["Colour": false])
        #expect(MapperFixture.reasons(MapperFixture.mapper.map(row))?.map(\.rule) == [.encoding])
    }

    @Test func windows1252InputIsNamedInTheReason() throws {
        var config = MapperFixture.config
        config.input.encoding = .windows1252
        let mapper = ItemMasterMapper(config: config, format: .csv)
        let row = MapperFixture.row(["Brand": "Acme\u{FFFD}"], issues: ["Brand": false], mapper: mapper)
        let reasons = try #require(MapperFixture.reasons(mapper.map(row)))
        #expect(reasons.map(\.reason) == ["Brand holds bytes that are not valid Windows-1252 text."])
    }

    @Test func windows1252OutputRejectsWhatItCannotHold() throws {
        var config = MapperFixture.config
        config.output.encoding = .windows1252
        let mapper = ItemMasterMapper(config: config, format: .csv)
        let accepted = mapper.map(MapperFixture.row(["Label": "Crème – “Café” €5"], mapper: mapper))
        #expect(MapperFixture.values(accepted)?[4] == "Crème – “Café” €5")
        let row = MapperFixture.row(["Label": "Ωmega pillow", "Brand": "Acme 😀"], mapper: mapper)
        let reasons = try #require(MapperFixture.reasons(mapper.map(row)))
        #expect(reasons.map(\.rule) == [.encoding, .encoding])
        #expect(reasons.map(\.primaColumn) == ["Description", "Brand"])
        #expect(reasons[0].reason == "Description contains 'Ω', which Prima's Windows-1252 import files cannot hold.")
    }

    @Test func aLineBreakInsideAValueFitsWindows1252() throws {
        var config = MapperFixture.config
        config.output.encoding = .windows1252
        let mapper = ItemMasterMapper(config: config, format: .csv)
        let values = MapperFixture.values(mapper.map(MapperFixture.row(["Brand": "Acme\r\nHome"], mapper: mapper)))
        #expect(values?[9] == "Acme\r\nHome")
    }
}

@Suite struct ItemMasterMapperXMLTests {
    @Test func xmlRowsNameTheXMLElementInReasons() throws {
        let mapper = ItemMasterMapper(config: MapperFixture.config, format: .xml)
        let row = MapperFixture.row(["Weight (kg)": "heavy", "Status": "Complete"], mapper: mapper)
        let reasons = try #require(MapperFixture.reasons(mapper.map(row)))
        #expect(reasons.map(\.field) == ["weight_kg"])
        #expect(reasons.map(\.primaColumn) == ["NetWeightKg"])
    }

    @Test func xmlEncodingReasonsNameUTF8WhateverTheCSVEncoding() throws {
        // The input encoding setting is for CSV; an XML export declares its own (UTF-8 from Plytix).
        var config = MapperFixture.config
        config.input.encoding = .windows1252
        let mapper = ItemMasterMapper(config: config, format: .xml)
        let row = MapperFixture.row(["Brand": "Acme\u{FFFD}"], issues: ["Brand": false], mapper: mapper)
        let reasons = try #require(MapperFixture.reasons(mapper.map(row)))
        #expect(reasons.map(\.field) == ["brand"])
        #expect(reasons.first?.reason.hasPrefix("brand holds bytes that are not valid UTF-8") == true)
    }
}
