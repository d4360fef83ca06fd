/// `required`: Prima needs this column for every item (customs, shipping, identification).
public enum RequiredRule {
    public static let code = RuleCode.required

    public static func reason(column: String, field: String?) -> String {
        guard let field else { return "\(column) is required, but it is empty." }
        return "\(column) is required, but the export's \(field) is empty."
    }

    public static func missingFieldReason(column: String, field: String) -> String {
        "\(column) is required, but the export has no \(field) for this product."
    }
}
