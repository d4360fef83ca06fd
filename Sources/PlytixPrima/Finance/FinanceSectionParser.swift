import Yams

/// Reads a pipeline's `finance:` section strictly, and refuses any output column that would
/// carry Prima's financial data (prices, costs, VAT codes) into an import file.
enum FinanceSectionParser {
    static let keys = ["prima_owned", "prices", "vat", "reference"]
    static let referenceKeys = [
        "folder", "price_list_patterns", "vat_code_patterns", "encoding", "delimiter", "decimal_separator",
        "price_list_columns", "vat_code_columns",
    ]
    /// Folders under `inbox/` that plytix-prima itself uses.
    static let reservedFolders: Set = ["archive", "failed"]

    static func parse(_ node: ConfigNode) throws(ConfigError) -> FinanceSettings {
        let keys = try node.mapping(allowed: Self.keys)
        var finance = FinanceSettings()
        // Names the user lists are added to the defaults: a list can never switch the refusal off.
        if let owned = keys["prima_owned"] {
            for name in try owned.strings() where !finance.primaOwned.contains(name) { finance.primaOwned.append(name) }
        }
        if let prices = keys["prices"] {
            var lists: Set<String> = [], sources: Set<String> = []
            for item in try prices.items() {
                let entry = try item.mapping(allowed: ["source", "xml", "price_list", "precision"])
                guard let source = entry["source"] else { throw item.error("a price mapping needs 'source': the Plytix price column, e.g. Price") }
                guard let list = entry["price_list"] else { throw item.error("a price mapping needs 'price_list': the Prima price list, e.g. RETAIL") }
                var mapping = PriceMapping(
                    source: FieldSource(csv: try source.nonEmptyString(), xml: try entry["xml"]?.nonEmptyString()),
                    priceList: try list.nonEmptyString())
                if let precision = entry["precision"] {
                    let text = try precision.string()
                    guard let value = Int(text), (0...DecimalAmount.maxScale).contains(value) else {
                        throw precision.error("expected the decimals to compare, 0 to \(DecimalAmount.maxScale), found '\(text)'")
                    }
                    mapping.precision = value
                }
                guard lists.insert(mapping.priceList).inserted else {
                    throw list.error("the price list '\(mapping.priceList)' is mapped twice; each Prima price list takes one Plytix column")
                }
                guard sources.insert(mapping.source.csv).inserted else {
                    throw source.error("the Plytix column '\(mapping.source.csv)' is mapped twice")
                }
                finance.prices.append(mapping)
            }
            // Open discrepancies are kept per item as one bit per list and one for the VAT code.
            guard finance.prices.count <= 63 else { throw prices.error("at most 63 price lists can be mapped") }
        }
        if let vat = keys["vat"] {
            let entry = try vat.mapping(allowed: ["source", "xml"])
            guard let source = entry["source"] else { throw vat.error("'vat' needs 'source': the Plytix VAT column, e.g. VAT Code") }
            finance.vat = FieldSource(csv: try source.nonEmptyString(), xml: try entry["xml"]?.nonEmptyString())
        }
        if let reference = keys["reference"] { finance.reference = try parseReference(reference) }
        return finance
    }

