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

    /// Zero-width (non-)joiners are invisible but not spaces: they hold emoji sequences together
    /// and are part of Persian and Indic spelling.
    static func isJoiner(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value == 0x200C || scalar.value == 0x200D
    }

    /// Turns every run of spaces (any kind, including line breaks) into one ASCII space, and trims.
    /// Joiners are kept between two visible characters and dropped elsewhere.
    public static func collapseWhitespace(_ value: String) -> String {
        var needsWork = false
        var previousSpace = true
        for byte in value.utf8 {
            let space = byte == 0x20
            if byte < 0x20 || byte >= 0x7F || (space && previousSpace) {
                needsWork = true
                break
            }
            previousSpace = space
        }
        if !needsWork && !previousSpace { return value }
        var result = String.UnicodeScalarView()
        var pendingSpace = false
        var pendingJoiners = String.UnicodeScalarView()
        for scalar in value.unicodeScalars {
            if isJoiner(scalar) {
                if !result.isEmpty && !pendingSpace { pendingJoiners.append(scalar) }
                continue
            }
            if isInvisibleSpace(scalar) || scalar.value < 0x20 || scalar.value == 0x7F {
                pendingSpace = !result.isEmpty
                pendingJoiners.removeAll()
                continue
            }
            if pendingSpace {
                result.append(" ")
                pendingSpace = false
            }
            result.append(contentsOf: pendingJoiners)
            pendingJoiners.removeAll()
            result.append(scalar)
        }
        return String(result)
    }

    /// The first of several category paths joined by `pathSeparator`, its trimmed levels joined by `>`.
    /// A path without any level (` `, `>`) is skipped like an empty one.
    public static func firstCategoryPath(_ value: String, pathSeparator: String, levelSeparator: String) -> String {
        for path in value.split(separator: pathSeparator, omittingEmptySubsequences: true) {
            let levels = path.split(separator: levelSeparator, omittingEmptySubsequences: true)
                .map { trim(String($0)) }
                .filter { !$0.isEmpty }
            if !levels.isEmpty { return levels.joined(separator: ">") }
        }
        return ""
    }
}
