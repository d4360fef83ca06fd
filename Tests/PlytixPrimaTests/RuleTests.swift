import Testing
@testable import PlytixPrima
import PlytixPrimaTestSupport

// Each rule on its own: what passes (and how the value is normalised), what fails, and the
// exact sentence a person reads in rejects.csv. Rule codes are a public contract.

/// Runs `rule` on `value`; returns the value as the rule left it and the failure reason, if any.
func applying(_ rule: some FieldRule, to value: String, column: String = "Col") -> (value: String, reason: String?) {
    var value = value
    let reason = rule.apply(to: &value, column: column)
    return (value, reason)
}

/// GS1 check digit computed independently of `GTINRule`: weights 1, 3, 1, 3… from the left of
/// the full-length (zero-padded to 17 data digits) number, which is the GS1 table's formulation.
func independentCheckDigit(_ data: String) -> Int {
    let padded = String(repeating: "0", count: 17 - data.count) + data
    var sum = 0
    for (index, character) in padded.enumerated() {
        sum += character.wholeNumberValue! * (index % 2 == 0 ? 3 : 1)
    }
    return (10 - sum % 10) % 10
}

// MARK: - GTIN

@Suite struct GTINRuleTests {
    /// Published, valid examples: EAN-8, UPC-A (GTIN-12), EAN-13, ISBN-13 and GS1's GTIN-14.
    static let valid = [
        "96385074",  // EAN-8 (Wikipedia's EAN-8 example)
        "40123455",  // EAN-8
        "036000291452",  // UPC-A (Wikipedia's UPC example)
        "012345678905",  // UPC-A
        "614141000036",  // GTIN-12 (GS1 example)
        "4006381333931",  // EAN-13 (Wikipedia's EAN-13 example)
        "5901234123457",  // EAN-13
        "9780306406157",  // ISBN-13
        "5012345678900",  // the test exports' GTIN
        "00614141000036",  // GTIN-14 of GS1's GTIN-12, zero-padded
        "10614141000415",  // GTIN-14 with indicator digit 1
        "00012345600012",  // GTIN-14 with leading zeros
    ]

    @Test(arguments: valid)
    func validGTINPassesUnchanged(gtin: String) {
        let result = applying(GTINRule(), to: gtin, column: "Barcode")
        #expect(result.reason == nil)
        #expect(result.value == gtin)  // kept as text: leading zeros stay
    }

    @Test(arguments: valid)
    func checkDigitAgreesWithTheGS1Table(gtin: String) {
        let data = Array(gtin.utf8.dropLast())
        #expect(Int(GTINRule.checkDigit(for: data)) == independentCheckDigit(String(gtin.dropLast())))
        #expect(Int(GTINRule.checkDigit(for: data)) == Int(String(gtin.last!))!)
    }

    @Test(arguments: valid)
    func everyWrongCheckDigitIsRejected(gtin: String) {
        let right = Int(String(gtin.last!))!
        for digit in 0...9 where digit != right {
            let wrong = String(gtin.dropLast()) + String(digit)
            let result = applying(GTINRule(), to: wrong, column: "Barcode")
            #expect(
                result.reason
                    == "Barcode \(wrong) has a wrong check digit: for these digits the last one must be \(right). A digit is probably mistyped.",
                "\(wrong)")
        }
    }

    @Test(arguments: valid)
    func everySingleMistypedDataDigitIsCaught(gtin: String) {
        // Weights 1 and 3 are both coprime to 10: any one wrong digit changes the check digit.
        var digits = Array(gtin)
        for position in digits.indices.dropLast() {
            let original = digits[position]
            for replacement in "0123456789" where replacement != original {
                digits[position] = replacement
                let mistyped = String(digits)
                #expect(applying(GTINRule(), to: mistyped).reason?.contains("wrong check digit") == true, "\(mistyped)")
            }
            digits[position] = original
        }
    }

    @Test(arguments: ["5.01234E+12", "5,01234E+12", "5.01234e+12", "5.01234E+13", "5E+12", "4.00638E+12"])
    func scientificNotationIsExplained(value: String) {
        let result = applying(GTINRule(), to: value, column: "Barcode")
        #expect(
            result.reason
                == "Barcode '\(value)' is in scientific notation: a spreadsheet rounded the barcode. Export the full digits from Plytix.")
    }

    @Test(arguments: [
        ("1234567", 7), ("123456789", 9), ("1234567890", 10), ("12345678901", 11), ("123456789012345", 15),
        ("1", 1), ("123456789012345678", 18),
    ])
    func wrongLengthIsRejected(value: String, digits: Int) {
        let result = applying(GTINRule(), to: value, column: "Barcode")
        #expect(result.reason == "Barcode must have 8, 12, 13 or 14 digits; the export has \(digits) (\(value)).")
    }

    @Test(arguments: [
        "50123456789OO",  // letter O for zero
        "5012345 678900",  // space inside
        "5012-3456-7890",
        "-5012345678900",
        "+5012345678900",
        "５０１２３４５６７８９００",  // full-width digits
        "501234567890\u{0663}",  // an Arabic-Indic digit
        "5012345678900x",
        "GTIN5012345678900",
        "5E12",  // an exponent without point or sign reads as "not digits"
    ])
    func nonDigitsAreRejected(value: String) {
        let result = applying(GTINRule(), to: value, column: "Barcode")
        #expect(result.reason == "Barcode must hold digits only; the export has \(quoted(value)).")
    }

    @Test func ruleCodeIsGTIN() {
        #expect(GTINRule().code.rawValue == "gtin")
    }
}

