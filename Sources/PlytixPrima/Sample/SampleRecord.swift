/// The columns of a generated export, in file order. Headers are the Plytix output labels.
enum SampleColumn: Int, CaseIterable, Sendable {
    case sku, label, status, variantOf, family, categories, brand, gtin, description
    case colour, size, weight, length, width, height
    case hsCode, country, supplier, supplierCode, price, vatCode
    case bundleContents, thumbnail, created, lastModified

    var header: String {
        switch self {
        case .sku: "SKU"
        case .label: "Label"
        case .status: "Status"
        case .variantOf: "Variant of"
        case .family: "Family"
        case .categories: "Categories"
        case .brand: "Brand"
        case .gtin: "GTIN"
        case .description: "Description"
        case .colour: "Colour"
        case .size: "Size"
        case .weight: "Weight (kg)"
        case .length: "Length (cm)"
        case .width: "Width (cm)"
        case .height: "Height (cm)"
        case .hsCode: "HS Code"
        case .country: "Country of Origin"
        case .supplier: "Supplier"
        case .supplierCode: "Supplier Code"
        case .price: "Price"
        case .vatCode: "VAT Code"
        case .bundleContents: "Bundle Contents"
        case .thumbnail: "Thumbnail"
        case .created: "Created"
        case .lastModified: "Last modified"
        }
    }

    /// XML element name: the header lower-cased, runs of non-alphanumerics turned into one `_`, trimmed.
    var xmlName: String { Self.xmlName(for: header) }

    static func xmlName(for header: String) -> String {
        var name = ""
        var pendingUnderscore = false
        for scalar in header.lowercased().unicodeScalars {
            let isWordCharacter = ("a"..."z").contains(scalar) || ("0"..."9").contains(scalar)
            if !isWordCharacter {
                pendingUnderscore = true
                continue
            }
            if pendingUnderscore && !name.isEmpty { name.append("_") }
            pendingUnderscore = false
            name.unicodeScalars.append(scalar)
        }
        return name
    }
}

/// One product's cells as raw UTF-8, reused row after row so the hot loop does not allocate.
struct SampleRecord {
    private var cells: [[UInt8]]

    init() {
        cells = Array(repeating: [], count: SampleColumn.allCases.count)
        for index in cells.indices { cells[index].reserveCapacity(64) }
    }

    subscript(column: SampleColumn) -> [UInt8] {
        get { cells[column.rawValue] }
        // `_modify` lets callers append in place; a plain setter would copy the cell on every append.
        _modify { yield &cells[column.rawValue] }
    }

    mutating func clear() {
        for index in cells.indices { cells[index].removeAll(keepingCapacity: true) }
    }
}
