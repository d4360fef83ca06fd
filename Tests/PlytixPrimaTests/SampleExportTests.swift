import Foundation
import Testing
@testable import PlytixPrima

// Checks the generator against an independent reading of its output: a minimal RFC 4180
// splitter and a re-implementation of the pipeline rules, both written only for these tests.

@Suite("SampleExport")
struct SampleExportTests {
    @Test func sameOptionsGiveIdenticalBytesAndOtherSeedsDiffer() throws {
        let directory = try TemporaryDirectory()
        for format in SampleExportOptions.Format.allCases {
            let options = SampleExportOptions(rows: 400, format: format, defectRate: 0.05)
            let first = try directory.write(options, name: "a.\(format)")
            let second = try directory.write(options, name: "b.\(format)")
            var reseeded = options
            reseeded.seed = 43
            let third = try directory.write(reseeded, name: "c.\(format)")
            #expect(first.bytes == second.bytes)
            #expect(first.summary == second.summary)
            #expect(first.bytes != third.bytes)
        }
    }

    @Test func csvHasHeaderAndOneRecordPerRow() throws {
        let directory = try TemporaryDirectory()
        let export = try directory.write(SampleExportOptions(rows: 750), name: "rows.csv")
        let records = splitCSV(export.bytes)
        #expect(records.count == 751)
        #expect(records.first == SampleColumn.allCases.map(\.header))
        #expect(records.allSatisfy { $0.count == SampleColumn.allCases.count })
        #expect(export.summary.rows == 750)
        #expect(Int64(export.bytes.count) == export.summary.bytes)
        #expect(export.bytes.starts(with: Array("SKU,Label,".utf8)), "UTF-8 without BOM")
        // CRLF everywhere outside quoted fields: the file ends with one and no bare LF ends a record.
        #expect(export.bytes.suffix(2).elementsEqual([0x0D, 0x0A]))
    }

    @Test func summaryIsConsistentAndDefectCountIsExact() throws {
        let directory = try TemporaryDirectory()
        for (rows, rate) in [(1000, 0.005), (2000, 0.05), (333, 0.01), (10, 0.1), (3, 0.5)] {
            let options = SampleExportOptions(rows: rows, defectRate: rate, nonSalesReadyRate: 0.03)
            let summary = try directory.write(options, name: "summary-\(rows).csv").summary
            #expect(summary.rows == rows)
            #expect(summary.rows == summary.salesReady + summary.skipped)
            // Documented rounding: half away from zero.
            #expect(summary.defective == Int((rate * Double(rows)).rounded()))
            #expect(summary.defective == options.defectiveRows)
            #expect(summary.skipped == options.skippedRows)
            #expect(summary.defectsByKind.values.reduce(0, +) == summary.defective)
            #expect(summary.defectsByKind.keys.allSatisfy { SampleDefect(rawValue: $0) != nil })
        }
    }

    @Test func exactlyTheDefectiveRowsBreakTheRules() throws {
        let directory = try TemporaryDirectory()
        let options = SampleExportOptions(rows: 2000, seed: 7, defectRate: 0.05)
        let export = try directory.write(options, name: "rules.csv")
        let rows = try #require(Row.parse(splitCSV(export.bytes)))
        let verdicts = validate(rows)
        let rejected = verdicts.filter { !$0.value.isEmpty }
        let skipped = rows.filter { !$0.isSalesReady }
        #expect(skipped.count == export.summary.skipped)
        #expect(rejected.count == export.summary.defective)
        #expect(Set(export.summary.defectsByKind.keys) == Set(SampleDefect.allCases.map(\.rawValue)))
        #expect(export.summary.defectsByKind[SampleDefect.duplicateSKU.rawValue].map { $0 % 2 } == 0)
        // Each rejected row breaks one rule only (a duplicate pair breaks uniqueness alone).
        for (line, problems) in rejected {
            #expect(problems.count == 1, "line \(line): \(problems)")
        }
        #expect(export.summary.valid == rows.count - skipped.count - rejected.count)
    }

    @Test func skusAreUniqueExceptDuplicatePairsWhichNothingReferences() throws {
        let directory = try TemporaryDirectory()
        let export = try directory.write(SampleExportOptions(rows: 3000, defectRate: 0.03), name: "skus.csv")
        let rows = try #require(Row.parse(splitCSV(export.bytes)))
        var occurrences: [String: Int] = [:]
        for row in rows where !row.sku.isEmpty { occurrences[row.sku, default: 0] += 1 }
        let duplicated = occurrences.filter { $0.value > 1 }
        #expect(duplicated.values.allSatisfy { $0 == 2 })
        #expect(duplicated.count * 2 == export.summary.defectsByKind[SampleDefect.duplicateSKU.rawValue, default: 0])
        #expect(!duplicated.isEmpty)
        let referenced = Set(rows.map(\.variantOf) + rows.flatMap(\.bundleSKUs))
        #expect(referenced.isDisjoint(with: duplicated.keys))
    }