// MARK: - HS code

@Suite struct HSCodeRuleTests {
    @Test(arguments: [
        ("940490", "940490"),
        ("9404.90", "940490"),
        ("9404 90", "940490"),
        ("9404.90.10", "94049010"),
        ("9404 90 10", "94049010"),
        ("9404.90 10", "94049010"),
        ("9404.90.10.00", "9404901000"),
        ("9404901000", "9404901000"),
        ("0101.21", "010121"),  // leading zero kept
        (" 940490 ", "940490"),
        ("9.4.0.4.9.0", "940490"),
    ])
    func spacesAndDotsAreRemoved(value: String, expected: String) {
        let result = applying(HSCodeRule(), to: value, column: "CommodityCode")
        #expect(result.reason == nil)
        #expect(result.value == expected)
    }

    @Test(arguments: [
        ("9404", 4), ("94049", 5), ("9404901", 7), ("940490100", 9), ("94049010001", 11), ("....", 0),
        ("940490100000", 12),
    ])
    func onlySixEightOrTenDigits(value: String, digits: Int) {
        let result = applying(HSCodeRule(), to: value, column: "CommodityCode")
        #expect(result.reason == "CommodityCode must have 6, 8 or 10 digits; '\(value)' has \(digits).")
        #expect(result.value == value)  // a failing value is left as exported
    }

    @Test(arguments: ["9404-90", "HS940490", "9404,90", "9404\u{00A0}90", "9404\t90", "9404/90", "９４０４９０", "94049O"])
    func nonDigitsAreRejected(value: String) {
        let result = applying(HSCodeRule(), to: value, column: "CommodityCode")
        #expect(
            result.reason
                == "CommodityCode must be a commodity code of digits (spaces and dots allowed); the export has \(quoted(value)).")
    }

    @Test func ruleCodeIsHSCode() {
        #expect(HSCodeRule().code.rawValue == "hs_code")
    }
}

// MARK: - Country

@Suite struct CountryRuleTests {
    @Test(arguments: [
        ("GB", "GB"), ("gb", "GB"), ("Gb", "GB"), ("UK", "GB"), ("uk", "GB"), ("Uk", "GB"), ("EL", "GR"),
        ("el", "GR"), ("GR", "GR"), ("DE", "DE"), ("cn", "CN"), ("US", "US"), ("AX", "AX"), ("SS", "SS"),
    ])
    func validCodesAreUpperCasedAndAliasesMapped(value: String, expected: String) {
        let result = applying(CountryRule(), to: value, column: "CountryOfOrigin")
        #expect(result.reason == nil)
        #expect(result.value == expected)
    }

    @Test(arguments: ["XX", "ZZ", "EU", "XK", "AN", "QQ", "G1", "  "])
    func unassignedTwoLetterCodesAreRejected(value: String) {
        let result = applying(CountryRule(), to: value, column: "CountryOfOrigin")
        #expect(result.reason == "CountryOfOrigin '\(value)' is not an ISO 3166-1 two-letter country code.")
        #expect(result.value == value)
    }

