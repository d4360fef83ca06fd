// The rules on kits and bundles (`Bundle Contents`): one type per rule code of `rejects.csv`.

extension RuleCode {
    public static let unknownComponent = RuleCode("unknown_component")
    public static let componentRejected = RuleCode("component_rejected")
    public static let bomCycle = RuleCode("bom_cycle")
    public static let bomTooDeep = RuleCode("bom_too_deep")
    public static let invalidQuantity = RuleCode("invalid_quantity")
    public static let duplicateComponent = RuleCode("duplicate_component")
    public static let invalidComponent = RuleCode("invalid_component")
}

/// `unknown_component`: every component must be accepted in this run or published earlier.
public enum UnknownComponentRule {
    public static let code = RuleCode.unknownComponent

    public static func reason(kit: String, missing: [(sku: String, why: String)]) -> String {
        let list = missing.map { "\(quoted($0.sku)) (\($0.why))" }.joined(separator: ", ")
        let noun = missing.count == 1 ? "component does" : "\(missing.count) components do"
        return "Kit \(quoted(kit)) cannot go to Prima: its \(noun) not exist there: \(list). A kit whose components are missing cannot be picked or depleted."
    }
}

/// `component_rejected`: a component rejected in this run holds its kit back too.
public enum ComponentRejectedRule {
    public static let code = RuleCode.componentRejected

    public static func reason(kit: String, rejected: [String]) -> String {
        let list = rejected.map { quoted($0) }.joined(separator: ", ")
        let noun = rejected.count == 1 ? "component \(list) is" : "components \(list) are"
        return "Kit \(quoted(kit)) is held back because its \(noun) rejected in this run (see their own lines in this file)."
    }
}

/// `bom_cycle`: a kit that contains itself, directly or through nested kits.
public enum BOMCycleRule {
    public static let code = RuleCode.bomCycle

    public static func selfReason(kit: String) -> String {
        "Kit \(quoted(kit)) lists itself as one of its own components."
    }

    public static func nestedReason(kit: String, through component: String) -> String {
        "Kit \(quoted(kit)) contains itself through nested kits (its component \(quoted(component)) leads back to it): a bill of materials cannot loop."
    }
}

/// `bom_too_deep`: kits nested inside kits deeper than the pipeline allows.
public enum BOMTooDeepRule {
    public static let code = RuleCode.bomTooDeep

    public static func reason(kit: String, levels: Int, limit: Int) -> String {
        "Kit \(quoted(kit)) nests kits \(levels) levels deep; the pipeline allows at most \(limit) (relationships.max_kit_levels)."
    }
}

/// `invalid_quantity`: a component quantity must be a number above zero.
public enum InvalidQuantityRule {
    public static let code = RuleCode.invalidQuantity

    public static func reason(kit: String, tokens: [String]) -> String {
        let list = tokens.map { quoted($0) }.joined(separator: ", ")
        return "Kit \(quoted(kit)) has a component quantity that is not a number above zero: \(list). Write SKU#quantity, e.g. PILLOW-1#2 (no quantity means 1)."
    }
}

/// `duplicate_component`: the same component listed twice (its quantities would be ambiguous).
public enum DuplicateComponentRule {
    public static let code = RuleCode.duplicateComponent

    public static func reason(kit: String, components: [String]) -> String {
        let list = components.map { quoted($0) }.joined(separator: ", ")
        return "Kit \(quoted(kit)) lists the same component more than once: \(list). List each component once with its total quantity."
    }
}

/// `invalid_component`: a token without a SKU, or contents that list nothing.
public enum InvalidComponentRule {
    public static let code = RuleCode.invalidComponent

    public static func reason(kit: String, tokens: [String]) -> String {
        let list = tokens.map { quoted($0) }.joined(separator: ", ")
        return "Kit \(quoted(kit)) has a component without a SKU: \(list). Write SKU#quantity, e.g. PILLOW-1#2."
    }

    public static func emptyReason(kit: String) -> String {
        "Kit \(quoted(kit)) has Bundle Contents that name no component."
    }
}
