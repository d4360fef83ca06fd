/// `url`: an image or web address Prima can link to: http or https, with a host, no spaces or invisible characters.
public struct URLRule: FieldRule {
    public let code = RuleCode.url

    public func apply(to value: inout String, column: String) -> String? {
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
}