    @Test(arguments: ["GBR", "United Kingdom", "G", "DEU", "276", "England"])
    func otherFormsGetAHint(value: String) {
        let result = applying(CountryRule(), to: value, column: "CountryOfOrigin")
        #expect(
            result.reason
                == "CountryOfOrigin '\(value)' is not an ISO 3166-1 two-letter country code. Use the two-letter code, such as GB, CN or DE.")
    }

    /// The two-letter lookup that spares the usual value upper-casing and hashing agrees with
    /// the code list for every pair of letters, and lower case still goes the long way.
    @Test func theLetterPairTableIsTheCodeList() {
        let letters = Array(UInt8(ascii: "A")...UInt8(ascii: "Z"))
        for first in letters {
            for second in letters {
                let code = String(decoding: [first, second], as: UTF8.self)
                #expect(CountryRule.isISOCode(first, second) == CountryRule.isoCodes.contains(code), "\(code)")
            }
        }
        #expect(!CountryRule.isISOCode(UInt8(ascii: "g"), UInt8(ascii: "b")))
        #expect(applying(CountryRule(), to: "gb", column: "CountryOfOrigin").value == "GB")
        #expect(applying(CountryRule(), to: "UK", column: "CountryOfOrigin").value == "GB")
    }

    @Test func theCodeListHasAll249AssignedCodes() {
        #expect(CountryRule.isoCodes.count == 249)
        #expect(CountryRule.isoCodes.allSatisfy { $0.count == 2 && $0.allSatisfy { ("A"..."Z").contains($0) } })
        // The aliases are not ISO codes themselves, and map to codes that are.
        #expect(!CountryRule.isoCodes.contains("UK") && !CountryRule.isoCodes.contains("EL"))
        #expect(CountryRule.aliases.values.allSatisfy(CountryRule.isoCodes.contains))
    }

    @Test func ruleCodeIsCountry() {
        #expect(CountryRule().code.rawValue == "country")
    }
}

// MARK: - URL

@Suite struct URLRuleTests {
    @Test(arguments: [
        "https://img.example.com/PIL-1.jpg",
        "http://example.com",
        "HTTPS://EXAMPLE.COM/X.JPG",
        "Http://example.com/a.png",
        "https://example.com:8080/a.jpg?size=large#top",
        "https://127.0.0.1/x.png",
        "https://cdn.example.com/path%20with%20escapes.jpg",
        "https://user@example.com/a",
        "https://bücher.example/cover.jpg",
    ])
    func webAddressesPassUnchanged(url: String) {
        let result = applying(URLRule(), to: url, column: "ImageUrl")
        #expect(result.reason == nil)
        #expect(result.value == url)
    }

    /// The byte-level shortcut passes plain valid addresses and leaves everything else (failures,
    /// non-ASCII) to the full checks, which word the reason.
    @Test func theByteCheckPassesOnlyPlainValidAddresses() {
        for url in ["https://img.example.com/PIL-1.jpg", "HTTPS://EXAMPLE.COM/X.JPG", "http://a", "https://127.0.0.1/x.png?x=1#y"] {
            #expect(URLRule.isValidVisibleASCII(url), "\(url)")
        }
        for url in ["https://", "http:///a.jpg", "https://./a.jpg", "https://-/a", "https://?q=1", "httpx://example.com",
                    "ftp://a", "http:/a", "https://a b", "https://a\u{7F}", "https://bücher.example/cover.jpg", ""] {
            #expect(!URLRule.isValidVisibleASCII(url), "\(url)")
        }
    }

