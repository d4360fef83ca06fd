/// Serialises records into the output block.
protocol SampleEncoder {
    func header(into out: inout [UInt8])
    func encode(_ record: SampleRecord, into out: inout [UInt8])
    func footer(into out: inout [UInt8])
}

/// RFC 4180: CRLF line ends; a field with the delimiter, a quote, CR or LF is quoted, quotes doubled.
struct CSVSampleEncoder: SampleEncoder {
    let delimiter: UInt8

    func header(into out: inout [UInt8]) {
        for column in SampleColumn.allCases {
            if column.rawValue > 0 { out.append(delimiter) }
            appendField(Array(column.header.utf8), to: &out)
        }
        out.appendASCII("\r\n")
    }

    func encode(_ record: SampleRecord, into out: inout [UInt8]) {
        for column in SampleColumn.allCases {
            if column.rawValue > 0 { out.append(delimiter) }
            appendField(record[column], to: &out)
        }
        out.appendASCII("\r\n")
    }

    func footer(into out: inout [UInt8]) {}

    private func appendField(_ field: [UInt8], to out: inout [UInt8]) {
        let quote = UInt8(ascii: "\"")
        field.withUnsafeBufferPointer { bytes in
            guard bytes.contains(where: { $0 == delimiter || $0 == quote || $0 == 0x0D || $0 == 0x0A }) else {
                out.append(contentsOf: bytes)
                return
            }
            out.append(quote)
            var start = 0
            for index in bytes.indices where bytes[index] == quote {
                // Copy up to and including the quote, then add the second one.
                out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start...index]))
                out.append(quote)
                start = index + 1
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start...]))
            out.append(quote)
        }
    }
}

/// Plytix-style XML: `<products>` root, one `<product>` per row, elements named after the headers,
/// the description in CDATA and the categories as `<category>` sub-elements.
struct XMLSampleEncoder: SampleEncoder {
    /// Opening and closing tags per column, built once.
    private let openTags: [[UInt8]]
    private let closeTags: [[UInt8]]
    private let emptyTags: [[UInt8]]

    init() {
        let names = SampleColumn.allCases.map(\.xmlName)
        openTags = names.map { Array("    <\($0)>".utf8) }
        closeTags = names.map { Array("</\($0)>\n".utf8) }
        emptyTags = names.map { Array("    <\($0)/>\n".utf8) }
    }

    func header(into out: inout [UInt8]) {
        out.appendASCII("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<products>\n")
    }

    func encode(_ record: SampleRecord, into out: inout [UInt8]) {
        out.appendASCII("  <product>\n")
        for column in SampleColumn.allCases {
            let value = record[column]
            if value.isEmpty {
                out.append(contentsOf: emptyTags[column.rawValue])
                continue
            }
            switch column {
            case .categories:
                out.appendASCII("    <categories>\n")
                for path in value.split(separator: UInt8(ascii: ","), omittingEmptySubsequences: true) {
                    out.appendASCII("      <category>")
                    appendText(path, to: &out)
                    out.appendASCII("</category>\n")
                }
                out.appendASCII("    </categories>\n")
            case .description:
                out.append(contentsOf: openTags[column.rawValue])
                appendCDATA(value, to: &out)
                out.append(contentsOf: closeTags[column.rawValue])
            default:
                out.append(contentsOf: openTags[column.rawValue])
                appendText(value[...], to: &out)
                out.append(contentsOf: closeTags[column.rawValue])
            }
        }
        out.appendASCII("  </product>\n")
    }

    func footer(into out: inout [UInt8]) {
        out.appendASCII("</products>\n")
    }

    /// Escapes `&` and `<`; `>` is legal in text except after `]]`, which our data never contains.
    private func appendText(_ text: ArraySlice<UInt8>, to out: inout [UInt8]) {
        var start = text.startIndex
        for index in text.indices {
            switch text[index] {
            case UInt8(ascii: "&"):
                out.append(contentsOf: text[start..<index]); out.appendASCII("&amp;"); start = index + 1
            case UInt8(ascii: "<"):
                out.append(contentsOf: text[start..<index]); out.appendASCII("&lt;"); start = index + 1
            default:
                continue
            }
        }
        out.append(contentsOf: text[start...])
    }

    /// Wraps in CDATA, splitting any `]]>` so the section cannot end early.
    private func appendCDATA(_ text: [UInt8], to out: inout [UInt8]) {
        out.appendASCII("<![CDATA[")
        var start = 0
        var index = 2
        while index < text.count {
            if text[index] == UInt8(ascii: ">") && text[index - 1] == UInt8(ascii: "]") && text[index - 2] == UInt8(ascii: "]") {
                out.append(contentsOf: text[start..<index])
                out.appendASCII("]]><![CDATA[")
                start = index
            }
            index += 1
        }
        out.append(contentsOf: text[start...])
        out.appendASCII("]]>")
    }
}
