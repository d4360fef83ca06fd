import Foundation

/// Whitespace rules shared by every field: Plytix values arrive padded with ordinary,
/// non-breaking and zero-width spaces that Prima must never see.
public enum TextCleaning {
    /// Scalars that trim and collapse treat as space: Unicode's White_Space set plus the
    /// zero-width characters PIM editors leave behind. Spelled out, because the standard
    /// library's property lookup costs a table search per character on the hot path.
    static func isInvisibleSpace(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x09...0x0D, 0x20, 0x85, 0xA0, 0x1680, 0x2000...0x200D, 0x2028, 0x2029, 0x202F, 0x205F, 0x2060, 0x3000, 0xFEFF:
            return true
        default:
            return false
        }
    }

    /// Removes leading and trailing spaces, including non-breaking and zero-width ones.
    /// `consuming`: the usual, already trimmed value is handed back without a retain.
    public static func trim(_ value: consuming String) -> String {
        // Fast path: most values start and end with a visible ASCII character. Read from the
        // string's buffer: `utf8.first` and `utf8.last` walk String indices, and trim runs for
        // every field of every row.
        let settled = value.utf8.withContiguousStorageIfAvailable { bytes in
            guard let first = bytes.first, let last = bytes.last else { return true }
            return first > 0x20 && first < 0x7F && last > 0x20 && last < 0x7F
        }
        if settled == true { return value }
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
        var value = value
        // Spaces are whole scalars, so what is left of valid text is valid (`UTF8Text`).
        return value.withUTF8 { bytes in
            UTF8Text.string(capacity: bytes.count) { out in collapse(bytes, into: out) }
        }
    }

    /// Writes `bytes` with space runs collapsed into `out` (at least as large); returns the length.
    /// Works on UTF-8 bytes and decodes a scalar only where a byte is not ASCII. `out` may be
    /// `bytes` itself: nothing is written ahead of what has been read.
    static func collapse(_ bytes: UnsafeBufferPointer<UInt8>, into out: UnsafeMutableBufferPointer<UInt8>) -> Int {
        var written = 0
        var pendingSpace = false
        // Joiners seen since the last visible character: a run of input bytes, kept only if a
        // visible character follows without a space in between.
        var joinerStart = 0
        var joinerBytes = 0
        /// Before a visible character: the pending space, then the joiners held back.
        func writePending() {
            if pendingSpace {
                out[written] = 0x20
                written += 1
                pendingSpace = false
            }
            for k in 0..<joinerBytes { out[written + k] = bytes[joinerStart + k] }
            written += joinerBytes
            joinerBytes = 0
        }
        var i = 0
        while i < bytes.count {
            let byte = bytes[i]
            // Visible ASCII with single spaces between words, most of a description, is copied
            // a run at a time; any other ASCII space only marks the run of space it starts.
            if byte > 0x20 && byte < 0x7F {
                writePending()
                let runEnd = ByteRuns.endOfSettledText(in: bytes, from: i + 1, to: bytes.count)
                // `memmove`: in place, the run may overlap where it goes.
                memmove(out.baseAddress! + written, bytes.baseAddress! + i, runEnd - i)
                written += runEnd - i
                i = runEnd
                continue
            }
            if byte == 0x20 {
                pendingSpace = written > 0
                joinerBytes = 0
                i += 1
                continue
            }
            var length = 1
            var scalar = UInt32(byte)
            if byte >= 0x80 {
                length = byte >= 0xF0 ? 4 : byte >= 0xE0 ? 3 : 2
                scalar &= length == 2 ? 0x1F : length == 3 ? 0x0F : 0x07
                for k in 1..<length { scalar = (scalar << 6) | (UInt32(bytes[i + k]) & 0x3F) }
            }
            defer { i += length }
            if scalar == 0x200C || scalar == 0x200D {
                if written > 0 && !pendingSpace {
                    if joinerBytes == 0 { joinerStart = i }
                    joinerBytes += length
                }
                continue
            }
            if scalar < 0x20 || scalar == 0x7F || Unicode.Scalar(scalar).map(isInvisibleSpace) == true {
                pendingSpace = written > 0
                joinerBytes = 0
                continue
            }
            writePending()
            for k in 0..<length { out[written + k] = bytes[i + k] }
            written += length
        }
        return written
    }

    /// The first of several category paths joined by `pathSeparator`, its trimmed levels joined by `>`.
    /// A path without any level (` `, `>`) is skipped like an empty one.
    public static func firstCategoryPath(_ value: String, pathSeparator: String, levelSeparator: String) -> String {
        // The usual one-character ASCII separators split the UTF-8 bytes: splitting a String by
        // a String searches generically and took a tenth of a run's CPU. (A combining mark
        // right after a separator is split off with it here; category labels have none.)
        if let paths = asciiByte(pathSeparator), let levels = asciiByte(levelSeparator),
           let path = value.utf8.withContiguousStorageIfAvailable({ firstPath($0, paths: paths, levels: levels) }) {
            return path
        }
        for path in value.split(separator: pathSeparator, omittingEmptySubsequences: true) {
            let levels = path.split(separator: levelSeparator, omittingEmptySubsequences: true)
                .map { trim(String($0)) }
                .filter { !$0.isEmpty }
            if !levels.isEmpty { return levels.joined(separator: ">") }
        }
        return ""
    }

    /// The first path's levels, trimmed and joined by `>`, built in one byte buffer. A level
    /// that starts and ends with a visible ASCII character is copied as it is; any other goes
    /// through `trim`, which knows every invisible space. Paths and levels are found by index:
    /// splitting built arrays of every path and level of every row. The bytes are cut at ASCII
    /// separators of a valid string, so the result is valid text (`UTF8Text`).
    private static func firstPath(_ bytes: UnsafeBufferPointer<UInt8>, paths: UInt8, levels: UInt8) -> String {
        var joined: [UInt8] = []
        var pathStart = 0
        while pathStart < bytes.count {
            var pathEnd = pathStart
            while pathEnd < bytes.count && bytes[pathEnd] != paths { pathEnd += 1 }
            joined.removeAll(keepingCapacity: true)
            var levelStart = pathStart
            while levelStart < pathEnd {
                var levelEnd = levelStart
                while levelEnd < pathEnd && bytes[levelEnd] != levels { levelEnd += 1 }
                defer { levelStart = levelEnd + 1 }
                guard levelEnd > levelStart else { continue }
                let level = UnsafeBufferPointer(rebasing: bytes[levelStart..<levelEnd])
                let first = level[0], last = level[level.count - 1]
                if first > 0x20 && first < 0x7F && last > 0x20 && last < 0x7F {
                    if !joined.isEmpty { joined.append(UInt8(ascii: ">")) }
                    joined.append(contentsOf: level)
                    continue
                }
                let trimmed = trim(UTF8Text.string(knownValid: level))
                if trimmed.isEmpty { continue }
                if !joined.isEmpty { joined.append(UInt8(ascii: ">")) }
                joined.append(contentsOf: trimmed.utf8)
            }
            if !joined.isEmpty { return joined.withUnsafeBufferPointer { UTF8Text.string(knownValid: $0) } }
            pathStart = pathEnd + 1
        }
        return ""
    }

    private static func asciiByte(_ separator: String) -> UInt8? {
        guard separator.utf8.count == 1, let byte = separator.utf8.first, byte < 0x80 else { return nil }
        return byte
    }
}