    @Test func extremeRatesStayConsistent() throws {
        let directory = try TemporaryDirectory()
        // Nearly no plain rows: variants and kits lack references at first and fall back to plain rows.
        let options = SampleExportOptions(rows: 500, defectRate: 0.02, kitRate: 0.05, variantRate: 0.9, nonSalesReadyRate: 0.03)
        let export = try directory.write(options, name: "extreme.csv")
        let rows = try #require(Row.parse(splitCSV(export.bytes)))
        #expect(rows.count == 500)
        #expect(export.summary.rows == export.summary.salesReady + export.summary.skipped)
        #expect(export.summary.defective == 10 && export.summary.skipped == 15)
        #expect(validate(rows).filter { !$0.value.isEmpty }.count == 10)
        #expect(export.summary.variants > 400)
    }

    @Test func validGTINsHaveCorrectCheckDigits() throws {
        let directory = try TemporaryDirectory()
        let export = try directory.write(SampleExportOptions(rows: 1500, defectRate: 0.04), name: "gtin.csv")
        let rows = try #require(Row.parse(splitCSV(export.bytes)))
        let verdicts = validate(rows)
        let valid = rows.filter { $0.isSalesReady && verdicts[$0.line, default: []].isEmpty }
        let gtins = valid.map(\.gtin).filter { !$0.isEmpty }
        #expect(gtins.count > valid.count * 9 / 10)
        #expect(gtins.allSatisfy(isValidGTIN))
        #expect(Set(gtins.map(\.count)) == [8, 12, 13, 14])
        #expect(gtins.contains { $0.hasPrefix("0") }, "leading zeros must survive")
    }

    @Test func variantsAndKitsReferenceEarlierValidSalesReadyRows() throws {
        let directory = try TemporaryDirectory()
        let options = SampleExportOptions(rows: 3000, seed: 11, defectRate: 0.02, kitRate: 0.05, nonSalesReadyRate: 0.05)
        let export = try directory.write(options, name: "refs.csv")
        let rows = try #require(Row.parse(splitCSV(export.bytes)))
        let verdicts = validate(rows)
        var goodSoFar: [String: Row] = [:]
        var variants = 0
        var kits = 0
        for row in rows {
            let good = row.isSalesReady && verdicts[row.line, default: []].isEmpty
            if !row.variantOf.isEmpty {
                variants += 1
                let parent = try #require(goodSoFar[row.variantOf], "line \(row.line): parent \(row.variantOf)")
                #expect(row.sku.hasPrefix(parent.sku + "-"))
                #expect(good && parent.variantOf.isEmpty)
            }
            if !row.bundle.isEmpty {
                kits += 1
                #expect(good)
                for token in row.bundle.split(separator: ",") {
                    let parts = token.split(separator: "#", omittingEmptySubsequences: false)
                    let component = try #require(goodSoFar[String(parts[0])], "line \(row.line): \(token)")
                    #expect(component.variantOf.isEmpty && component.bundle.isEmpty)
                    #expect(parts.count == 1 || (parts.count == 2 && Int(parts[1]).map { $0 > 0 } == true))
                }
            }
            if good { goodSoFar[row.sku] = row }
        }
        #expect(variants == export.summary.variants)
        #expect(kits == export.summary.kits)
        #expect(abs(variants - 900) < 60, "variants near variantRate × rows")
        #expect(abs(kits - 150) < 20, "kits near kitRate × rows")
    }

    @Test func quotingUnicodeAndFormulaCellsAreExercised() throws {
        let directory = try TemporaryDirectory()
        let export = try directory.write(SampleExportOptions(rows: 1000, defectRate: 0.05), name: "quoting.csv")
        let rows = try #require(Row.parse(splitCSV(export.bytes)))
        #expect(rows.contains { $0.description.contains("\n") })
        #expect(rows.contains { $0.description.contains("\", so") })
        #expect(rows.contains { $0.label.contains(",") })
        #expect(rows.contains { $0.label.unicodeScalars.contains { $0.value > 0x7F } })
        #expect(rows.contains { $0.label.hasPrefix("=HYPERLINK(\"") })
        #expect(rows.contains { $0.country == "UK" })
        let hsStyles = Set(rows.map { $0.hsCode.map { $0.isNumber ? "9" : String($0) }.joined() })
        #expect(hsStyles.isSuperset(of: ["9999.99", "9999 99 99", "99999999", "9999999999", "999999"]))
    }

