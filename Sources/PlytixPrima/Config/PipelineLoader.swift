import Foundation
import Yams

/// A pipeline file that cannot be used. `run` stops with exit 2 before claiming anything.
public struct ConfigError: Error, Sendable, Equatable, CustomStringConvertible {
    public let file: String
    /// Dotted path of the offending key, e.g. `columns[3] (Description).max_length`.
    public let key: String
    public let line: Int?
    public let message: String

    public var description: String {
        let place = line.map { "\(file):\($0)" } ?? file
        return key.isEmpty ? "\(place): \(message)" : "\(place): \(key): \(message)"
    }
}

/// Reads `pipelines/NAME.yml` strictly: unknown keys, missing sources and bad values are errors
/// that name the file, the key and what is wrong.
public enum PipelineLoader {
    public static let fileExtension = "yml"

    /// Loads every `*.yml` in `directory`, sorted by name.
    public static func loadAll(in directory: String) throws(ConfigError) -> [PipelineConfig] {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory)
        } catch {
            throw ConfigError(file: directory, key: "", line: nil, message: "the pipelines folder cannot be read (run `plytix-prima init` to create it)")
        }
        let files = names.filter { $0.hasSuffix(".\(fileExtension)") && !$0.hasPrefix(".") }.sorted()
        guard !files.isEmpty else {
            throw ConfigError(file: directory, key: "", line: nil, message: "holds no pipeline (*.yml); run `plytix-prima init` to create the default one")
        }
        let pipelines = try files.map { (name) throws(ConfigError) in try load(path: directory + "/" + name) }
        // A Prima reference file must belong to one pipeline, whatever lies in the folder now.
        if let conflict = ReferencePatternOverlap.firstConflict(in: pipelines) { throw conflict }
        return pipelines
    }

    /// Loads the pipeline named `name` from `directory`.
    public static func load(named name: String, in directory: String) throws(ConfigError) -> PipelineConfig {
        let path = directory + "/" + name + "." + fileExtension
        guard FileManager.default.fileExists(atPath: path) else {
            throw ConfigError(file: path, key: "", line: nil, message: "no pipeline named '\(name)' (expected this file)")
        }
        return try load(path: path)
    }

    public static func load(path: String) throws(ConfigError) -> PipelineConfig {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigError(file: path, key: "", line: nil, message: "the file cannot be read")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ConfigError(file: path, key: "", line: nil, message: "the file is not UTF-8 text")
        }
        let file = FileSystem.lastComponent(of: path)
        let name = file.hasSuffix("." + fileExtension) ? String(file.dropLast(fileExtension.count + 1)) : file
        return try parse(yaml: text, name: name, path: path)
    }

    public static func parse(yaml: String, name: String, path: String) throws(ConfigError) -> PipelineConfig {
        let root: Node
        do {
            guard let node = try Yams.compose(yaml: yaml) else {
                throw ConfigError(file: path, key: "", line: nil, message: "the file is empty")
            }
            root = node
        } catch let error as ConfigError {
            throw error
        } catch let error as YamlError {
            throw ConfigError(file: path, key: "", line: line(of: error), message: "not valid YAML: \(error)")
        } catch {
            throw ConfigError(file: path, key: "", line: nil, message: "not valid YAML: \(error)")
        }
        guard isSafeName(name) else {
            throw ConfigError(file: path, key: "", line: nil, message: "a pipeline name may hold letters, digits, '-', '_' and '.' only")
        }
        guard name != ReferenceFileIntake.outboxFolder else {
            throw ConfigError(file: path, key: "", line: nil, message: "'\(name)' is the outbox folder of Prima reference intakes; name the pipeline otherwise")
        }
        let document = ConfigNode(node: root, path: "", file: path)
        return try PipelineParser(file: path).parse(document, name: name)
    }

    /// Where YAML found the problem, when it says.
    static func line(of error: YamlError) -> Int? {
        switch error {
        case .scanner(_, _, let mark, _), .parser(_, _, let mark, _), .composer(_, _, let mark, _):
            return mark.line
        case .duplicatedKeysInMapping(_, let context):
            return context.mark.line
        case .reader(_, let offset?, _, let yaml):
            return yaml.utf8.prefix(offset).reduce(1) { $1 == UInt8(ascii: "\n") ? $0 + 1 : $0 }
        default:
            return nil
        }
    }

    static func isSafeName(_ name: String) -> Bool {
        !name.isEmpty && !name.hasPrefix(".") && name.unicodeScalars.allSatisfy {
            $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || "-_.".unicodeScalars.contains($0))
        }
    }
}

