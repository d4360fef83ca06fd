import Testing

@testable import PlytixPrima

/// `UTF8Text` decides what is valid UTF-8 exactly as the standard library does, only faster.
@Suite struct UTF8TextTests {
    static func agrees(_ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBufferPointer { buffer in
            let ours = UTF8Text.string(validating: buffer)
            let library = String(validating: buffer, as: UTF8.self)
            return ours == library && ours.map { Array($0.utf8) == bytes } ?? true
        }
    }

    @Test func everyOneAndTwoByteSequenceIsJudgedAsTheStandardLibraryDoes() {
        var disagreements: [[UInt8]] = []
        for first in 0...255 {
            if !Self.agrees([UInt8(first)]) { disagreements.append([UInt8(first)]) }
            for second in 0...255 where !Self.agrees([UInt8(first), UInt8(second)]) {
                disagreements.append([UInt8(first), UInt8(second)])
            }
        }
        #expect(disagreements.isEmpty, "\(disagreements.prefix(5))")
    }

    /// Every lead byte with continuation bytes at and around each boundary of table 3-7
    /// (overlong forms, surrogates, beyond U+10FFFF, truncated and over-long sequences).
    @Test func threeAndFourByteSequencesAtEveryBoundary() {
        let edges: [UInt8] = [0x00, 0x41, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xE0, 0xF4, 0xFF]
        var disagreements: [[UInt8]] = []
        for lead in 0...255 {
            for second in edges {
                for third in edges {
                    let three = [UInt8(lead), second, third]
                    if !Self.agrees(three) { disagreements.append(three) }
                    for fourth in edges where !Self.agrees(three + [fourth]) { disagreements.append(three + [fourth]) }
                }
            }
        }
        #expect(disagreements.isEmpty, "\(disagreements.prefix(5))")
    }

    /// Long text as exports carry it, ASCII runs across the eight-byte steps, with one byte
    /// broken here and there.
    @Test func longMixedTextWithBrokenBytes() {
        var generator = SplitMix64(seed: 7)
        let pieces = ["Soft cotton tee ", "Café ", "naïve ", "€", "日本語 ", "🧵", "\u{0}", "x", "       "].map { Array($0.utf8) }
        var disagreements = 0
        for round in 0..<3000 {
            var bytes: [UInt8] = []
            for _ in 0..<Int(generator.next() % 40) { bytes += pieces[Int(generator.next() % UInt64(pieces.count))] }
            if round % 3 == 0, !bytes.isEmpty {
                bytes[Int(generator.next() % UInt64(bytes.count))] = UInt8(truncatingIfNeeded: generator.next())
            }
            if round % 7 == 0, !bytes.isEmpty { bytes.removeLast() }  // a sequence cut short
            if !Self.agrees(bytes) { disagreements += 1 }
        }
        #expect(disagreements == 0)
    }

    @Test func knownValidTextIsCopiedAsItIs() {
        let text = "Café crème, <b>naïve</b> 🧵"
        let copy = Array(text.utf8).withUnsafeBufferPointer { UTF8Text.string(knownValid: $0) }
        #expect(copy == text)
        let written = UTF8Text.string(capacity: 8) { out in
            for (index, byte) in "ok €".utf8.enumerated() { out[index] = byte }
            return "ok €".utf8.count
        }
        #expect(written == "ok €")
        #expect(UTF8Text.string(capacity: 0) { _ in 0 } == "")
    }
}
