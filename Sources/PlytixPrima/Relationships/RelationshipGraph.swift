/// The run's relationships as the first pass finds them, by SKU fingerprint: which parent each
/// accepted variant names, which components each accepted kit lists, and every SKU that any row
/// names as a parent. Only edges are kept, never records, so memory follows the number of
/// variants and kit lines, not the size of the export.
struct RelationshipGraph {
    private(set) var parentOf = FingerprintTable<SKUFingerprint>()
    private(set) var componentsOf = FingerprintTable<[SKUFingerprint]>()
    /// Named as `Variant of` by a row of any status: in Prima such a product is a style.
    private(set) var namedParents = FingerprintSet()

    mutating func noteNamedParent(_ parent: String) {
        guard !parent.isEmpty else { return }
        namedParents.insert(SKUFingerprint(parent))
    }

    mutating func noteAccepted(_ row: AcceptedRow) {
        let key = row.key
        if !row.parent.isEmpty {
            let parent = SKUFingerprint(row.parent)
            parentOf.set(key, to: parent)
            namedParents.insert(parent)
        }
        if !row.components.isEmpty { componentsOf.set(key, to: row.components.map { SKUFingerprint($0.sku) }) }
    }

    /// Whether the run has any relationship to resolve.
    var isEmpty: Bool { parentOf.isEmpty && componentsOf.isEmpty && namedParents.isEmpty }
}
