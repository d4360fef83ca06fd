import GRDB

/// Prima's prices for the lists a pipeline maps, loaded once per run in a compact form: one
/// 32-byte entry per item and list (128-bit SKU fingerprint, scaled price, list), sorted for
/// binary search; a million items on two lists is about 64 MB. With `itemVATCodes`, also each
/// item's Prima VAT code, from every list of the snapshot (24 bytes per item).
struct PriceListSnapshot {
    private struct Entry {
        var high: UInt64
        var low: UInt64
        var units: Int64
        var list: UInt8

        static func key(_ a: Entry) -> (UInt64, UInt64, UInt8) { (a.high, a.low, a.list) }
    }

    private struct VATEntry {
        var high: UInt64
        var low: UInt64
        var code: UInt16
    }

    /// The mapped price lists in pipeline order, with the precision of each (`nil`: Prima's
    /// snapshot has no such list).
    let lists: [String]
    let precisions: [Int?]
    private var entries: [Entry] = []
    private var vatEntries: [VATEntry] = []
    private var vatCodes: [String] = []

    /// `nil` when no price list was ever received for the pipeline. `itemVATCodes` loads each
    /// item's VAT code (for a pipeline that compares VAT codes).
    static func load(store: StateStore, pipeline: String, lists: [String], itemVATCodes: Bool = true) throws -> PriceListSnapshot? {
        try store.pool.read { db in
            guard try Bool.fetchOne(db, sql: "SELECT 1 FROM prima_reference_snapshot WHERE pipeline = ? AND kind = ?", arguments: [pipeline, ReferenceKind.priceList.rawValue]) == true else {
                return nil
            }
            var precisionByList: [String: Int] = [:], itemsByList: [String: Int] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT price_list, precision, items FROM prima_price_list WHERE pipeline = ?", arguments: [pipeline]) {
                precisionByList[row[0]] = row[1]
                itemsByList[row[0]] = row[2]
            }
            var snapshot = PriceListSnapshot(lists: lists, precisions: lists.map { precisionByList[$0] })
            // Sized once: growing by doubling would briefly hold twice a million-item index.
            snapshot.entries.reserveCapacity(lists.reduce(0) { $0 + (itemsByList[$1] ?? 0) })
            for (listIndex, list) in lists.enumerated() {
                guard let precision = precisionByList[list] else { continue }
                let rows = try Row.fetchCursor(db, sql: "SELECT sku, price FROM prima_price WHERE pipeline = ? AND price_list = ?", arguments: [pipeline, list])
                while let row = try rows.next() {
                    let sku: String = row[0], price: String = row[1]
                    guard let amount = DecimalAmount(price, separator: .point)?.rounded(toScale: precision) else { continue }
                    let fingerprint = SKUFingerprint(sku)
                    snapshot.entries.append(Entry(high: fingerprint.high, low: fingerprint.low, units: amount.units, list: UInt8(listIndex)))
                }
            }
            snapshot.entries.sort { Entry.key($0) < Entry.key($1) }
            if itemVATCodes { try snapshot.loadItemVATCodes(db, pipeline: pipeline, allLists: precisionByList.keys.sorted()) }
            return snapshot
        }
    }

    /// Each item's VAT code in Prima, from every list of the snapshot, mapped or not: the first
    /// mapped list (pipeline order) that gives the item a code, else the first other list by
    /// name. An empty code is no code. Rows come in primary-key order, one item after another.
    private mutating func loadItemVATCodes(_ db: Database, pipeline: String, allLists: [String]) throws {
        let mapped = Dictionary(lists.enumerated().map { ($0.element, $0.offset) }, uniquingKeysWith: { first, _ in first })
        let others = Dictionary(allLists.enumerated().map { ($0.element, lists.count + $0.offset) }, uniquingKeysWith: { first, _ in first })
        var vatIndex: [String: UInt16] = [:]
        var currentSKU: String?, best: (rank: Int, code: String)?
        func flush() {
            guard let sku = currentSKU, let best else { return }
            var code = vatIndex[best.code]
            if code == nil, vatCodes.count < Int(UInt16.max) {
                code = UInt16(vatCodes.count)
                vatIndex[best.code] = code
                vatCodes.append(best.code)
            }
            guard let code else { return }
            let fingerprint = SKUFingerprint(sku)
            vatEntries.append(VATEntry(high: fingerprint.high, low: fingerprint.low, code: code))
        }
        let rows = try Row.fetchCursor(db, sql: """
            SELECT sku, price_list, vat_code FROM prima_price WHERE pipeline = ? AND vat_code <> '' ORDER BY sku, price_list
            """, arguments: [pipeline])
        while let row = try rows.next() {
            let sku: String = row[0], list: String = row[1], vat: String = row[2]
            if sku != currentSKU {
                flush()
                currentSKU = sku
                best = nil
            }
            let rank = mapped[list] ?? others[list] ?? Int.max
            if best == nil || rank < best!.rank { best = (rank, vat) }
        }
        flush()
        vatEntries.sort { ($0.high, $0.low) < ($1.high, $1.low) }
    }

    private init(lists: [String], precisions: [Int?]) {
        self.lists = lists
        self.precisions = precisions
    }

    /// Prima's price of `sku` on mapped list `listIndex`, at the list's precision.
    func price(of fingerprint: SKUFingerprint, list listIndex: Int) -> DecimalAmount? {
        guard let precision = precisions[listIndex], let index = find(fingerprint, list: UInt8(listIndex)) else { return nil }
        return DecimalAmount(units: entries[index].units, scale: precision)
    }

    /// The item's VAT code in Prima (see `loadItemVATCodes`); `nil` when no list gives it one.
    func vatCode(of fingerprint: SKUFingerprint) -> String? {
        var low = 0, high = vatEntries.count
        while low < high {
            let mid = (low + high) / 2
            if (vatEntries[mid].high, vatEntries[mid].low) < (fingerprint.high, fingerprint.low) { low = mid + 1 } else { high = mid }
        }
        guard low < vatEntries.count, vatEntries[low].high == fingerprint.high, vatEntries[low].low == fingerprint.low else { return nil }
        return vatCodes[Int(vatEntries[low].code)]
    }

    private func find(_ fingerprint: SKUFingerprint, list: UInt8) -> Int? {
        let key = (fingerprint.high, fingerprint.low, list)
        var low = 0, high = entries.count
        while low < high {
            let mid = (low + high) / 2
            if Entry.key(entries[mid]) < key { low = mid + 1 } else { high = mid }
        }
        return low < entries.count && Entry.key(entries[low]) == key ? low : nil
    }
}

/// Prima's VAT codes (a few dozen at most), for telling a code Prima does not know.
struct VATCodeTable {
    private let codes: Set<String>

    /// `nil` when no VAT-code list was ever received for the pipeline.
    static func load(store: StateStore, pipeline: String) throws -> VATCodeTable? {
        try store.pool.read { db in
            guard try Bool.fetchOne(db, sql: "SELECT 1 FROM prima_reference_snapshot WHERE pipeline = ? AND kind = ?", arguments: [pipeline, ReferenceKind.vatCodes.rawValue]) == true else {
                return nil
            }
            return VATCodeTable(codes: Set(try String.fetchAll(db, sql: "SELECT vat_code FROM prima_vat_code WHERE pipeline = ?", arguments: [pipeline]).map { $0.uppercased() }))
        }
    }

    /// VAT codes compare without regard to case (`s` is `S`).
    func contains(_ code: String) -> Bool { codes.contains(code.uppercased()) }
}
