import Dispatch
import Synchronization

/// Why the relationship stage holds an accepted row back (several may apply at once).
struct RelationshipFailures: OptionSet, Sendable {
    let rawValue: UInt16

    static let unknownParent = RelationshipFailures(rawValue: 1 << 0)
    static let parentRejected = RelationshipFailures(rawValue: 1 << 1)
    static let variantCycle = RelationshipFailures(rawValue: 1 << 2)
    static let variantTooDeep = RelationshipFailures(rawValue: 1 << 3)
    static let unknownComponent = RelationshipFailures(rawValue: 1 << 4)
    static let componentRejected = RelationshipFailures(rawValue: 1 << 5)
    static let bomCycle = RelationshipFailures(rawValue: 1 << 6)
    static let bomTooDeep = RelationshipFailures(rawValue: 1 << 7)
    /// A chain of parents and kit components longer than import ordering allows.
    static let chainTooLong = RelationshipFailures(rawValue: 1 << 8)
}

/// Whether an item a row references exists for Prima at import time.
enum DependencyStanding: Equatable {
    /// Accepted in this run (and not held back), or already in Prima and staying there.
    case available
    /// In this export but rejected in this run.
    case rejectedHere
    /// Prima will not have it; `why` says why, for the reject reason.
    case unknown(why: String)
}

/// The relationship stage's verdict on every SKU of a run, decided between the two passes from
/// the compact graph: which accepted rows are held back and why, which products are styles, and
/// where each item goes in the import order.
///
/// The graph joins this run's references (accepted rows) with what Prima already has (each
/// published variant's parent, each published kit's components), so a loop or a depth that
/// only appears together with earlier runs is found too. Strongly connected components
/// (Tarjan's algorithm, without recursion) give every loop whatever order the walk takes, and
/// come out dependencies first, so each verdict is decided after those it depends on.
struct RelationshipPlan {
    struct Verdict: Equatable {
        var failures: RelationshipFailures = []
        var placement = ImportPlacement.standalone
        /// 0 for a product without a parent, 1 for a variant, 2 for a sub-variant…
        var variantLevel: UInt8 = 0
        /// 1 for a kit of plain items, 2 for a kit holding a kit…; 0 for other products.
        var kitLevels: UInt8 = 0
        /// Levels of variants Prima already has below this product (a re-parented style).
        var levelsBelow: UInt8 = 0
    }

    let settings: RelationshipSettings
    private let index: SKUIndex
    private let graph: RelationshipGraph
    private let catalogue: KnownCatalogue?
    private let publishedKits: [SKUFingerprint: PublishedKit]
    private let fullExport: Bool
    /// The verdicts of this run's accepted rows with references and of the published products
    /// they lead to.
    private var verdicts = Verdicts()
    /// Published variants below this run's re-parented styles, to check a family's depth downward.
    private var publishedChildren: [SKUFingerprint: [SKUFingerprint]] = [:]

    /// Deepest import placement a chain of references may reach, so the number of sequencing
    /// files stays small whatever the export holds.
    static let maxPlacementLevel: UInt8 = 32

    /// `walks`: 1 or 2 whatever the number of roots, and `secondWalkDepth` (for tests); by
    /// default two walks from `twoWalksFrom` roots on.
    init(
        index: SKUIndex, graph: RelationshipGraph, catalogue: KnownCatalogue?, publishedKits: [SKUFingerprint: PublishedKit] = [:],
        fullExport: Bool, settings: RelationshipSettings, walks: Int? = nil, secondWalkDepth: Int = Self.secondWalkDepth
    ) {
        self.index = index
        self.graph = graph
        self.catalogue = catalogue
        self.publishedKits = publishedKits
        self.fullExport = fullExport
        self.settings = settings
        collectPublishedChildren()
        verdicts = resolve(roots: graph.parentOf.keys + graph.componentsOf.keys, walks: walks, secondWalkDepth: secondWalkDepth)
    }

    /// What the walks decide: each product's verdict, at its number in `list` (one table serves
    /// a walk and the answers).
    struct Verdicts {
        fileprivate var numbers = FingerprintTable<Int32>()
        fileprivate var list: [Verdict] = []
        fileprivate var decided: [Bool] = []

        func verdict(of key: SKUFingerprint) -> Verdict? {
            guard let number = numbers[key], decided[Int(number)] else { return nil }
            return list[Int(number)]
        }

