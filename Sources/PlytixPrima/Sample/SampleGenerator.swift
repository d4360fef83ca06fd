/// Decides what each row is and fills its cells. One instance per export; all choices come
/// from the seed, in a fixed order, so the same options give the same bytes.
struct SampleGenerator {
    /// What a row is. Counts are fixed up front and drawn without replacement,
    /// so the defective and skipped totals are exact, not just expected.
    enum Role: Int, CaseIterable { case plain, variant, kit, draft, defect }

    /// The most recent valid plain row: the parent the next variants attach to.
    private struct Parent {
        let number: Int
        let profile: SampleProfile
        var variantsMade = 0
        let combinations: Int
    }

    private let options: SampleExportOptions
    private let vocabulary = SampleVocabulary()
    private var rng: SplitMix64
    private var quota: [Int]
    private var parent: Parent?
    /// SKU numbers of recent valid plain rows: the candidates for kit components.
    private var components: [Int] = []
    private var componentCursor = 0
    private static let componentPoolSize = 256
    private var defectCursor = 0
    /// SKU number of a duplicate pair's first row, until its second row is written.
    private var pendingDuplicate: Int?
    private var nextNumber = 1000
    private(set) var summary = SampleExportSummary()

    init(_ options: SampleExportOptions) {
        self.options = options
        rng = SplitMix64(seed: options.seed)
        let kits = SampleExportOptions.share(options.kitRate, of: options.rows)
        let variants = SampleExportOptions.share(options.variantRate, of: options.rows)
        let drafts = options.skippedRows
        let defects = options.defectiveRows
        quota = [options.rows - kits - variants - drafts - defects, variants, kits, drafts, defects]
    }

    mutating func next(into record: inout SampleRecord) {
        record.clear()
        let number = nextNumber
        nextNumber += 1
        var rowRNG = SplitMix64(seed: rng.next())
        summary.rows += 1
        switch nextRole() {
        case .plain: writePlain(number, &record, &rowRNG)
        case .variant: writeVariant(&record, &rowRNG)
        case .kit: writeKit(number, &record, &rowRNG)
        case .draft: writeDraft(number, &record, &rowRNG)
        case .defect: writeDefect(number, &record, &rowRNG)
        }
    }

    // MARK: Roles

    /// Draws a role with probability proportional to what is left of its quota. A variant or kit
    /// with nothing to reference yet trades places with a later plain row.
    private mutating func nextRole() -> Role {
        var draw = rng.below(quota.reduce(0, +))
        var role = Role.plain
        for candidate in Role.allCases {
            if draw < quota[candidate.rawValue] { role = candidate; break }
            draw -= quota[candidate.rawValue]
        }
        quota[role.rawValue] -= 1
        if isPossible(role) { return role }
        if quota[Role.plain.rawValue] > 0 {
            quota[Role.plain.rawValue] -= 1
            quota[role.rawValue] += 1
        }
        return .plain
    }

    private func isPossible(_ role: Role) -> Bool {
        switch role {
        case .variant: if let parent { parent.variantsMade < parent.combinations } else { false }
        case .kit: components.count >= 2
        case .plain, .draft, .defect: true
        }
    }

    private mutating func writePlain(_ number: Int, _ record: inout SampleRecord, _ rowRNG: inout SplitMix64) {
        let profile = SampleProfile(seed: rowRNG.next(), vocabulary: vocabulary)
        fill(&record, number: number, profile: profile, variant: nil, &rowRNG)
        let sizes = vocabulary.sizeScales[vocabulary.categories[profile.category].sizes].count
        parent = Parent(number: number, profile: profile, combinations: vocabulary.colours.count * sizes)
        if components.count < Self.componentPoolSize {
            components.append(number)
        } else {
            components[componentCursor] = number
            componentCursor = (componentCursor + 1) % Self.componentPoolSize
        }
        summary.salesReady += 1
    }

    private mutating func writeVariant(_ record: inout SampleRecord, _ rowRNG: inout SplitMix64) {
        guard var parent else { preconditionFailure("nextRole() only picks a variant when a parent exists") }
        let sizes = vocabulary.sizeScales[vocabulary.categories[parent.profile.category].sizes]
        // Walks colour × size so each variant of a parent gets a distinct combination and SKU.
        let index = parent.variantsMade
        let colour = vocabulary.colours[(parent.profile.colourOffset + index / sizes.count) % vocabulary.colours.count]
        let variant = Variant(parentNumber: parent.number, colour: colour, size: sizes[index % sizes.count])
        parent.variantsMade += 1
        self.parent = parent
        fill(&record, number: parent.number, profile: parent.profile, variant: variant, &rowRNG)
        summary.salesReady += 1
        summary.variants += 1
    }

