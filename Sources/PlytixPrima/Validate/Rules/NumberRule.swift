/// `number`: a decimal such as a weight or a dimension, with its lower bound.
/// Accepts `12,5` as well as `12.5`; writes it with a point, never through binary floating point.
public struct NumberRule: FieldRule {
    public var code: RuleCode { .number }
    public let separator: DecimalSeparator
    /// Lower bound in canonical form, exclusive when `exclusive`.
    public let minimum: String?
    public let exclusive: Bool

    public func apply(to value: inout String, column: String) -> String? {
        guard let canonical = DecimalText.normalize(value, separator: separator) else {
            let accepted = separator == .comma ? "a comma" : separator == .point ? "a point" : "a point or a comma"
            return "\(column) must be a number (digits with \(accepted) for decimals); the export has \(quoted(value))."
        }
        if let minimum {
            let order = DecimalText.compare(canonical, minimum)
            if exclusive ? order != .greater : order == .less {
                return "\(column) must be \(exclusive ? "greater than" : "at least") \(minimum); the export has \(value)."
            }
        }
        value = canonical
        return nil
    }
}

/// Decimal numbers as text: parsed, compared and written without floating point.
public enum DecimalText {
    public enum Order { case less, equal, greater }

    /// `-012,50` → `-12.5`; `nil` when the text is not a plain decimal number.
    /// Works on the UTF-8 in place: four numbers a row, a million rows, and the canonical form
    /// (at most a few bytes, a small string) is the only thing it makes.
    public static func normalize(_ text: String, separator: DecimalSeparator) -> String? {
        var text = text
        return text.withUTF8 { bytes in
            guard let number = Parts(bytes, separator: separator) else { return nil }
            let integer = number.integerDigits(bytes), fraction = number.fractionDigits(bytes)
            let negative = number.negative && !number.isZero(bytes)
            let length = (negative ? 1 : 0) + max(integer.count, 1) + (fraction.isEmpty ? 0 : 1 + fraction.count)
            return String(unsafeUninitializedCapacity: length) { out in
                var count = 0
                func put(_ byte: UInt8) { out[count] = byte; count += 1 }
                if negative { put(UInt8(ascii: "-")) }
                if integer.isEmpty { put(UInt8(ascii: "0")) }
                for digit in integer { put(digit) }
                if !fraction.isEmpty { put(UInt8(ascii: ".")) }
                for digit in fraction { put(digit) }
                return count
            }
        }
    }

    /// Where a plain decimal's parts are in its bytes: an optional sign, digits, at most one
    /// separator, digits (at least one digit in all).
    private struct Parts {
        var negative = false
        var integer: Range<Int>
        var fraction: Range<Int>

        init?(_ bytes: UnsafeBufferPointer<UInt8>, separator: DecimalSeparator) {
            var start = 0
            if let sign = bytes.first, sign == UInt8(ascii: "-") || sign == UInt8(ascii: "+") {
                negative = sign == UInt8(ascii: "-")
                start = 1
            }
            var separatorIndex: Int?
            for index in start..<bytes.count {
                let byte = bytes[index]
                if byte.isASCIIDigit { continue }
                let isPoint = byte == UInt8(ascii: "."), isComma = byte == UInt8(ascii: ",")
                let accepted = (isPoint && separator != .comma) || (isComma && separator != .point)
                guard accepted, separatorIndex == nil else { return nil }
                separatorIndex = index
            }
            integer = start..<(separatorIndex ?? bytes.count)
            fraction = (separatorIndex.map { $0 + 1 } ?? bytes.count)..<bytes.count
            guard !integer.isEmpty || !fraction.isEmpty else { return nil }
        }

        /// Without leading zeros (empty for zero).
        func integerDigits(_ bytes: UnsafeBufferPointer<UInt8>) -> Slice<UnsafeBufferPointer<UInt8>> {
            var lower = integer.lowerBound
            while lower < integer.upperBound && bytes[lower] == UInt8(ascii: "0") { lower += 1 }
            return bytes[lower..<integer.upperBound]
        }

        /// Without trailing zeros.
        func fractionDigits(_ bytes: UnsafeBufferPointer<UInt8>) -> Slice<UnsafeBufferPointer<UInt8>> {
            var upper = fraction.upperBound
            while upper > fraction.lowerBound && bytes[upper - 1] == UInt8(ascii: "0") { upper -= 1 }
            return bytes[fraction.lowerBound..<upper]
        }

        func isZero(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool { integerDigits(bytes).isEmpty && fractionDigits(bytes).isEmpty }
    }

    /// Compares two canonical decimals (as `normalize` writes them).
    public static func compare(_ a: String, _ b: String) -> Order {
        var a = a, b = b
        return a.withUTF8 { a in b.withUTF8 { b in compare(a, b) } }
    }

    private static func compare(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> Order {
        let negativeA = a.first == UInt8(ascii: "-"), negativeB = b.first == UInt8(ascii: "-")
        if negativeA != negativeB { return negativeA ? .less : .greater }
        let magnitude = compareMagnitude(
            UnsafeBufferPointer(rebasing: a.dropFirst(negativeA ? 1 : 0)), UnsafeBufferPointer(rebasing: b.dropFirst(negativeB ? 1 : 0)))
        guard negativeA else { return magnitude }
        switch magnitude {
        case .less: return .greater
        case .greater: return .less
        case .equal: return .equal
        }
    }

    /// Canonical integer parts have no leading zeros: the longer is the larger, equal lengths
    /// compare digit by digit; then the fractions, the shorter padded with zeros.
    private static func compareMagnitude(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> Order {
        let pointA = a.firstIndex(of: UInt8(ascii: ".")) ?? a.count, pointB = b.firstIndex(of: UInt8(ascii: ".")) ?? b.count
        if pointA != pointB { return pointA < pointB ? .less : .greater }
        for index in 0..<pointA where a[index] != b[index] { return a[index] < b[index] ? .less : .greater }
        let fractionA = a.dropFirst(pointA + 1), fractionB = b.dropFirst(pointB + 1)
        for offset in 0..<max(fractionA.count, fractionB.count) {
            let digitA = offset < fractionA.count ? fractionA[fractionA.startIndex + offset] : UInt8(ascii: "0")
            let digitB = offset < fractionB.count ? fractionB[fractionB.startIndex + offset] : UInt8(ascii: "0")
            if digitA != digitB { return digitA < digitB ? .less : .greater }
        }
        return .equal
    }
}
