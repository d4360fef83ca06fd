/// Prima owns every price, cost and VAT code. A pipeline's `finance:` section says which data
/// is Prima's (never written), which Plytix columns carry prices and VAT for comparison, and
/// where Prima's own price lists and VAT codes arrive.
public struct FinanceSettings: Sendable, Equatable {
    /// Names of Prima columns and Plytix fields that hold financial data (compared ignoring case,
    /// spaces, `_` and `-`): the defaults plus the pipeline's `prima_owned` names. An
    /// output column whose header or source is one of them is refused when the pipeline loads.
    public var primaOwned: [String] = FinanceSettings.defaultPrimaOwned
    /// Plytix price columns and the Prima price list each is compared with.
    public var prices: [PriceMapping] = []
    /// The Plytix column compared with Prima's item VAT code.
    public var vat: FieldSource?
    public var reference = ReferenceSettings()

    public static let defaultPrimaOwned = [
        "Price", "Prices", "Trade Price", "Retail Price", "Sale Price", "Cost", "Cost Price", "Unit Cost", "Standard Cost",
        "VAT", "VAT Code", "VATCode", "Tax Code", "TaxCode", "PriceList",
    ]

    public init() {}

    /// Whether the pipeline compares anything with Prima's snapshot.
    public var comparesValues: Bool { !prices.isEmpty || vat != nil }

    /// The Plytix fields the finance review reads, in a fixed order: the prices, then the VAT code.
    public var plytixFields: [FieldSource] { prices.map(\.source) + (vat.map { [$0] } ?? []) }

    /// Words that mark a name as financial wherever they occur in its comparable form
    /// (`NetPriceEUR`, `landed_cost`, `vat-rate`, `TaxClass`).
    public static let financialWords = ["price", "cost", "vat", "tax"]

    /// Whether `name` (a Prima column or a Plytix field) is Prima's financial data: one of the
    /// owned names or a mapped price/VAT source, or a name holding a financial word.
    public func isPrimaOwned(_ name: String) -> Bool {
        isNamedPrimaOwned(name) || FinanceSettings.holdsFinancialWord(name)
    }

    /// Whether `name` is exactly (as compared) an owned name or a mapped price/VAT source.
    public func isNamedPrimaOwned(_ name: String) -> Bool {
        let wanted = FinanceSettings.comparable(name)
        return primaOwned.contains { FinanceSettings.comparable($0) == wanted }
            || plytixFields.contains { FinanceSettings.comparable($0.csv) == wanted || FinanceSettings.comparable($0.xml) == wanted }
    }

    static func holdsFinancialWord(_ name: String) -> Bool {
        let comparable = FinanceSettings.comparable(name)
        return financialWords.contains { comparable.contains($0) }
    }

    /// `Unit Cost`, `UnitCost`, `unit_cost` and `unit-cost` name the same thing.
    static func comparable(_ name: String) -> String {
        String(name.lowercased().unicodeScalars.filter { $0 != " " && $0 != "_" && $0 != "-" })
    }
}

/// One Plytix price column and the Prima price list it mirrors, e.g. `Price` → `RETAIL`.
public struct PriceMapping: Sendable, Equatable {
    public var source: FieldSource
    public var priceList: String
    /// Decimals the two prices are compared at (`precision:`); `nil`: the list's own precision,
    /// at least `minimumPrecision`.
    public var precision: Int?

    /// Prima writing whole prices (`10`) must not make `10.49` equal `10`: without a configured
    /// precision, prices compare at no fewer than two decimals.
    public static let minimumPrecision = 2

    /// The decimals a price of a list with `listPrecision` decimals is compared at.
    public func comparedPrecision(listPrecision: Int) -> Int {
        precision ?? max(listPrecision, Self.minimumPrecision)
    }

    public init(source: FieldSource, priceList: String) {
        self.source = source
        self.priceList = priceList
    }
}

/// Where Prima's exported reference files arrive and how they are written.
public struct ReferenceSettings: Sendable, Equatable {
    /// A folder under `inbox/` (default `inbox/prima/`).
    public var folder = "prima"
    public var priceListPatterns = ["price-list*.csv", "price-list*.csv.gz"]
    public var vatCodePatterns = ["vat-codes*.csv", "vat-codes*.csv.gz"]
    public var encoding: TextEncoding = .utf8
    /// `nil` detects the separator from the header.
    public var delimiter: UInt8?
    public var decimalSeparator: DecimalSeparator = .auto
    public var priceListColumns = PriceListColumns()
    public var vatCodeColumns = VATCodeColumns()

    public init() {}
}

/// The header names of Prima's price-list export (`ItemCode,PriceList,Price,VATCode`).
public struct PriceListColumns: Sendable, Equatable {
    public var itemCode = "ItemCode"
    public var priceList = "PriceList"
    public var price = "Price"
    public var vatCode = "VATCode"

    public init() {}
}

/// The header names of Prima's VAT-code export (`VATCode,Rate,Description`).
public struct VATCodeColumns: Sendable, Equatable {
    public var vatCode = "VATCode"
    public var rate = "Rate"
    public var description = "Description"

    public init() {}
}
