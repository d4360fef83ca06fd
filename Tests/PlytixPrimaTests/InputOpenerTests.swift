import Testing
@testable import PlytixPrima
import PlytixPrimaTestSupport

// The input opener: gzip by its magic bytes whatever the name, the format by name or first byte.
// Gzip inputs are made with zlib in-process (GzipFixture, from GzipByteSourceTests).

// MARK: - Helpers

/// What opening `bytes` under `name` gave: the input, with everything it yields read out.
struct Opened {
    var format: InputFormat
    var compressed: Bool
    var bytes: [UInt8]
}

func openInput(
    _ bytes: [UInt8], name: String, settings: InputSettings = InputSettings(), chunk: Int? = nil
) throws(FileFault) -> Opened {
    let raw: any ByteSource = chunk.map { ChunkedSource(bytes, chunk: $0) } ?? MemoryByteSource(bytes)
    let opened = try InputOpener.open(raw, name: name, settings: settings)
    return Opened(format: opened.format, compressed: opened.compressed, bytes: try drain(opened.source, bufferSize: 4096))
}

/// The fault opening (or reading) `bytes` throws, or nil.
func openFault(_ bytes: [UInt8], name: String, settings: InputSettings = InputSettings()) -> FileFault? {
    fault { () throws(FileFault) in _ = try openInput(bytes, name: name, settings: settings) }
}

let csvText = "SKU,Label,Status\nA-1,Oak chair,Complete\n"
let xmlText = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<products><product><sku>A-1</sku></product></products>\n"

// MARK: - Compression

@Suite struct InputOpenerCompressionTests {
    @Test(arguments: ["products.csv", "products.csv.gz", "export", "products.txt"])
    func plainTextPassesThroughUnchanged(name: String) throws {
        let opened = try openInput(Array(csvText.utf8), name: name)
        #expect(opened.compressed == false)
        #expect(opened.format == .csv)
        #expect(opened.bytes == Array(csvText.utf8))
    }

    @Test(arguments: ["products.csv.gz", "products.csv", "products.gz", "products", "PRODUCTS.CSV.GZ"])
    func gzipIsInflatedWhateverTheName(name: String) throws {
        let opened = try openInput(GzipFixture.gzip(csvText), name: name)
        #expect(opened.compressed == true)
        #expect(opened.format == .csv)
        #expect(String(decoding: opened.bytes, as: UTF8.self) == csvText)
    }

    @Test(arguments: [1, 2, 3, 7, 64, 65])
    func gzipMagicSplitAcrossReads(chunk: Int) throws {
        let text = String(repeating: csvText, count: 200)
        let opened = try openInput(GzipFixture.gzip(text), name: "export.csv", chunk: chunk)
        #expect(opened.compressed)
        #expect(String(decoding: opened.bytes, as: UTF8.self) == text)
    }

    @Test(arguments: [1, 5, 64, 1 << 20])
    func plainBytesBeyondThePeekArriveIntact(chunk: Int) throws {
        let bytes = GzipFixture.catalogue(rows: 3_000)
        let opened = try openInput(bytes, name: "big.csv", chunk: chunk)
        #expect(!opened.compressed)
        #expect(opened.bytes == bytes)
    }

    @Test func aTinyGzip() throws {
        let opened = try openInput(GzipFixture.gzip("a"), name: "tiny.csv.gz")
        #expect(opened.bytes == [UInt8(ascii: "a")])
        #expect(opened.compressed)
    }

    @Test func multiMemberGzipIsReadWhole() throws {
        let bytes = GzipFixture.gzip("SKU,Label\n") + GzipFixture.gzip("A-1,Oak\n") + GzipFixture.gzip("B-2,Pine\n")
        let opened = try openInput(bytes, name: "joined.csv.gz")
        #expect(String(decoding: opened.bytes, as: UTF8.self) == "SKU,Label\nA-1,Oak\nB-2,Pine\n")
    }

    @Test func doubleCompressionIsRefused() {
        let twice = GzipFixture.compress(GzipFixture.gzip(csvText))
        let fault = openFault(twice, name: "products.csv.gz.gz")
        #expect(fault?.code == .doubleCompressed)
        #expect(fault?.byteOffset == 0)
        let thrice = GzipFixture.compress(twice)
        #expect(openFault(thrice, name: "products.csv.gz")?.code == .doubleCompressed)
    }

    @Test func aFirstMagicByteAloneIsNotGzip() throws {
        let opened = try openInput([0x1F] + Array("SKU\n".utf8), name: "odd.csv")
        #expect(!opened.compressed)
        #expect(opened.bytes == [0x1F] + Array("SKU\n".utf8))
    }

    @Test func theMagicBytesAloneAreATruncatedGzip() {
        #expect(openFault([0x1F, 0x8B], name: "cut.csv.gz")?.code == .gzipTruncated)
    }

    @Test func aGzipWithoutItsTrailerIsTruncated() {
        let whole = GzipFixture.compress(GzipFixture.catalogue(rows: 5_000))
        for cut in [10, whole.count / 2, whole.count - 8, whole.count - 1] {
            #expect(openFault(Array(whole[..<cut]), name: "cut.csv.gz")?.code == .gzipTruncated, "cut at \(cut)")
        }
    }

    @Test func corruptGzipIsRefused() {
        var bytes = GzipFixture.gzip(String(repeating: csvText, count: 50))
        bytes[bytes.count - 6] ^= 0xFF  // inside the CRC
        #expect(openFault(bytes, name: "bad.csv.gz")?.code == .gzipCorrupt)
    }

