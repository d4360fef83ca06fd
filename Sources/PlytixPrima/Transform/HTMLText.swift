import Foundation

/// Turns a Plytix rich-text description into the plain text Prima's long description holds.
public enum HTMLText {
    /// Removes tags and comments (and the content of `script` and `style`), decodes entities,
    /// and leaves every tag as a space. A `<` that opens no tag (`< 0.5 W`) is text, as in a
    /// browser. Works on UTF-8 bytes; makes one string at the end.
    ///
    /// The result is valid UTF-8 without being checked (`UTF8Text`): the text is cut only at
    /// ASCII bytes, and entities are encoded here.
    public static func strip(_ html: String) -> String {
        var bytesOf = html
        return bytesOf.withUTF8 { bytes in
            guard bytes.contains(UInt8(ascii: "<")) || bytes.contains(UInt8(ascii: "&")) else { return html }
            // The text never grows: a tag leaves one space, an entity is longer than what it decodes to.
            return UTF8Text.string(capacity: bytes.count) { out in strip(bytes, into: out) }
        }
    }

    /// `strip` followed by `TextCleaning.collapseWhitespace`, the usual pair for a description,
    /// in one buffer: the stripped text is collapsed where it lies, and one string is made.
    public static func stripCollapsingWhitespace(_ html: String) -> String {
        var html = html
        return html.withUTF8 { bytes in
            UTF8Text.string(capacity: bytes.count) { out in
                let stripped = strip(bytes, into: out)
                return TextCleaning.collapse(UnsafeBufferPointer(rebasing: out[..<stripped]), into: out)
            }
        }
    }

    private static func strip(_ bytes: UnsafeBufferPointer<UInt8>, into out: UnsafeMutableBufferPointer<UInt8>) -> Int {
        var written = 0
        var i = 0
        let n = bytes.count
        while i < n {
            let byte = bytes[i]
            // Text up to the next `<` or `&` is copied as one run.
            if byte != UInt8(ascii: "<") && byte != UInt8(ascii: "&") {
                let end = ByteRuns.firstIndex(of: UInt8(ascii: "<"), or: UInt8(ascii: "&"), in: bytes, from: i + 1, to: n)
                UnsafeMutableRawPointer(out.baseAddress! + written).copyMemory(from: bytes.baseAddress! + i, byteCount: end - i)
                written += end - i
                i = end
                continue
            }
            if byte == UInt8(ascii: "<") && opensMarkup(bytes, at: i) {
                let close = ByteRuns.index(of: UInt8(ascii: ">"), in: bytes, from: i + 1, to: bytes.count) ?? n
                let skipTo = skippedContentEnd(bytes, tagStart: i, tagEnd: close)
                // A tag separates words: "<p>a</p><p>b</p>" reads "a b".
                out[written] = 0x20
                written += 1
                i = min(n, skipTo + 1)
            } else if byte == UInt8(ascii: "&"), let (scalar, next) = decodeEntity(bytes, at: i) {
                for unit in UTF8.encode(scalar)! {
                    out[written] = unit
                    written += 1
                }
                i = next
            } else {
                out[written] = byte
                written += 1
                i += 1
            }
        }
        return written
    }

    /// A tag starts with `<` and a letter, `/`, `!` or `?`; any other `<` is text.
    private static func opensMarkup(_ bytes: UnsafeBufferPointer<UInt8>, at start: Int) -> Bool {
        guard start + 1 < bytes.count else { return false }
        let next = lowered(bytes[start + 1])
        return (next >= 0x61 && next <= 0x7A) || next == UInt8(ascii: "/") || next == UInt8(ascii: "!") || next == UInt8(ascii: "?")
    }

    /// For `<script>` and `<style>`, the end of the matching close tag; for a comment, the end of
    /// its `-->` (Word pastes conditional comments full of markup); else the tag's own end.
    private static func skippedContentEnd(_ bytes: UnsafeBufferPointer<UInt8>, tagStart: Int, tagEnd: Int) -> Int {
        // Most tags are neither comments nor raw-text elements: decide on the second byte first.
        let second = tagStart + 1 < bytes.count ? lowered(bytes[tagStart + 1]) : 0
        guard second == UInt8(ascii: "!") || second == UInt8(ascii: "s") else { return tagEnd }
        let comment = Self.commentOpening
        if bytes[tagStart...].starts(with: comment) {
            let commentEnd = Self.commentClosing
            // From the opening dashes on, so `<!-->` is an (empty) comment too, as in HTML.
            var i = tagStart + 2
            while i + commentEnd.count <= bytes.count {
                if bytes[i..<(i + commentEnd.count)].elementsEqual(commentEnd) { return i + 2 }
                i += 1
            }
            return bytes.count
        }
        for (opening, closing) in Self.rawTextElements {
            guard tagStart + opening.count <= bytes.count,
                bytes[tagStart..<(tagStart + opening.count)].elementsEqual(opening, by: { lowered($0) == $1 }),
                endsTagName(bytes, at: tagStart + opening.count)  // `<styled-box>` is no `<style>`
            else { continue }
            var i = tagEnd
            while i + closing.count <= bytes.count {
                if bytes[i..<(i + closing.count)].elementsEqual(closing, by: { lowered($0) == $1 }) {
                    return ByteRuns.index(of: UInt8(ascii: ">"), in: bytes, from: i, to: bytes.count) ?? bytes.count
                }
                i += 1
            }
            return bytes.count
        }
        return tagEnd
    }

