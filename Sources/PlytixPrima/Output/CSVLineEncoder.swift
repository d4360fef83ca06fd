/// Writes values as one RFC 4180 line: quoted only when needed, quotes doubled, in the
/// configured separator, line ending and encoding.
struct CSVLineEncoder: Sendable {
    let delimiter: UInt8
    let lineEnding: [UInt8]
    let encoding: TextEncoding

    init(delimiter: UInt8, lineEnding: LineEnding, encoding: TextEncoding) {
        self.delimiter = delimiter
        self.lineEnding = lineEnding.bytes
        self.encoding = encoding
    }

    /// Appends one line; returns where field `marked` starts in `out`, when asked for.
    @discardableResult
    func append(_ values: some Sequence<String>, to out: inout [UInt8], marking marked: Int? = nil) -> Int? {
        append(values, to: &out, marking: marked, and: nil).0
    }

    /// Appends one line; returns where fields `first` and `second` start in `out`.
    func append(_ values: some Sequence<String>, to out: inout [UInt8], marking first: Int?, and second: Int?) -> (Int?, Int?) {
        var starts: (Int?, Int?) = (nil, nil)
        for (index, value) in values.enumerated() {
            if index > 0 { out.append(delimiter) }
            if index == first { starts.0 = out.count }
            if index == second { starts.1 = out.count }
            appendField(value, to: &out)
        }
        out.append(contentsOf: lineEnding)
        return starts
    }

    /// One value as it appears inside a line (quoted if needed, no terminator).
    func cell(_ value: String) -> [UInt8] {
        var out: [UInt8] = []
        appendField(value, to: &out)
        return out
    }

    func line(_ values: some Sequence<String>) -> [UInt8] {
        var out: [UInt8] = []
        append(values, to: &out)
        return out
    }

    private func appendField(_ value: String, to out: inout [UInt8]) {
        switch encoding {
        case .utf8:
            // A native string's bytes are read where they are; only a bridged one is copied.
            if value.utf8.withContiguousStorageIfAvailable({ appendUTF8Field($0, to: &out) }) == nil {
                var value = value
                value.withUTF8 { bytes in appendUTF8Field(bytes, to: &out) }
            }
        case .windows1252:
            let needsQuotes = value.utf8.contains { $0 == delimiter || $0 == 0x22 || $0 == 10 || $0 == 13 }
            if needsQuotes { out.append(0x22) }
            // Values were checked by OutputEncodingRule; `?` can only stand for what slipped past it.
            for scalar in value.unicodeScalars {
                let byte = Windows1252.encode(scalar) ?? UInt8(ascii: "?")
                out.append(byte)
                if needsQuotes && byte == 0x22 { out.append(0x22) }
            }
            if needsQuotes { out.append(0x22) }
        }
    }

    /// Appends in bulk: runs between quotes are copied whole, and a field needing no quotes in one go.
    private func appendUTF8Field(_ bytes: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) {
        guard ByteRuns.contains(delimiter, 0x22, 10, 13, in: bytes) else {
            out.append(contentsOf: bytes)
            return
        }
        out.append(0x22)
        var runStart = 0
        while true {
            let quote = ByteRuns.firstIndex(of: 0x22, or: 0x22, in: bytes, from: runStart, to: bytes.count)
            guard quote < bytes.count else { break }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart...quote]))
            out.append(0x22)  // a quote inside a quoted field is doubled
            runStart = quote + 1
        }
        out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart...]))
        out.append(0x22)
    }
}
