import Testing
@testable import PlytixPrima

/// The pipeline keys of the relationship stage: the parent column, the item-type values, the
/// `relationships` section and its bill-of-materials layout.
@Suite struct RelationshipConfigTests {
    typealias P = PipelineFixture

    @Test func theDefaultPipelineDeclaresVariantsKitsAndTheBOMLayout() throws {
        let config = try P.parse(DefaultPipeline.yaml)
        let parent = try #require(config.variantOfColumnIndex)
        #expect(config.columns[parent].header == "ParentItemCode" && config.columns[parent].source?.csv == "Variant of")
        let itemType = try #require(config.itemTypeColumnIndex)
        #expect(config.columns[itemType].value == .itemType(
            relationship: FieldSource(csv: "Bundle Contents", xml: "bundle_contents"), kit: "KIT", style: "STYLE", stock: "STOCK"))
        #expect(config.relationships.maxVariantLevels == 3 && config.relationships.maxKitLevels == 5)
        #expect(config.relationships.bom.headers == ["Action", "ParentItemCode", "LineNo", "ComponentItemCode", "QuantityPer"])
        #expect(config.relationships.bom.lineNumberStep == 10 && config.relationships.bom.rowsPerChunk == 5000)
        #expect(config.input.relationshipSeparator == "," && config.input.relationshipQuantitySeparator == "#")
    }

    @Test func theBOMLayoutIsConfigurable() throws {
        let yaml = P.defaultPipeline(
            replacing: "    headers: [Action, ParentItemCode, LineNo, ComponentItemCode, QuantityPer]\n    line_number_step: 10 ",
            with: "    headers: [Aktion, Artikel, Pos, Komponente, Menge]\n    line_number_step: 1  ")
        let config = try P.parse(yaml)
        #expect(config.relationships.bom.headers == ["Aktion", "Artikel", "Pos", "Komponente", "Menge"])
        #expect(config.relationships.bom.lineNumberStep == 1)
    }

    @Test func wrongBOMHeaderCountsAndDuplicates() {
        let four = P.defaultPipeline(
            replacing: "headers: [Action, ParentItemCode, LineNo, ComponentItemCode, QuantityPer]",
            with: "headers: [Action, ParentItemCode, LineNo, ComponentItemCode]")
        let error = P.error(four)
        #expect(error?.key == "relationships.bom.headers" && error?.message.contains("expected 5 headers") == true, "\(String(describing: error))")
        let twice = P.defaultPipeline(
            replacing: "headers: [Action, ParentItemCode, LineNo, ComponentItemCode, QuantityPer]",
            with: "headers: [Action, Item, LineNo, Item, QuantityPer]")
        #expect(P.error(twice)?.message.contains("same header") == true)
    }

    @Test func unknownRelationshipKeysAndValues() {
        let unknown = P.defaultPipeline(replacing: "  max_kit_levels: 5 ", with: "  max_kit_depth: 5 ")
        #expect(P.error(unknown)?.message.contains("unknown key 'max_kit_depth'") == true)
        let badKind = P.defaultPipeline(replacing: "    relationship: variant_of ", with: "    relationship: parent     ")
        let error = P.error(badKind)
        #expect(error?.key == "columns[2] (ParentItemCode).relationship" && error?.message.contains("variant_of") == true, "\(String(describing: error))")
        let style = P.defaultPipeline(replacing: "values: { kit: KIT, style: STYLE, stock: STOCK }", with: "values: { kit: KIT, styel: STYLE, stock: STOCK }")
        #expect(P.error(style)?.message.contains("unknown key 'styel'") == true)
    }

    @Test func oneParentColumnReadingAField() {
        let constant = P.defaultPipeline(
            replacing: "    source: Variant of\n    xml: variant_of\n    relationship: variant_of ",
            with: "    constant: X\n    relationship: variant_of ")
        #expect(P.error(constant)?.message.contains("must read a Plytix field") == true)
        let twice = P.defaultPipeline(
            replacing: "  - header: Brand\n    source: Brand\n",
            with: "  - header: Brand\n    source: Brand\n    relationship: variant_of\n")
        #expect(P.error(twice)?.message.contains("only one column can be 'relationship: variant_of'") == true)
    }

    @Test func separatorsMustDiffer() {
        let same = P.defaultPipeline(replacing: "  relationship_separator: \",\" ", with: "  relationship_separator: \"#\" ")
        #expect(P.error(same)?.message.contains("must differ") == true)
    }
}