    private static func parseReference(_ node: ConfigNode) throws(ConfigError) -> ReferenceSettings {
        let keys = try node.mapping(allowed: referenceKeys)
        var reference = ReferenceSettings()
        if let folder = keys["folder"] {
            let name = try folder.nonEmptyString()
            let parts = name.split(separator: "/", omittingEmptySubsequences: false)
            guard !name.hasPrefix("/"), parts.allSatisfy({ !$0.isEmpty && !$0.hasPrefix(".") }), !reservedFolders.contains(String(parts[0])) else {
                throw folder.error("expected a folder under inbox/ such as 'prima' (not absolute, no '.' or '..' parts, not archive or failed)")
            }
            reference.folder = name
        }
        for (key, path) in [("price_list_patterns", \ReferenceSettings.priceListPatterns), ("vat_code_patterns", \ReferenceSettings.vatCodePatterns)] {
            guard let value = keys[key] else { continue }
            let patterns = try value.strings()
            guard !patterns.isEmpty else { throw value.error("must list at least one pattern") }
            if let bad = patterns.first(where: { $0.contains("/") }) {
                throw value.error("pattern '\(bad)' holds '/': patterns match names in the reference folder")
            }
            reference[keyPath: path] = patterns
        }
        if let encoding = keys["encoding"] { reference.encoding = try encoding.choice(TextEncoding.self) }
        if let delimiter = keys["delimiter"] {
            reference.delimiter = try delimiter.string().lowercased() == "auto" ? nil : delimiter.separatorByte()
            if let byte = reference.delimiter, !CSVDialect.detectableDelimiters.contains(byte) {
                throw delimiter.error("expected auto, ',', ';', '|' or tab")
            }
        }
        if let separator = keys["decimal_separator"] { reference.decimalSeparator = try separator.choice(DecimalSeparator.self) }
        if let columns = keys["price_list_columns"] {
            let names = try columns.mapping(allowed: ["item_code", "price_list", "price", "vat_code"])
            if let value = names["item_code"] { reference.priceListColumns.itemCode = try value.nonEmptyString() }
            if let value = names["price_list"] { reference.priceListColumns.priceList = try value.nonEmptyString() }
            if let value = names["price"] { reference.priceListColumns.price = try value.nonEmptyString() }
            if let value = names["vat_code"] { reference.priceListColumns.vatCode = try value.nonEmptyString() }
        }
        if let columns = keys["vat_code_columns"] {
            let names = try columns.mapping(allowed: ["vat_code", "rate", "description"])
            if let value = names["vat_code"] { reference.vatCodeColumns.vatCode = try value.nonEmptyString() }
            if let value = names["rate"] { reference.vatCodeColumns.rate = try value.nonEmptyString() }
            if let value = names["description"] { reference.vatCodeColumns.description = try value.nonEmptyString() }
        }
        return reference
    }

    /// The BOM file writes quantities under its configured headers: a Prima-owned header would
    /// put them into a price, cost or VAT column of Prima's BOM import.
    static func refuseOwnedBOMHeaders(_ headers: [String], relationships: ConfigNode?, finance: FinanceSettings) throws(ConfigError) {
        guard let index = headers.firstIndex(where: finance.isPrimaOwned) else { return }
        let node = relationships?.node["bom"]?["headers"] ?? relationships?.node
        throw ConfigError(
            file: relationships?.file ?? "", key: "relationships.bom.headers[\(index)]", line: node?.mark?.line ?? relationships?.line,
            message: "the BOM column '\(headers[index])' is Prima-owned financial data (prices, costs and VAT codes are mastered in Prima and never imported from Plytix); name the BOM column otherwise")
    }

    /// Prima is the master of prices, costs and VAT codes: a column that would write one is
    /// refused, naming the column; there is deliberately no way to force it.
    static func refuseOwnedColumns(_ columns: [OutputColumn], items: [ConfigNode], finance: FinanceSettings) throws(ConfigError) {
        for (index, column) in columns.enumerated() {
            var names = [column.header]
            switch column.value {
            case .field(let source): names += [source.csv, source.xml]
            case .itemType(let relationship, _, _, _): names += [relationship.csv, relationship.xml]
            case .action, .constant: break
            }
            // An exact owned name is the clearer message; a name holding a financial word otherwise.
            guard let owned = names.first(where: finance.isNamedPrimaOwned) ?? names.first(where: finance.isPrimaOwned) else { continue }
            let byWord = finance.isNamedPrimaOwned(owned) ? "" : " (its name holds 'price', 'cost', 'VAT' or 'tax')"
            let node = index < items.count ? items[index] : nil
            throw ConfigError(file: node?.file ?? "", key: "columns[\(index)] (\(column.header))", line: node?.line, message:
                "the output column '\(column.header)' would write '\(owned)', which is Prima-owned financial data\(byWord) (prices, costs and VAT codes are mastered in Prima and never imported from Plytix); remove the column from the pipeline, the finance review compares these values instead")
        }
    }
}
