/// `hs_code`: a commodity code of 6 (HS), 8 (CN export) or 10 (TARIC import) digits.
/// Spaces and dots are removed first (`9404.90 10` → `94049010`).
public struct HSCodeRule: FieldRule {
    public var code: RuleCode { .hsCode }

    public func apply(to value: inout String, column: String) -> String? {
        // The usual code, digits alone, passes as it is (filtering it into an array showed in the profile).
        if value.withUTF8({ [6, 8, 10].contains($0.count) && $0.allSatisfy(\.isASCIIDigit) }) { return nil }
        let kept = value.utf8.filter { $0 != UInt8(ascii: " ") && $0 != UInt8(ascii: ".") }
        guard kept.allSatisfy(\.isASCIIDigit) else {
            return "\(column) must be a commodity code of digits (spaces and dots allowed); the export has \(quoted(value))."
        }
        guard [6, 8, 10].contains(kept.count) else {
            return "\(column) must have 6, 8 or 10 digits; \(quoted(value)) has \(kept.count)."
        }
        value = String(decoding: kept, as: UTF8.self)
        return nil
    }
}