    private mutating func writeKit(_ number: Int, _ record: inout SampleRecord, _ rowRNG: inout SplitMix64) {
        let profile = SampleProfile(seed: rowRNG.next(), vocabulary: vocabulary)
        fill(&record, number: number, profile: profile, variant: nil, &rowRNG)
        if rowRNG.percent(50) { record[.label].appendASCII(" Gift Set") } else { record[.label].appendASCII(" Bundle") }
        // Consecutive pool entries: distinct components, all earlier valid plain rows.
        let count = min(rowRNG.inRange(2...4), components.count)
        let first = rowRNG.below(components.count)
        for offset in 0..<count {
            if offset > 0 { record[.bundleContents].append(UInt8(ascii: ",")) }
            record[.bundleContents].appendSKU(components[(first + offset) % components.count])
            if !rowRNG.percent(25) {
                record[.bundleContents].append(UInt8(ascii: "#"))
                record[.bundleContents].appendDigits(rowRNG.inRange(1...4))
            }
        }
        summary.salesReady += 1
        summary.kits += 1
    }

    /// Drafts are often incomplete; the pipeline must skip them before validating.
    private mutating func writeDraft(_ number: Int, _ record: inout SampleRecord, _ rowRNG: inout SplitMix64) {
        let profile = SampleProfile(seed: rowRNG.next(), vocabulary: vocabulary)
        fill(&record, number: number, profile: profile, variant: nil, &rowRNG)
        record[.status].removeAll(keepingCapacity: true)
        if rowRNG.percent(60) { record[.status].appendASCII("Draft") } else { record[.status].appendASCII("Archived") }
        switch rowRNG.below(6) {
        case 0: record[.hsCode].removeAll(keepingCapacity: true)
        case 1: record[.weight].removeAll(keepingCapacity: true)
        default: break
        }
        summary.skipped += 1
    }

    private mutating func writeDefect(_ number: Int, _ record: inout SampleRecord, _ rowRNG: inout SplitMix64) {
        var number = number
        let defect: SampleDefect
        if let first = pendingDuplicate {
            defect = .duplicateSKU
            number = first
            pendingDuplicate = nil
        } else {
            defect = nextDefectKind()
            if defect == .duplicateSKU { pendingDuplicate = number }
        }
        let profile = SampleProfile(seed: rowRNG.next(), vocabulary: vocabulary)
        fill(&record, number: number, profile: profile, variant: nil, &rowRNG)
        SampleDefect.apply(defect, to: &record, hsCode: vocabulary.categories[profile.category].hsCode, &rowRNG)
        summary.salesReady += 1
        summary.defective += 1
        summary.defectsByKind[defect.rawValue, default: 0] += 1
    }

    /// Cycles through `SampleDefect.allCases`; a duplicate pair is only started when a
    /// later defect slot remains for its second row.
    private mutating func nextDefectKind() -> SampleDefect {
        while true {
            let kind = SampleDefect.allCases[defectCursor % SampleDefect.allCases.count]
            defectCursor += 1
            if kind != .duplicateSKU || quota[Role.defect.rawValue] >= 1 { return kind }
        }
    }

    // MARK: Cells

    struct Variant {
        let parentNumber: Int
        let colour: SampleVocabulary.Option
        let size: SampleVocabulary.Option
    }

