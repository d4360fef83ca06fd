import Testing
@testable import PlytixPrima
import PlytixPrimaTestSupport

// The transforms a column may apply before its rules: trimming (always), whitespace
// collapsing, the first category path and HTML stripping.

// MARK: - Trim

@Suite struct TrimTests {
    @Test(arguments: [
        (" a ", "a"),
        ("\u{00A0}PIL-1\u{00A0}", "PIL-1"),  // non-breaking spaces
        ("\u{200B}PIL-1\u{200B}", "PIL-1"),  // zero-width spaces
        ("\u{FEFF}SKU", "SKU"),  // a byte-order mark glued to the first header
        ("\u{2060}x\u{200D}", "x"),  // word joiner, zero-width joiner
        ("\u{200C}x", "x"),  // zero-width non-joiner
        ("\tvalue\t", "value"),
        ("\nvalue\n", "value"),
        ("\r\n value \r\n", "value"),
        ("\u{3000}全角\u{3000}", "全角"),  // ideographic space
        ("\u{0085}x\u{2028}", "x"),  // next line, line separator
        ("\u{2003}\u{2009}x\u{202F}", "x"),  // em space, thin space, narrow no-break space
        (" \u{00A0}\u{200B}\t\r\n", ""),
        ("", ""),
        ("   ", ""),
        ("a b", "a b"),  // inner spaces are not trim's business
        ("a\u{00A0}b", "a\u{00A0}b"),
        ("a\u{200B}b", "a\u{200B}b"),
        ("abc", "abc"),
        ("é ", "é"),
        (" 😀", "😀"),
        ("x \u{301}", "x \u{301}"),  // a combining mark is not a space, even after one
    ])
    func trimsEveryKindOfSpaceAtTheEnds(value: String, expected: String) {
        #expect(TextCleaning.trim(value) == expected)
    }
}

// MARK: - Collapse whitespace

@Suite struct CollapseWhitespaceTests {
    @Test(arguments: [
        ("a  b", "a b"),
        ("  a \t\n b  ", "a b"),
        ("a\u{00A0}b", "a b"),
        ("a\u{00A0}\u{00A0} b", "a b"),
        ("a\u{200B}b", "a b"),
        ("line1\r\nline2", "line1 line2"),
        ("line1\r\rline2", "line1 line2"),
        ("a\u{0007}b", "a b"),  // control characters count as space
        ("a\u{007F}b", "a b"),
        ("a\u{2028}b\u{2029}c", "a b c"),
        ("Café  Crème", "Café Crème"),
        ("", ""),
        ("   ", ""),
        ("\u{200B}", ""),
        (" leading", "leading"),
        ("trailing ", "trailing"),
        ("abc", "abc"),
        ("a b c", "a b c"),
        ("日本  語", "日本 語"),
    ])
    func runsOfSpaceBecomeOneASCIISpace(value: String, expected: String) {
        #expect(TextCleaning.collapseWhitespace(value) == expected)
    }

    @Test(arguments: [
        "\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}\u{200D}\u{1F466}",  // a family: people joined by ZWJ
        "\u{1F3F3}\u{FE0F}\u{200D}\u{1F308}",  // rainbow flag
        "\u{0645}\u{06CC}\u{200C}\u{062E}\u{0648}\u{0627}\u{0647}\u{0645}",  // Persian: the ZWNJ is part of the spelling
        "\u{0915}\u{094D}\u{200C}\u{0937}",  // Devanagari half form kept by a ZWNJ
    ])
    func joinersInsideTextAreKept(value: String) {
        #expect(TextCleaning.collapseWhitespace(value) == value)
        #expect(TextCleaning.collapseWhitespace("  \(value)  ") == value)
        #expect(TextCleaning.collapseWhitespace("a  \(value)  b") == "a \(value) b")
    }