    @Test(arguments: [
        "ftp://example.com/a.jpg", "www.example.com/a.jpg", "//example.com/a.jpg", "example.com",
        "https:/example.com", "https:example.com", "javascript:alert(1)", "data:image/png;base64,AAAA",
        "file:///etc/passwd", "/images/a.jpg", "httpx://example.com",
    ])
    func otherSchemesAreRejected(url: String) {
        let result = applying(URLRule(), to: url, column: "ImageUrl")
        #expect(
            result.reason == "ImageUrl must be a web address starting with http:// or https://; the export has \(quoted(url)).")
    }

    @Test(arguments: [
        ("https://", "https://"), ("http:///a.jpg", "http://"), ("https://./a.jpg", "https://"),
        ("https://?q=1", "https://"), ("https://#x", "https://"), ("https://-/a", "https://"), ("HTTP://", "http://"),
    ])
    func aHostIsRequired(url: String, scheme: String) {
        let result = applying(URLRule(), to: url, column: "ImageUrl")
        #expect(result.reason == "ImageUrl '\(url)' has no host name after \(scheme).")
    }

    @Test(arguments: [
        ("https://example.com/a b.jpg", "a space"),
        ("https://example.com/a\tb.jpg", "a tab"),
        ("https://example.com/a\u{00A0}b.jpg", "a non-breaking space"),
        ("https://example.com/a\nb.jpg", "a line break"),
        ("https://example.com/a\r\nb.jpg", "a line break"),
        ("https://example.com/a\u{0001}b.jpg", "the invisible character U+1"),
        ("https://example.com/a\u{200B}b.jpg", "the invisible character U+200B"),
        ("https://example.com/a\u{FEFF}b.jpg", "the invisible character U+FEFF"),
        ("https://example.com/a\u{007F}b.jpg", "the invisible character U+7F"),
    ])
    func spacesAndInvisibleCharactersAreRejected(url: String, named: String) {
        let result = applying(URLRule(), to: url, column: "ImageUrl")
        #expect(result.reason == "ImageUrl \(quoted(url)) contains \(named); a web address cannot.")
    }

    @Test func ruleCodeIsURL() {
        #expect(URLRule().code.rawValue == "url")
    }
}

// MARK: - Numbers

@Suite struct DecimalTextTests {
    @Test(arguments: [
        ("12.5", "12.5"), ("12,5", "12.5"), ("012,50", "12.5"), ("-012,50", "-12.5"), ("0", "0"), ("-0", "0"),
        ("+0", "0"), ("-0.000", "0"), ("+1", "1"), (".5", "0.5"), (",5", "0.5"), ("5.", "5"), ("5,", "5"),
        ("100", "100"), ("0.35", "0.35"), ("000", "0"), ("0.0", "0"), ("-.5", "-0.5"),
        ("0012.0500", "12.05"), ("1.000", "1"),  // never a thousands separator: one point one is a decimal point
        ("123456789012345678901234567890.123456789", "123456789012345678901234567890.123456789"),
    ])
    func normalisesToCanonicalForm(text: String, expected: String) {
        #expect(DecimalText.normalize(text, separator: .auto) == expected)
    }

    @Test(arguments: [
        "1,000.5", "1.000,5", "1,000,000", "1e3", "1E3", "1.5e3", "", ".", ",", "-", "+", "1..2", "1,,2", "1.2.3",
        "abc", "12 5", " 12", "12 ", "12kg", "0x10", "--1", "+-1", "-+1", "1-", "١٢", "½", "∞", "NaN", "inf",
        "１２", "12.5.", "12\u{00A0}5",
    ])
    func rejectsWhatIsNotAPlainDecimal(text: String) {
        #expect(DecimalText.normalize(text, separator: .auto) == nil)
    }

    @Test func aFixedSeparatorRefusesTheOther() {
        #expect(DecimalText.normalize("12.5", separator: .point) == "12.5")
        #expect(DecimalText.normalize("12,5", separator: .point) == nil)
        #expect(DecimalText.normalize("12,5", separator: .comma) == "12.5")
        #expect(DecimalText.normalize("12.5", separator: .comma) == nil)
        #expect(DecimalText.normalize("12", separator: .comma) == "12")
    }

    // Written as "<", "=", ">" (DecimalText.Order is public and not Sendable, so it cannot be an argument).
    @Test(arguments: [
        ("0", "=", "0"), ("1", ">", "0"), ("0", "<", "1"), ("0.5", ">", "0"), ("-0.5", "<", "0"), ("-1", ">", "-2"),
        ("-0.5", "<", "-0.25"), ("10", ">", "9.99"), ("9.99", "<", "10"), ("1.5", "=", "1.50"), ("1.05", "<", "1.5"),
        ("100", ">", "99"), ("-100", "<", "-99"), ("0.001", ">", "0"), ("2", "=", "2"), ("-3", "<", "3"), ("3", ">", "-3"),
        ("-1.5", "=", "-1.5"), ("12345678901234567890", ">", "12345678901234567889"), ("2", "<", "2.5"), ("2.5", ">", "2"),
        ("-2", ">", "-2.5"), ("0.5", "<", "1"),
    ])
    func comparesCanonicalDecimals(a: String, order: String, b: String) {
        let symbol: String
        switch DecimalText.compare(a, b) {
        case .less: symbol = "<"
        case .equal: symbol = "="
        case .greater: symbol = ">"
        }
        #expect(symbol == order, "\(a) \(order) \(b)")
    }
}

