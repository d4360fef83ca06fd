// TEMPORARY: replaced by the helpers' real types at merge.
public struct XMLReaderSettings: Sendable, Equatable {
    public var rootElement: String = "products"
    public var productElement: String = "product"
    public var fieldNameAttribute: String? = nil
    public var multiValueSeparator: String = ","
    public init() {}
}
final class XMLProductReader {
    init(source: any ByteSource, settings: XMLReaderSettings, wantedFields: [String]) throws(FileFault) { throw FileFault(.xmlMalformed, "pending") }
    func next() throws(FileFault) -> SourceRow? { nil }
}
