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
struct RelationshipPlan {
    struct Verdict {
        var failures: RelationshipFailures = []
        var placement = ImportPlacement.first
        /// 0 for a product without a parent, 1 for a variant, 2 for a sub-variant…
        var variantLevel: UInt8 = 0
        /// 1 for a kit of plain items, 2 for a kit holding a kit…
        var kitLevels: UInt8 = 0
        /// Set while the depth-first walk is inside this SKU's references.
        fileprivate var visiting = false
    }

    let settings: RelationshipSettings
    private let index: SKUIndex
    private let graph: RelationshipGraph
    private let catalogue: KnownCatalogue?
    private let fullExport: Bool
    private var verdicts: [SKUFingerprint: Verdict] = [:]

    /// Deepest import placement a chain of references may reach; past it the kit is refused, so
    /// the number of sequencing buckets stays small whatever the export holds.
    static let maxPlacementLevel: UInt8 = 32

    init(index: SKUIndex, graph: RelationshipGraph, catalogue: KnownCatalogue?, fullExport: Bool, settings: RelationshipSettings) {
        self.index = index
        self.graph = graph
        self.catalogue = catalogue
        self.fullExport = fullExport
        self.settings = settings
        for key in graph.parentOf.keys { resolve(key) }
        for key in graph.componentsOf.keys { resolve(key) }
    }

    // MARK: - Questions pass 2 asks

    func failures(of sku: String) -> RelationshipFailures {
        verdicts[SKUFingerprint(sku)]?.failures ?? []
    }

    func verdict(of sku: String) -> Verdict? { verdicts[SKUFingerprint(sku)] }

    /// A product that any row of this export, or any variant Prima has, names as its parent.
    func isParent(_ sku: String) -> Bool { isParent(SKUFingerprint(sku)) }

    func placement(of sku: String) -> ImportPlacement { placement(of: SKUFingerprint(sku)) }

    func standing(of sku: String) -> DependencyStanding { standing(of: SKUFingerprint(sku)) }

    // MARK: - Resolution

    private func isParent(_ key: SKUFingerprint) -> Bool {
        graph.namedParents.contains(key) || catalogue?.entry(for: key)?.isParent == true
    }

    private func hasReferences(_ key: SKUFingerprint) -> Bool {
        graph.parentOf[key] != nil || graph.componentsOf[key] != nil
    }

    /// An accepted, non-duplicate row of this run.
    private func isAcceptedHere(_ key: SKUFingerprint) -> Bool {
        guard let entry = index.entry(for: key) else { return false }
        return entry.standing == .accepted && !entry.isDuplicate
    }

    private func placement(of key: SKUFingerprint) -> ImportPlacement {
        if let verdict = verdicts[key] { return verdict.placement }
        return ImportPlacement(group: isParent(key) ? .parent : .standalone, level: 0)
    }