@Suite struct NumberRuleTests {
    static let weight = NumberRule(separator: .auto, minimum: "0", exclusive: true)
    static let length = NumberRule(separator: .auto, minimum: "0", exclusive: false)

    @Test(arguments: [("12,5", "12.5"), ("12.5", "12.5"), ("0.001", "0.001"), ("+1", "1"), (".5", "0.5"), ("5.", "5")])
    func positiveWeightsPassNormalised(value: String, expected: String) {
        let result = applying(Self.weight, to: value, column: "NetWeightKg")
        #expect(result.reason == nil)
        #expect(result.value == expected)
    }

    @Test(arguments: ["0", "-0", "0,0", "-1", "-0.001", "-12,5"])
    func zeroAndNegativeWeightsFail(value: String) {
        let result = applying(Self.weight, to: value, column: "NetWeightKg")
        #expect(result.reason == "NetWeightKg must be greater than 0; the export has \(value).")
        #expect(result.value == value)  // not normalised on failure
    }

    @Test(arguments: ["abc", "1,000.5", "1e3", "12kg", "--1", "."])
    func nonNumbersFail(value: String) {
        let result = applying(Self.weight, to: value, column: "NetWeightKg")
        #expect(
            result.reason
                == "NetWeightKg must be a number (digits with a point or a comma for decimals); the export has \(quoted(value)).")
    }

    @Test func atLeastZeroAcceptsZero() {
        #expect(applying(Self.length, to: "0", column: "LengthCm") == ("0", nil))
        #expect(applying(Self.length, to: "-0", column: "LengthCm") == ("0", nil))
        #expect(applying(Self.length, to: "0,0", column: "LengthCm") == ("0", nil))
        #expect(applying(Self.length, to: "-0.01", column: "LengthCm").reason == "LengthCm must be at least 0; the export has -0.01.")
    }

    @Test func noMinimumAcceptsNegatives() {
        let rule = NumberRule(separator: .auto, minimum: nil, exclusive: false)
        #expect(applying(rule, to: "-12,50") == ("-12.5", nil))
    }

    @Test func theReasonNamesTheConfiguredSeparator() {
        let point = NumberRule(separator: .point, minimum: nil, exclusive: false)
        let comma = NumberRule(separator: .comma, minimum: nil, exclusive: false)
        #expect(applying(point, to: "12,5", column: "W").reason == "W must be a number (digits with a point for decimals); the export has '12,5'.")
        #expect(applying(comma, to: "12.5", column: "W").reason == "W must be a number (digits with a comma for decimals); the export has '12.5'.")
    }

    @Test func aNonZeroMinimumIsHonoured() {
        let rule = NumberRule(separator: .auto, minimum: "0.5", exclusive: false)
        #expect(applying(rule, to: "0,5").reason == nil)
        #expect(applying(rule, to: "0.49").reason == "Col must be at least 0.5; the export has 0.49.")
    }

    @Test func ruleCodeIsNumber() {
        #expect(Self.weight.code.rawValue == "number")
    }
}

// MARK: - Length

@Suite struct MaxLengthRuleTests {
    @Test(arguments: [
        ("abcde", 5), ("ééééé", 5),  // 10 bytes, 5 characters
        ("👍👍👍👍👍", 5),  // 20 bytes
        ("\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}\u{200D}\u{1F466}", 1),  // one family emoji: 7 scalars, 25 bytes
        ("🇬🇧", 1),  // a flag: two regional indicators
        ("e\u{301}", 1),  // e + combining acute is one character
        ("", 0),
    ])
    func countsCharactersNotBytes(value: String, characters: Int) {
        #expect(value.count == characters)
        let exact = MaxLengthRule(limit: max(characters, 1))
        #expect(applying(exact, to: value) == (value, nil))
    }

    @Test(arguments: [("abcdef", 6), ("éééééé", 6), ("👍👍👍👍👍👍", 6), ("日本語のテキスト", 8)])
    func overTheLimitFailsWithTheCount(value: String, characters: Int) {
        let result = applying(MaxLengthRule(limit: 5), to: value, column: "Description")
        #expect(result.reason == "Description is \(characters) characters; Prima allows 5.")
        #expect(result.value == value)  // never truncated
    }

