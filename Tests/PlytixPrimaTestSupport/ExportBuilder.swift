import Foundation

/// Builds small Plytix CSV exports for tests: the default pipeline's columns, a valid product
/// by default, and per-row overrides.
public struct ExportBuilder: Sendable {
    public static let headers = [
        "SKU", "Label", "Description", "Status", "Variant of", "GTIN", "Categories", "Brand", "Colour", "Size",
        "Weight (kg)", "Length (cm)", "Width (cm)", "Height (cm)", "HS Code", "Country of Origin", "Supplier",
        "Supplier Code", "Thumbnail", "Bundle Contents", "Price", "VAT Code", "Last modified",
    ]

    /// A product that passes every rule of the default pipeline.
    public static func validProduct(_ sku: String) -> [String: String] {
        [
            "SKU": sku, "Label": "Cotton pillow \(sku)", "Description": "<p>Soft &amp; warm</p>", "Status": "Complete",
            "GTIN": "5012345678900", "Categories": "Home>Bedding>Pillows", "Brand": "Acme", "Colour": "White", "Size": "M",
            "Weight (kg)": "0.35", "Length (cm)": "50", "Width (cm)": "30", "Height (cm)": "10", "HS Code": "9404.90",
            "Country of Origin": "GB", "Supplier": "SUP1", "Supplier Code": "S-\(sku)",
            "Thumbnail": "https://img.example.com/\(sku).jpg", "Price": "19.99", "VAT Code": "S",
            "Last modified": "2026-11-20T10:00:00Z",
        ]
    }

    public var headers: [String]
    public var rows: [[String: String]] = []
    public var delimiter: String = ","
    public var lineEnding: String = "\r\n"

    public init(headers: [String] = ExportBuilder.headers) { self.headers = headers }

    /// Adds a valid product with some fields changed (a `nil`-free dictionary of overrides).
    public mutating func add(_ sku: String, _ overrides: [String: String] = [:]) {
        rows.append(Self.validProduct(sku).merging(overrides) { $1 })
    }

    public var csv: String {
        var lines = [headers.map(quote).joined(separator: delimiter)]
        for row in rows { lines.append(headers.map { quote(row[$0] ?? "") }.joined(separator: delimiter)) }
        return lines.joined(separator: lineEnding) + lineEnding
    }

    public var bytes: [UInt8] { Array(csv.utf8) }

    private func quote(_ value: String) -> String {
        let needs = value.contains(delimiter) || value.contains("\"") || value.contains("\n") || value.contains("\r")
        return needs ? "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : value
    }
}

/// Splits a published CSV (RFC 4180, any line ending) into rows of cells: an independent
/// reader, so tests do not check the product's reader with itself.
public func parseCSV(_ text: String, delimiter: Character = ",") -> [[String]] {
    var rows: [[String]] = []
    var row: [String] = []
    var cell = ""
    var inQuotes = false
    var iterator = Array(text.hasPrefix("\u{FEFF}") ? String(text.dropFirst()) : text).makeIterator()
    var pending: Character? = nil
    func next() -> Character? {
        if let p = pending { pending = nil; return p }
        return iterator.next()
    }
    while let c = next() {
        if inQuotes {
            if c == "\"" {
                if let n = next() {
                    if n == "\"" { cell.append("\"") } else { inQuotes = false; pending = n }
                } else { inQuotes = false }
            } else { cell.append(c) }
        } else if c == "\"" {
            inQuotes = true
        } else if c == delimiter {
            row.append(cell); cell = ""
        } else if c == "\r\n" || c == "\n" || c == "\r" {
            row.append(cell); cell = ""
            rows.append(row); row = []
        } else {
            cell.append(c)
        }
    }
    if !cell.isEmpty || !row.isEmpty { row.append(cell); rows.append(row) }
    return rows
}