        /// Adds what `other` decided of products this walk did not reach. Where both reached a
        /// product they decided the same: a verdict follows from the references alone.
        mutating func merge(_ other: Verdicts) {
            other.numbers.forEach { key, number in
                guard other.decided[Int(number)], numbers[key] == nil else { return }
                numbers.set(key, to: Int32(list.count))
                list.append(other.list[Int(number)])
                decided.append(true)
            }
        }
    }

    /// Roots from which the plan walks on two cores, half each: the walk is bound by cache
    /// misses in tables of a million SKUs, and it is the one stretch of a run with a core idle.
    static let twoWalksFrom = 50_000

    // MARK: - Questions pass 2 asks

    func verdict(of sku: String) -> Verdict? { verdict(of: SKUFingerprint(sku)) }

    func verdict(of key: SKUFingerprint) -> Verdict? { verdicts.verdict(of: key) }

    /// A product that any row of this export, or any variant Prima has, names as its parent.
    func isParent(_ sku: String) -> Bool { isParent(SKUFingerprint(sku)) }

    func placement(of sku: String) -> ImportPlacement { placement(of: SKUFingerprint(sku)) }

    func standing(of sku: String) -> DependencyStanding { standing(of: SKUFingerprint(sku), in: verdicts) }

    /// Whether the state store records a parent for this published variant.
    func knowsPublishedParent(of key: SKUFingerprint) -> Bool { catalogue?.parentOf[key] != nil }

    /// The published kit's component set, if Prima has one for `sku`.
    func publishedContents(of sku: String) -> SKUFingerprint? { publishedContents(of: SKUFingerprint(sku)) }

    func publishedContents(of key: SKUFingerprint) -> SKUFingerprint? {
        publishedKits.isEmpty ? nil : publishedKits[key]?.contents
    }

    // MARK: - Standing of a referenced SKU

    func isParent(_ key: SKUFingerprint) -> Bool {
        Self.isParent(key, namedParents: graph.namedParents, known: catalogue?.entry(for: key))
    }

    /// `isParent(_:)` when the caller already has the key's catalogue entry (`known`).
    func isParent(_ key: SKUFingerprint, known: KnownCatalogue.Entry?) -> Bool {
        Self.isParent(key, namedParents: graph.namedParents, known: known)
    }

    /// The rule itself, for pass 2's reading thread too (`SpoolPrefetch`), which has no plan:
    /// a row of this export (`namedParents`) or a variant Prima has (`known`, the key's
    /// catalogue entry, asked for only when the export does not already say so) names `key`
    /// as its parent.
    static func isParent(
        _ key: SKUFingerprint, namedParents: FingerprintSet, known: @autoclosure () -> KnownCatalogue.Entry?
    ) -> Bool {
        namedParents.contains(key) || known()?.isParent == true
    }

    /// An accepted, non-duplicate row of this run.
    private func isAcceptedHere(_ key: SKUFingerprint) -> Bool {
        guard let entry = index.entry(for: key) else { return false }
        return entry.standing == .accepted && !entry.isDuplicate
    }

    /// Asks `isParent(key)` (a lookup in a table of every named parent, a cache miss) only for a
    /// product the walk placed no row of.
    func placement(of key: SKUFingerprint) -> ImportPlacement {
        decidedPlacement(of: key, in: verdicts) ?? ImportPlacement(group: isParent(key) ? .parent : .standalone, level: 0)
    }

    /// `placement(of:)` when the caller already knows `isParent(key)`.
    func placement(of key: SKUFingerprint, isParent: Bool) -> ImportPlacement {
        decidedPlacement(of: key, in: verdicts) ?? ImportPlacement(group: isParent ? .parent : .standalone, level: 0)
    }

    /// The placement a walk (`verdicts`) decided for an accepted row of this run with references.
    private func decidedPlacement(of key: SKUFingerprint, in verdicts: Verdicts) -> ImportPlacement? {
        guard isAcceptedHere(key), let verdict = verdicts.verdict(of: key) else { return nil }
        return verdict.placement
    }

    /// `verdicts`: what the walk asking has decided so far (every product a row of this run
    /// references is decided before the row).
    private func standing(of key: SKUFingerprint, in verdicts: Verdicts) -> DependencyStanding {
        if let entry = index.entry(for: key) {
            if entry.isDuplicate || entry.standing == .rejected { return .rejectedHere }
            if entry.standing == .accepted {
                return verdicts.verdict(of: key)?.failures.isEmpty == false ? .rejectedHere : .available
            }
            guard let known = catalogue?.entry(for: key) else {
                return .unknown(why: "it is in this export but not sales-ready, and was never sent to Prima")
            }
            guard known.active else { return .unknown(why: "it is in this export but not sales-ready, and an earlier run discontinued it") }
            if entry.standing == .discontinuing { return .unknown(why: "this export discontinues it") }
            return .available
        }
        guard let known = catalogue?.entry(for: key) else {
            return .unknown(why: "it is not in this export and was never sent to Prima")
        }
        guard known.active else { return .unknown(why: "it was discontinued by an earlier run") }
        if fullExport { return .unknown(why: "it is missing from this full export, so it is being discontinued") }
        return .available
    }

