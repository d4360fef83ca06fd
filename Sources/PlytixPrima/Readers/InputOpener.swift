/// An export opened for reading: decompressed if it was gzipped, its format decided.
struct OpenedInput {
    let source: any ByteSource
    let format: InputFormat
    let compressed: Bool
}

/// Opens an inbox file whatever its name says: gzip is recognised by its magic bytes,
/// CSV or XML by the name (before any `.gz`) or else by the first character.
enum InputOpener {
    static let gzipMagic = GzipMagic.bytes

    static func open(_ raw: any ByteSource, name: String, settings: InputSettings) throws(FileFault) -> OpenedInput {
        let peeked = try PrefixedByteSource(upstream: raw, peek: 64)
        guard !peeked.prefix.isEmpty else { throw FileFault(.emptyFile, "The file is empty (0 bytes).", line: 1, byteOffset: 0) }
        var source: any ByteSource = peeked
        var prefix = peeked.prefix
        var compressed = false
        if prefix.starts(with: gzipMagic) {
            let inflated = try PrefixedByteSource(upstream: try GzipByteSource(upstream: peeked, limits: settings.inflate), peek: 64)
            if inflated.prefix.starts(with: gzipMagic) {
                throw FileFault(.doubleCompressed, "The file is gzip-compressed twice; compress the export once.", line: 1, byteOffset: 0)
            }
            guard !inflated.prefix.isEmpty else {
                throw FileFault(.emptyFile, "The gzip file holds no data (it decompresses to 0 bytes).", line: 1, byteOffset: 0)
            }
            source = inflated
            prefix = inflated.prefix
            compressed = true
        }
        return OpenedInput(source: source, format: format(name: name, prefix: prefix, configured: settings.format), compressed: compressed)
    }

    static func format(name: String, prefix: [UInt8], configured: InputFormat) -> InputFormat {
        guard configured == .auto else { return configured }
        var lower = name.lowercased()
        if lower.hasSuffix(".gz") { lower.removeLast(3) }
        if lower.hasSuffix(".csv") || lower.hasSuffix(".tsv") || lower.hasSuffix(".txt") { return .csv }
        if lower.hasSuffix(".xml") { return .xml }
        let body = prefix.starts(with: [0xEF, 0xBB, 0xBF]) ? prefix.dropFirst(3) : prefix[...]
        let first = body.first { ![0x20, 0x09, 0x0A, 0x0D].contains($0) }
        return first == UInt8(ascii: "<") ? .xml : .csv
    }
}