/// A YAML node with the key path that led to it, so every error can say where it is.
struct ConfigNode {
    let node: Node
    let path: String
    let file: String

    var line: Int? { node.mark?.line }

    func error(_ message: String) -> ConfigError {
        ConfigError(file: file, key: path, line: line, message: message)
    }

    func child(_ key: String, _ node: Node) -> ConfigNode {
        ConfigNode(node: node, path: path.isEmpty ? key : "\(path).\(key)", file: file)
    }

    /// The mapping's entries, refusing keys outside `allowed`.
    func mapping(allowed: [String]) throws(ConfigError) -> [String: ConfigNode] {
        guard case .mapping(let mapping) = node else { throw error("expected a mapping of keys to values") }
        var result: [String: ConfigNode] = [:]
        for (keyNode, valueNode) in mapping {
            guard let key = keyNode.string else { throw error("keys must be plain text") }
            let entry = child(key, valueNode)
            guard allowed.contains(key) else {
                throw entry.error("unknown key '\(key)'; known keys here: \(allowed.joined(separator: ", "))")
            }
            guard result[key] == nil else { throw entry.error("the key '\(key)' is given twice") }
            result[key] = entry
        }
        return result
    }

    func string() throws(ConfigError) -> String {
        guard case .scalar(let scalar) = node else { throw error("expected a single value") }
        return scalar.string
    }

    func nonEmptyString() throws(ConfigError) -> String {
        let value = try string()
        guard !value.isEmpty else { throw error("must not be empty") }
        return value
    }

