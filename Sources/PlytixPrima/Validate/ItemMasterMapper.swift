/// A row as Prima will receive it: the output columns' values, in order.
public struct ItemMasterRecord: Sendable, Equatable {
    public var line: Int
    public var sku: String
    public var values: [String]
    /// The parent SKU of a variant (the `variant_of` column), empty for other products.
    public var parent: String
    /// A kit's components in export order; empty for other products.
    public var components: [KitComponent]

    public init(line: Int, sku: String, values: [String], parent: String = "", components: [KitComponent] = []) {
        self.line = line
        self.sku = sku
        self.values = values
        self.parent = parent
        self.components = components
    }
}

/// What the per-row stage decided for one product.
public enum RowDisposition: Sendable, Equatable {
    case accepted(ItemMasterRecord)
    case rejected([RejectReason])
    /// Not sales-ready (e.g. `Draft`): counted, not sent, not an error.
    case skipped(status: String)
}

/// The per-row stage: status gate, transforms and every column's rules. Pure and reusable
/// across rows; it never sees other rows (duplicates and relationships are later stages).
public struct ItemMasterMapper: Sendable {
    public let config: PipelineConfig
    public let layout: InputLayout
    private let plans: [ColumnPlan]
    private let fieldNames: [String]
    private let salesReady: Set<String>
    /// The sales-ready statuses as the pipeline spells them: nearly every row's status is one of
    /// them exactly, found without lower-casing and hashing it.
    private let salesReadyAsWritten: [String]
    private let variantOfColumn: Int?
    private let kitColumn: Int?
    private let kitContents: KitContentsParser

    public init(config: PipelineConfig, format: InputFormat) {
        self.config = config
        let layout = InputLayout(config: config)
        self.layout = layout
        let names = format == .xml ? layout.xmlNames : layout.csvNames
        self.fieldNames = names
        // CSV bytes are read in the pipeline's input encoding; an XML file declares its own (UTF-8 from Plytix).
        let inputEncoding = format == .xml ? TextEncoding.utf8 : config.input.encoding
        self.plans = config.columns.enumerated().map { index, column in
            ColumnPlan(
                column: column, fieldIndex: layout.columnFields[index], input: config.input, inputEncoding: inputEncoding,
                output: config.output)
        }
        self.salesReady = Set(config.status.salesReady.map { $0.lowercased() })
        self.salesReadyAsWritten = config.status.salesReady
        self.variantOfColumn = config.variantOfColumnIndex
        self.kitColumn = config.itemTypeColumnIndex
        self.kitContents = KitContentsParser(input: config.input)
    }

    /// The parent a row names (`Variant of`), whatever its status: a product that any row names
    /// as its parent is a style in Prima.
    public func namedParent(of row: SourceRow) -> String {
        guard let column = variantOfColumn, let field = layout.columnFields[column] else { return "" }
        return TextCleaning.trim(row.values[field] ?? "")
    }

    /// The export's modification time of the row's product, when the pipeline reads one.
    public func modified(of row: SourceRow) -> Int64? {
        guard let field = layout.lastModifiedField, let value = row.values[field] else { return nil }
        return ExportTimestamp.seconds(TextCleaning.trim(value))
    }

    /// The SKU of a row as the reject file shows it.
    public func sku(of row: SourceRow) -> String {
        TextCleaning.trim(row.values[layout.keyField] ?? "")
    }

    public func map(_ row: SourceRow) -> RowDisposition {
        map(row, sku: sku(of: row))
    }