    /// Fills every cell of a valid, sales-ready product; roles then adjust the few cells they change.
    private func fill(_ record: inout SampleRecord, number: Int, profile: SampleProfile,
                      variant: Variant?, _ rng: inout SplitMix64) {
        let comma = options.decimalComma
        let category = vocabulary.categories[profile.category]
        let supplier = vocabulary.suppliers[profile.supplier]

        record[.sku].appendSKU(number)
        if let variant {
            record[.sku].append(UInt8(ascii: "-"))
            record[.sku].append(contentsOf: variant.colour.code)
            record[.sku].append(UInt8(ascii: "-"))
            record[.sku].append(contentsOf: variant.size.code)
            record[.variantOf].appendSKU(variant.parentNumber)
        }

        vocabulary.appendLabel(profile, to: &record[.label])
        if let variant {
            record[.label].appendASCII(" – ")
            record[.label].append(contentsOf: variant.colour.name)
            record[.label].appendASCII(", ")
            record[.label].append(contentsOf: variant.size.name)
        }

        switch rng.below(100) {
        case 0..<90: record[.status].appendASCII("Complete")
        case 90..<97: record[.status].appendASCII("Completed")
        case 97..<99: record[.status].appendASCII("complete")
        default: record[.status].appendASCII("COMPLETE")
        }

        record[.family].append(contentsOf: category.family)
        record[.categories].append(contentsOf: category.path)
        for extra in [profile.extraPaths.first, profile.extraPaths.second] {
            guard let extra else { continue }
            record[.categories].append(UInt8(ascii: ","))
            record[.categories].append(contentsOf: vocabulary.secondaryPaths[extra])
        }
        record[.brand].append(contentsOf: vocabulary.brands[profile.brand])
        appendGTIN(to: &record[.gtin], &rng)
        vocabulary.appendDescription(profile, target: options.descriptionBytes, to: &record[.description])

        if let variant {
            record[.colour].append(contentsOf: variant.colour.name)
            record[.size].append(contentsOf: variant.size.name)
        } else if rng.percent(40) {
            record[.colour].append(contentsOf: vocabulary.colours[profile.colourOffset].name)
        }

        let grams = variant == nil ? profile.grams : profile.grams * rng.inRange(90...110) / 100
        record[.weight].appendDecimal(Swift.max(1, grams), scale: 3, comma: comma)
        if !rng.percent(10) {
            // Millimetres printed as centimetres with at most one decimal: `45.5`.
            record[.length].appendDecimal(profile.millimetres.length, scale: 1, comma: comma)
            record[.width].appendDecimal(profile.millimetres.width, scale: 1, comma: comma)
            record[.height].appendDecimal(profile.millimetres.height, scale: 1, comma: comma)
        }

        appendHSCode(category.hsCode, style: rng.below(7), to: &record[.hsCode])
        if profile.writesUK { record[.country].appendASCII("UK") } else { record[.country].append(contentsOf: supplier.country) }
        record[.supplier].append(contentsOf: supplier.code)
        record[.supplierCode].append(contentsOf: supplier.prefix)
        record[.supplierCode].append(UInt8(ascii: "-"))
        record[.supplierCode].appendRandomDigits(5, &rng)
        if rng.percent(40) {
            record[.supplierCode].append(UInt8(ascii: "-"))
            record[.supplierCode].append(UInt8(ascii: "A") + UInt8(truncatingIfNeeded: rng.below(26)))
        }

        record[.price].appendDecimal(profile.pence, scale: 2, minimumFraction: 2, comma: comma)
        switch rng.below(100) {
        case 0..<85: record[.vatCode].appendASCII("S")
        case 85..<95: record[.vatCode].appendASCII("Z")
        default: record[.vatCode].appendASCII("R")
        }

        if !rng.percent(8) {
            let sku = record[.sku]
            record[.thumbnail].appendASCII("https://cdn.example.com/plytix/")
            record[.thumbnail].append(contentsOf: sku)
            record[.thumbnail].appendASCII("/main.jpg")
        }

        // Created between 2023-01-01 and mid-2025; modified up to 300 days later.
        let created = 1_672_531_200 + rng.below(912 * 86_400)
        record[.created].appendTimestamp(created)
        record[.lastModified].appendTimestamp(created + rng.below(300 * 86_400))
    }

    /// Mostly GTIN-13 with a UK prefix; some GTIN-14, -12 (leading zero) and -8; some empty.
    private func appendGTIN(to out: inout [UInt8], _ rng: inout SplitMix64) {
        let start = out.count
        switch rng.below(100) {
        case 0..<5: return
        case 5..<90: out.appendASCII("50"); out.appendRandomDigits(10, &rng)
        case 90..<95: out.appendASCII(rng.percent(50) ? "050" : "150"); out.appendRandomDigits(10, &rng)
        case 95..<98: out.appendASCII("0"); out.appendRandomDigits(10, &rng)
        default: out.appendASCII("50"); out.appendRandomDigits(5, &rng)
        }
        out.appendGTINCheckDigit(from: start)
    }

