/// A money amount as a scaled integer (`19.99` is 1999 at scale 2): parsed from text, rounded
/// and compared without binary floating point.
public struct DecimalAmount: Sendable, Equatable, CustomStringConvertible {
    /// The value times 10^scale.
    public var units: Int64
    /// Digits after the decimal point.
    public var scale: Int

    /// The most digits an amount may have in all: beyond this an Int64 could overflow.
    static let maxDigits = 17
    static let maxScale = 8

    public init(units: Int64, scale: Int) {
        self.units = units
        self.scale = scale
    }

    /// `19,99`, `19.99`, `-3`, `+0.5`; `nil` when the text is not a plain decimal number (or
    /// has more digits than an amount can hold). Trailing zeros keep their scale (`19.90` is scale 2).
    public init?(_ text: String, separator: DecimalSeparator) {
        var bytes = Substring(text).utf8[...]
        var negative = false
        if let sign = bytes.first, sign == UInt8(ascii: "-") || sign == UInt8(ascii: "+") {
            negative = sign == UInt8(ascii: "-")
            bytes = bytes.dropFirst()
        }
        var units: Int64 = 0, scale = 0, digits = 0
        var seenSeparator = false, seenDigit = false
        for byte in bytes {
            if byte.isASCIIDigit {
                seenDigit = true
                if digits > 0 || byte != 0x30 { digits += 1 }
                guard digits <= Self.maxDigits else { return nil }
                units = units * 10 + Int64(byte - 0x30)
                if seenSeparator { scale += 1 }
                continue
            }
            let isPoint = byte == UInt8(ascii: "."), isComma = byte == UInt8(ascii: ",")
            guard (isPoint && separator != .comma) || (isComma && separator != .point), !seenSeparator else { return nil }
            seenSeparator = true
        }
        guard seenDigit, scale <= Self.maxScale else { return nil }
        self.units = negative ? -units : units
        self.scale = scale
    }

    /// The amount at `scale` digits, rounded half away from zero (commercial rounding); `nil`
    /// if it would not fit.
    public func rounded(toScale target: Int) -> DecimalAmount? {
        if target == scale { return self }
        if target > scale {
            var value = units
            for _ in scale..<target {
                let (product, overflow) = value.multipliedReportingOverflow(by: 10)
                if overflow { return nil }
                value = product
            }
            return DecimalAmount(units: value, scale: target)
        }
        var divisor: Int64 = 1
        for _ in target..<scale { divisor *= 10 }
        let quotient = units / divisor, remainder = abs(units % divisor)
        let adjust: Int64 = remainder * 2 >= divisor ? (units < 0 ? -1 : 1) : 0
        return DecimalAmount(units: quotient + adjust, scale: target)
    }

    /// `1999` at scale 2 is `19.99`; `-5` at scale 2 is `-0.05`.
    public var description: String {
        let magnitude = String(units.magnitude)
        guard scale > 0 else { return (units < 0 ? "-" : "") + magnitude }
        let padded = String(repeating: "0", count: max(0, scale + 1 - magnitude.count)) + magnitude
        let split = padded.index(padded.endIndex, offsetBy: -scale)
        return (units < 0 ? "-" : "") + padded[..<split] + "." + padded[split...]
    }
}

/// The Plytix values a row carries for the finance review, read in the per-row stage.
enum FinanceValues {
    /// The trimmed values of the pipeline's finance fields, in `FinanceSettings.plytixFields`
    /// order; `nil` when the export does not carry the column (the product's element, in XML),
    /// which is not the same as an empty cell.
    static func read(_ row: SourceRow, layout: InputLayout) -> [String?] {
        guard !layout.financeFields.isEmpty else { return [] }
        return layout.financeFields.map { index in row.values[index].map(TextCleaning.trim) }
    }
}
