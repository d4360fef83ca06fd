// The rules on variants (`Variant of`): one type per rule code of `rejects.csv`.

extension RuleCode {
    public static let unknownParent = RuleCode("unknown_parent")
    public static let parentRejected = RuleCode("parent_rejected")
    public static let variantCycle = RuleCode("variant_cycle")
    public static let variantTooDeep = RuleCode("variant_too_deep")
}

/// `unknown_parent`: a variant's parent must be accepted in this run or published earlier.
public enum UnknownParentRule {
    public static let code = RuleCode.unknownParent

    public static func reason(variant: String, parent: String, why: String) -> String {
        "Variant \(quoted(variant)) names the parent \(quoted(parent)), which does not exist in Prima (\(why)). A variant cannot go in before its parent."
    }
}

/// `parent_rejected`: a parent rejected in this run holds its variants back too.
public enum ParentRejectedRule {
    public static let code = RuleCode.parentRejected

    public static func reason(variant: String, parent: String) -> String {
        "Variant \(quoted(variant)) is held back because its parent \(quoted(parent)) is rejected in this run (see the parent's own lines in this file)."
    }
}

/// `variant_cycle`: `Variant of` references that loop (A → B → A) or point at the product itself.
public enum VariantCycleRule {
    public static let code = RuleCode.variantCycle

    public static func selfReason(variant: String) -> String {
        "Product \(quoted(variant)) names itself as its parent (Variant of)."
    }

    public static func loopReason(variant: String, parent: String) -> String {
        "Product \(quoted(variant)) is part of a loop: following its parent \(quoted(parent)) through Variant of and Bundle Contents leads back to it, so no product in the loop can go to Prima first."
    }
}

/// `variant_too_deep`: Plytix and Prima take parent → variant → sub-variant, no deeper.
public enum VariantTooDeepRule {
    public static let code = RuleCode.variantTooDeep

    public static func reason(variant: String, parent: String, levels: Int, limit: Int) -> String {
        "Variant \(quoted(variant)) (parent \(quoted(parent))) would be level \(levels) of its family; at most \(limit) levels are allowed (relationships.max_variant_levels; 3 is parent → variant → sub-variant)."
    }

    /// Moving a product that Prima already has variants below would push them too deep.
    public static func belowReason(variant: String, parent: String, levels: Int, limit: Int) -> String {
        "Product \(quoted(variant)) cannot move below \(quoted(parent)): with the variants Prima already has below it, its family would have \(levels) levels; at most \(limit) are allowed (relationships.max_variant_levels)."
    }
}
