/// `pattern`: codes such as Prima's item code may hold only certain characters.
public struct PatternRule: FieldRule {
    public var code: RuleCode { .pattern }
    public let allowed: AllowedCharacters

    public func apply(to value: inout String, column: String) -> String? {
        guard let bad = allowed.firstDisallowed(in: value) else { return nil }
        return "\(column) \(quoted(value)) contains \(describe(bad)); Prima allows only these characters: \(allowed.specification)."
    }
}