    /// The rule, scalar by scalar: what the byte-level collapse (and its run-at-a-time copy)
    /// must give for any text.
    static func reference(_ value: String) -> String {
        var out = String.UnicodeScalarView()
        var pendingSpace = false
        var joiners = String.UnicodeScalarView()
        for scalar in value.unicodeScalars {
            if TextCleaning.isJoiner(scalar) {
                if !out.isEmpty && !pendingSpace { joiners.append(scalar) }
            } else if scalar.value < 0x20 || scalar.value == 0x7F || TextCleaning.isInvisibleSpace(scalar) {
                pendingSpace = !out.isEmpty
                joiners.removeAll()
            } else {
                if pendingSpace { out.append(" ") }
                pendingSpace = false
                out.append(contentsOf: joiners)
                joiners.removeAll()
                out.append(scalar)
            }
        }
        return String(out)
    }

    @Test func randomTextCollapsesAsTheScalarRuleSays() {
        let pieces = ["a", "b", "Z", "!", "~", " ", " ", "  ", "\t", "\r\n", "\u{7F}", "\u{A0}", "\u{200B}", "\u{200D}", "\u{200C}",
                      "é", "日本", "😀", "\u{3000}", "\u{2028}", "word", "long words here", "<", "&"]
        var generator = SplitMix64(seed: 3)
        var mismatches: [String] = []
        for _ in 0..<3_000 {
            let text = (0..<Int(generator.next() % 30)).map { _ in pieces[Int(generator.next() % UInt64(pieces.count))] }.joined()
            let collapsed = TextCleaning.collapseWhitespace(text)
            if collapsed != Self.reference(text) { mismatches.append(text.debugDescription) }
            // The description's path: stripped (nothing to strip here but `<` and `&`) and collapsed in one buffer.
            if HTMLText.stripCollapsingWhitespace(text) != Self.reference(HTMLText.strip(text)) { mismatches.append("html: " + text.debugDescription) }
        }
        #expect(mismatches.isEmpty, "\(mismatches.prefix(5))")
    }

    @Test func joinersAtTheEdgesAreDropped() {
        #expect(TextCleaning.collapseWhitespace("\u{200D}abc\u{200C}") == "abc")
        #expect(TextCleaning.collapseWhitespace("abc \u{200D}") == "abc")
        #expect(TextCleaning.collapseWhitespace("\u{200D} abc") == "abc")
    }
}

// MARK: - First category path

@Suite struct FirstCategoryPathTests {
    static func first(_ value: String, paths: String = ",", levels: String = ">") -> String {
        TextCleaning.firstCategoryPath(value, pathSeparator: paths, levelSeparator: levels)
    }

    @Test(arguments: [
        ("Clothing>Pants>Denim,Collection>2017>AW17", "Clothing>Pants>Denim"),
        ("Clothing > Pants > Denim , Collection > 2017", "Clothing>Pants>Denim"),
        ("Home", "Home"),
        ("Home>Bedding>Pillows", "Home>Bedding>Pillows"),
        (",Home>Bedding", "Home>Bedding"),  // a blank first path is skipped
        (",,Home", "Home"),
        ("Home>>Bedding", "Home>Bedding"),  // blank levels are dropped
        (">Home>Bedding>", "Home>Bedding"),
        ("Home> >Bedding", "Home>Bedding"),
        ("Home\u{00A0}>\u{00A0}Garden", "Home>Garden"),
        ("Home>Garden,", "Home>Garden"),
        ("", ""),
        (",", ""),
        (">", ""),
        ("Tools & DIY>Hand tools", "Tools & DIY>Hand tools"),
        ("Küche > Töpfe & Pfannen,Sale", "Küche>Töpfe & Pfannen"),
        ("\u{200B}Maison\u{3000}>\u{3000}Linge de lit 🛏️", "Maison>Linge de lit 🛏️"),
    ])
    func defaultSeparators(value: String, expected: String) {
        #expect(Self.first(value) == expected)
    }

