/// The relationship stage as pass 2 applies it to each accepted row: refuse what the plan holds
/// back (with a reason per rule), turn parents into styles, place the row in import order and
/// send each new or changed kit's bill of materials.
final class RelationshipStage {
    private let config: PipelineConfig
    private let plan: RelationshipPlan
    /// The Plytix fields and Prima columns the reasons name.
    private let variantField: String
    private let contentsField: String
    private let variantColumn: String
    private let itemTypeColumn: String
    /// The item-type cell as a stock item and as a style, as the encoder writes them.
    private let stockCell: [UInt8]
    private let styleCell: [UInt8]
    private let styleValue: String
    private var counts = RelationshipReport()

    init(
        config: PipelineConfig, format: InputFormat, layout: InputLayout, plan: RelationshipPlan, encoder: CSVLineEncoder
    ) {
        self.config = config
        self.plan = plan
        func fieldName(_ column: Int?) -> String {
            guard let column, let field = layout.columnFields[column] else { return "" }
            return format == .xml ? layout.fields[field].xml : layout.fields[field].csv
        }
        variantField = fieldName(config.variantOfColumnIndex)
        contentsField = fieldName(config.itemTypeColumnIndex)
        variantColumn = config.variantOfColumnIndex.map { config.columns[$0].header } ?? ""
        itemTypeColumn = config.itemTypeColumnIndex.map { config.columns[$0].header } ?? ""
        if let column = config.itemTypeColumnIndex, case .itemType(_, _, let style, let stock) = config.columns[column].value {
            stockCell = encoder.cell(stock)
            styleCell = encoder.cell(style)
            styleValue = style
        } else {
            stockCell = []
            styleCell = []
            styleValue = ""
        }
    }

    /// Why the row cannot go to Prima because of what it references; empty when it can.
    func refusals(of row: AcceptedRow) -> [RejectReason] {
        guard !row.parent.isEmpty || !row.components.isEmpty, let verdict = plan.verdict(of: row.key), !verdict.failures.isEmpty else {
            return []
        }
        let failures = verdict.failures
        var reasons: [RejectReason] = []
        func variantReason(_ rule: RuleCode, _ text: String) {
            reasons.append(RejectReason(
                line: row.line, sku: row.sku, field: variantField, value: row.parent, rule: rule, reason: text, primaColumn: variantColumn))
        }
        func kitReason(_ rule: RuleCode, _ text: String) {
            reasons.append(RejectReason(
                line: row.line, sku: row.sku, field: contentsField, value: row.components.canonicalText, rule: rule, reason: text,
                primaColumn: itemTypeColumn))
        }
        if failures.contains(.variantCycle) {
            variantReason(VariantCycleRule.code, VariantCycleRule.loopReason(variant: row.sku, parent: row.parent))
        }
        if failures.contains(.unknownParent) {
            let why: String
            if case .unknown(let text) = plan.standing(of: row.parent) { why = text } else { why = "it is not available" }
            variantReason(UnknownParentRule.code, UnknownParentRule.reason(variant: row.sku, parent: row.parent, why: why))
        }
        if failures.contains(.parentRejected) {
            variantReason(ParentRejectedRule.code, ParentRejectedRule.reason(variant: row.sku, parent: row.parent))
        }
        if failures.contains(.variantTooDeep) {
            let limit = config.relationships.maxVariantLevels
            if verdict.levelsBelow > 0 {
                variantReason(VariantTooDeepRule.code, VariantTooDeepRule.belowReason(
                    variant: row.sku, parent: row.parent, levels: Int(verdict.variantLevel) + Int(verdict.levelsBelow) + 1, limit: limit))
            } else {
                variantReason(VariantTooDeepRule.code, VariantTooDeepRule.reason(
                    variant: row.sku, parent: row.parent, levels: Int(verdict.variantLevel) + 1, limit: limit))
            }
        }
        if failures.contains(.bomCycle) {
            let loop: RelationshipFailures = [.bomCycle, .variantCycle]
            let through = row.components.first { plan.verdict(of: $0.sku)?.failures.isDisjoint(with: loop) == false }?.sku ?? row.sku
            kitReason(BOMCycleRule.code, BOMCycleRule.nestedReason(kit: row.sku, through: through))
        }
        if failures.contains(.unknownComponent) {
            let missing = row.components.compactMap { component -> (sku: String, why: String)? in
                if case .unknown(let why) = plan.standing(of: component.sku) { return (component.sku, why) }
                return nil
            }
            kitReason(UnknownComponentRule.code, UnknownComponentRule.reason(kit: row.sku, missing: missing))
        }
        if failures.contains(.componentRejected) {
            let rejected = row.components.map(\.sku).filter { plan.standing(of: $0) == .rejectedHere }
            kitReason(ComponentRejectedRule.code, ComponentRejectedRule.reason(kit: row.sku, rejected: rejected))
        }
        if failures.contains(.bomTooDeep) {
            kitReason(BOMTooDeepRule.code, BOMTooDeepRule.reason(
                kit: row.sku, levels: Int(verdict.kitLevels), limit: config.relationships.maxKitLevels))
        }
        if failures.contains(.chainTooLong) {
            let text = BOMTooDeepRule.chainReason(sku: row.sku, links: Int(verdict.placement.level), limit: Int(RelationshipPlan.maxPlacementLevel))
            if row.components.isEmpty { variantReason(VariantTooDeepRule.code, text) } else { kitReason(BOMTooDeepRule.code, text) }
        }
        return reasons
    }