    /// `map(_:)` for a row whose `sku(of:)` the caller has already taken.
    func map(_ row: SourceRow, sku: String) -> RowDisposition {
        let statusValue = TextCleaning.trim(row.values[layout.statusField] ?? "")
        // Only sales-ready rows go to Prima; every other row is skipped (counted, not rejected).
        // report.json lists skipped rows by status, so an unexpected status is still seen.
        guard salesReadyAsWritten.contains(statusValue) || salesReady.contains(statusValue.lowercased()) else {
            return .skipped(status: statusValue)
        }
        var values: [String] = []
        values.reserveCapacity(plans.count)
        var reasons: [RejectReason] = []
        for plan in plans {
            switch plan.value(for: row, fieldNames: fieldNames) {
            case .success(let value):
                values.append(value)
            case .failure(let failure):
                reasons.append(RejectReason(
                    line: row.line, sku: sku, field: failure.field, value: failure.value,
                    rule: failure.rule, reason: failure.reason, primaColumn: plan.header))
                values.append("")
            }
        }
        let parent = variantOfColumn.map { values[$0] } ?? ""
        if !parent.isEmpty && parent == sku {
            reasons.append(relationshipReason(row: row, sku: sku, column: variantOfColumn!, rule: VariantCycleRule.code, reason: VariantCycleRule.selfReason(variant: sku)))
        }
        var components: [KitComponent] = []
        if let column = kitColumn, let parsed = parsedKitContents(of: row, sku: sku) {
            components = parsed.components
            for problem in parsed.problems {
                reasons.append(relationshipReason(row: row, sku: sku, column: column, rule: problem.rule, reason: problem.reason))
            }
        }
        guard reasons.isEmpty else { return .rejected(reasons) }
        return .accepted(ItemMasterRecord(line: row.line, sku: sku, values: values, parent: parent, components: components))
    }

    /// The parent and kit components `map` finds for a row it accepts, without the other
    /// columns' transforms and rules: for a row identical to one already accepted and published.
    public func relationships(of row: SourceRow, sku: String) -> (parent: String, components: [KitComponent]) {
        var parent = ""
        if let column = variantOfColumn, case .success(let value) = plans[column].value(for: row, fieldNames: fieldNames) {
            parent = value
        }
        return (parent, parsedKitContents(of: row, sku: sku)?.components ?? [])
    }

    private func parsedKitContents(of row: SourceRow, sku: String) -> (components: [KitComponent], problems: [KitContentsProblem])? {
        guard let column = kitColumn, let field = layout.columnFields[column] else { return nil }
        let contents = TextCleaning.trim(row.values[field] ?? "")
        return contents.isEmpty ? nil : kitContents.parse(contents, kit: sku)
    }

    private func relationshipReason(row: SourceRow, sku: String, column: Int, rule: RuleCode, reason: String) -> RejectReason {
        let field = layout.columnFields[column]!
        return RejectReason(
            line: row.line, sku: sku, field: fieldNames[field], value: row.values[field] ?? "", rule: rule, reason: reason,
            primaColumn: config.columns[column].header)
    }
}

/// Why one column's value failed.
struct ColumnFailure: Error {
    var field: String
    var value: String
    var rule: RuleCode
    var reason: String
}

/// How one output column is filled and checked, prepared once per pipeline.
/// A class: the per-row loop walks the plans, and copying a struct full of arrays and strings
/// for every column of every row cost more retain/release than the rules themselves.
final class ColumnPlan: Sendable {
    let column: OutputColumn
    let fieldIndex: Int?
    /// `column.value` without the names of its source field: switching over the column's own
    /// value copied (retained) those names for every column of every row.
    private let source: Source
    /// `column.header` and `column.required`, read for every value.
    let header: String
    private let required: Bool
    let rules: [any FieldRule]
    let pathSeparator: String
    let levelSeparator: String
    /// The encoding the row's bytes were decoded from, named when they were not valid text.
    let inputEncoding: TextEncoding
    /// `column.transforms`, read for every value.
    private let transforms: [TransformKind]

    private enum Source {
        case action
        case constant(String)
        case itemType(kit: String, stock: String)
        case field
    }