    @Test func aBlankFirstPathIsSkippedLikeAnEmptyOne() {
        #expect(Self.first(">,Home>Garden") == "Home>Garden")
        #expect(Self.first(" ,Home>Garden") == "Home>Garden")
        #expect(Self.first("\u{00A0}> ,Home>Garden") == "Home>Garden")
        #expect(Self.first(" , > ,") == "")
    }

    /// The byte-level path agrees with splitting the string and trimming each level.
    @Test func randomPathsMatchSplittingTheString() {
        func reference(_ value: String) -> String {
            for path in value.split(separator: ",") {
                let levels = path.split(separator: ">").map { TextCleaning.trim(String($0)) }.filter { !$0.isEmpty }
                if !levels.isEmpty { return levels.joined(separator: ">") }
            }
            return ""
        }
        let pieces = [",", ">", " ", "\u{A0}", "\u{200B}", "\u{3000}", "Home", "Küche", "Töpfe & Pfannen", "🛏️", "a", "\t"]
        var generator = SplitMix64(seed: 11)
        var mismatches: [String] = []
        for _ in 0..<3_000 {
            let value = (0..<Int(generator.next() % 14)).map { _ in pieces[Int(generator.next() % UInt64(pieces.count))] }.joined()
            if Self.first(value) != reference(value) { mismatches.append(value.debugDescription) }
        }
        #expect(mismatches.isEmpty, "\(mismatches.prefix(5))")
    }

    @Test func customSeparators() {
        #expect(Self.first("Home/Garden|Tools/Hand", paths: "|", levels: "/") == "Home>Garden")
        #expect(Self.first("Home :: Garden || Tools :: Hand", paths: "||", levels: "::") == "Home>Garden")
        #expect(Self.first("Home>Garden;Tools>Hand", paths: ";", levels: ">") == "Home>Garden")
        // With `;` between paths, a comma is part of a level's name.
        #expect(Self.first("Bed, Bath>Towels;Sale", paths: ";", levels: ">") == "Bed, Bath>Towels")
        // Output levels are always joined by `>`, whatever the input used.
        #expect(Self.first("A/B/C", paths: ",", levels: "/") == "A>B>C")
    }
}

// MARK: - HTML

@Suite struct HTMLTextTests {
    /// Strip then collapse, as the default pipeline's LongDescription does: the one-buffer
    /// version the mapper uses must give what the two steps give.
    static func plain(_ html: String, sourceLocation: SourceLocation = #_sourceLocation) -> String {
        let twoSteps = TextCleaning.collapseWhitespace(HTMLText.strip(html))
        let fused = HTMLText.stripCollapsingWhitespace(html)
        #expect(fused == twoSteps, sourceLocation: sourceLocation)
        return fused
    }

    @Test(arguments: [
        "", " ", "plain", "  padded  ", "<p>  a  </p>  <p> b </p>", "a&nbsp;&nbsp;b", "&#x200B;x&#x200B;",
        "a\u{200D}\u{200D}  b", "\u{1F468}\u{200D}\u{1F469} <b>family</b> \u{200C}", "x\u{00A0}<br>\u{3000}y",
        "tab\tand\r\nbreaks", "<!-- c -->  <script>x</script>  日本  語  ", "a\u{0007}b\u{007F}c", "&lt;p&gt; &amp;&amp; ",
        "ends with space \u{2028}", "<p>\u{200B}</p>", "Crème  brûlée\u{202F}–\u{2009}😀",
    ])
    func oneBufferStripAndCollapseMatchesTheTwoSteps(html: String) {
        #expect(HTMLText.stripCollapsingWhitespace(html) == TextCleaning.collapseWhitespace(HTMLText.strip(html)))
    }

    @Test func textWithoutMarkupIsReturnedAsIs() {
        let text = "Soft cotton pillow, 50 x 30 cm; machine washable at 40°C."
        #expect(HTMLText.strip(text) == text)
    }

