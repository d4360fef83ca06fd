// Byte-level formatting for the hot loop: no String, no interpolation, no Foundation.
extension Array where Element == UInt8 {
    /// Appends an ASCII literal.
    mutating func appendASCII(_ text: StaticString) {
        text.withUTF8Buffer { append(contentsOf: $0) }
    }

    /// Appends a non-negative integer in decimal, zero-padded to at least `width` digits.
    mutating func appendDigits(_ value: Int, width: Int = 1) {
        var length = 1
        var rest = value
        while rest >= 10 { rest /= 10; length += 1 }
        length = Swift.max(length, width)
        let start = count
        append(contentsOf: repeatElement(UInt8(ascii: "0"), count: length))
        var index = start + length - 1
        rest = value
        while rest > 0 {
            self[index] = UInt8(ascii: "0") + UInt8(truncatingIfNeeded: rest % 10)
            rest /= 10
            index -= 1
        }
    }

    /// Appends `value / 10^scale` as a decimal, trimming trailing fraction zeros down to `minimumFraction`.
    mutating func appendDecimal(_ value: Int, scale: Int, minimumFraction: Int = 0, comma: Bool) {
        var divisor = 1
        for _ in 0..<scale { divisor *= 10 }
        appendDigits(value / divisor)
        var fraction = value % divisor
        var digits = scale
        while digits > minimumFraction && fraction % 10 == 0 {
            fraction /= 10
            digits -= 1
        }
        guard digits > 0 else { return }
        append(comma ? UInt8(ascii: ",") : UInt8(ascii: "."))
        appendDigits(fraction, width: digits)
    }

    /// Appends seconds since 1970 as `2025-03-14T09:12:44Z` (UTC, proleptic Gregorian).
    mutating func appendTimestamp(_ seconds: Int) {
        let (year, month, day) = civilDate(fromDays: seconds / 86_400)
        let time = seconds % 86_400
        appendDigits(year, width: 4); append(UInt8(ascii: "-"))
        appendDigits(month, width: 2); append(UInt8(ascii: "-"))
        appendDigits(day, width: 2); append(UInt8(ascii: "T"))
        appendDigits(time / 3600, width: 2); append(UInt8(ascii: ":"))
        appendDigits(time / 60 % 60, width: 2); append(UInt8(ascii: ":"))
        appendDigits(time % 60, width: 2); append(UInt8(ascii: "Z"))
    }

    /// Appends `count` random decimal digits.
    mutating func appendRandomDigits(_ count: Int, _ rng: inout SplitMix64) {
        for _ in 0..<count { append(UInt8(ascii: "0") + UInt8(truncatingIfNeeded: rng.below(10))) }
    }

    /// Appends the GS1 mod-10 check digit of the digits from `start` to the end.
    mutating func appendGTINCheckDigit(from start: Int) {
        append(gtinCheckDigit(self[start...]))
    }
}

/// The GS1 check digit for ASCII data digits: weights 3,1,3,… from the rightmost data digit.
func gtinCheckDigit(_ digits: ArraySlice<UInt8>) -> UInt8 {
    var sum = 0
    var weight = 3
    for digit in digits.reversed() {
        sum += Int(digit - UInt8(ascii: "0")) * weight
        weight = 4 - weight
    }
    return UInt8(ascii: "0") + UInt8((10 - sum % 10) % 10)
}

/// Days since 1970-01-01 to (year, month, day); Howard Hinnant's `civil_from_days`.
func civilDate(fromDays days: Int) -> (year: Int, month: Int, day: Int) {
    let z = days + 719_468
    let era = (z >= 0 ? z : z - 146_096) / 146_097
    let dayOfEra = z - era * 146_097
    let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
    let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
    let shiftedMonth = (5 * dayOfYear + 2) / 153
    let day = dayOfYear - (153 * shiftedMonth + 2) / 5 + 1
    let month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9
    return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
}