    /// Prints a 10-digit code the ways exports really contain it: `940490`, `9404.90`,
    /// `9404 90 90`, `94049090`, `9404.90.90`, `9404909000`, `9404 90 90 00`.
    private func appendHSCode(_ code: [UInt8], style: Int, to out: inout [UInt8]) {
        let groups: [Range<Int>]
        let separator: UInt8
        switch style {
        case 0: (groups, separator) = ([0..<6], 0)
        case 1: (groups, separator) = ([0..<4, 4..<6], UInt8(ascii: "."))
        case 2: (groups, separator) = ([0..<4, 4..<6, 6..<8], UInt8(ascii: " "))
        case 3: (groups, separator) = ([0..<8], 0)
        case 4: (groups, separator) = ([0..<4, 4..<6, 6..<8], UInt8(ascii: "."))
        case 5: (groups, separator) = ([0..<10], 0)
        default: (groups, separator) = ([0..<4, 4..<6, 6..<8, 8..<10], UInt8(ascii: " "))
        }
        for (index, group) in groups.enumerated() {
            if index > 0 { out.append(separator) }
            out.append(contentsOf: code[group])
        }
    }
}

extension Array where Element == UInt8 {
    /// Appends a base SKU: `PX-0001234`.
    mutating func appendSKU(_ number: Int) {
        appendASCII("PX-")
        appendDigits(number, width: 7)
    }
}

extension SampleDefect {
    /// Breaks one cell of an otherwise valid row so that exactly this defect's rule fails.
    static func apply(_ defect: SampleDefect, to record: inout SampleRecord, hsCode: [UInt8], _ rng: inout SplitMix64) {
        switch defect {
        case .missingSKU:
            record[.sku].removeAll(keepingCapacity: true)
        case .skuTooLong:
            record[.sku].appendASCII("-LIMITED-EDITION")
        case .skuWithSpace:
            record[.sku][2] = UInt8(ascii: " ")
        case .missingLabel:
            record[.label].removeAll(keepingCapacity: true)
        case .labelTooLong:
            record[.label].appendASCII(" with Extra-Deep Pockets, Reinforced Corners and Matching Pillowcases")
        case .gtinBadCheckDigit:
            record[.gtin].removeAll(keepingCapacity: true)
            record[.gtin].appendASCII("50")
            record[.gtin].appendRandomDigits(10, &rng)
            let check = Int(gtinCheckDigit(record[.gtin][...]) - UInt8(ascii: "0"))
            record[.gtin].append(UInt8(ascii: "0") + UInt8((check + 1 + rng.below(9)) % 10))
        case .gtinScientificNotation:
            record[.gtin].removeAll(keepingCapacity: true)
            record[.gtin].appendASCII("5.0")
            record[.gtin].appendRandomDigits(5, &rng)
            record[.gtin].appendASCII("E+12")
        case .missingHSCode:
            record[.hsCode].removeAll(keepingCapacity: true)
        case .hsCodeSevenDigits:
            record[.hsCode].removeAll(keepingCapacity: true)
            record[.hsCode].append(contentsOf: hsCode[0..<7])
        case .badCountry:
            record[.country].removeAll(keepingCapacity: true)
            record[.country].appendASCII("XX")
        case .missingWeight:
            record[.weight].removeAll(keepingCapacity: true)
        case .negativeWeight:
            record[.weight].insert(UInt8(ascii: "-"), at: 0)
        case .nonNumericWeight:
            record[.weight].removeAll(keepingCapacity: true)
            record[.weight].appendASCII("heavy")
        case .missingSupplierCode:
            record[.supplierCode].removeAll(keepingCapacity: true)
        case .ftpThumbnail:
            let sku = record[.sku]
            record[.thumbnail].removeAll(keepingCapacity: true)
            record[.thumbnail].appendASCII("ftp://files.example.com/plytix/")
            record[.thumbnail].append(contentsOf: sku)
            record[.thumbnail].appendASCII("/main.jpg")
        case .formulaLabel:
            let sku = record[.sku]
            record[.label].removeAll(keepingCapacity: true)
            record[.label].appendASCII("=HYPERLINK(\"https://deals.example.com/")
            record[.label].append(contentsOf: sku)
            record[.label].appendASCII("\",\"Click here for this week's offers\")")
        case .duplicateSKU:
            break // the SKU itself is the defect; the generator reuses the first row's number
        }
    }
}