    @Test func semicolonsAndDecimalCommasStillValidate() throws {
        let directory = try TemporaryDirectory()
        let options = SampleExportOptions(rows: 600, defectRate: 0.05, delimiter: UInt8(ascii: ";"), decimalComma: true)
        let export = try directory.write(options, name: "comma.csv")
        let rows = try #require(Row.parse(splitCSV(export.bytes, delimiter: UInt8(ascii: ";"))))
        #expect(rows.count == 600)
        #expect(rows.contains { $0.weight.contains(",") })
        #expect(!rows.contains { $0.weight.contains(".") })
        #expect(validate(rows).filter { !$0.value.isEmpty }.count == export.summary.defective)
    }

    @Test func xmlIsWellFormedAndHoldsTheSameProducts() throws {
        let directory = try TemporaryDirectory()
        let options = SampleExportOptions(rows: 500, defectRate: 0.05)
        let csv = try directory.write(options, name: "same.csv")
        var xmlOptions = options
        xmlOptions.format = .xml
        let xml = try directory.write(xmlOptions, name: "same.xml")
        var csvSummary = csv.summary
        csvSummary.bytes = xml.summary.bytes
        #expect(csvSummary == xml.summary)

        let text = try #require(String(validating: xml.bytes, as: UTF8.self))
        #expect(text.hasPrefix("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<products>\n"))
        #expect(try checkBalancedTags(text) == 500)
        for name in ["weight_kg", "variant_of", "country_of_origin", "hs_code", "bundle_contents", "last_modified"] {
            #expect(text.contains("<\(name)>") || text.contains("<\(name)/>"), "\(name)")
        }
        #expect(text.contains("<categories>\n      <category>"))
        #expect(text.contains("<description><![CDATA[<p>"))
        #expect(text.contains("&amp; "), "ampersands in brands and labels are escaped")

        let csvSKUs = try #require(Row.parse(splitCSV(csv.bytes))).map(\.sku)
        #expect(elementTexts("sku", in: text) == csvSKUs.map { $0.replacingOccurrences(of: "&", with: "&amp;") })

        let xmllint = "/usr/bin/xmllint"
        if FileManager.default.isExecutableFile(atPath: xmllint) {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: xmllint)
            process.arguments = ["--noout", directory.path("same.xml")]
            try process.run()
            process.waitUntilExit()
            #expect(process.terminationStatus == 0)
        }
    }

    @Test func defaultRowsAreAboutOnePointSixKilobytes() throws {
        let directory = try TemporaryDirectory()
        let summary = try directory.write(SampleExportOptions(), name: "size.csv").summary
        let perRow = Double(summary.bytes) / Double(summary.rows)
        #expect((1400...1800).contains(perRow), "\(perRow) bytes per row")
    }

    @Test func longDescriptionsStayWithinTheTextLimit() throws {
        let directory = try TemporaryDirectory()
        let options = SampleExportOptions(rows: 200, defectRate: 0, descriptionBytes: 20_000)
        let export = try directory.write(options, name: "long.csv")
        let rows = try #require(Row.parse(splitCSV(export.bytes)))
        #expect(rows.allSatisfy { $0.description.utf8.count >= 20_000 })
        #expect(validate(rows).allSatisfy { $0.value.isEmpty })
    }

    @Test func edgeCasesAndInvalidOptions() throws {
        let directory = try TemporaryDirectory()
        let empty = try directory.write(SampleExportOptions(rows: 0), name: "empty.csv")
        #expect(splitCSV(empty.bytes).count == 1)
        #expect(empty.summary == SampleExportSummary(bytes: Int64(empty.bytes.count)))
        let emptyXML = try directory.write(SampleExportOptions(rows: 0, format: .xml), name: "empty.xml")
        #expect(String(decoding: emptyXML.bytes, as: UTF8.self).hasSuffix("<products>\n</products>\n"))

        let bad: [SampleExportOptions] = [
            SampleExportOptions(rows: -1),
            SampleExportOptions(defectRate: 1.5),
            SampleExportOptions(variantRate: .nan),
            SampleExportOptions(defectRate: 0.5, variantRate: 0.6),
            SampleExportOptions(descriptionBytes: -5),
            SampleExportOptions(delimiter: UInt8(ascii: "\"")),
        ]
        for options in bad {
            #expect(throws: SampleExportError.self) { try SampleExport.write(options, to: directory.path("bad.csv")) }
        }
        #expect(!FileManager.default.fileExists(atPath: directory.path("bad.csv")))
        #expect(throws: SampleExportError.self) {
            try SampleExport.write(SampleExportOptions(), to: directory.path("missing/dir/x.csv"))
        }
    }

    @Test func xmlNamesFollowTheRule() {
        #expect(SampleColumn.xmlName(for: "Weight (kg)") == "weight_kg")
        #expect(SampleColumn.xmlName(for: "Variant of") == "variant_of")
        #expect(SampleColumn.xmlName(for: "Country of Origin") == "country_of_origin")
        #expect(SampleColumn.xmlName(for: "HS Code") == "hs_code")
        #expect(SampleColumn.xmlName(for: "  Bundle -- Contents ") == "bundle_contents")
    }
}

