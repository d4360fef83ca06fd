import Testing
@testable import PlytixPrima

/// From `RelationshipPlan.twoWalksFrom` roots on, the plan walks on two threads, half the roots
/// each, and merges what they decided: it must decide exactly what one walk decides. Which half
/// a root falls in follows the graph's tables, whose salt differs from one process to the next:
/// every check compares with one walk, which does not depend on it, and the cases where the
/// second walk gives up are made likely (a short give-up depth), not certain.
@Suite struct RelationshipPlanWalkTests {
    /// The SKUs of a random run and its plan made both ways. Rows are accepted, rejected,
    /// skipped or duplicated; variants name random parents (loops, self-references, deep
    /// chains, parents outside the run); kits list random components; a catalogue holds
    /// published, discontinued and re-parented products.
    static func plans(
        seed: UInt64, fullExport: Bool, secondWalkDepth: Int = RelationshipPlan.secondWalkDepth
    ) -> (one: RelationshipPlan, two: RelationshipPlan, skus: [String]) {
        var random = SplitMix64(seed: seed)
        func pick(_ count: Int) -> Int { Int(random.next() % UInt64(count)) }
        let count = 200 + pick(400)
        // Some SKUs are only referenced, or only in Prima.
        let skus = (0..<(count + 40)).map { "S-\($0)" }
        var index = SKUIndex()
        var graph = RelationshipGraph()
        var catalogue = KnownCatalogue()
        var kits: [SKUFingerprint: PublishedKit] = [:]
        for (line, sku) in skus.enumerated() {
            if pick(3) == 0 {
                catalogue.insert(
                    sku: sku, hash: RecordHash(line: [1]), modified: nil, active: pick(6) != 0, parent: pick(3) == 0 ? skus[pick(skus.count)] : nil)
            }
            if pick(20) == 0 {
                let components = (0...pick(2)).map { _ in SKUFingerprint(skus[pick(skus.count)]) }
                kits[SKUFingerprint(sku)] = PublishedKit(contents: SKUFingerprint("\(components)"), components: components)
            }
            guard line < count else { continue }
            let roll = pick(100)
            if roll >= 85 {
                index.record(sku, line: line + 2, standing: roll < 92 ? .rejected : roll < 97 ? .skipped : .discontinuing)
                continue
            }
            var row = SpoolPrefetchTests.accepted(sku, line: line + 2)
            if pick(5) < 2 { row.parent = skus[pick(skus.count)] }
            if pick(10) == 0 { row.components = (0...pick(3)).map { _ in KitComponent(sku: skus[pick(skus.count)], quantity: "1") } }
            index.record(row)
            if pick(50) == 0 { index.record(sku, line: line + 1000) }  // a duplicate
            graph.noteAccepted(row)
        }
        catalogue.finishLoading()
        func plan(walks: Int) -> RelationshipPlan {
            RelationshipPlan(
                index: index, graph: graph, catalogue: catalogue, publishedKits: kits, fullExport: fullExport,
                settings: RelationshipSettings(), walks: walks, secondWalkDepth: secondWalkDepth)
        }
        return (plan(walks: 1), plan(walks: 2), skus)
    }

    /// With a second walk that gives up two references deep (most of these runs have longer
    /// paths), the first carries on with its roots.
    @Test(arguments: 0..<40 as Range<UInt64>) func twoWalksDecideWhatOneWalkDecides(seed: UInt64) {
        let (one, two, skus) = Self.plans(seed: seed, fullExport: seed % 2 == 0, secondWalkDepth: seed < 20 ? 2 : RelationshipPlan.secondWalkDepth)
        var decided = 0
        for sku in skus {
            #expect(one.verdict(of: sku) == two.verdict(of: sku), "seed \(seed): \(sku)")
            #expect(one.placement(of: sku) == two.placement(of: sku), "seed \(seed): \(sku)")
            #expect(one.standing(of: sku) == two.standing(of: sku), "seed \(seed): \(sku)")
            if one.verdict(of: sku) != nil { decided += 1 }
        }
        #expect(decided > 20, "seed \(seed): the run has references to walk")
    }

    /// A chain longer than the second walk follows (a hostile export) is left to the first,
    /// with every other root of the second walk, and decided as one walk decides it: the top
    /// levels go out, everything below is held back.
    @Test(arguments: [16, RelationshipPlan.secondWalkDepth]) func aLongChainIsLeftToTheFirstWalk(secondWalkDepth: Int) {
        var index = SKUIndex()
        var graph = RelationshipGraph()
        let length = 3 * RelationshipPlan.secondWalkDepth
        for position in 0..<length {
            var row = SpoolPrefetchTests.accepted("C-\(position)", line: position + 2)
            if position + 1 < length { row.parent = "C-\(position + 1)" }
            index.record(row)
            graph.noteAccepted(row)
        }
        // Families of their own, half of them the second walk's roots.
        for family in 0..<200 {
            var row = SpoolPrefetchTests.accepted("V-\(family)", line: length + family + 2)
            row.parent = "P-\(family)"
            index.record(row)
            index.record("P-\(family)", line: 2 * length + family)
            graph.noteAccepted(row)
        }
        let plans = [1, 2].map { walks in
            RelationshipPlan(
                index: index, graph: graph, catalogue: nil, fullExport: false, settings: RelationshipSettings(), walks: walks,
                secondWalkDepth: secondWalkDepth)
        }
        let skus = (0..<length).map { "C-\($0)" } + (0..<200).map { "V-\($0)" }
        let differing = skus.filter { plans[0].verdict(of: $0) != plans[1].verdict(of: $0) }
        #expect(differing.isEmpty, "\(differing.prefix(5))")
        #expect((0..<200).allSatisfy { (family: Int) in plans[1].verdict(of: "V-\(family)")?.failures == [] })
        let heldBack = (0..<length).filter { plans[1].verdict(of: "C-\($0)")?.failures.isEmpty == false }
        #expect(heldBack.count > length - 10, "\(heldBack.count) of \(length)")
        #expect(plans[1].verdict(of: "C-\(length - 2)")?.failures == [], "the first variant below the top")
    }

    /// Loops come out the same however the roots are split between the walks.
    @Test func aLoopSplitBetweenTheWalksIsStillALoop() {
        var index = SKUIndex()
        var graph = RelationshipGraph()
        // A → B → C → A beside X → Y: however the four roots are split, no half holds the whole loop.
        for (line, (sku, parent)) in [("A", "B"), ("X", "Y"), ("B", "C"), ("C", "A")].enumerated() {
            var row = SpoolPrefetchTests.accepted(sku, line: line + 2)
            row.parent = parent
            index.record(row)
            graph.noteAccepted(row)
        }
        index.record("Y", line: 9)
        for walks in [1, 2] {
            let plan = RelationshipPlan(index: index, graph: graph, catalogue: nil, fullExport: false, settings: RelationshipSettings(), walks: walks)
            for sku in ["A", "B", "C"] { #expect(plan.verdict(of: sku)?.failures.contains(.variantCycle) == true, "\(walks) walks: \(sku)") }
            #expect(plan.verdict(of: "X")?.failures == [], "\(walks) walks")
            #expect(plan.placement(of: "X") == ImportPlacement(group: .variant, level: 0))
        }
    }
}