    @Test func tagsBecomeSpacesSoWordsStaySeparate() {
        #expect(HTMLText.strip("<p>Soft &amp; warm</p>") == " Soft & warm ")
        #expect(Self.plain("<p>a</p><p>b</p>") == "a b")
        #expect(Self.plain("one<br>two<br/>three<br />four") == "one two three four")
        #expect(Self.plain("<ul><li>Cotton</li><li>Wool</li></ul>") == "Cotton Wool")
    }

    @Test func inlineTagsInsideAWordAlsoSplitIt() {
        // Documented behaviour: every tag reads as a space, so markup inside a word splits it.
        #expect(Self.plain("wa<b>ter</b>proof") == "wa ter proof")
        #expect(Self.plain("10 m<sup>2</sup>") == "10 m 2")
    }

    @Test func nestedTags() {
        #expect(Self.plain("<div><p>a <b>bold <i>and <u>deep</u></i></b> text</p></div>") == "a bold and deep text")
    }

    @Test func attributesAreRemovedWithTheirTag() {
        #expect(Self.plain(#"<a href="https://example.com/?a=1&amp;b=2" class='link' data-x=y>link</a>"#) == "link")
        #expect(Self.plain(#"<img src="x.jpg" alt="A chair"/>Chair"#) == "Chair")
        #expect(Self.plain("<p\nclass=\"multi\nline\">text</p>") == "text")
    }

    @Test func aGreaterThanInsideAQuotedAttributeEndsTheTagEarly() {
        // Not handled: the tag ends at the first `>`, so the attribute's tail leaks into the text.
        #expect(Self.plain(#"<a title="a>b">x</a>"#) == #"b">x"#)
    }

    @Test func scriptAndStyleContentIsRemoved() {
        #expect(Self.plain("a<script>alert('<p>x</p>')</script>b") == "a b")
        #expect(Self.plain("<style>p { color: red; } a > b {}</style>Text") == "Text")
        #expect(Self.plain("a<SCRIPT type=\"text/javascript\">x()</SCRIPT>b") == "a b")
        #expect(Self.plain("a<Style>p{}</sTyLe >b") == "a b")
        #expect(Self.plain("a<script>one</script>b<script>two</script>c") == "a b c")
        // An unclosed script hides everything after it, as a browser would.
        #expect(Self.plain("before<script>never closed") == "before")
        // Only the tags themselves: other names that start alike are ordinary tags.
        #expect(Self.plain("<styled-box>Keep me</styled-box> and <scripture>me</scripture>") == "Keep me and me")
        #expect(Self.plain("a<script/>b") == "a")  // self-closing is not a thing for script in HTML
    }

    @Test func commentsAreRemovedWhole() {
        #expect(Self.plain("a<!-- note -->b") == "a b")
        #expect(Self.plain("a<!-- if a > b then c -->b") == "a b")
        #expect(Self.plain("a<!-- <p>hidden</p> -->b") == "a b")
        #expect(Self.plain("before<!-- never closed") == "before")
        #expect(Self.plain("a<!---->b<!-->c<!--->d") == "a b c d")  // empty and abruptly closed comments
        // What Word leaves when a description is pasted from it.
        let word = """
            <!--[if gte mso 9]><xml><w:WordDocument><w:View>Normal</w:View><w:Zoom>0</w:Zoom>\
            </w:WordDocument></xml><![endif]--><p class="MsoNormal">Oak chair</p>
            """
        #expect(Self.plain(word) == "Oak chair")
    }

    @Test func cdataLikeContentIsDroppedLikeABogusComment() {
        // Outside foreign content HTML has no CDATA: like a browser, `<![CDATA[` runs to the first `>`.
        #expect(Self.plain("<![CDATA[x<y]]>z") == "z")
        #expect(Self.plain("<![CDATA[a > b]]>") == "b]]>")
    }

