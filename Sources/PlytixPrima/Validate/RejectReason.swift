/// Why one row of an export does not go into Prima: one line of `rejects.csv`.
public struct RejectReason: Sendable, Equatable {
    /// 1-based line of the row in the (decompressed) input.
    public var line: Int
    /// The row's SKU as exported (may be empty when the SKU itself is the problem).
    public var sku: String
    /// The Plytix field (CSV header or XML element) holding the problem; empty for whole-row problems.
    public var field: String
    /// The offending value as exported.
    public var value: String
    public var rule: RuleCode
    /// A sentence a finance clerk understands.
    public var reason: String
    /// The Prima column the value was meant for, when there is one.
    public var primaColumn: String

    public init(line: Int, sku: String, field: String, value: String, rule: RuleCode, reason: String, primaColumn: String = "") {
        self.line = line
        self.sku = sku
        self.field = field
        self.value = value
        self.rule = rule
        self.reason = reason
        self.primaColumn = primaColumn
    }
}
