/// `gtin`: a barcode of 8, 12, 13 or 14 digits whose last digit is the GS1 mod-10 check digit.
/// Kept as text: leading zeros matter.
public struct GTINRule: FieldRule {
    public var code: RuleCode { .gtin }
    /// Searched, not hashed: four lengths.
    static let lengths = [8, 12, 13, 14]

    public func apply(to value: inout String, column: String) -> String? {
        // Most barcodes are all digits: they are checked where the string lies (an array per
        // row showed in the profile).
        if let digits = value.withUTF8({ bytes in bytes.allSatisfy(\.isASCIIDigit) ? Self.check(digits: bytes) : nil }) {
            switch digits {
            case .valid:
                return nil
            case .wrongLength(let count):
                return "\(column) must have 8, 12, 13 or 14 digits; the export has \(count) (\(value))."
            case .wrongCheckDigit(let expected):
                return "\(column) \(value) has a wrong check digit: for these digits the last one must be \(expected). A digit is probably mistyped."
            }
        }
        let bytes = Array(value.utf8)
        if bytes.contains(where: { $0 == UInt8(ascii: "E") || $0 == UInt8(ascii: "e") }),
            bytes.contains(where: { $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "+") })
        {
            return "\(column) \(quoted(value)) is in scientific notation: a spreadsheet rounded the barcode. Export the full digits from Plytix."
        }
        return "\(column) must hold digits only; the export has \(quoted(value))."
    }

    private enum DigitsCheck {
        case valid
        case wrongLength(Int)
        case wrongCheckDigit(expected: UInt8)
    }

    private static func check(digits: UnsafeBufferPointer<UInt8>) -> DigitsCheck {
        guard lengths.contains(digits.count) else { return .wrongLength(digits.count) }
        let expected = checkDigit(for: digits.dropLast())
        return digits.last! - 0x30 == expected ? .valid : .wrongCheckDigit(expected: expected)
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