    @Test func theInflateLimitsOfTheSettingsApply() {
        var settings = InputSettings()
        settings.inflate = InflateLimits(maxInflatedBytes: 1 << 20)
        let fault = openFault(GzipFixture.zeros(megabytes: 4), name: "bomb.csv.gz", settings: settings)
        #expect(fault?.code == .gzipTooLarge)
    }
}

// MARK: - Empty inputs

@Suite struct InputOpenerEmptyTests {
    @Test(arguments: ["empty.csv", "empty.csv.gz", "empty.xml", "empty"])
    func zeroBytes(name: String) {
        let fault = openFault([], name: name)
        #expect(fault?.code == .emptyFile)
        #expect(fault?.line == 1)
        #expect(fault?.byteOffset == 0)
    }

    @Test func aGzipOfNothing() {
        let fault = openFault(GzipFixture.compress([]), name: "empty.csv.gz")
        #expect(fault?.code == .emptyFile)
        #expect(fault?.message.contains("decompresses to 0 bytes") == true)
    }
}

// MARK: - Format

@Suite struct InputOpenerFormatTests {
    @Test(arguments: [
        ("products.csv", InputFormat.csv), ("products.CSV", .csv), ("products.tsv", .csv), ("products.txt", .csv),
        ("products.csv.gz", .csv), ("products.xml", .xml), ("Products.XML", .xml), ("products.xml.gz", .xml),
        ("products.XML.GZ", .xml),
    ])
    func byName(name: String, format: InputFormat) throws {
        // The name decides, whatever the content looks like.
        #expect(try openInput(Array(csvText.utf8), name: name).format == format)
        #expect(try openInput(Array(xmlText.utf8), name: name).format == format)
        #expect(try openInput(GzipFixture.gzip(xmlText), name: name).format == format)
    }

    @Test(arguments: ["export", "export.gz", "export.dat", "export.csv.bak", "csv", ".xml.tmp"])
    func byFirstByteWhenTheNameDoesNotSay(name: String) throws {
        #expect(try openInput(Array(xmlText.utf8), name: name).format == .xml)
        #expect(try openInput(Array(csvText.utf8), name: name).format == .csv)
        #expect(try openInput(GzipFixture.gzip(xmlText), name: name).format == .xml)
        #expect(try openInput(GzipFixture.gzip(csvText), name: name).format == .csv)
    }

    @Test func byFirstByteAfterABOMAndSpaces() throws {
        let bom: [UInt8] = [0xEF, 0xBB, 0xBF]
        #expect(try openInput(bom + Array(" \r\n\t<products/>".utf8), name: "export").format == .xml)
        #expect(try openInput(GzipFixture.compress(bom + Array("\n\n<products/>".utf8)), name: "export.gz").format == .xml)
        #expect(try openInput(bom + Array("SKU,Label\n".utf8), name: "export").format == .csv)
        #expect(try openInput(Array("   \n\n  ".utf8), name: "export").format == .csv)
        #expect(try openInput(Array("\"<quoted>\",x\n".utf8), name: "export").format == .csv)
    }

    @Test func aConfiguredFormatWins() throws {
        var settings = InputSettings()
        settings.format = .xml
        #expect(try openInput(Array(csvText.utf8), name: "products.csv", settings: settings).format == .xml)
        settings.format = .csv
        #expect(try openInput(Array(xmlText.utf8), name: "products.xml", settings: settings).format == .csv)
        #expect(try openInput(GzipFixture.gzip(xmlText), name: "products", settings: settings).format == .csv)
    }

    @Test func formatFromAPrefixDirectly() {
        #expect(InputOpener.format(name: "x", prefix: [], configured: .auto) == .csv)
        #expect(InputOpener.format(name: "x", prefix: [0xEF, 0xBB, 0xBF], configured: .auto) == .csv)
        #expect(InputOpener.format(name: "x", prefix: [0xEF, 0xBB, 0xBF, UInt8(ascii: "<")], configured: .auto) == .xml)
        #expect(InputOpener.format(name: "x.gz", prefix: Array("<a/>".utf8), configured: .auto) == .xml)
        #expect(InputOpener.format(name: "x.gz.csv", prefix: Array("<a/>".utf8), configured: .auto) == .csv)
    }
}

// MARK: - Opened input into the CSV reader

@Suite struct InputOpenerIntoCSVTests {
    @Test func aGzippedExportNamedCsvReadsAsProducts() throws {
        var export = ExportBuilder()
        for index in 0..<1_000 { export.add("SKU-\(index)", ["Description": "line one\nline two"]) }
        let opened = try InputOpener.open(
            ChunkedSource(GzipFixture.compress(export.bytes), chunk: 777), name: "products.csv", settings: InputSettings())
        #expect(opened.compressed)
        #expect(opened.format == .csv)
        let reading = readProducts(opened.source)
        #expect(reading.fault == nil)
        #expect(reading.rows.count == 1_000)
        #expect(reading.rows.last?.line == 2 + 999 * 2)
        #expect(reading.values("SKU").last == "SKU-999")
    }

    @Test func aGzippedUTF16ExportIsStillRefusedByTheReader() throws {
        let text = csvText
        let body: [UInt8] = text.utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }
        let utf16: [UInt8] = [0xFF, 0xFE] + body
        let opened = try InputOpener.open(MemoryByteSource(GzipFixture.compress(utf16)), name: "products.csv.gz", settings: InputSettings())
        #expect(readProducts(opened.source).fault?.code == .unsupportedEncoding)
    }
}
