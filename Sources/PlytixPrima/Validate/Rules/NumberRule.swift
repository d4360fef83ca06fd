/// `number`: a decimal such as a weight or a dimension, with its lower bound.
/// Accepts `12,5` as well as `12.5`; writes it with a point, never through binary floating point.
public struct NumberRule: FieldRule {
    public let code = RuleCode.number
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
    public static func normalize(_ text: String, separator: DecimalSeparator) -> String? {
        var bytes = Array(text.utf8)[...]
        var negative = false
        if let sign = bytes.first, sign == UInt8(ascii: "-") || sign == UInt8(ascii: "+") {
            negative = sign == UInt8(ascii: "-")
            bytes = bytes.dropFirst()
        }
        var integer: [UInt8] = []
        var fraction: [UInt8] = []
        var seenSeparator = false
        for byte in bytes {
            if byte >= 0x30 && byte <= 0x39 {
                if seenSeparator { fraction.append(byte) } else { integer.append(byte) }
                continue
            }
            let isPoint = byte == UInt8(ascii: "."), isComma = byte == UInt8(ascii: ",")
            let accepted = (isPoint && separator != .comma) || (isComma && separator != .point)
            guard accepted, !seenSeparator else { return nil }
            seenSeparator = true
        }
        guard !integer.isEmpty || !fraction.isEmpty else { return nil }
        while integer.count > 1 && integer.first == UInt8(ascii: "0") { integer.removeFirst() }
        if integer.isEmpty { integer = [UInt8(ascii: "0")] }
        while fraction.last == UInt8(ascii: "0") { fraction.removeLast() }
        let isZero = integer == [UInt8(ascii: "0")] && fraction.isEmpty
        var result = (negative && !isZero) ? "-" : ""
        result += String(decoding: integer, as: UTF8.self)
        if !fraction.isEmpty { result += "." + String(decoding: fraction, as: UTF8.self) }
        return result
    }

    /// Compares two canonical decimals (as `normalize` writes them).
    public static func compare(_ a: String, _ b: String) -> Order {
        let negativeA = a.hasPrefix("-"), negativeB = b.hasPrefix("-")
        if negativeA != negativeB { return negativeA ? .less : .greater }
        let magnitude = compareMagnitude(negativeA ? String(a.dropFirst()) : a, negativeB ? String(b.dropFirst()) : b)
        guard negativeA else { return magnitude }
        switch magnitude {
        case .less: return .greater
        case .greater: return .less
        case .equal: return .equal
        }
    }

    private static func compareMagnitude(_ a: String, _ b: String) -> Order {
        let partsA = a.split(separator: ".", omittingEmptySubsequences: false)
        let partsB = b.split(separator: ".", omittingEmptySubsequences: false)
        let intA = partsA[0], intB = partsB[0]
        if intA.count != intB.count { return intA.count < intB.count ? .less : .greater }
        if intA != intB { return intA < intB ? .less : .greater }
        let fracA = partsA.count > 1 ? Array(partsA[1].utf8) : []
        let fracB = partsB.count > 1 ? Array(partsB[1].utf8) : []
        for i in 0..<max(fracA.count, fracB.count) {
            let da = i < fracA.count ? fracA[i] : UInt8(ascii: "0")
            let db = i < fracB.count ? fracB[i] : UInt8(ascii: "0")
            if da != db { return da < db ? .less : .greater }
        }
        return .equal
    }
}
