import Testing
@testable import PlytixPrima

/// XXH64 against the reference implementation (values from python-xxhash 3.x, `xxh64(data, seed)`),
/// at every length branch: empty, the byte tail, the 4-byte step, the 8-byte steps and 32-byte stripes.
@Suite struct XXH64Tests {
    static func hash(_ bytes: [UInt8], seed: UInt64 = 0) -> UInt64 { bytes.withUnsafeBytes { XXH64.hash($0, seed: seed) } }

    @Test func matchesTheReferenceImplementation() {
        #expect(Self.hash([]) == 0xEF46_DB37_51D8_E999)
        #expect(Self.hash(Array("a".utf8)) == 0xD24E_C4F1_A98C_6E5B)
        #expect(Self.hash(Array("abc".utf8)) == 0x44BC_2CF5_AD77_0999)
        #expect(Self.hash(Array("hello world, this is 31 bytes!".utf8)) == 0xB20C_D792_28D1_BB20)
        #expect(Self.hash(Array("0123456789abcdef0123456789abcdef".utf8)) == 0x642A_9495_8E71_E6C5)
        #expect(Self.hash([UInt8](repeating: UInt8(ascii: "x"), count: 33)) == 0xB3FA_465F_5542_08A6)
        #expect(Self.hash(Array((0..<5).flatMap { _ in (0...255).map { UInt8($0) } })) == 0xAFC1_84AD_7938_A354)
        #expect(Self.hash(Array("abc".utf8), seed: 0x9E37_79B9_7F4A_7C15) == 0x2ED0_F59D_6B43_AC8B)
    }
}