    /// Applies the stage to a row that goes on: a parent of variants becomes a style (a kit
    /// stays a kit), and the row is counted.
    /// `becomesStyle`: `becomesStyle(_:isParent:)`, which pass 2 asks once per row.
    func prepare(_ row: inout AcceptedRow, becomesStyle: Bool) {
        if !row.parent.isEmpty { counts.variants += 1 }
        if !row.components.isEmpty { counts.kits += 1 }
        if row.publishedAsStyle != nil {
            // Not mapped: nothing to patch; pass 2 made sure its item type stays what Prima has.
            if becomesStyle { counts.styles += 1 }
            return
        }
        guard becomesStyle, let offset = row.itemTypeOffset else { return }
        let end = offset + stockCell.count
        guard end <= row.encoded.count, row.encoded[offset..<end].elementsEqual(stockCell) else { return }
        row.encoded.replaceSubrange(offset..<end, with: styleCell)
        if let action = row.actionOffset, action > offset { row.actionOffset = action + styleCell.count - stockCell.count }
        row.hash = RecordHash(line: row.encoded)
        if let column = config.itemTypeColumnIndex { row.columns = row.columns.replacing(column: column, with: styleValue) }
        counts.styles += 1
    }

    /// Whether the row goes to Prima as a style: a stock item that other products name as
    /// their parent (a kit stays a kit). `isParent`: `isParent(_:known:)`, which pass 2's
    /// reading thread answers ahead of the row (`SpoolPrefetch.Row.isParent`).
    func becomesStyle(_ row: AcceptedRow, isParent: Bool) -> Bool {
        row.components.isEmpty && !stockCell.isEmpty && isParent
    }

    /// Whether any row of this export, or any variant Prima has, names the row's product as its
    /// parent. `known`: the row's entry in the catalogue.
    func isParent(_ row: AcceptedRow, known: KnownCatalogue.Entry?) -> Bool { plan.isParent(row.key, known: known) }

    /// `isParent`: as for `becomesStyle(_:isParent:)`.
    func placement(of row: AcceptedRow, isParent: Bool) -> ImportPlacement {
        guard !row.parent.isEmpty || !row.components.isEmpty || isParent else { return .standalone }
        return plan.placement(of: row.key, isParent: isParent)
    }

    func variantLevel(of row: AcceptedRow) -> Int {
        row.parent.isEmpty ? 0 : Int(plan.verdict(of: row.key)?.variantLevel ?? 1)
    }

    /// A kit new to Prima is added, a kit whose components changed is replaced whole, and a
    /// former kit's bill of materials is removed; an unchanged set is not sent again.
    func sendBillOfMaterials(of row: AcceptedRow, to bom: BillOfMaterialsWriter, delta: StateDeltaWriter?) throws(OutputError) {
        let published = plan.publishedContents(of: row.key)
        if row.components.isEmpty {
            guard published != nil else { return }
            try bom.write(kit: row.sku, components: [], action: .remove)
            try delta?.clearKit(sku: row.sku)
            return
        }
        let contents = row.components.canonicalText
        guard published != SKUFingerprint(contents) else { return }
        try bom.write(kit: row.sku, components: row.components, action: published == nil ? .add : .replace)
        try delta?.publishKit(sku: row.sku, components: contents)
    }

    /// A discontinued kit's published set is forgotten, so if it returns it is added whole.
    func forgetKit(_ sku: String, delta: StateDeltaWriter?) throws(OutputError) {
        guard plan.publishedContents(of: sku) != nil else { return }
        try delta?.clearKit(sku: sku)
    }

    /// An unchanged variant whose parent the state store does not know yet (a store from
    /// before variants were tracked) gets it recorded, so loops and depth through it are seen.
    func recordParentIfUnknown(of row: AcceptedRow, delta: StateDeltaWriter?) throws(OutputError) {
        guard !row.parent.isEmpty, !plan.knowsPublishedParent(of: row.key) else { return }
        try delta?.relink(sku: row.sku, parent: row.parent, variantLevel: variantLevel(of: row))
    }

    func report(bom: BillOfMaterialsWriter) -> RelationshipReport {
        var report = counts
        report.kitsAdded = bom.kitsAdded
        report.kitsReplaced = bom.kitsReplaced
        report.kitsRemoved = bom.kitsRemoved
        report.bomLines = bom.lines
        return report
    }
}

/// `report.json` → `relationships`: accepted variants, styles and kits, and what the
/// bill-of-materials files carry.
struct RelationshipReport: Encodable, Equatable {
    var variants = 0
    var styles = 0
    var kits = 0
    var kitsAdded = 0
    var kitsReplaced = 0
    var kitsRemoved = 0
    var bomLines = 0

    enum CodingKeys: String, CodingKey {
        case variants, styles, kits, kitsAdded = "kits_added", kitsReplaced = "kits_replaced", kitsRemoved = "kits_removed"
        case bomLines = "bom_lines"
    }
}
