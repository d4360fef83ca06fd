/// `max_length`: Prima's column cannot hold more characters; never truncated silently.
public struct MaxLengthRule: FieldRule {
    public var code: RuleCode { .maxLength }
    public let limit: Int

    public func apply(to value: inout String, column: String) -> String? {
        // Byte count bounds character count from above: most values pass without counting.
        if value.utf8.count <= limit { return nil }
        let length = value.count
        guard length > limit else { return nil }
        return "\(column) is \(length) characters; Prima allows \(limit)."
    }
}