    init(column: OutputColumn, fieldIndex: Int?, input: InputSettings, inputEncoding: TextEncoding, output: OutputSettings) {
        self.column = column
        self.fieldIndex = fieldIndex
        switch column.value {
        case .action: source = .action
        case .constant(let value): source = .constant(value)
        case .itemType(_, let kit, _, let stock): source = .itemType(kit: kit, stock: stock)
        case .field: source = .field
        }
        header = column.header
        required = column.required
        transforms = column.transforms
        self.inputEncoding = inputEncoding
        self.pathSeparator = input.multiValueSeparator
        self.levelSeparator = input.categoryLevelSeparator
        var rules: [any FieldRule] = []
        switch column.type {
        case .text: break
        case .decimal(let minimum, let exclusive):
            rules.append(NumberRule(separator: input.decimalSeparator, minimum: minimum, exclusive: exclusive))
        case .gtin: rules.append(GTINRule())
        case .hsCode: rules.append(HSCodeRule())
        case .country: rules.append(CountryRule())
        case .url: rules.append(URLRule())
        }
        if let limit = column.maxLength { rules.append(MaxLengthRule(limit: limit)) }
        if let allowed = column.allowedCharacters { rules.append(PatternRule(allowed: allowed)) }
        if output.encoding != .utf8 { rules.append(OutputEncodingRule(encoding: output.encoding)) }
        self.rules = rules
    }

    func value(for row: SourceRow, fieldNames: [String]) -> Result<String, ColumnFailure> {
        switch source {
        case .action:
            return .success("A")
        case .constant(let value):
            return .success(value)
        case .itemType(let kit, let stock):
            // A parent of variants becomes a style in the relationship stage, which sees every row.
            let relationship = fieldIndex.flatMap { row.values[$0] }.map(TextCleaning.trim) ?? ""
            return .success(relationship.isEmpty ? stock : kit)
        case .field:
            return fieldValue(for: row, fieldNames: fieldNames)
        }
    }

    /// The field's name and raw value are looked up again only for a failure: holding them for
    /// every value of every row cost retains and releases, as did each step that handed the
    /// value on (hence the `consuming` steps).
    private func fieldValue(for row: SourceRow, fieldNames: [String]) -> Result<String, ColumnFailure> {
        let index = fieldIndex!
        if !row.encodingIssues.isEmpty, let issue = row.encodingIssues.first(where: { $0.fieldIndex == index }) {
            let field = fieldNames[index]
            return .failure(ColumnFailure(
                field: field, value: row.values[index] ?? "", rule: EncodingRule.code,
                reason: issue.containsNUL ? EncodingRule.nulReason(field: field) : EncodingRule.invalidInputReason(field: field, encoding: inputEncoding)))
        }
        var value = transformed(TextCleaning.trim(row.values[index] ?? ""))
        if value.isEmpty {
            guard required else { return .success("") }
            let field = fieldNames[index]
            let raw = row.values[index]
            let reason = raw == nil
                ? RequiredRule.missingFieldReason(column: header, field: field)
                : RequiredRule.reason(column: header, field: field)
            return .failure(ColumnFailure(field: field, value: raw ?? "", rule: RequiredRule.code, reason: reason))
        }
        // The loop copies each rule out of the array: rules compute their codes rather than
        // store them, as a stored code (a string) was retained and released with every copy.
        for rule in rules {
            if let reason = rule.apply(to: &value, column: header) {
                return .failure(ColumnFailure(field: fieldNames[index], value: row.values[index] ?? value, rule: rule.code, reason: reason))
            }
        }
        return .success(value)
    }

    private func transformed(_ value: consuming String) -> String {
        // Most columns have no transforms: their value was trimmed already.
        guard !value.isEmpty, !transforms.isEmpty else { return value }
        var index = 0
        while index < transforms.count {
            let transform = transforms[index]
            index += 1
            switch transform {
            case .collapseWhitespace: value = TextCleaning.collapseWhitespace(value)
            case .stripHTML where index < transforms.count && transforms[index] == .collapseWhitespace:
                value = HTMLText.stripCollapsingWhitespace(value)
                index += 1
            case .stripHTML: value = HTMLText.strip(value)
            case .firstCategoryPath:
                value = TextCleaning.firstCategoryPath(value, pathSeparator: pathSeparator, levelSeparator: levelSeparator)
            case .upperCase: value = value.uppercased()
            case .lowerCase: value = value.lowercased()
            }
        }
        return TextCleaning.trim(value)
    }
}
