/// `encoding`: bytes that are not text in the export's encoding, NUL bytes, or characters
/// the output encoding (e.g. Windows-1252 for older Prima installs) cannot hold.
public enum EncodingRule {
    public static let code = RuleCode.encoding

    public static func invalidInputReason(field: String, encoding: TextEncoding) -> String {
        switch encoding {
        case .utf8:
            return "\(field) holds bytes that are not valid UTF-8 (often Windows-1252 text saved into a UTF-8 export); re-export it from Plytix as UTF-8."
        case .windows1252:
            return "\(field) holds bytes that are not valid Windows-1252 text."
        }
    }

    public static func nulReason(field: String) -> String {
        "\(field) holds a NUL byte (an invisible control character) that Prima cannot store."
    }
}

/// Checks that a value can be written in the output encoding.
public struct OutputEncodingRule: FieldRule {
    public var code: RuleCode { EncodingRule.code }
    public let encoding: TextEncoding

    public func apply(to value: inout String, column: String) -> String? {
        guard encoding == .windows1252 else { return nil }
        // Checked per scalar, as CSVLineEncoder writes them: "\r\n" is one Character of two
        // scalars that both fit; e + U+0301 does not fit and is named whole.
        let bad = value.first { character in character.unicodeScalars.contains { Windows1252.encode($0) == nil } }
        guard let bad else { return nil }
        return "\(column) contains \(describe(bad)), which Prima's Windows-1252 import files cannot hold."
    }
}
