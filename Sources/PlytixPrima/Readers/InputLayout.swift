/// The Plytix fields a pipeline reads, in a fixed order: the order of `SourceRow.values`.
///
/// Readers pick only these fields out of each record, so strings are made only of what is kept.
public struct InputLayout: Sendable, Equatable {
    public let fields: [FieldSource]
    /// Fields a CSV header must carry; without one the file cannot be used at all.
    public let requiredFields: Set<Int>
    public let keyField: Int
    public let statusField: Int
    /// The export's per-product modification time, when the pipeline reads one (optional column).
    public let lastModifiedField: Int?
    /// Per output column, the index of the field it reads (value or relationship), if any.
    public let columnFields: [Int?]
    /// The fields the finance review compares with Prima (prices, then VAT), never written.
    public let financeFields: [Int]
    /// Fields only the finance review reads: a header that has one twice leaves it unread
    /// (listed as absent) instead of quarantining the export, as an ignored column would be.
    public var reviewOnlyFields: Set<Int> {
        Set(financeFields).subtracting(columnFields.compactMap { $0 }).subtracting([keyField, statusField]).subtracting(lastModifiedField.map { [$0] } ?? [])
    }

    public init(config: PipelineConfig) {
        var fields: [FieldSource] = []
        func index(of source: FieldSource) -> Int {
            if let existing = fields.firstIndex(of: source) { return existing }
            fields.append(source)
            return fields.count - 1
        }
        let keySource = config.columns[config.keyColumnIndex].source!
        let keyField = index(of: keySource)
        let statusField = index(of: config.status.source)
        var required: Set<Int> = [keyField, statusField]
        self.lastModifiedField = config.diff.lastModified.map { index(of: $0) }
        var columnFields: [Int?] = []
        for column in config.columns {
            switch column.value {
            case .field(let source):
                let field = index(of: source)
                if column.required { required.insert(field) }
                columnFields.append(field)
            case .itemType(let relationship, _, _, _):
                columnFields.append(index(of: relationship))
            case .action, .constant:
                columnFields.append(nil)
            }
        }
        self.financeFields = config.finance.plytixFields.map { index(of: $0) }
        self.fields = fields
        self.requiredFields = required
        self.keyField = keyField
        self.statusField = statusField
        self.columnFields = columnFields
    }

    public var csvNames: [String] { fields.map(\.csv) }
    public var xmlNames: [String] { fields.map(\.xml) }
}
