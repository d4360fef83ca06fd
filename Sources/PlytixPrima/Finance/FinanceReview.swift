/// The finance guard's barrier stage: compares each accepted row's Plytix prices and VAT code
/// with Prima's snapshot, writes every disagreement to `finance-review.csv`, and records which
/// discrepancies open and close. It never holds an item back: Prima's values simply stand.
final class FinanceReview {
    /// What one comparison of one topic (a price list, or the VAT code) of an item found.
    enum Verdict {
        /// Plytix and Prima agree: an open discrepancy closes.
        case agreed
        /// A line of the review file; the discrepancy is opened or refreshed.
        case disagreed(FinanceDiscrepancy)
        /// Nothing to compare (no value, no Prima value or snapshot): an open discrepancy stays.
        case notCompared
    }

    private let settings: FinanceSettings
    private let separator: DecimalSeparator
    private let prices: PriceListSnapshot?
    private let vatCodes: VATCodeTable?
    private let writer: FinanceReviewWriter?
    /// Open discrepancies per SKU, one bit per topic: bit `i` is mapped price list `i`, bit
    /// `prices.count` the VAT code (a compact form for a million items; see `isOpen`).
    private var open: [SKUFingerprint: UInt64] = [:]
    /// Per Plytix field (`FinanceSettings.plytixFields`): rows that carried it and rows that did not.
    private var carried: [Int]
    private var lacked: [Int]
    private(set) var section: FinanceReportSection

    static let notice = "No Prima price list or VAT code snapshot has been received yet; prices and VAT codes were not compared."