    // MARK: - Resolution

    /// A reference from one product to another: to its parent, or to a kit component.
    private struct Reference {
        var target: SKUFingerprint
        var toParent: Bool
    }

    /// What `key` references: this run's row when it is accepted here, else what Prima has
    /// (when the product stays in Prima); nothing for products Prima will not have.
    private func references(of key: SKUFingerprint, in verdicts: Verdicts) -> [Reference] {
        var references: [Reference] = []
        if isAcceptedHere(key) {
            if let parent = graph.parentOf[key] { references.append(Reference(target: parent, toParent: true)) }
            for component in graph.componentsOf[key] ?? [] { references.append(Reference(target: component, toParent: false)) }
        } else if standing(of: key, in: verdicts) == .available {
            if let parent = catalogue?.parentOf[key] { references.append(Reference(target: parent, toParent: true)) }
            for component in publishedKits[key]?.components ?? [] { references.append(Reference(target: component, toParent: false)) }
        }
        return references
    }

    /// A variant sent with a parent that Prima already has variants below: its family may grow
    /// deeper than the limit downward. Collects, level by level, the published variants below
    /// such products (a few scans of the published parents, only when there are any).
    private mutating func collectPublishedChildren() {
        guard let catalogue else { return }
        var frontier = Set(graph.parentOf.keys.filter { isAcceptedHere($0) && catalogue.entry(for: $0)?.isParent == true })
        for _ in 0..<settings.maxVariantLevels where !frontier.isEmpty {
            var next: Set<SKUFingerprint> = []
            catalogue.parentOf.forEach { child, parent in
                guard frontier.contains(parent) else { return }
                publishedChildren[parent, default: []].append(child)
                next.insert(child)
            }
            frontier = next
        }
    }

    /// How many levels of published variants that stay in Prima hang below `key` (capped).
    private func publishedLevelsBelow(_ key: SKUFingerprint, in verdicts: Verdicts, depth: Int = 0) -> Int {
        guard depth <= settings.maxVariantLevels else { return 0 }
        var levels = 0
        for child in publishedChildren[key] ?? [] where !isAcceptedHere(child) && standing(of: child, in: verdicts) == .available {
            levels = max(levels, 1 + publishedLevelsBelow(child, in: verdicts, depth: depth + 1))
        }
        return levels
    }

    /// Whether `references(of:)` would list anything, without building the list: asked for
    /// every reference the walk follows.
    private func hasReferences(_ key: SKUFingerprint, in verdicts: Verdicts) -> Bool {
        if isAcceptedHere(key) { return graph.parentOf[key] != nil || graph.componentsOf[key] != nil }
        guard standing(of: key, in: verdicts) == .available else { return false }
        return catalogue?.parentOf[key] != nil || publishedKits[key]?.components.isEmpty == false
    }

    /// The verdicts of everything `roots` lead to: from `twoWalksFrom` roots on (or when `walks`
    /// says 2), two walks on two threads take half the roots each, and their verdicts are merged.
    /// A product both walks reach is decided by each, the same way.
    ///
    /// A walk holds a frame, and its tables an entry, for every product on its path, so a long
    /// chain of references (a hostile export: a million variants each naming the next) is held
    /// by each walk that meets it. The second walk gives up once its path is `secondWalkDepth`
    /// long, and the first then carries on with the second's roots, as one walk does: such an
    /// export costs the memory of one walk, not two.
    private func resolve(roots: [SKUFingerprint], walks: Int?, secondWalkDepth: Int) -> Verdicts {
        precondition(walks == nil || walks == 1 || walks == 2, "one walk or two")
        var verdicts = Verdicts()
        guard (walks ?? (roots.count >= Self.twoWalksFrom ? 2 : 1)) > 1, roots.count > 1 else {
            walk(from: roots[...], into: &verdicts)
            return verdicts
        }
        let halves = [roots[..<(roots.count / 2)], roots[(roots.count / 2)...]]
        let results = Mutex<[Verdicts?]>([nil, nil])
        // Both walks only read the plan; each hands back its own verdicts, if it finished.
        DispatchQueue.concurrentPerform(iterations: 2) { half in
            var verdicts = Verdicts()
            // The first walk makes room for every root: it takes on the second's when that gives up.
            let finished = half == 0
                ? walk(from: halves[0], into: &verdicts, room: roots.count)
                : walk(from: halves[1], into: &verdicts, maximumDepth: secondWalkDepth)
            results.withLock { $0[half] = finished ? verdicts : nil }
        }
        // Taken out, not copied: merging into a copy would copy its tables first.
        let second = results.withLock { results in
            swap(&verdicts, &results[0]!)
            return results[1].take()
        }
        if let second {
            verdicts.merge(second)
        } else {
            walk(from: halves[1], into: &verdicts)
        }
        return verdicts
    }