// MARK: - Test helpers (independent of the generator)

/// A fresh directory per test, removed when the test ends; tests run in parallel.
private final class TemporaryDirectory {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("sample-export-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    func path(_ name: String) -> String { url.appendingPathComponent(name).path }

    func write(_ options: SampleExportOptions, name: String) throws -> (summary: SampleExportSummary, bytes: [UInt8]) {
        let summary = try SampleExport.write(options, to: path(name))
        return (summary, Array(try Data(contentsOf: URL(fileURLWithPath: path(name)))))
    }
}

/// RFC 4180 records: quoted fields may hold delimiters, doubled quotes, CR and LF; records end in CRLF.
private func splitCSV(_ bytes: [UInt8], delimiter: UInt8 = UInt8(ascii: ",")) -> [[String]] {
    var records: [[String]] = []
    var record: [String] = []
    var field: [UInt8] = []
    var quoted = false
    var index = 0
    func endField() { record.append(String(decoding: field, as: UTF8.self)); field.removeAll() }
    while index < bytes.count {
        let byte = bytes[index]
        if quoted {
            if byte == UInt8(ascii: "\"") {
                if index + 1 < bytes.count && bytes[index + 1] == UInt8(ascii: "\"") {
                    field.append(byte)
                    index += 1
                } else {
                    quoted = false
                }
            } else {
                field.append(byte)
            }
        } else if byte == UInt8(ascii: "\"") && field.isEmpty {
            quoted = true
        } else if byte == delimiter {
            endField()
        } else if byte == 0x0D && index + 1 < bytes.count && bytes[index + 1] == 0x0A {
            endField()
            records.append(record)
            record.removeAll()
            index += 1
        } else {
            field.append(byte)
        }
        index += 1
    }
    if !field.isEmpty || !record.isEmpty { endField(); records.append(record) }
    return records
}

/// One CSV record by header name.
private struct Row {
    let line: Int
    let cells: [String: String]

    subscript(_ header: String) -> String { cells[header] ?? "" }
    var sku: String { self["SKU"] }
    var label: String { self["Label"] }
    var variantOf: String { self["Variant of"] }
    var gtin: String { self["GTIN"] }
    var bundle: String { self["Bundle Contents"] }
    var description: String { self["Description"] }
    var weight: String { self["Weight (kg)"] }
    var hsCode: String { self["HS Code"] }
    var country: String { self["Country of Origin"] }
    var isSalesReady: Bool { ["complete", "completed"].contains(self["Status"].lowercased()) }
    var bundleSKUs: [String] {
        bundle.split(separator: ",").map { String($0.split(separator: "#", omittingEmptySubsequences: false)[0]) }
    }