    /// `nil` when the pipeline maps no Plytix price or VAT column.
    init?(config: PipelineConfig, store: StateStore?, directory: String, sourceFile: String) throws {
        let settings = config.finance
        guard settings.comparesValues else { return nil }
        self.settings = settings
        separator = config.input.decimalSeparator
        carried = Array(repeating: 0, count: settings.plytixFields.count)
        lacked = carried
        let lists = settings.prices.map(\.priceList)
        prices = try store.flatMap { try PriceListSnapshot.load(store: $0, pipeline: config.name, lists: lists, itemVATCodes: settings.vat != nil) }
        vatCodes = try store.flatMap { try VATCodeTable.load(store: $0, pipeline: config.name) }
        let snapshots = try store.map { try $0.referenceSnapshots(pipeline: config.name) } ?? []
        section = FinanceReportSection(snapshot: snapshots.isEmpty ? nil : snapshots)
        guard prices != nil || vatCodes != nil else {
            section.notices.append(Self.notice)
            writer = nil
            return
        }
        if prices == nil && !settings.prices.isEmpty {
            section.notices.append("No Prima price list has been received yet; prices were not compared, VAT codes only against Prima's VAT codes.")
        }
        if vatCodes == nil && settings.vat != nil {
            section.notices.append("No Prima VAT code list has been received yet; VAT codes were compared with the price list only.")
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

    /// The topics of an item: each mapped price list (by index), then the VAT code.
    private var vatTopic: Int { settings.prices.count }
    private func listName(of topic: Int) -> String { topic < settings.prices.count ? settings.prices[topic].priceList : "" }

    private func isOpen(_ fingerprint: SKUFingerprint, topic: Int) -> Bool {
        (open[fingerprint] ?? 0) & (1 << UInt64(topic)) != 0
    }

    private func forget(_ fingerprint: SKUFingerprint, topic: Int) {
        guard let bits = open[fingerprint] else { return }
        let rest = bits & ~(1 << UInt64(topic))
        open[fingerprint] = rest == 0 ? nil : rest
    }

    /// Compares one accepted row; records discrepancies and closes the ones now agreed.
    func check(_ row: AcceptedRow, delta: StateDeltaWriter?) throws(OutputError) {
        guard let writer, row.finance.count == settings.plytixFields.count else { return }
        let fingerprint = row.key
        for (field, value) in row.finance.enumerated() {
            if value == nil { lacked[field] += 1 } else { carried[field] += 1 }
        }
        var verdicts: [(topic: Int, verdict: Verdict)] = settings.prices.indices.map { ($0, priceVerdict(row, list: $0, fingerprint: fingerprint)) }
        if settings.vat != nil { verdicts.append((vatTopic, vatVerdict(row, fingerprint: fingerprint))) }
        for (topic, verdict) in verdicts {
            switch verdict {
            case .notCompared:
                continue
            case .agreed:
                section.valuesCompared += 1
                guard isOpen(fingerprint, topic: topic) else { continue }
                try delta?.finance(.close(sku: row.sku, priceList: listName(of: topic)))
                section.closed += 1
                forget(fingerprint, topic: topic)
            case .disagreed(let item):
                section.valuesCompared += 1
                try writer.append(item)
                section.discrepancies += 1
                section.byReason[item.reason.rawValue, default: 0] += 1
                let values = item.storedValues
                try delta?.finance(.open(sku: item.sku, priceList: item.priceList, reason: item.reason.rawValue, plytix: values.plytix, prima: values.prima))
            }
        }
    }

    /// A discontinued item's open discrepancies close: nothing of it is sent to Prima any more,
    /// so there is nothing left for finance to review. (An item merely absent from a delta
    /// export is not discontinued and keeps its discrepancies.)
    func discontinued(_ sku: String, delta: StateDeltaWriter?) throws(OutputError) {
        let fingerprint = SKUFingerprint(sku)
        guard open[fingerprint] != nil else { return }
        for topic in 0...vatTopic where isOpen(fingerprint, topic: topic) {
            try delta?.finance(.close(sku: sku, priceList: listName(of: topic)))
            section.closed += 1
        }
        open[fingerprint] = nil
    }

    /// A mapped price: compared with Prima's list when both sides have one (an empty or absent
    /// Plytix value, or no price list snapshot, is not compared).
    private func priceVerdict(_ row: AcceptedRow, list index: Int, fingerprint: SKUFingerprint) -> Verdict {
        guard let raw = row.finance[index], !raw.isEmpty, let prices else { return .notCompared }
        let mapping = settings.prices[index]
        var item = FinanceDiscrepancy(sku: row.sku, priceList: mapping.priceList, plytixValue: raw, reason: .priceDiffers, line: row.line)
        let prima = prices.price(of: fingerprint, list: index)
        item.primaValue = prima?.description ?? ""
        guard let plytix = DecimalAmount(raw, separator: separator) else {
            item.reason = .priceNotANumber
            return .disagreed(item)
        }
        guard let prima else {
            item.reason = .noPrimaPrice
            return .disagreed(item)
        }
        // Compared at the configured precision, else the list's with at least two decimals: a
        // list of whole prices does not make 10.49 equal 10.
        let scale = mapping.comparedPrecision(listPrecision: prima.scale)
        guard let primaAtScale = prima.rounded(toScale: scale) else { return .disagreed(item) }
        let rounded = plytix.rounded(toScale: scale)
        if rounded == primaAtScale { return .agreed }
        if let rounded { item.difference = DecimalAmount(units: rounded.units - primaAtScale.units, scale: scale).description }
        return .disagreed(item)
    }

    /// The VAT code: unknown to Prima's VAT-code table, or compared with the item's VAT code in
    /// Prima's price lists. Without either (no item code in Prima, or an empty one) it is not compared.
    private func vatVerdict(_ row: AcceptedRow, fingerprint: SKUFingerprint) -> Verdict {
        guard let raw = row.finance[vatTopic], !raw.isEmpty else { return .notCompared }
        let primaVAT = prices?.vatCode(of: fingerprint)
        let item = FinanceDiscrepancy(sku: row.sku, priceList: "", plytixVAT: raw, primaVAT: primaVAT ?? "", reason: .vatDiffers, line: row.line)
        if let vatCodes, !vatCodes.contains(raw) {
            var unknown = item
            unknown.reason = .vatUnknown
            return .disagreed(unknown)
        }
        guard let primaVAT, !primaVAT.isEmpty else { return .notCompared }
        return primaVAT.uppercased() == raw.uppercased() ? .agreed : .disagreed(item)
    }

    /// The review file, when the run compared anything with a Prima snapshot.
    func finish() throws(OutputError) -> OutputFile? {
        guard let writer else { return nil }
        let fields = settings.plytixFields
        let absent = fields.indices.filter { carried[$0] == 0 && lacked[$0] > 0 }.map { fields[$0].csv }
        if !absent.isEmpty {
            section.absentColumns = absent
            let names = absent.map { "'\($0)'" }.joined(separator: ", ")
            section.notices.append("The export has no \(names) column, so \(absent.count == 1 ? "it was" : "they were") not compared with Prima; open discrepancies of \(absent.count == 1 ? "that column" : "those columns") stay open.")
        }
        let file = try writer.finish()
        section.reviewFile = file.name
        return file
    }
}

/// `report.json`'s `finance` section.
struct FinanceReportSection: Encodable {
    /// The Prima snapshots compared against; `null` when none was ever received.
    var snapshot: [ReferenceSnapshotInfo]?
    /// Said once per run when nothing (or only part) could be compared; `notice` joins them.
    var notices: [String] = []
    /// Mapped Plytix columns the export did not carry at all (not compared, nothing closed).
    var absentColumns: [String] = []
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
        case snapshot, notice, absentColumns = "absent_columns", valuesCompared = "values_compared", discrepancies, byReason = "discrepancies_by_reason", closed
        case listsMissingInPrima = "price_lists_missing_in_prima", reviewFile = "review_file"
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(snapshot, forKey: .snapshot)
        try container.encodeIfPresent(notices.isEmpty ? nil : notices.joined(separator: " "), forKey: .notice)
        try container.encode(absentColumns, forKey: .absentColumns)
        try container.encode(valuesCompared, forKey: .valuesCompared)
        try container.encode(discrepancies, forKey: .discrepancies)
        try container.encode(byReason, forKey: .byReason)
        try container.encode(closed, forKey: .closed)
        try container.encode(listsMissingInPrima, forKey: .listsMissingInPrima)
        try container.encode(reviewFile, forKey: .reviewFile)
    }
}
