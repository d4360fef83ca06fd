/// One check a value must pass to go into Prima. Its `code` is the `rule` column of `rejects.csv`.
///
/// Rules are built from the pipeline's column settings, run after the column's transforms on
/// non-empty values, and may normalise the value (a decimal comma becomes a point, a country is
/// upper-cased). A failure is a sentence naming the Prima column and what Prima expects.
public protocol FieldRule: Sendable {
    var code: RuleCode { get }
    /// Checks `value`, possibly normalising it; returns why it fails, or `nil` when it passes.
    func apply(to value: inout String, column: String) -> String?
}

/// Quotes a value for a reason sentence, shortened so the sentence stays readable.
func quoted(_ value: String, limit: Int = 40) -> String {
    value.count <= limit ? "'\(value)'" : "'\(value.prefix(limit))…'"
}

/// Names a character so a person can find it: spaces and invisible characters by name.
func describe(_ character: Character) -> String {
    switch character {
    case " ": return "a space"
    case "\t": return "a tab"
    case "\u{00A0}": return "a non-breaking space"
    case "\n", "\r", "\r\n": return "a line break"
    default:
        if let scalar = character.unicodeScalars.first, scalar.properties.generalCategory == .control || scalar.properties.generalCategory == .format {
            return "the invisible character U+\(String(scalar.value, radix: 16, uppercase: true))"
        }
        return "'\(character)'"
    }
}
