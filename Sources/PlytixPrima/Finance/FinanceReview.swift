/// The finance guard's barrier stage: compares each accepted row's Plytix prices and VAT code
/// with Prima's snapshot, writes every disagreement to `finance-review.csv`, and records which
/// discrepancies open and close. It never holds an item back: Prima's values simply stand.
final class FinanceReview {
    private let settings: FinanceSettings
    private let separator: DecimalSeparator
    private let prices: PriceListSnapshot?
    private let vatCodes: VATCodeTable?
    private let writer: FinanceReviewWriter?
    /// Open discrepancies per SKU: bit `i` is mapped price list `i`, the last bit the VAT code.
    private var open: [SKUFingerprint: UInt64] = [:]
    private(set) var section: FinanceReportSection

    static let notice = "No Prima price list or VAT code snapshot has been received yet; prices and VAT codes were not compared."

    /// `nil` when the pipeline maps no Plytix price or VAT column.
    init?(config: PipelineConfig, store: StateStore?, directory: String, sourceFile: String) throws {
        let settings = config.finance
        guard settings.comparesValues else { return nil }
        self.settings = settings
        separator = config.input.decimalSeparator
        let lists = settings.prices.map(\.priceList)
        prices = try store.flatMap { try PriceListSnapshot.load(store: $0, pipeline: config.name, lists: lists) }
        vatCodes = try store.flatMap { try VATCodeTable.load(store: $0, pipeline: config.name) }
        let snapshots = try store.map { try $0.referenceSnapshots(pipeline: config.name) } ?? []
        section = FinanceReportSection(snapshot: snapshots.isEmpty ? nil : snapshots)
        guard prices != nil || vatCodes != nil else {
            section.notice = Self.notice
            writer = nil
            return
        }
        if prices == nil && !settings.prices.isEmpty {
            section.notice = "No Prima price list has been received yet; prices were not compared, VAT codes only against Prima's VAT codes."
        }
        if vatCodes == nil && settings.vat != nil {
            section.notice = "No Prima VAT code list has been received yet; VAT codes were compared with the price list only."
        }
        if let prices { section.listsMissingInPrima = zip(lists, prices.precisions).filter { $0.1 == nil }.map(\.0) }
        writer = try FinanceReviewWriter(path: directory + "/" + FinanceReviewWriter.fileName, sourceFile: sourceFile)
        if let store {
            let topics = Dictionary(uniqueKeysWithValues: (lists + [""]).enumerated().map { ($0.element, $0.offset) })
            try store.forEachOpenDiscrepancy(pipeline: config.name) { sku, list in
                // A VAT topic is the last bit; a list the pipeline no longer maps stays as it is.
                guard let bit = list.isEmpty ? lists.count : topics[list] else { return }
                open[SKUFingerprint(sku), default: 0] |= 1 << UInt64(bit)
            }
        }
    }

