import Foundation

/// One line of a kit's bill of materials: a component SKU and how many go into one kit.
public struct KitComponent: Sendable, Equatable {
    public var sku: String
    /// A positive decimal in canonical form (`2`, `0.5`).
    public var quantity: String

    public init(sku: String, quantity: String) {
        self.sku = sku
        self.quantity = quantity
    }
}

/// A problem with one kit's `Bundle Contents`, found without looking at other rows.
public struct KitContentsProblem: Sendable, Equatable {
    public var rule: RuleCode
    public var reason: String
}

/// Reads Plytix's relationship cell: `SKU#quantity` tokens joined by `,`
/// (`PILLOW-1#2,SHEETSET-4#1`); a token without `#quantity` means one.
public struct KitContentsParser: Sendable {
    public let separator: String
    public let quantitySeparator: String
    public let decimalSeparator: DecimalSeparator

    public init(input: InputSettings) {
        separator = input.relationshipSeparator
        quantitySeparator = input.relationshipQuantitySeparator
        // The component separator cannot also be a decimal comma: `A#1,5` reads as two tokens.
        decimalSeparator = input.relationshipSeparator == "," && input.decimalSeparator == .auto ? .point : input.decimalSeparator
    }

    /// The components in export order, and every problem found (each rule once); a kit with
    /// any problem is rejected.
    public func parse(_ text: String, kit: String) -> (components: [KitComponent], problems: [KitContentsProblem]) {
        var components: [KitComponent] = []
        var badQuantities: [String] = []
        var emptySKUs: [String] = []
        var seen: Set<String> = []
        var duplicates: [String] = []
        for piece in text.components(separatedBy: separator) {
            let token = TextCleaning.trim(piece)
            if token.isEmpty { continue }
            let parts = token.components(separatedBy: quantitySeparator)
            let sku = TextCleaning.trim(parts[0])
            guard !sku.isEmpty else {
                emptySKUs.append(token)
                continue
            }
            var quantity = "1"
            if parts.count > 1 {
                let written = parts.dropFirst().joined(separator: quantitySeparator)
                guard parts.count == 2, let value = Self.positiveQuantity(TextCleaning.trim(written), separator: decimalSeparator) else {
                    badQuantities.append(token)
                    continue
                }
                quantity = value
            }
            if !seen.insert(sku).inserted {
                if !duplicates.contains(sku) { duplicates.append(sku) }
                continue
            }
            components.append(KitComponent(sku: sku, quantity: quantity))
        }
        var problems: [KitContentsProblem] = []
        if !emptySKUs.isEmpty {
            problems.append(KitContentsProblem(rule: InvalidComponentRule.code, reason: InvalidComponentRule.reason(kit: kit, tokens: emptySKUs)))
        } else if components.isEmpty && badQuantities.isEmpty && duplicates.isEmpty {
            problems.append(KitContentsProblem(rule: InvalidComponentRule.code, reason: InvalidComponentRule.emptyReason(kit: kit)))
        }
        if !badQuantities.isEmpty {
            problems.append(KitContentsProblem(rule: InvalidQuantityRule.code, reason: InvalidQuantityRule.reason(kit: kit, tokens: badQuantities)))
        }
        if !duplicates.isEmpty {
            problems.append(KitContentsProblem(rule: DuplicateComponentRule.code, reason: DuplicateComponentRule.reason(kit: kit, components: duplicates)))
        }
        if seen.contains(kit) {
            problems.append(KitContentsProblem(rule: BOMCycleRule.code, reason: BOMCycleRule.selfReason(kit: kit)))
        }
        return (components, problems)
    }

    /// A quantity above zero in canonical form, or `nil`.
    static func positiveQuantity(_ text: String, separator: DecimalSeparator) -> String? {
        guard let value = DecimalText.normalize(text, separator: separator), !value.hasPrefix("-"), value != "0" else { return nil }
        return value
    }
}

extension [KitComponent] {
    /// `A#2,B#1`: the form the state store keeps, to tell whether a kit's contents changed.
    var canonicalText: String { map { "\($0.sku)#\($0.quantity)" }.joined(separator: ",") }
}