    private static let commentOpening = Array("<!--".utf8)
    private static let commentClosing = Array("-->".utf8)
    /// Elements whose content is not text: `<script>` and `<style>` (opening and closing tags).
    private static let rawTextElements: [(opening: [UInt8], closing: [UInt8])] = ["script", "style"].map {
        (Array("<\($0)".utf8), Array("</\($0)".utf8))
    }

    /// Whether the tag name ends before `index`: at `>`, `/`, a space or the end of the text.
    private static func endsTagName(_ bytes: UnsafeBufferPointer<UInt8>, at index: Int) -> Bool {
        guard index < bytes.count else { return true }
        return [UInt8(ascii: ">"), UInt8(ascii: "/"), 0x20, 0x09, 0x0A, 0x0C, 0x0D].contains(bytes[index])
    }

    private static func lowered(_ byte: UInt8) -> UInt8 {
        (byte >= 0x41 && byte <= 0x5A) ? byte + 0x20 : byte
    }

    /// Decodes `&name;`, `&#123;` or `&#x1F;` at `start`; returns the scalar and the next index.
    static func decodeEntity(_ bytes: UnsafeBufferPointer<UInt8>, at start: Int) -> (Unicode.Scalar, Int)? {
        var end = start + 1
        while end < bytes.count && end - start <= 12 && bytes[end] != UInt8(ascii: ";") { end += 1 }
        guard end < bytes.count, bytes[end] == UInt8(ascii: ";"), end > start + 1 else { return nil }
        let body = UnsafeBufferPointer(rebasing: bytes[(start + 1)..<end])
        let scalar: Unicode.Scalar?
        if body.first == UInt8(ascii: "#") {
            let digits = body.dropFirst()
            let isHex = digits.first == UInt8(ascii: "x") || digits.first == UInt8(ascii: "X")
            let text = String(decoding: isHex ? digits.dropFirst() : digits, as: UTF8.self)
            scalar = UInt32(text, radix: isHex ? 16 : 10).flatMap(Unicode.Scalar.init)
        } else {
            scalar = namedEntities[String(decoding: body, as: UTF8.self)]
        }
        // The decoded text must not be longer than the entity (the output buffer relies on it).
        guard let scalar, scalar.value != 0, UTF8.width(scalar) <= end + 1 - start else { return nil }
        // A non-breaking space is a space for Prima; collapse_whitespace folds it.
        return (scalar, end + 1)
    }

    static let namedEntities: [String: Unicode.Scalar] = [
        "amp": "&", "lt": "<", "gt": ">", "quot": "\"", "apos": "'", "nbsp": "\u{00A0}",
        "ndash": "\u{2013}", "mdash": "\u{2014}", "hellip": "\u{2026}", "lsquo": "\u{2018}", "rsquo": "\u{2019}",
        "ldquo": "\u{201C}", "rdquo": "\u{201D}", "bull": "\u{2022}", "middot": "\u{00B7}", "copy": "\u{00A9}",
        "reg": "\u{00AE}", "trade": "\u{2122}", "deg": "\u{00B0}", "times": "\u{00D7}", "euro": "\u{20AC}",
        "pound": "\u{00A3}", "cent": "\u{00A2}", "yen": "\u{00A5}", "sect": "\u{00A7}", "para": "\u{00B6}",
        "frac12": "\u{00BD}", "frac14": "\u{00BC}", "frac34": "\u{00BE}", "plusmn": "\u{00B1}", "micro": "\u{00B5}",
        "eacute": "\u{00E9}", "egrave": "\u{00E8}", "ecirc": "\u{00EA}", "euml": "\u{00EB}", "aacute": "\u{00E1}",
        "agrave": "\u{00E0}", "acirc": "\u{00E2}", "auml": "\u{00E4}", "aring": "\u{00E5}", "ccedil": "\u{00E7}",
        "iacute": "\u{00ED}", "iuml": "\u{00EF}", "ntilde": "\u{00F1}", "oacute": "\u{00F3}", "ouml": "\u{00F6}",
        "oslash": "\u{00F8}", "uacute": "\u{00FA}", "uuml": "\u{00FC}", "szlig": "\u{00DF}", "Eacute": "\u{00C9}",
        "Auml": "\u{00C4}", "Ouml": "\u{00D6}", "Uuml": "\u{00DC}", "Oslash": "\u{00D8}", "Aring": "\u{00C5}",
        "shy": "\u{00AD}", "laquo": "\u{00AB}", "raquo": "\u{00BB}", "iexcl": "\u{00A1}", "iquest": "\u{00BF}",
    ]
}