    func bool() throws(ConfigError) -> Bool {
        switch try string().lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        case let other: throw error("expected true or false, found '\(other)'")
        }
    }

    func positiveInt() throws(ConfigError) -> Int {
        let text = try string()
        guard let value = Int(text), value > 0 else { throw error("expected a whole number above 0, found '\(text)'") }
        return value
    }

    func strings() throws(ConfigError) -> [String] {
        guard case .sequence(let sequence) = node else { throw error("expected a list") }
        var result: [String] = []
        for (index, item) in sequence.enumerated() {
            result.append(try ConfigNode(node: item, path: "\(path)[\(index)]", file: file).nonEmptyString())
        }
        return result
    }

    func items() throws(ConfigError) -> [ConfigNode] {
        guard case .sequence(let sequence) = node else { throw error("expected a list") }
        return sequence.enumerated().map { ConfigNode(node: $1, path: "\(path)[\($0)]", file: file) }
    }

    func choice<T: RawRepresentable & CaseIterable>(_ type: T.Type) throws(ConfigError) -> T where T.RawValue == String {
        let text = try string()
        guard let value = T(rawValue: text) else {
            throw error("'\(text)' is not one of: \(T.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return value
    }

    /// A single-byte ASCII separator such as `,` or `\t` (written `tab` or `"\t"`).
    func separatorByte() throws(ConfigError) -> UInt8 {
        let text = try string()
        if text.lowercased() == "tab" { return 9 }
        let bytes = Array(text.utf8)
        guard bytes.count == 1, bytes[0] < 0x80, bytes[0] != 10, bytes[0] != 13 else {
            throw error("expected one ASCII character (or 'tab'), found '\(text)'")
        }
        return bytes[0]
    }
}

private struct PipelineParser {
    let file: String

    func parse(_ document: ConfigNode, name: String) throws(ConfigError) -> PipelineConfig {
        let top = try document.mapping(allowed: ["version", "description", "input", "status", "columns", "output", "diff", "relationships", "finance"])
        if let version = top["version"], try version.string() != "1" {
            throw version.error("only version 1 is understood by this plytix-prima")
        }
        let input = try top["input"].map { (node) throws(ConfigError) in try parseInput(node) } ?? InputSettings()
        let status = try top["status"].map { (node) throws(ConfigError) in try parseStatus(node) } ?? StatusSettings()
        guard let columnsNode = top["columns"] else {
            throw document.error("the pipeline has no 'columns': it must list Prima's output columns in order")
        }
        let columns = try parseColumns(columnsNode)
        let output = try top["output"].map { (node) throws(ConfigError) in try parseOutput(node) } ?? OutputSettings()
        var config = PipelineConfig(name: name, path: file, input: input, status: status, columns: columns, output: output)
        if let diff = top["diff"] { config.diff = try parseDiff(diff) }
        if let relationships = top["relationships"] { config.relationships = try parseRelationships(relationships) }
        try checkRelationships(config, columns: columnsNode)
        if let finance = top["finance"] { config.finance = try FinanceSectionParser.parse(finance) }
        try FinanceSectionParser.refuseOwnedColumns(config.columns, items: try columnsNode.items(), finance: config.finance)
        try FinanceSectionParser.refuseOwnedBOMHeaders(config.relationships.bom.headers, relationships: top["relationships"], finance: config.finance)
        return config
    }

    func parseDiff(_ node: ConfigNode) throws(ConfigError) -> DiffSettings {
        let keys = try node.mapping(allowed: [
            "mode", "last_modified", "last_modified_xml", "discontinue_statuses", "max_discontinue_share", "max_update_share",
            "discontinued_status",
        ])
        var diff = DiffSettings()
        if let mode = keys["mode"] { diff.mode = try mode.choice(DiffSettings.Mode.self) }
        if let source = keys["last_modified"] {
            let name = try source.string()
            diff.lastModified = name.isEmpty || name.lowercased() == "none"
                ? nil : FieldSource(csv: name, xml: try keys["last_modified_xml"]?.nonEmptyString())
        } else if let xml = keys["last_modified_xml"] {
            diff.lastModified = FieldSource(csv: diff.lastModified?.csv ?? "Last modified", xml: try xml.nonEmptyString())
        }
        if let statuses = keys["discontinue_statuses"] { diff.discontinueStatuses = try statuses.strings() }
        for (key, path) in [("max_discontinue_share", \DiffSettings.maxDiscontinueShare), ("max_update_share", \DiffSettings.maxUpdateShare)] {
            guard let value = keys[key] else { continue }
            let text = try value.string()
            guard let share = Double(text), share >= 0, share <= 1 else {
                throw value.error("expected a share between 0 and 1 (e.g. 0.10), found '\(text)'")
            }
            diff[keyPath: path] = share
        }
        if let status = keys["discontinued_status"] { diff.discontinuedStatus = try status.nonEmptyString() }
        return diff
    }

    func parseRelationships(_ node: ConfigNode) throws(ConfigError) -> RelationshipSettings {
        let keys = try node.mapping(allowed: ["max_variant_levels", "max_kit_levels", "bom"])
        var settings = RelationshipSettings()
        if let value = keys["max_variant_levels"] { settings.maxVariantLevels = try value.positiveInt() }
        if let value = keys["max_kit_levels"] { settings.maxKitLevels = try value.positiveInt() }
        if let bom = keys["bom"] {
            let bomKeys = try bom.mapping(allowed: ["headers", "line_number_step", "rows_per_chunk"])
            if let headers = bomKeys["headers"] {
                let names = try headers.strings()
                guard names.count == 5 else {
                    throw headers.error("expected 5 headers, for Action, ParentItemCode, LineNo, ComponentItemCode and QuantityPer in this order; found \(names.count)")
                }
                guard Set(names).count == 5 else { throw headers.error("two BOM columns have the same header") }
                settings.bom.headers = names
            }
            if let value = bomKeys["line_number_step"] { settings.bom.lineNumberStep = try value.positiveInt() }
            if let value = bomKeys["rows_per_chunk"] { settings.bom.rowsPerChunk = try value.positiveInt() }
        }
        return settings
    }

    /// At most one parent column, and it must read a Plytix field.
    func checkRelationships(_ config: PipelineConfig, columns: ConfigNode) throws(ConfigError) {
        let parents = config.columns.filter { $0.relationship == .variantOf }
        guard parents.count <= 1 else {
            throw columns.error("only one column can be 'relationship: variant_of'; found \(parents.count)")
        }
        if config.columns.contains(where: { $0.isKey && $0.relationship != nil }) {
            throw columns.error("the key column (the item code) cannot also be the parent column")
        }
        let kits = config.columns.filter { if case .itemType = $0.value { true } else { false } }
        guard kits.count <= 1 else { throw columns.error("only one column can be 'derived: item_type'; found \(kits.count)") }
        if config.input.relationshipSeparator == config.input.relationshipQuantitySeparator {
            throw columns.error("input.relationship_separator and input.relationship_quantity_separator must differ")
        }
        if config.input.decimalSeparator == .comma && config.input.relationshipSeparator == "," {
            throw columns.error("with decimal_separator ',' a kit quantity such as 1,5 cannot be told from two components: set input.relationship_separator to another character (e.g. '|')")
        }
    }

    func parseInput(_ node: ConfigNode) throws(ConfigError) -> InputSettings {
        let keys = try node.mapping(allowed: [
            "patterns", "require_done_marker", "format", "encoding", "delimiter", "quote", "max_record_bytes", "decimal_separator",
            "multi_value_separator", "category_level_separator", "relationship_separator", "relationship_quantity_separator", "xml",
            "max_inflated_bytes", "max_compression_ratio",
        ])
        var input = InputSettings()
        if let patterns = keys["patterns"] {
            input.patterns = try patterns.strings()
            guard !input.patterns.isEmpty else { throw patterns.error("must list at least one pattern") }
            for (index, pattern) in input.patterns.enumerated() where pattern.contains("/") {
                throw patterns.error("pattern \(index + 1) ('\(pattern)') holds '/': patterns match names at the top level of inbox/")
            }
        }
        if let marker = keys["require_done_marker"] { input.requireDoneMarker = try marker.bool() }
        if let format = keys["format"] { input.format = try format.choice(InputFormat.self) }
        if let encoding = keys["encoding"] { input.encoding = try encoding.choice(TextEncoding.self) }
        if let delimiter = keys["delimiter"] {
            input.csv.delimiter = try delimiter.string().lowercased() == "auto" ? nil : delimiter.separatorByte()
            if let byte = input.csv.delimiter, !CSVDialect.detectableDelimiters.contains(byte) {
                throw delimiter.error("expected auto, ',', ';', '|' or tab")
            }
        }
        if let quote = keys["quote"] {
            input.csv.quote = try quote.separatorByte()
            if input.csv.quote == input.csv.delimiter { throw quote.error("the quote character cannot also separate columns") }
        }
        if let limit = keys["max_record_bytes"] { input.csv.maxRecordBytes = try limit.positiveInt() }
        if let separator = keys["decimal_separator"] { input.decimalSeparator = try separator.choice(DecimalSeparator.self) }
        if let value = keys["multi_value_separator"] { input.multiValueSeparator = try value.nonEmptyString() }
        if let value = keys["category_level_separator"] { input.categoryLevelSeparator = try value.nonEmptyString() }
        if let value = keys["relationship_quantity_separator"] { input.relationshipQuantitySeparator = try value.nonEmptyString() }
        if let value = keys["relationship_separator"] { input.relationshipSeparator = try value.nonEmptyString() }
        if let limit = keys["max_inflated_bytes"] { input.inflate.maxInflatedBytes = Int64(try limit.positiveInt()) }
        if let limit = keys["max_compression_ratio"] { input.inflate.maxRatio = try limit.positiveInt() }
        input.xml.multiValueSeparator = input.multiValueSeparator
        if let xml = keys["xml"] {
            let xmlKeys = try xml.mapping(allowed: ["root_element", "product_element", "field_name_attribute"])
            if let value = xmlKeys["root_element"] { input.xml.rootElement = try value.nonEmptyString() }
            if let value = xmlKeys["product_element"] { input.xml.productElement = try value.nonEmptyString() }
            if let value = xmlKeys["field_name_attribute"] { input.xml.fieldNameAttribute = try value.nonEmptyString() }
        }
        return input
    }

    func parseStatus(_ node: ConfigNode) throws(ConfigError) -> StatusSettings {
        let keys = try node.mapping(allowed: ["source", "xml", "sales_ready", "not_sales_ready"])
        var status = StatusSettings()
        if let source = keys["source"] {
            status.source = FieldSource(csv: try source.nonEmptyString(), xml: try keys["xml"]?.nonEmptyString())
        } else if keys["xml"] != nil {
            throw node.error("'xml' names the XML element of 'source'; give 'source' too")
        }
        if let values = keys["sales_ready"] {
            status.salesReady = try values.strings()
            guard !status.salesReady.isEmpty else { throw values.error("must list at least one status") }
        }
        if let values = keys["not_sales_ready"] { status.notSalesReady = try values.strings() }
        return status
    }

    static let columnKeys = [
        "header", "source", "xml", "derived", "constant", "values", "required", "type", "greater_than", "at_least",
        "max_length", "transforms", "allowed_characters", "key", "relationship",
    ]

    func parseColumns(_ node: ConfigNode) throws(ConfigError) -> [OutputColumn] {
        let items = try node.items()
        guard !items.isEmpty else { throw node.error("must list at least one output column") }
        var columns: [OutputColumn] = []
        var seenHeaders: Set<String> = []
        for item in items {
            let column = try parseColumn(item)
            guard seenHeaders.insert(column.header).inserted else {
                throw item.error("the header '\(column.header)' is used by two columns")
            }
            columns.append(column)
        }
        let keyColumns = columns.filter(\.isKey)
        guard keyColumns.count == 1 else {
            throw node.error("exactly one column must be marked 'key: true' (the item code, from Plytix's SKU); found \(keyColumns.count)")
        }
        return columns
    }

    func parseColumn(_ node: ConfigNode) throws(ConfigError) -> OutputColumn {
        // Every error below names the column by its header too: `columns[4] (Description).max_length`.
        var named = node
        if let header = node.node["header"]?.string, !header.isEmpty {
            named = ConfigNode(node: node.node, path: "\(node.path) (\(header))", file: node.file)
        }
        let keys = try named.mapping(allowed: Self.columnKeys)
        guard let headerNode = keys["header"] else { throw node.error("a column needs a 'header' (the exact Prima column name)") }
        let header = try headerNode.nonEmptyString()
        let value = try parseValue(keys, column: named)
        var column = OutputColumn(header: header, value: value)
        if let required = keys["required"] { column.required = try required.bool() }
        if let key = keys["key"] { column.isKey = try key.bool() }
        if let maxLength = keys["max_length"] { column.maxLength = try maxLength.positiveInt() }
        if let transforms = keys["transforms"] {
            column.transforms = try transforms.items().map { (item) throws(ConfigError) in try item.choice(TransformKind.self) }
        }
        if let allowed = keys["allowed_characters"] {
            guard let parsed = AllowedCharacters(try allowed.nonEmptyString()) else {
                throw allowed.error("expected ASCII characters and ranges such as A-Za-z0-9-_./")
            }
            column.allowedCharacters = parsed
        }
        column.type = try parseType(keys, column: named)
        if let relationship = keys["relationship"] {
            column.relationship = try relationship.choice(ColumnRelationship.self)
            guard column.source != nil else { throw relationship.error("a 'variant_of' column must read a Plytix field ('source', e.g. Variant of)") }
        }
        if column.isKey {
            guard column.source != nil else { throw named.error("the key column must read a Plytix field ('source')") }
            guard column.required else { throw named.error("the key column must be 'required: true'") }
        }
        return column
    }

    func parseValue(_ keys: [String: ConfigNode], column: ConfigNode) throws(ConfigError) -> ColumnValue {
        let givenKinds = ["source", "derived", "constant"].filter { keys[$0] != nil }
        guard givenKinds.count <= 1 || (givenKinds == ["source", "derived"]) else {
            throw column.error("give only one of 'source', 'derived' or 'constant'")
        }
        if let derived = keys["derived"] {
            switch try derived.string() {
            case "action":
                return .action
            case "item_type":
                guard let source = keys["source"] else {
                    throw derived.error("'item_type' needs 'source': the Plytix relationship field (e.g. Bundle Contents)")
                }
                var kit = "KIT"
                var style = "STYLE"
                var stock = "STOCK"
                if let values = keys["values"] {
                    let valueKeys = try values.mapping(allowed: ["kit", "style", "stock"])
                    if let value = valueKeys["kit"] { kit = try value.nonEmptyString() }
                    if let value = valueKeys["style"] { style = try value.nonEmptyString() }
                    if let value = valueKeys["stock"] { stock = try value.nonEmptyString() }
                }
                let field = FieldSource(csv: try source.nonEmptyString(), xml: try keys["xml"]?.nonEmptyString())
                return .itemType(relationship: field, kit: kit, style: style, stock: stock)
            case let other:
                throw derived.error("unknown derived value '\(other)'; known: action, item_type")
            }
        }
        if let constant = keys["constant"] { return .constant(try constant.string()) }
        if let source = keys["source"] {
            return .field(FieldSource(csv: try source.nonEmptyString(), xml: try keys["xml"]?.nonEmptyString()))
        }
        throw column.error("the column names no source: give 'source' (a Plytix field), 'derived' or 'constant'")
    }

    func parseType(_ keys: [String: ConfigNode], column: ConfigNode) throws(ConfigError) -> ValueType {
        let typeName = try keys["type"]?.string() ?? "text"
        let bounds = (keys["greater_than"], keys["at_least"])
        if typeName != "decimal", let bound = bounds.0 ?? bounds.1 {
            throw bound.error("bounds apply to 'type: decimal' only")
        }
        switch typeName {
        case "text": return .text
        case "gtin": return .gtin
        case "hs_code": return .hsCode
        case "country": return .country
        case "url": return .url
        case "decimal":
            if bounds.0 != nil && bounds.1 != nil { throw column.error("give 'greater_than' or 'at_least', not both") }
            guard let bound = bounds.0 ?? bounds.1 else { return .decimal(minimum: nil, exclusive: false) }
            let text = try bound.string()
            guard let value = DecimalText.normalize(text, separator: .point) else {
                throw bound.error("expected a number, found '\(text)'")
            }
            return .decimal(minimum: value, exclusive: bounds.0 != nil)
        default:
            throw (keys["type"] ?? column).error("unknown type '\(typeName)'; known: text, decimal, gtin, hs_code, country, url")
        }
    }

    func parseOutput(_ node: ConfigNode) throws(ConfigError) -> OutputSettings {
        let keys = try node.mapping(allowed: ["delimiter", "line_ending", "encoding", "byte_order_mark", "rows_per_chunk", "max_chunk_bytes"])
        var output = OutputSettings()
        if let delimiter = keys["delimiter"] {
            output.delimiter = try delimiter.separatorByte()
            if output.delimiter == UInt8(ascii: "\"") { throw delimiter.error("the quote character cannot separate columns") }
        }
        if let value = keys["line_ending"] { output.lineEnding = try value.choice(LineEnding.self) }
        if let value = keys["encoding"] { output.encoding = try value.choice(TextEncoding.self) }
        if let value = keys["byte_order_mark"] { output.byteOrderMark = try value.bool() }
        if let value = keys["rows_per_chunk"] { output.rowsPerChunk = try value.positiveInt() }
        if let value = keys["max_chunk_bytes"] {
            output.maxChunkBytes = try value.positiveInt()
            guard output.maxChunkBytes >= 4096 else { throw value.error("must be at least 4096 bytes") }
        }
        if output.byteOrderMark && output.encoding == .windows1252 {
            throw (keys["byte_order_mark"] ?? node).error("a byte-order mark exists only for utf-8 output")
        }
        return output
    }
}
