/// The first pass's output: every row's disposition, streamed to a scratch file in the run's
/// staging folder, so the barrier stages read records back instead of holding them in memory.
final class RowSpoolWriter {
    private let file: BinaryRecordWriter

    init(path: String) throws(OutputError) { file = try BinaryRecordWriter(path: path) }

    /// An accepted row, already encoded as its final import line.
    func appendAccepted(_ row: AcceptedRow) throws(OutputError) {
        file.putByte(0)
        file.putInt(row.line)
        file.putString(row.sku)
        file.putInt(Int(bitPattern: UInt(row.key.high)))
        file.putInt(Int(bitPattern: UInt(row.key.low)))
        file.putBytes(row.encoded)
        file.putHash(row.hash)
        file.putInt(row.actionOffset ?? -1)
        file.putInt(row.modified.map { Int($0) } ?? Int.min)
        file.putBytes(row.columns.bytes)
        file.putString(row.parent)
        file.putInt(row.itemTypeOffset ?? -1)
        file.putInt(row.components.count)
        for component in row.components {
            file.putString(component.sku)
            file.putString(component.quantity)
        }
        // Finance review: the row's Plytix price and VAT values (issue 5).
        file.putInt(row.finance.count)
        for value in row.finance {
            file.putByte(value == nil ? 0 : 1)
            file.putString(value ?? "")
        }
        file.putInt(Int(bitPattern: UInt(row.sourcePrint)))
        file.putByte(row.publishedAsStyle.map { $0 ? 2 : 1 } ?? 0)
        file.putInt(row.catalogueSlot.map { Int($0) } ?? Int.min)
        try file.endRecord()
    }

    func appendRejected(_ reasons: [RejectReason]) throws(OutputError) {
        file.putByte(1)
        file.putInt(reasons.count)
        for reason in reasons {
            file.putInt(reason.line)
            file.putString(reason.sku)
            file.putString(reason.field)
            file.putString(reason.value)
            file.putString(reason.rule.rawValue)
            file.putString(reason.reason)
            file.putString(reason.primaColumn)
        }
        try file.endRecord()
    }

    /// A skipped row keeps its line and SKU: a SKU twice in one file is a duplicate whatever its status.
    func appendSkipped(line: Int, sku: String, status: String) throws(OutputError) {
        file.putByte(2)
        file.putInt(line)
        file.putString(sku)
        file.putString(status)
        try file.endRecord()
    }

    func appendUnreadable(_ fault: RowFault) throws(OutputError) {
        file.putByte(3)
        file.putInt(fault.line)
        file.putString(fault.sku)
        file.putString(fault.rule.rawValue)
        file.putString(fault.field)
        file.putString(fault.value)
        file.putString(fault.reason)
        try file.endRecord()
    }

    func flush() throws(OutputError) { try file.flush() }
}

/// An accepted row as the barrier stages need it.
struct AcceptedRow: Sendable {
    var line: Int
    var sku: String
    /// `SKUFingerprint(sku)`, made once on a mapping thread: pass 2 looks the SKU up many times.
    var key: SKUFingerprint
    /// The final import line (terminator included), with `A` in the action column.
    var encoded: [UInt8]
    /// Identifies the Prima record's content for the diff.
    var hash: RecordHash
    /// Byte offset of the action cell in `encoded`, when the layout has one.
    var actionOffset: Int?
    /// The export's modification time of the product (seconds since 1970), when it carries one.
    var modified: Int64?
    /// The parent SKU of a variant; empty for other products.
    var parent: String = ""
    /// A kit's components, in export order; empty for other products.
    var components: [KitComponent] = []
    /// Byte offset of the item-type cell in `encoded`, so a parent of variants can become a style.
    var itemTypeOffset: Int?
    /// The Plytix values the finance review compares with Prima (`FinanceSettings.plytixFields`
    /// order, trimmed, `""` when empty, `nil` when the export lacks the column); never written.
    var finance: [String?] = []
    /// What the state store keeps to name the columns a later update changes.
    var columns: ColumnFingerprints
    /// The export row's `SourcePrint` (`0` when the run has no state store to keep it in).
    var sourcePrint: UInt64 = 0
    /// Set when the row is the very one its active Prima record was published from: it was not
    /// mapped (`encoded` is empty, `hash` and `columns` unknown), and this says whether that record
    /// went out as a style.
    var publishedAsStyle: Bool?
    /// Where pass 1 found the SKU in what Prima has (`SourceRow.catalogueSlot`), so that pass 2
    /// reads its entry without searching; `nil` when it did not look.
    var catalogueSlot: Int32?

