/// `gtin`: a barcode of 8, 12, 13 or 14 digits whose last digit is the GS1 mod-10 check digit.
/// Kept as text: leading zeros matter.
public struct GTINRule: FieldRule {
    public let code = RuleCode.gtin
    static let lengths: Set<Int> = [8, 12, 13, 14]

    public func apply(to value: inout String, column: String) -> String? {
        let bytes = Array(value.utf8)
        if bytes.contains(where: { $0 == UInt8(ascii: "E") || $0 == UInt8(ascii: "e") }),
            bytes.contains(where: { $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "+") })
        {
            return "\(column) \(quoted(value)) is in scientific notation: a spreadsheet rounded the barcode. Export the full digits from Plytix."
        }
        guard bytes.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else {
            return "\(column) must hold digits only; the export has \(quoted(value))."
        }
        guard Self.lengths.contains(bytes.count) else {
            return "\(column) must have 8, 12, 13 or 14 digits; the export has \(bytes.count) (\(value))."
        }
        let expected = Self.checkDigit(for: bytes.dropLast())
        guard bytes.last! - 0x30 == expected else {
            return "\(column) \(value) has a wrong check digit: for these digits the last one must be \(expected). A digit is probably mistyped."
        }
        return nil
    }

    /// Weights 3, 1, 3, 1… from the right of the data digits; the check digit brings the sum to a multiple of 10.
    public static func checkDigit(for digits: some BidirectionalCollection<UInt8>) -> UInt8 {
        var sum = 0
        for (position, digit) in digits.reversed().enumerated() {
            sum += Int(digit - 0x30) * (position % 2 == 0 ? 3 : 1)
        }
        return UInt8((10 - sum % 10) % 10)
    }
}
