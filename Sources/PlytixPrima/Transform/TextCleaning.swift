/// Whitespace rules shared by every field: Plytix values arrive padded with ordinary,
/// non-breaking and zero-width spaces that Prima must never see.
public enum TextCleaning {
    /// Scalars that trim and collapse treat as space, beyond Unicode's White_Space property.
    static func isInvisibleSpace(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF: return true
        default: return scalar.properties.isWhitespace
        }
    }

    /// Removes leading and trailing spaces, including non-breaking and zero-width ones.
    public static func trim(_ value: String) -> String {
        // Fast path: most values start and end with a visible ASCII character.
        let utf8 = value.utf8
        guard let first = utf8.first, let last = utf8.last else { return value }
        if first > 0x20 && first < 0x7F && last > 0x20 && last < 0x7F { return value }
        let scalars = value.unicodeScalars
        guard let start = scalars.firstIndex(where: { !isInvisibleSpace($0) }) else { return "" }
        let end = scalars.lastIndex(where: { !isInvisibleSpace($0) })!
        return String(scalars[start...end])
    }

    /// Turns every run of spaces (any kind, including line breaks) into one ASCII space, and trims.
    public static func collapseWhitespace(_ value: String) -> String {
        var needsWork = false
        var previousSpace = true
        for byte in value.utf8 {
            let space = byte == 0x20
            if byte < 0x20 || byte >= 0x80 || (space && previousSpace) {
                needsWork = true
                break
            }
            previousSpace = space
        }
        if !needsWork && !previousSpace { return value }
        var result = String.UnicodeScalarView()
        var pendingSpace = false
        for scalar in value.unicodeScalars {
            if isInvisibleSpace(scalar) || scalar.value < 0x20 || scalar.value == 0x7F {
                pendingSpace = !result.isEmpty
                continue
            }
            if pendingSpace {
                result.append(" ")
                pendingSpace = false
            }
            result.append(scalar)
        }
        return String(result)
    }

    /// The first of several values joined by `separator`, trimmed.
    public static func firstCategoryPath(_ value: String, pathSeparator: String, levelSeparator: String) -> String {
        let firstPath = value.split(separator: pathSeparator, maxSplits: 1, omittingEmptySubsequences: true).first
        guard let firstPath else { return "" }
        return firstPath.split(separator: levelSeparator, omittingEmptySubsequences: true)
            .map { trim(String($0)) }
            .filter { !$0.isEmpty }
            .joined(separator: ">")
    }
}