    @Test(arguments: [
        ("&amp;", "&"), ("&lt;b&gt;", "<b>"), ("&quot;hi&quot;", "\"hi\""), ("it&apos;s", "it's"),
        ("&eacute;t&eacute;", "été"), ("&euro;5", "€5"), ("&copy; &reg; &trade;", "© ® ™"), ("&ndash;&mdash;", "–—"),
        ("&hellip;", "…"), ("&frac12;", "½"), ("&Auml;&ouml;&szlig;", "Äöß"), ("&nbsp;", "\u{00A0}"),
        ("&#233;", "é"), ("&#x20AC;", "€"), ("&#X20ac;", "€"), ("&#128512;", "😀"), ("&#x1F600;", "😀"),
        ("&#65;&#x42;", "AB"), ("&#0065;", "A"),
    ])
    func entitiesAreDecoded(html: String, expected: String) {
        #expect(HTMLText.strip(html) == expected)
    }

    @Test(arguments: [
        "&unknown;", "&AMP;", "&foo", "Salt & pepper", "AT&T", "&", "&&", "&;", "&#;", "&#x;", "&#0;", "&#xD800;",
        "&#x110000;", "&#99999999999;", "&#12a;", "&#xZZ;", "&averyveryverylongname;", "& amp;", "&amp",
    ])
    func unknownOrBrokenEntitiesAreLeftAsWritten(html: String) {
        #expect(HTMLText.strip(html) == html)
    }

    @Test func entitiesAreDecodedOnceOnly() {
        #expect(HTMLText.strip("&amp;amp;") == "&amp;")
        #expect(HTMLText.strip("&amp;lt;p&amp;gt;") == "&lt;p&gt;")
        #expect(HTMLText.strip("&lt;script&gt;alert(1)&lt;/script&gt;") == "<script>alert(1)</script>")
    }

    @Test func nonBreakingSpacesFoldWhenCollapsed() {
        #expect(Self.plain("<p>Soft&nbsp;&nbsp;cotton&#160;pillow</p>") == "Soft cotton pillow")
    }

    @Test func aLessThanThatStartsNoTagIsText() {
        #expect(Self.plain("Standby power < 0.5 W, 2 < 3") == "Standby power < 0.5 W, 2 < 3")
        #expect(Self.plain("<p>Fits sizes <10 and 20></p>") == "Fits sizes <10 and 20>")
        #expect(Self.plain("x <= y") == "x <= y")
        #expect(Self.plain("a <> b") == "a <> b")
        #expect(Self.plain("ends with <") == "ends with <")
        #expect(Self.plain("<<p>>") == "< >")
    }

    @Test func malformedTags() {
        // An unclosed tag runs to the end of the text.
        #expect(Self.plain("Unclosed <b tag and more") == "Unclosed")
        #expect(Self.plain("</p>closing only") == "closing only")
        #expect(Self.plain("<p>unclosed paragraph") == "unclosed paragraph")
        #expect(Self.plain("a</ b>c") == "a c")
        #expect(Self.plain("<?xml version=\"1.0\"?>text") == "text")
        #expect(Self.plain("<!DOCTYPE html>text") == "text")
    }

    @Test func nonASCIITextSurvives() {
        #expect(Self.plain("<p>Crème brûlée – 日本語 😀</p>") == "Crème brûlée – 日本語 😀")
    }

    @Test func veryLongInput() {
        let unit = "<p>Soft &amp; warm <b>cotton</b></p>\n"
        let html = String(repeating: unit, count: 28_000)  // about 1 MB, the default max_record_bytes
        let expected = Array(repeating: "Soft & warm cotton", count: 28_000).joined(separator: " ")
        // Compared as Bools: the strings are too long to print.
        let plain = Self.plain(html)
        #expect(plain == expected, "\(plain.utf8.count) bytes, expected \(expected.utf8.count)")

        let text = String(repeating: "word ", count: 200_000)
        let unchanged = HTMLText.strip(text) == text
        #expect(unchanged)

        // A lone `<` at the start must not swallow a megabyte of text.
        let lone = "< " + text
        let stripped = HTMLText.strip(lone)
        #expect(stripped == lone, "\(stripped.utf8.count) bytes left of \(lone.utf8.count)")
    }
}

