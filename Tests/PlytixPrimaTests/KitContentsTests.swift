import Testing
@testable import PlytixPrima

/// Reading `Bundle Contents` (`SKU#quantity` tokens joined by `,`) and the rules found on one row.
@Suite struct KitContentsTests {
    let parser = KitContentsParser(input: InputSettings())

    func components(_ text: String, kit: String = "KIT-1") -> [String] {
        parser.parse(text, kit: kit).components.map { "\($0.sku)×\($0.quantity)" }
    }

    func rules(_ text: String, kit: String = "KIT-1") -> [String] {
        parser.parse(text, kit: kit).problems.map(\.rule.rawValue)
    }

    @Test func quantityFormats() {
        #expect(components("PILLOW-1#2,SHEETSET-4#1") == ["PILLOW-1×2", "SHEETSET-4×1"])
        #expect(components("A") == ["A×1"], "a missing quantity means 1")
        #expect(components(" A # 3 , B#0.50 ,C#007, ") == ["A×3", "B×0.5", "C×7"], "spaces, trailing zeros, an empty last token")
        #expect(components("A#+2") == ["A×2"])
        #expect(rules("A#2") == [])
    }

    @Test func invalidQuantitiesAreListedTogether() {
        for bad in ["A#0", "A#-1", "A#x", "A#", "A#1#2", "A#1e3", "A#0.000"] {
            #expect(rules(bad) == ["invalid_quantity"], "\(bad)")
        }
        let problem = parser.parse("A#0,B#two,C#1", kit: "K").problems
        #expect(problem.count == 1)
        #expect(problem[0].reason.contains("'A#0'") && problem[0].reason.contains("'B#two'") && !problem[0].reason.contains("C#1"))
    }

    @Test func duplicateMissingSKUEmptyAndSelf() {
        #expect(rules("A#1,B#2,A#3") == ["duplicate_component"])
        #expect(parser.parse("A#1,A#2", kit: "K").problems[0].reason.contains("'A'"))
        #expect(rules("#2,B") == ["invalid_component"])
        #expect(rules(",,") == ["invalid_component"], "contents that name nothing")
        #expect(rules("KIT-1#1,B#1") == ["bom_cycle"], "a kit listing itself")
        #expect(rules("A#0,A#1,KIT-1") == ["invalid_quantity", "bom_cycle"])
    }

    @Test func decimalCommaWhenTheSeparatorAllowsIt() {
        var input = InputSettings()
        #expect(KitContentsParser(input: input).parse("A#1,5", kit: "K").components.map(\.sku) == ["A", "5"], "`,` separates components")
        input.relationshipSeparator = "|"
        let parser = KitContentsParser(input: input)
        #expect(parser.parse("A#1,5|B#2.25", kit: "K").components.map(\.quantity) == ["1.5", "2.25"])
        input.decimalSeparator = .point
        #expect(KitContentsParser(input: input).parse("A#1,5", kit: "K").problems.map(\.rule) == [.invalidQuantity])
    }

    @Test func canonicalTextIsWhatStateKeeps() {
        #expect(parser.parse("B#2.50, A", kit: "K").components.canonicalText == "B#2.5,A#1")
    }
}