    /// How long a path the second walk follows before it leaves its roots to the first. Exports
    /// nest a few levels (and refuse chains beyond `maxPlacementLevel`): only a hostile one
    /// comes near it.
    static let secondWalkDepth = 1024

    /// Tarjan's strongly connected components over the references, with an explicit stack (a
    /// hostile export may chain a million kits). Each component is decided when it is complete,
    /// which is after every component it references.
    ///
    /// Adds to `verdicts` (a walk carried on: what it decided stays decided, and its roots are
    /// passed over). Returns false, leaving `verdicts` half made, if a path grows longer than
    /// `maximumDepth`.
    @discardableResult
    private func walk(
        from roots: ArraySlice<SKUFingerprint>, into verdicts: inout Verdicts, maximumDepth: Int? = nil, room: Int? = nil
    ) -> Bool {
        struct Frame {
            var node: Int
            var references: [Reference]
            var next = 0
        }
        // Per node, by the number this walk gives it (`first +` it in `verdicts`); products
        // decided before it (numbered below `first`) are never on its stack.
        let first = verdicts.list.count
        var keys: [SKUFingerprint] = []
        var lowLink: [Int32] = []
        var onStack: [Bool] = []
        var componentStack: [Int32] = []
        var frames: [Frame] = []
        // Every root is numbered, and most are variants whose parent is numbered too only
        // when it has references of its own: room for the roots is made once, in the verdicts
        // for `room` of them. (A walk carried on adds to tables made for every root.)
        keys.reserveCapacity(roots.count)
        lowLink.reserveCapacity(roots.count)
        onStack.reserveCapacity(roots.count)
        if first == 0 {
            let room = room ?? roots.count
            verdicts.numbers.reserveCapacity(room)
            verdicts.list.reserveCapacity(room)
            verdicts.decided.reserveCapacity(room)
        }

        func open(_ key: SKUFingerprint) -> Frame {
            let node = keys.count
            verdicts.numbers.set(key, to: Int32(first + node))
            keys.append(key)
            lowLink.append(Int32(node))
            onStack.append(true)
            componentStack.append(Int32(node))
            verdicts.list.append(Verdict())
            verdicts.decided.append(false)
            return Frame(node: node, references: references(of: key, in: verdicts))
        }

        for root in roots where verdicts.numbers[root] == nil && isAcceptedHere(root) {
            frames.append(open(root))
            while !frames.isEmpty {
                let top = frames.count - 1
                if frames[top].next < frames[top].references.count {
                    let target = frames[top].references[frames[top].next].target
                    frames[top].next += 1
                    if let seen = verdicts.numbers[target].map({ Int($0) - first }) {
                        if seen >= 0 && onStack[seen] { lowLink[frames[top].node] = min(lowLink[frames[top].node], Int32(seen)) }
                    } else if hasReferences(target, in: verdicts) {
                        if let maximumDepth, frames.count >= maximumDepth { return false }
                        frames.append(open(target))
                    }
                    continue
                }
                let done = frames.removeLast()
                if let caller = frames.last { lowLink[caller.node] = min(lowLink[caller.node], lowLink[done.node]) }
                guard lowLink[done.node] == Int32(done.node) else { continue }
                var members: [SKUFingerprint] = []
                while let member = componentStack.popLast() {
                    onStack[Int(member)] = false
                    members.append(keys[Int(member)])
                    if member == Int32(done.node) { break }
                }
                // A component of one product (nearly all of them) is the frame just closed,
                // which already holds its references.
                decide(members, references: members.count == 1 ? done.references : nil, in: &verdicts)
            }
        }
        return true
    }