    @Test func reasonMatchesTheDocumentedSentence() {
        let label = String(repeating: "x", count: 73)
        #expect(applying(MaxLengthRule(limit: 60), to: label, column: "Description").reason == "Description is 73 characters; Prima allows 60.")
    }

    @Test func ruleCodeIsMaxLength() {
        #expect(MaxLengthRule(limit: 1).code.rawValue == "max_length")
    }
}

// MARK: - Pattern and allowed characters

@Suite struct PatternRuleTests {
    static let itemCode = AllowedCharacters("A-Za-z0-9-_./")!

    @Test(arguments: ["PIL-1", "a_b.c/d", "ABCxyz0189", "-", "...", "SKU/2024/01", "Z", "z", "0", "9"])
    func allowedCodesPass(value: String) {
        #expect(applying(PatternRule(allowed: Self.itemCode), to: value, column: "ItemCode") == (value, nil))
    }

    @Test(arguments: [
        ("AB CD", "a space"), ("AB\tCD", "a tab"), ("AB\u{00A0}CD", "a non-breaking space"), ("AB\nCD", "a line break"),
        ("AB\r\nCD", "a line break"), ("AB\u{200B}CD", "the invisible character U+200B"), ("ABÉ", "'É'"),
        ("A+B", "'+'"), ("A#B", "'#'"), ("A\\B", "'\\'"), ("A,B", "','"), ("A:B", "':'"), ("A'B", "'''"),
        ("AB\u{0000}", "the invisible character U+0"), ("ＡＢ", "'Ａ'"), ("e\u{301}", "'e\u{301}'"), ("A@B", "'@'"),
    ])
    func theFirstDisallowedCharacterIsNamed(value: String, named: String) {
        let result = applying(PatternRule(allowed: Self.itemCode), to: value, column: "ItemCode")
        #expect(
            result.reason
                == "ItemCode \(quoted(value)) contains \(named); Prima allows only these characters: A-Za-z0-9-_./.")
    }

    @Test func rangesAndLiteralDashes() throws {
        let spec = try #require(AllowedCharacters("A-Za-z0-9-_./"))
        let allowed = (0..<128).map(UInt8.init).filter { spec.firstDisallowed(in: String(UnicodeScalar($0))) == nil }
        let expected = Array("-./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz".utf8)
        #expect(allowed == expected)
        #expect(spec.specification == "A-Za-z0-9-_./")
        #expect(spec.description == "A-Za-z0-9-_./")
    }

    @Test(arguments: [
        ("-a", "-a", "b"),  // `-` first is literal
        ("a-", "-a", "b"),  // `-` last is literal
        ("a-c-e", "-abce", "d"),  // `-` after a range is literal
        ("a-a", "a", "b"),  // a one-character range
        ("--/", "-./", ","),  // a range from `-` to `/`
        ("0-9", "0123456789", "a"),
        (" ", " ", "a"),
    ])
    func specificationsParseLikeABracketExpression(spec: String, allows: String, refuses: String) throws {
        let parsed = try #require(AllowedCharacters(spec))
        #expect(parsed.firstDisallowed(in: allows) == nil, "\(spec) should allow \(allows)")
        #expect(parsed.firstDisallowed(in: refuses) == Character(refuses), "\(spec) should refuse \(refuses)")
    }

    @Test(arguments: ["", "z-a", "9-0", "A-Zé", "ä"])
    func invalidSpecificationsAreRefused(spec: String) {
        #expect(AllowedCharacters(spec) == nil)
    }

    /// The byte check for all-allowed codes names the same character as going through them one by one.
    @Test func randomCodesNameTheSameFirstDisallowedCharacter() {
        func reference(_ value: String) -> Character? {
            value.first { $0.utf8.count != 1 || !"-./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz".utf8.contains($0.utf8.first!) }
        }
        let pieces = ["A", "z", "9", "-", "_", ".", "/", " ", "é", "e\u{301}", "\u{7F}", "#", "🧵", "\u{0}"]
        var generator = SplitMix64(seed: 5)
        var mismatches: [String] = []
        for _ in 0..<3_000 {
            let value = (0..<Int(generator.next() % 10)).map { _ in pieces[Int(generator.next() % UInt64(pieces.count))] }.joined()
            if Self.itemCode.firstDisallowed(in: value) != reference(value) { mismatches.append(value.debugDescription) }
        }
        #expect(mismatches.isEmpty, "\(mismatches.prefix(5))")
    }

    /// CR LF is one character: refused as a whole even where CR and LF are each allowed.
    @Test func aLineBreakIsOneCharacterEvenWhereItsBytesAreAllowed() throws {
        let spec = try #require(AllowedCharacters("\u{09}-\u{0D}a-z"))
        #expect(spec.firstDisallowed(in: "ab\ncd\r") == nil)
        #expect(spec.firstDisallowed(in: "ab\r\ncd") == "\r\n")
    }

    @Test func emptyValuesHaveNothingDisallowed() {
        #expect(Self.itemCode.firstDisallowed(in: "") == nil)
    }

    @Test func ruleCodeIsPattern() {
        #expect(PatternRule(allowed: Self.itemCode).code.rawValue == "pattern")
    }
}

