/// `url`: an image or web address Prima can link to: http or https, with a host, no spaces or invisible characters.
public struct URLRule: FieldRule {
    public var code: RuleCode { .url }

    public func apply(to value: inout String, column: String) -> String? {
        if Self.isValidVisibleASCII(value) { return nil }
        let lower = value.lowercased()
        let scheme = lower.hasPrefix("https://") ? "https://" : lower.hasPrefix("http://") ? "http://" : nil
        guard let scheme else {
            return "\(column) must be a web address starting with http:// or https://; the export has \(quoted(value))."
        }
        let rest = value.dropFirst(scheme.count)
        let host = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        guard !host.isEmpty, !host.hasPrefix("."), host.contains(where: { $0.isLetter || $0.isNumber }) else {
            return "\(column) \(quoted(value)) has no host name after \(scheme)."
        }
        // Visible ASCII (nearly every URL) holds nothing invisible: skip the Unicode property lookups.
        if value.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) { return nil }
        // Invisible characters (controls such as DEL, and formats such as a zero-width space or a
        // byte-order mark) break the link as surely as a space, and nobody sees them in Plytix.
        let invisible = { (scalar: Unicode.Scalar) in
            scalar.properties.generalCategory == .control || scalar.properties.generalCategory == .format
        }
        if let bad = value.first(where: { $0.isWhitespace || $0.unicodeScalars.contains(where: invisible) }) {
            return "\(column) \(quoted(value)) contains \(describe(bad)); a web address cannot."
        }
        return nil
    }

    /// The checks above on the bytes of a visible-ASCII address (nearly every one): on a million
    /// image addresses the Character-level checks were a few percent of a run's CPU. `false`
    /// sends the value through them, which also word the failure.
    static func isValidVisibleASCII(_ value: String) -> Bool {
        var value = value
        return value.withUTF8 { bytes in
            guard bytes.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else { return false }
            let schemeLength = hasPrefix(bytes, "https://") ? 8 : hasPrefix(bytes, "http://") ? 7 : 0
            guard schemeLength > 0 else { return false }
            let host = bytes[schemeLength...].prefix { $0 != UInt8(ascii: "/") && $0 != UInt8(ascii: "?") && $0 != UInt8(ascii: "#") }
            return host.first.map { $0 != UInt8(ascii: ".") } == true && host.contains { byte in
                let lower = byte | 0x20
                return byte.isASCIIDigit || (lower >= 0x61 && lower <= 0x7A)
            }
        }
    }

    /// Whether `bytes` start with `scheme` (lower-case ASCII), ignoring case.
    private static func hasPrefix(_ bytes: UnsafeBufferPointer<UInt8>, _ scheme: StaticString) -> Bool {
        let expected = UnsafeBufferPointer(start: scheme.utf8Start, count: scheme.utf8CodeUnitCount)
        guard bytes.count >= expected.count else { return false }
        return zip(bytes, expected).allSatisfy { byte, letter in (byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte) == letter }
    }
}