    /// Decides one strongly connected component. More than one member (or a member that
    /// references itself) is a loop: each member is refused for the kind of reference it takes
    /// into the loop, and references inside the loop count for nothing else.
    /// `references`: those of the only member, when the caller has them (each costs several
    /// lookups in tables of a million SKUs, and this runs for every variant and kit).
    private func decide(_ members: [SKUFingerprint], references known: [Reference]? = nil, in verdicts: inout Verdicts) {
        // Nearly every component is one product: no set is built for it.
        let loopMembers = members.count > 1 ? Set(members) : []
        func inLoop(_ key: SKUFingerprint) -> Bool { members.count == 1 ? key == members[0] : loopMembers.contains(key) }
        let single = members.count == 1 ? known ?? references(of: members[0], in: verdicts) : nil
        let isLoop = members.count > 1 || single!.contains { $0.target == members[0] }
        for key in members {
            var verdict = Verdict()
            let references = single ?? references(of: key, in: verdicts)
            if isLoop {
                if references.contains(where: { $0.toParent && inLoop($0.target) }) { verdict.failures.insert(.variantCycle) }
                if references.contains(where: { !$0.toParent && inLoop($0.target) }) { verdict.failures.insert(.bomCycle) }
            }
            let outside = isLoop ? references.filter { !inLoop($0.target) } : references
            if isAcceptedHere(key) {
                decideAccepted(
                    key, outside: outside, hasComponents: references.contains { !$0.toParent }, verdict: &verdict, in: verdicts)
            } else {
                // A product Prima has: only its depth matters, to those that reference it.
                for reference in outside {
                    if reference.toParent {
                        verdict.variantLevel = UInt8(clamping: Int(variantLevel(of: reference.target, in: verdicts)) + 1)
                    } else {
                        verdict.kitLevels = max(verdict.kitLevels, UInt8(clamping: Int(kitLevels(of: reference.target, in: verdicts)) + 1))
                    }
                }
                if references.contains(where: { !$0.toParent }) { verdict.kitLevels = max(verdict.kitLevels, 1) }
            }
            let number = Int(verdicts.numbers[key]!)
            verdicts.list[number] = verdict
            verdicts.decided[number] = true
        }
    }

    private func decideAccepted(
        _ key: SKUFingerprint, outside: [Reference], hasComponents: Bool, verdict: inout Verdict, in verdicts: Verdicts
    ) {
        let group: ImportPlacement.Group
        if hasComponents {
            group = .kit
        } else if graph.parentOf[key] != nil {
            group = .variant
        } else {
            group = isParent(key) ? .parent : .standalone
        }
        var placement = ImportPlacement(group: group, level: 0)
        if hasComponents { verdict.kitLevels = 1 }
        for reference in outside {
            switch standing(of: reference.target, in: verdicts) {
            case .rejectedHere:
                verdict.failures.insert(reference.toParent ? .parentRejected : .componentRejected)
            case .unknown:
                verdict.failures.insert(reference.toParent ? .unknownParent : .unknownComponent)
            case .available:
                if reference.toParent {
                    verdict.variantLevel = UInt8(clamping: Int(variantLevel(of: reference.target, in: verdicts)) + 1)
                    verdict.levelsBelow = UInt8(clamping: publishedLevelsBelow(key, in: verdicts))
                    if Int(verdict.variantLevel) + Int(verdict.levelsBelow) >= settings.maxVariantLevels {
                        verdict.failures.insert(.variantTooDeep)
                    }
                } else {
                    verdict.kitLevels = max(verdict.kitLevels, UInt8(clamping: Int(kitLevels(of: reference.target, in: verdicts)) + 1))
                }
                // Only items sent in this run need to come earlier; Prima has the others. An item
                // the walk placed no row of goes out with the standalone items or the parents,
                // which come before every variant and kit: this row, a variant or a kit, is after
                // it whatever it is (so whether it is a parent, a lookup, is not asked).
                if let before = decidedPlacement(of: reference.target, in: verdicts) {
                    placement = max(placement, before.next)
                }
            }
        }
        if hasComponents && Int(verdict.kitLevels) > settings.maxKitLevels { verdict.failures.insert(.bomTooDeep) }
        if placement.level > Self.maxPlacementLevel { verdict.failures.insert(.chainTooLong) }
        verdict.placement = placement
    }

    /// The variant level of a product that exists: decided above, or 0 for one without a parent.
    private func variantLevel(of key: SKUFingerprint, in verdicts: Verdicts) -> UInt8 { verdicts.verdict(of: key)?.variantLevel ?? 0 }

    /// How deep kits nest below `key`: decided above, or 0 for a product that is not a kit.
    private func kitLevels(of key: SKUFingerprint, in verdicts: Verdicts) -> UInt8 { verdicts.verdict(of: key)?.kitLevels ?? 0 }
}