    static func parse(_ records: [[String]]) -> [Row]? {
        guard let header = records.first else { return nil }
        return records.dropFirst().enumerated().map { offset, values in
            Row(line: offset + 2, cells: Dictionary(uniqueKeysWithValues: zip(header, values)))
        }
    }
}

/// The pipeline's rules as the brief states them; returns the broken rules per sales-ready row line.
private func validate(_ rows: [Row]) -> [Int: [String]] {
    let skuCharacters = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_./")
    let countries: Set<String> = ["GB", "CN", "DE", "PT", "TR", "IN", "VN", "IT", "FR", "ES", "US"]
    func code(_ value: String) -> Bool { !value.isEmpty && value.count <= 20 && value.allSatisfy(skuCharacters.contains) }
    func collapse(_ text: String) -> String { text.split(whereSeparator: \.isWhitespace).joined(separator: " ") }
    func decimal(_ text: String) -> Double? { Double(text.replacingOccurrences(of: ",", with: ".")) }
    func strip(_ html: String) -> String {
        var text = html.replacingOccurrences(of: "<[^>]*>", with: " ", options: .regularExpression)
        for (entity, value) in [("&nbsp;", " "), ("&quot;", "\""), ("&#8217;", "’"), ("&amp;", "&")] {
            text = text.replacingOccurrences(of: entity, with: value)
        }
        return collapse(text)
    }
    var skuCounts: [String: Int] = [:]
    for row in rows where row.isSalesReady { skuCounts[row.sku, default: 0] += 1 }

    var verdicts: [Int: [String]] = [:]
    for row in rows where row.isSalesReady {
        var problems: [String] = []
        func check(_ ok: Bool, _ rule: String) { if !ok { problems.append(rule) } }
        check(code(row.sku), "SKU")
        check(row.variantOf.isEmpty || code(row.variantOf), "Variant of")
        let label = collapse(row.label)
        check(!label.isEmpty && label.count <= 60, "Label")
        check(strip(row.description).count <= 1000, "Description")
        check(row.gtin.isEmpty || isValidGTIN(row.gtin), "GTIN")
        check((row["Categories"].split(separator: ",").first?.count ?? 0) <= 250, "Categories")
        check(row["Brand"].count <= 50, "Brand")
        check(row["Colour"].count <= 20 && row["Size"].count <= 20, "Colour/Size")
        check(decimal(row.weight).map { $0 > 0 } == true, "Weight")
        for header in ["Length (cm)", "Width (cm)", "Height (cm)"] {
            check(row[header].isEmpty || decimal(row[header]).map { $0 >= 0 } == true, header)
        }
        let hs = row.hsCode.filter { $0 != " " && $0 != "." }
        check([6, 8, 10].contains(hs.count) && hs.allSatisfy(\.isASCII) && hs.allSatisfy(\.isNumber), "HS Code")
        check(countries.contains(row.country == "UK" ? "GB" : row.country), "Country")
        check(row["Supplier"].count <= 20, "Supplier")
        check(!row["Supplier Code"].isEmpty && row["Supplier Code"].count <= 50, "Supplier Code")
        let thumbnail = row["Thumbnail"]
        check(thumbnail.isEmpty || ((thumbnail.hasPrefix("https://") || thumbnail.hasPrefix("http://")) && thumbnail.count <= 255), "Thumbnail")
        check(skuCounts[row.sku, default: 0] <= 1 || row.sku.isEmpty, "Duplicate SKU")
        verdicts[row.line] = problems
    }
    return verdicts
}

private func isValidGTIN(_ text: String) -> Bool {
    let digits = text.compactMap(\.wholeNumberValue)
    guard digits.count == text.count, [8, 12, 13, 14].contains(digits.count) else { return false }
    var sum = 0
    for (offset, digit) in digits.dropLast().reversed().enumerated() { sum += digit * (offset % 2 == 0 ? 3 : 1) }
    return (10 - sum % 10) % 10 == digits.last
}

/// Checks tags nest properly outside CDATA and returns how many `<product>` elements there are.
private func checkBalancedTags(_ xml: String) throws -> Int {
    struct Unbalanced: Error { let detail: String }
    var stack: [Substring] = []
    var products = 0
    var rest = xml[...]
    while let open = rest.firstIndex(of: "<") {
        rest = rest[open...]
        if rest.hasPrefix("<![CDATA[") {
            guard let end = rest.range(of: "]]>") else { throw Unbalanced(detail: "unterminated CDATA") }
            rest = rest[end.upperBound...]
            continue
        }
        guard let close = rest.firstIndex(of: ">") else { throw Unbalanced(detail: "unterminated tag") }
        let tag = rest[rest.index(after: rest.startIndex)..<close]
        rest = rest[rest.index(after: close)...]
        if tag.hasPrefix("?") || tag.hasSuffix("/") { continue }
        if tag.hasPrefix("/") {
            guard stack.popLast() == tag.dropFirst() else { throw Unbalanced(detail: "</\(tag.dropFirst())>") }
        } else {
            stack.append(tag)
            if tag == "product" { products += 1 }
        }
    }
    guard stack.isEmpty else { throw Unbalanced(detail: "unclosed \(stack)") }
    return products
}

/// Texts of `<name>…</name>` elements in order, empty for `<name/>`.
private func elementTexts(_ name: String, in xml: String) -> [String] {
    var texts: [String] = []
    var rest = xml[...]
    while let start = rest.range(of: "<\(name)") {
        rest = rest[start.upperBound...]
        if rest.hasPrefix("/>") { texts.append(""); continue }
        guard rest.hasPrefix(">"), let end = rest.range(of: "</\(name)>") else { continue }
        texts.append(String(rest[rest.index(after: rest.startIndex)..<end.lowerBound]))
        rest = rest[end.upperBound...]
    }
    return texts
}