    /// A row identical to the one its Prima record was published from: what pass 2 needs of it.
    init(
        unmappedLine line: Int, sku: String, sourcePrint: UInt64, publishedAsStyle: Bool, modified: Int64?, parent: String,
        components: [KitComponent], finance: [String?]
    ) {
        self.init(
            line: line, sku: sku, encoded: [], hash: RecordHash(high: 0, low: 0), actionOffset: nil, modified: modified, parent: parent,
            components: components, itemTypeOffset: nil, finance: finance, columns: ColumnFingerprints(bytes: []))
        self.sourcePrint = sourcePrint
        self.publishedAsStyle = publishedAsStyle
    }

    init(
        line: Int, sku: String, encoded: [UInt8], hash: RecordHash, actionOffset: Int?, modified: Int64?, parent: String = "",
        components: [KitComponent] = [], itemTypeOffset: Int?, finance: [String?] = [], columns: ColumnFingerprints,
        key: SKUFingerprint? = nil
    ) {
        self.line = line
        self.sku = sku
        self.key = key ?? SKUFingerprint(sku)
        self.encoded = encoded
        self.hash = hash
        self.actionOffset = actionOffset
        self.modified = modified
        self.parent = parent
        self.components = components
        self.itemTypeOffset = itemTypeOffset
        self.finance = finance
        self.columns = columns
    }
}

/// Reads a spool back in order.
final class RowSpoolReader {
    private let file: BinaryRecordReader

    /// `releasingReadBytes`: read once, so what has been read is given back as it goes
    /// (`BinaryRecordReader`); the file is then of no use to a second reader.
    init(path: String, releasingReadBytes: Bool = false) throws(OutputError) {
        file = try BinaryRecordReader(path: path, releasingReadBytes: releasingReadBytes)
    }

    func next() throws(OutputError) -> SpoolRecord? {
        guard let kind = try file.nextKind() else { return nil }
        switch kind {
        case 0:
            let line = try file.int(), sku = try file.string()
            let key = SKUFingerprint(high: UInt64(UInt(bitPattern: try file.int())), low: UInt64(UInt(bitPattern: try file.int())))
            let encoded = try file.bytes()
            let hash = try file.hash()
            let offset = try file.int(), modified = try file.int()
            let columns = ColumnFingerprints(bytes: try file.bytes())
            let parent = try file.string(), itemTypeOffset = try file.int()
            let count = try file.int()
            var components: [KitComponent] = []
            components.reserveCapacity(count)
            for _ in 0..<count { components.append(KitComponent(sku: try file.string(), quantity: try file.string())) }
            var row = AcceptedRow(
                line: line, sku: sku, encoded: encoded, hash: hash, actionOffset: offset < 0 ? nil : offset,
                modified: modified == Int.min ? nil : Int64(modified), parent: parent, components: components,
                itemTypeOffset: itemTypeOffset < 0 ? nil : itemTypeOffset, columns: columns, key: key)
            let financeCount = try file.int()
            for _ in 0..<financeCount {
                let present = try file.byteValue() == 1
                let value = try file.string()
                row.finance.append(present ? value : nil)
            }
            row.sourcePrint = UInt64(UInt(bitPattern: try file.int()))
            let published = try file.byteValue()
            row.publishedAsStyle = published == 0 ? nil : published == 2
            let slot = try file.int()
            row.catalogueSlot = slot == Int.min ? nil : Int32(clamping: slot)
            return .accepted(row)
        case 1:
            let count = try file.int()
            var reasons: [RejectReason] = []
            for _ in 0..<count {
                reasons.append(RejectReason(
                    line: try file.int(), sku: try file.string(), field: try file.string(), value: try file.string(),
                    rule: RuleCode(try file.string()), reason: try file.string(), primaColumn: try file.string()))
            }
            return .rejected(reasons)
        case 2:
            return .skipped(line: try file.int(), sku: try file.string(), status: try file.string())
        case 3:
            return .unreadable(RowFault(
                line: try file.int(), sku: try file.string(), rule: RuleCode(try file.string()), field: try file.string(),
                value: try file.string(), reason: try file.string()))
        default:
            throw OutputError("the run's spool file is corrupt (kind \(kind))")
        }
    }
}

/// A spooled row as the barrier stages see it.
enum SpoolRecord: Sendable {
    case accepted(AcceptedRow)
    case rejected([RejectReason])
    case skipped(line: Int, sku: String, status: String)
    case unreadable(RowFault)
}