// MARK: - Word-at-a-time scans

@Suite struct ByteRunsTests {
    /// Every start and end over buffers that put each kind of stop at every offset of a word.
    static let buffers: [[UInt8]] = {
        var buffers: [[UInt8]] = []
        let stops: [UInt8] = [0x00, 0x09, 0x20, 0x21, 0x26, 0x3C, 0x7E, 0x7F, 0x80, 0xA0, 0xC3, 0xFF]
        for stop in stops {
            for position in 0..<19 {
                var bytes = Array("abcdefghijklmnopqrs".utf8)
                bytes[position] = stop
                buffers.append(bytes)
            }
        }
        var generator = SplitMix64(seed: 7)
        for _ in 0..<200 {
            buffers.append((0..<Int(generator.next() % 40)).map { _ in
                generator.next() % 4 == 0 ? UInt8(truncatingIfNeeded: generator.next()) : UInt8(0x61 + generator.next() % 26)
            })
        }
        // Text of words and spaces: single, double and trailing spaces at every offset.
        let textBytes: [UInt8] = [0x61, 0x62, 0x21, 0x7E, 0x20, 0x20, 0x20, 0x0A, 0x7F, 0xC3]
        for _ in 0..<300 {
            buffers.append((0..<Int(generator.next() % 40)).map { _ in textBytes[Int(generator.next() % UInt64(textBytes.count))] })
        }
        return buffers
    }()

    /// Runs `check` on every range of every buffer; collects the mismatches it describes.
    static func mismatches(_ check: (_ bytes: [UInt8], _ buffer: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> String?) -> [String] {
        var found: [String] = []
        for bytes in buffers {
            bytes.withUnsafeBufferPointer { buffer in
                for start in 0...bytes.count {
                    for end in start...bytes.count {
                        if let mismatch = check(bytes, buffer, start..<end) { found.append("\(bytes) \(start)..<\(end): \(mismatch)") }
                    }
                }
            }
        }
        return found
    }

    @Test func endOfSettledTextMatchesAByteByByteSearch() {
        func visible(_ byte: UInt8) -> Bool { byte > 0x20 && byte < 0x7F }
        let mismatches = Self.mismatches { bytes, buffer, range in
            var expected = range.lowerBound
            while expected < range.upperBound
                && (visible(bytes[expected]) || (bytes[expected] == 0x20 && expected + 1 < range.upperBound && visible(bytes[expected + 1]))) {
                expected += 1
            }
            let found = ByteRuns.endOfSettledText(in: buffer, from: range.lowerBound, to: range.upperBound)
            return found == expected ? nil : "\(found), not \(expected)"
        }
        #expect(mismatches.isEmpty, "\(mismatches.prefix(5))")
    }

    @Test func firstIndexOfEitherByteMatchesAByteByByteSearch() {
        let mismatches = Self.mismatches { bytes, buffer, range in
            let expected = bytes[range].firstIndex { $0 == 0x3C || $0 == 0x26 } ?? range.upperBound
            let found = ByteRuns.firstIndex(of: 0x3C, or: 0x26, in: buffer, from: range.lowerBound, to: range.upperBound)
            return found == expected ? nil : "\(found), not \(expected)"
        }
        #expect(mismatches.isEmpty, "\(mismatches.prefix(5))")
    }

    @Test func countOfAByteMatchesAByteByByteCount() {
        let mismatches = Self.mismatches { bytes, buffer, range in
            let slice = UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: buffer[range]))
            for byte: UInt8 in [0x0A, 0x20, 0x00, 0x80, 0xFF, 0x61] {
                let expected = bytes[range].count { $0 == byte }
                let found = ByteRuns.count(of: byte, in: slice)
                if found != expected { return "\(byte): \(found), not \(expected)" }
            }
            return nil
        }
        #expect(mismatches.isEmpty, "\(mismatches.prefix(5))")
    }

    /// Long runs: every byte a match (the fullest lanes), none, and mixed, past several rounds of 255 words.
    @Test func countOfAByteOverLongRuns() {
        var generator = SplitMix64(seed: 3)
        let mixed = (0..<50_000).map { _ in generator.next() % 3 == 0 ? UInt8(0x0A) : UInt8(0x61) }
        for bytes in [[UInt8](repeating: 0x0A, count: 40_961), [UInt8](repeating: 0x61, count: 40_961), mixed] {
            for (start, end) in [(0, bytes.count), (3, bytes.count - 5), (0, 8 * 255), (1, 8 * 255 + 9)] {
                let expected = bytes[start..<end].count { $0 == 0x0A }
                let found = bytes.withUnsafeBytes { ByteRuns.count(of: 0x0A, in: UnsafeRawBufferPointer(rebasing: $0[start..<end])) }
                #expect(found == expected, "\(start)..<\(end) of \(bytes.count)")
            }
        }
    }

    @Test func containsAnyOfFourMatchesAByteByByteSearch() {
        let sets: [(UInt8, UInt8, UInt8, UInt8)] = [(0x2C, 0x22, 0x0A, 0x0D), (0x09, 0x22, 0x0A, 0x0D), (0x20, 0x80, 0xFF, 0x00)]
        let mismatches = Self.mismatches { _, buffer, range in
            let slice = UnsafeBufferPointer(rebasing: buffer[range])
            for (a, b, c, d) in sets {
                let expected = slice.contains { $0 == a || $0 == b || $0 == c || $0 == d }
                if ByteRuns.contains(a, b, c, d, in: slice) != expected { return "\([a, b, c, d])" }
            }
            return nil
        }
        #expect(mismatches.isEmpty, "\(mismatches.prefix(5))")
    }
}

