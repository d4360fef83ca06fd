/// `country`: an ISO 3166-1 alpha-2 country of origin, upper-cased.
/// `UK` (and `EL` for Greece) are common but not ISO: they become `GB` and `GR`.
public struct CountryRule: FieldRule {
    public var code: RuleCode { .country }

    static let aliases: [String: String] = ["UK": "GB", "EL": "GR"]

    public func apply(to value: inout String, column: String) -> String? {
        // The usual value, an upper-case ISO code, is looked up by its two letters: upper-casing
        // and hashing every row's country showed in the profile.
        if value.withUTF8({ $0.count == 2 && Self.isISOCode($0[0], $0[1]) }) { return nil }
        let upper = value.uppercased()
        let code = Self.aliases[upper] ?? upper
        guard Self.isoCodes.contains(code) else {
            let hint = upper.count == 2 ? "" : " Use the two-letter code, such as GB, CN or DE."
            return "\(column) \(quoted(value)) is not an ISO 3166-1 two-letter country code.\(hint)"
        }
        value = code
        return nil
    }

    /// Whether two bytes are the letters of an ISO code, upper case.
    static func isISOCode(_ first: UInt8, _ second: UInt8) -> Bool {
        guard (0x41...0x5A).contains(first), (0x41...0x5A).contains(second) else { return false }
        return isoTable[Int(first - 0x41) * 26 + Int(second - 0x41)]
    }

    /// `isoCodes` as a 26 × 26 table of letter pairs.
    private static let isoTable: [Bool] = {
        var table = [Bool](repeating: false, count: 26 * 26)
        for code in isoCodes {
            let letters = Array(code.utf8)
            table[Int(letters[0] - 0x41) * 26 + Int(letters[1] - 0x41)] = true
        }
        return table
    }()

    /// The 249 officially assigned ISO 3166-1 alpha-2 codes.
    static let isoCodes: Set<String> = [
        "AD", "AE", "AF", "AG", "AI", "AL", "AM", "AO", "AQ", "AR", "AS", "AT", "AU", "AW", "AX", "AZ", "BA", "BB", "BD", "BE",
        "BF", "BG", "BH", "BI", "BJ", "BL", "BM", "BN", "BO", "BQ", "BR", "BS", "BT", "BV", "BW", "BY", "BZ", "CA", "CC", "CD",
        "CF", "CG", "CH", "CI", "CK", "CL", "CM", "CN", "CO", "CR", "CU", "CV", "CW", "CX", "CY", "CZ", "DE", "DJ", "DK", "DM",
        "DO", "DZ", "EC", "EE", "EG", "EH", "ER", "ES", "ET", "FI", "FJ", "FK", "FM", "FO", "FR", "GA", "GB", "GD", "GE", "GF",
        "GG", "GH", "GI", "GL", "GM", "GN", "GP", "GQ", "GR", "GS", "GT", "GU", "GW", "GY", "HK", "HM", "HN", "HR", "HT", "HU",
        "ID", "IE", "IL", "IM", "IN", "IO", "IQ", "IR", "IS", "IT", "JE", "JM", "JO", "JP", "KE", "KG", "KH", "KI", "KM", "KN",
        "KP", "KR", "KW", "KY", "KZ", "LA", "LB", "LC", "LI", "LK", "LR", "LS", "LT", "LU", "LV", "LY", "MA", "MC", "MD", "ME",
        "MF", "MG", "MH", "MK", "ML", "MM", "MN", "MO", "MP", "MQ", "MR", "MS", "MT", "MU", "MV", "MW", "MX", "MY", "MZ", "NA",
        "NC", "NE", "NF", "NG", "NI", "NL", "NO", "NP", "NR", "NU", "NZ", "OM", "PA", "PE", "PF", "PG", "PH", "PK", "PL", "PM",
        "PN", "PR", "PS", "PT", "PW", "PY", "QA", "RE", "RO", "RS", "RU", "RW", "SA", "SB", "SC", "SD", "SE", "SG", "SH", "SI",
        "SJ", "SK", "SL", "SM", "SN", "SO", "SR", "SS", "ST", "SV", "SX", "SY", "SZ", "TC", "TD", "TF", "TG", "TH", "TJ", "TK",
        "TL", "TM", "TN", "TO", "TR", "TT", "TV", "TW", "TZ", "UA", "UG", "UM", "US", "UY", "UZ", "VA", "VC", "VE", "VG", "VI",
        "VN", "VU", "WF", "WS", "YE", "YT", "ZA", "ZM", "ZW",
    ]
}