    /// Compares one accepted row; records discrepancies and closes the ones now agreed.
    func check(_ row: AcceptedRow, delta: StateDeltaWriter?) throws(OutputError) {
        guard let writer, row.finance.count == settings.plytixFields.count else { return }
        let fingerprint = SKUFingerprint(row.sku)
        var stillOpen: UInt64 = 0
        // Topics decided this row: compared with a snapshot, or carrying no value any more.
        var judged: UInt64 = 0
        let vatBit = UInt64(1) << UInt64(settings.prices.count)
        for (index, mapping) in settings.prices.enumerated() {
            let raw = row.finance[index]
            if raw.isEmpty || prices != nil { judged |= 1 << UInt64(index) }
            guard !raw.isEmpty, let prices else { continue }
            section.valuesCompared += 1
            var item = FinanceDiscrepancy(sku: row.sku, priceList: mapping.priceList, plytixValue: raw, reason: .priceDiffers, line: row.line)
            let prima = prices.price(of: fingerprint, list: index)
            item.primaValue = prima?.description ?? ""
            guard let plytix = DecimalAmount(raw, separator: separator) else {
                item.reason = .priceNotANumber
                try record(item, bit: index, writer: writer, delta: delta, stillOpen: &stillOpen)
                continue
            }
            guard let prima else {
                item.reason = .noPrimaPrice
                try record(item, bit: index, writer: writer, delta: delta, stillOpen: &stillOpen)
                continue
            }
            // Compared at the list's precision: Prima cannot hold more decimals than it shows.
            let rounded = plytix.rounded(toScale: prima.scale)
            if rounded == prima { continue }
            if let rounded { item.difference = DecimalAmount(units: rounded.units - prima.units, scale: prima.scale).description }
            try record(item, bit: index, writer: writer, delta: delta, stillOpen: &stillOpen)
        }
        if settings.vat != nil, let raw = row.finance.last, raw.isEmpty || prices != nil || vatCodes != nil { judged |= vatBit }
        if settings.vat != nil, let raw = row.finance.last, !raw.isEmpty, prices != nil || vatCodes != nil {
            section.valuesCompared += 1
            let primaVAT = prices?.vatCode(of: fingerprint)
            var item = FinanceDiscrepancy(sku: row.sku, priceList: "", plytixVAT: raw, primaVAT: primaVAT ?? "", reason: .vatDiffers, line: row.line)
            if let vatCodes, !vatCodes.contains(raw) {
                item.reason = .vatUnknown
                try record(item, bit: settings.prices.count, writer: writer, delta: delta, stillOpen: &stillOpen)
            } else if let primaVAT, primaVAT.uppercased() != raw.uppercased() {
                try record(item, bit: settings.prices.count, writer: writer, delta: delta, stillOpen: &stillOpen)
            }
        }
        // What was open for this item and is not any more (agreement, or no value now) closes.
        guard let wasOpen = open[fingerprint] else { return }
        let closing = wasOpen & judged & ~stillOpen
        guard closing != 0 else { return }
        for bit in 0...settings.prices.count where closing & (1 << UInt64(bit)) != 0 {
            let list = bit < settings.prices.count ? settings.prices[bit].priceList : ""
            try delta?.finance(.close(sku: row.sku, priceList: list))
            section.closed += 1
        }
        let rest = wasOpen & ~closing
        open[fingerprint] = rest == 0 ? nil : rest
    }

    private func record(
        _ item: FinanceDiscrepancy, bit: Int, writer: FinanceReviewWriter, delta: StateDeltaWriter?, stillOpen: inout UInt64
    ) throws(OutputError) {
        try writer.append(item)
        section.discrepancies += 1
        section.byReason[item.reason.rawValue, default: 0] += 1
        let values = item.storedValues
        try delta?.finance(.open(sku: item.sku, priceList: item.priceList, reason: item.reason.rawValue, plytix: values.plytix, prima: values.prima))
        stillOpen |= 1 << UInt64(bit)
    }

    /// The review file, when the run compared anything with a Prima snapshot.
    func finish() throws(OutputError) -> OutputFile? {
        guard let writer else { return nil }
        let file = try writer.finish()
        section.reviewFile = file.name
        return file
    }
}

/// `report.json`'s `finance` section.
struct FinanceReportSection: Encodable {
    /// The Prima snapshots compared against; `null` when none was ever received.
    var snapshot: [ReferenceSnapshotInfo]?
    /// Said once per run when nothing (or only part) could be compared.
    var notice: String?
    var valuesCompared = 0
    var discrepancies = 0
    var byReason: [String: Int] = [:]
    /// Open discrepancies this run found resolved.
    var closed = 0
    /// Mapped price lists Prima's snapshot does not have at all.
    var listsMissingInPrima: [String] = []
    var reviewFile: String?

    init(snapshot: [ReferenceSnapshotInfo]?) { self.snapshot = snapshot }

    enum CodingKeys: String, CodingKey {
        case snapshot, notice, valuesCompared = "values_compared", discrepancies, byReason = "discrepancies_by_reason", closed
        case listsMissingInPrima = "price_lists_missing_in_prima", reviewFile = "review_file"
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(snapshot, forKey: .snapshot)
        try container.encodeIfPresent(notice, forKey: .notice)
        try container.encode(valuesCompared, forKey: .valuesCompared)
        try container.encode(discrepancies, forKey: .discrepancies)
        try container.encode(byReason, forKey: .byReason)
        try container.encode(closed, forKey: .closed)
        try container.encode(listsMissingInPrima, forKey: .listsMissingInPrima)
        try container.encode(reviewFile, forKey: .reviewFile)
    }
}
