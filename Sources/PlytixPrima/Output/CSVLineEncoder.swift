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

    func append(_ values: some Sequence<String>, to out: inout [UInt8]) {
        var first = true
        for value in values {
            if !first { out.append(delimiter) }
            first = false
            appendField(value, to: &out)
        }
        out.append(contentsOf: lineEnding)
    }

    func line(_ values: some Sequence<String>) -> [UInt8] {
        var out: [UInt8] = []
        append(values, to: &out)
        return out
    }

    private func appendField(_ value: String, to out: inout [UInt8]) {
        var needsQuotes = false
        for byte in value.utf8 where byte == delimiter || byte == 0x22 || byte == 10 || byte == 13 {
            needsQuotes = true
            break
        }
        if needsQuotes { out.append(0x22) }
        switch encoding {
        case .utf8:
            if needsQuotes {
                for byte in value.utf8 {
                    out.append(byte)
                    if byte == 0x22 { out.append(0x22) }
                }
            } else {
                out.append(contentsOf: value.utf8)
            }
        case .windows1252:
            // Values were checked by OutputEncodingRule; `?` can only stand for what slipped past it.
            for scalar in value.unicodeScalars {
                let byte = Windows1252.encode(scalar) ?? UInt8(ascii: "?")
                out.append(byte)
                if needsQuotes && byte == 0x22 { out.append(0x22) }
            }
        }
        if needsQuotes { out.append(0x22) }
    }
}