/// Import lines: a value is quoted when it holds the separator, a quote or a line break, and
/// its quotes are doubled; compared with the rule applied byte by byte.
@Suite struct CSVLineEncoderTests {
    static func reference(_ value: String, delimiter: UInt8) -> [UInt8] {
        let bytes = Array(value.utf8)
        guard bytes.contains(where: { $0 == delimiter || $0 == 0x22 || $0 == 10 || $0 == 13 }) else { return bytes }
        return [0x22] + bytes.flatMap { $0 == 0x22 ? [0x22, 0x22] : [$0] } + [0x22]
    }

    @Test(arguments: [UInt8(ascii: ","), UInt8(ascii: ";"), 9])
    func everySpecialByteAtEveryOffsetIsQuotedAndDoubled(delimiter: UInt8) {
        let encoder = CSVLineEncoder(delimiter: delimiter, lineEnding: .crlf, encoding: .utf8)
        let specials = [",", ";", "\t", "\"", "\n", "\r", "\"\"", "é"]
        var values: [String] = ["", "plain", String(repeating: "long plain text ", count: 20)]
        for special in specials {
            for offset in 0..<18 {
                var value = Array("abcdefghijklmnopq")
                value.insert(contentsOf: special, at: offset)
                values.append(String(value))
            }
        }
        var mismatches: [String] = []
        for value in values where encoder.cell(value) != Self.reference(value, delimiter: delimiter) {
            mismatches.append(value)
        }
        #expect(mismatches.isEmpty, "\(mismatches.prefix(5))")
        let line = encoder.line(["A-1", "say \"hi\"", "x\(Character(UnicodeScalar(delimiter)))y"])
        let d = String(UnicodeScalar(delimiter))
        #expect(String(decoding: line, as: UTF8.self) == "A-1\(d)\"say \"\"hi\"\"\"\(d)\"x\(d)y\"\r\n")
    }
}