// MARK: - Output encoding

@Suite struct OutputEncodingRuleTests {
    static let windows1252 = OutputEncodingRule(encoding: .windows1252)

    @Test(arguments: [
        "Plain ASCII", "Café crème brûlée", "€5 – “quoted” … ‘single’ • ™ Œuvre Ÿ ž", "Größe: ½ × ¼ ± µ",
        "line\r\nbreak", "line\nbreak", "tab\there", "\u{00A0}nbsp", "ÿþ",
    ])
    func windows1252TextPasses(value: String) {
        #expect(applying(Self.windows1252, to: value, column: "Description") == (value, nil))
    }

    @Test(arguments: [
        ("Ωmega", "'Ω'"), ("Smile 😀", "'😀'"), ("e\u{301}", "'e\u{301}'"), ("日本", "'日'"),
        ("zero\u{200B}width", "the invisible character U+200B"), ("\u{0081}", "the invisible character U+81"),
        ("Ł", "'Ł'"), ("🇬🇧", "'🇬🇧'"),
    ])
    func charactersOutsideTheCodePageAreNamed(value: String, named: String) {
        let result = applying(Self.windows1252, to: value, column: "Description")
        #expect(result.reason == "Description contains \(named), which Prima's Windows-1252 import files cannot hold.")
        #expect(result.value == value)
    }

    @Test func utf8OutputHoldsEverything() {
        let rule = OutputEncodingRule(encoding: .utf8)
        #expect(applying(rule, to: "Ωmega 😀 e\u{301} 日本") == ("Ωmega 😀 e\u{301} 日本", nil))
    }

    @Test func everyDefinedWindows1252ByteRoundTrips() throws {
        let undefined: Set<UInt8> = [0x81, 0x8D, 0x8F, 0x90, 0x9D]
        for byte in UInt8.min...UInt8.max {
            let decoded = Windows1252.decode([byte])
            if undefined.contains(byte) {
                #expect(decoded == nil, "byte \(byte)")
                continue
            }
            let text = try #require(decoded, "byte \(byte)")
            #expect(text.unicodeScalars.count == 1)
            #expect(Windows1252.encode(text.unicodeScalars.first!) == byte, "byte \(byte)")
        }
        #expect(Windows1252.decode(Array("Caf".utf8) + [0xE9, 0x20, 0x80]) == "Café €")
    }

    @Test func ruleCodeIsEncoding() {
        #expect(Self.windows1252.code.rawValue == "encoding")
    }
}

// MARK: - Reason helpers

@Suite struct ReasonHelperTests {
    @Test func longValuesAreShortenedInReasons() {
        #expect(quoted(String(repeating: "a", count: 40)) == "'\(String(repeating: "a", count: 40))'")
        #expect(quoted(String(repeating: "a", count: 41)) == "'\(String(repeating: "a", count: 40))…'")
        #expect(quoted("") == "''")
    }

    @Test func allRuleCodesAreStable() {
        let codes: [RuleCode] = [.required, .maxLength, .pattern, .number, .gtin, .hsCode, .country, .url, .encoding]
        #expect(codes.map(\.rawValue) == ["required", "max_length", "pattern", "number", "gtin", "hs_code", "country", "url", "encoding"])
        let rowCodes: [RuleCode] = [.duplicateSKU, .malformedRow, .recordTooLong]
        #expect(rowCodes.map(\.rawValue) == ["duplicate_sku", "malformed_row", "record_too_long"])
    }
}
