/// `url`: an image or web address Prima can link to: http or https, with a host, no spaces.
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
        if let bad = value.first(where: { $0.isWhitespace || $0.unicodeScalars.contains { $0.value < 0x20 } }) {
            return "\(column) \(quoted(value)) contains \(describe(bad)); a web address cannot."
        }
        return nil
    }
}
