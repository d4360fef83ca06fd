/// Where an item row goes in the import order. Prima's importer applies rows in manifest order,
/// so every item comes after the items it references: standalone items and components first,
/// then parents, then variants level by level, then kits (nested kits after their contents).
struct ImportPlacement: Hashable, Comparable, Sendable {
    enum Group: UInt8, Comparable {
        case standalone, parent, variant, kit

        static func < (a: Group, b: Group) -> Bool { a.rawValue < b.rawValue }
    }

    var group: Group
    /// Within a group: one more than the deepest referenced item of the same group.
    var level: UInt8

    static let first = ImportPlacement(group: .standalone, level: 0)

    /// The first place after `self`.
    var next: ImportPlacement { ImportPlacement(group: group, level: level &+ 1) }

    static func < (a: ImportPlacement, b: ImportPlacement) -> Bool {
        a.group != b.group ? a.group < b.group : a.level < b.level
    }
}