    private func standing(of key: SKUFingerprint) -> DependencyStanding {
        if let entry = index.entry(for: key) {
            if entry.isDuplicate || entry.standing == .rejected { return .rejectedHere }
            if entry.standing == .accepted {
                return verdicts[key]?.failures.isEmpty == false ? .rejectedHere : .available
            }
            guard let known = catalogue?.entry(for: key), known.active else {
                return .unknown(why: "it is in this export but not sales-ready, and was never sent to Prima")
            }
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

    /// The variant level of an item that exists: from this run's verdicts or from the catalogue.
    private func variantLevel(of key: SKUFingerprint) -> Int {
        if isAcceptedHere(key) { return Int(verdicts[key]?.variantLevel ?? 0) }
        return Int(catalogue?.entry(for: key)?.variantLevel ?? 0)
    }

    /// Walks the references depth first without recursion (a hostile export may chain a
    /// million kits), so every SKU's verdict is decided after the verdicts of what it references.
    private mutating func resolve(_ root: SKUFingerprint) {
        guard verdicts[root] == nil, isAcceptedHere(root) else { return }
        struct Frame {
            var key: SKUFingerprint
            var references: [(key: SKUFingerprint, isParent: Bool)]
            var next = 0
        }
        func frame(_ key: SKUFingerprint) -> Frame {
            var references: [(key: SKUFingerprint, isParent: Bool)] = []
            if let parent = graph.parentOf[key] { references.append((parent, true)) }
            for component in graph.componentsOf[key] ?? [] { references.append((component, false)) }
            return Frame(key: key, references: references)
        }
        verdicts[root] = Verdict(visiting: true)
        var stack = [frame(root)]
        while !stack.isEmpty {
            let top = stack.count - 1
            if stack[top].next < stack[top].references.count {
                let reference = stack[top].references[stack[top].next]
                stack[top].next += 1
                guard isAcceptedHere(reference.key), hasReferences(reference.key) else { continue }
                if let existing = verdicts[reference.key] {
                    if existing.visiting { markCycle(closingAt: reference.key, stack: stack.map { ($0.key, $0.references[$0.next - 1].isParent) }) }
                    continue
                }
                verdicts[reference.key] = Verdict(visiting: true)
                stack.append(frame(reference.key))
                continue
            }
            let done = stack.removeLast()
            decide(done.key)
        }
    }

    /// Every SKU on the walk from `start` to the top references the next: a loop. Each member is
    /// refused for the kind of reference it takes into the loop.
    private mutating func markCycle(closingAt start: SKUFingerprint, stack: [(key: SKUFingerprint, viaParent: Bool)]) {
        guard let first = stack.firstIndex(where: { $0.key == start }) else { return }
        for member in stack[first...] {
            verdicts[member.key, default: Verdict()].failures.insert(member.viaParent ? .variantCycle : .bomCycle)
        }
    }

    private mutating func decide(_ key: SKUFingerprint) {
        var verdict = verdicts[key] ?? Verdict()
        verdict.visiting = false
        let group: ImportPlacement.Group
        if graph.componentsOf[key] != nil { group = .kit } else if graph.parentOf[key] != nil { group = .variant } else {
            group = isParent(key) ? .parent : .standalone
        }
        var placement = ImportPlacement(group: group, level: 0)
        func follow(_ reference: SKUFingerprint) {
            guard isAcceptedHere(reference) else { return }
            placement = max(placement, self.placement(of: reference).next)
        }
        if let parent = graph.parentOf[key], !verdict.failures.contains(.variantCycle) {
            switch standing(of: parent) {
            case .rejectedHere: verdict.failures.insert(.parentRejected)
            case .unknown: verdict.failures.insert(.unknownParent)
            case .available:
                let level = variantLevel(of: parent) + 1
                verdict.variantLevel = UInt8(clamping: level)
                if level >= settings.maxVariantLevels { verdict.failures.insert(.variantTooDeep) }
                follow(parent)
            }
        }
        if let components = graph.componentsOf[key] {
            var kitLevels = 1
            for component in components {
                switch standing(of: component) {
                case .rejectedHere:
                    // A loop member is already refused as a loop; it is not also "rejected".
                    if !verdict.failures.contains(.bomCycle) { verdict.failures.insert(.componentRejected) }
                case .unknown: verdict.failures.insert(.unknownComponent)
                case .available:
                    if isAcceptedHere(component), let nested = verdicts[component], nested.kitLevels > 0 {
                        kitLevels = max(kitLevels, Int(nested.kitLevels) + 1)
                    }
                    follow(component)
                }
            }
            verdict.kitLevels = UInt8(clamping: kitLevels)
            if kitLevels > settings.maxKitLevels || placement.level > Self.maxPlacementLevel { verdict.failures.insert(.bomTooDeep) }
        } else if placement.level > Self.maxPlacementLevel {
            verdict.failures.insert(.variantTooDeep)
        }
        verdict.placement = placement
        verdicts[key] = verdict
    }
}
