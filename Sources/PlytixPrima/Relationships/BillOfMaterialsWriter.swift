/// Writes `bom-NNNN.csv`: `Action,ParentItemCode,LineNo,ComponentItemCode,QuantityPer` (headers
/// from the pipeline), one line per component. A kit is always sent whole: `A` for a kit Prima
/// has no bill of materials for, `R` (replace the whole set) for a kit whose components changed,
/// and one `D` line (remove the bill of materials) for a product that is no longer a kit.
/// One kit's lines never straddle two files.
final class BillOfMaterialsWriter {
    enum Action: String {
        case add = "A", replace = "R", remove = "D"
    }

    private let chunks: ChunkWriter
    private let layout: BOMLayout
    private(set) var kitsAdded = 0
    private(set) var kitsReplaced = 0
    private(set) var kitsRemoved = 0

    init(directory: String, layout: BOMLayout, output: OutputSettings) {
        var settings = output
        settings.rowsPerChunk = layout.rowsPerChunk
        self.layout = layout
        chunks = ChunkWriter(
            directory: directory, prefix: "bom", kind: "bom", headers: layout.headers, settings: settings, alwaysWritesFirstChunk: false)
    }

    var lines: Int { chunks.totalRows }

    func write(kit: String, components: [KitComponent], action: Action) throws(OutputError) {
        let encoder = chunks.encoder
        let group: [[UInt8]]
        if action == .remove {
            group = [encoder.line([action.rawValue, kit, "", "", ""])]
            kitsRemoved += 1
        } else {
            group = components.enumerated().map { position, component in
                encoder.line([action.rawValue, kit, String((position + 1) * layout.lineNumberStep), component.sku, component.quantity])
            }
            if action == .add { kitsAdded += 1 } else { kitsReplaced += 1 }
        }
        try chunks.append(group: group)
    }

    func finish() throws(OutputError) -> [OutputFile] { try chunks.finish() }
}
