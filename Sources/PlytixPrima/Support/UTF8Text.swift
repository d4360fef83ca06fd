/// Strings made from UTF-8 bytes for the price of a copy.
///
/// The standard library checks every string it makes from bytes (`String(decoding:as:)`,
/// `String(validating:as:)`, `String(unsafeUninitializedCapacity:initializingUTF8With:)`) one
/// byte at a time: for a kilobyte of description, about ten times the cost of copying it, and
/// a description was checked twice (read, then stripped of its HTML). Here, bytes from a file
/// are checked eight ASCII bytes at a time, and text already known to be valid is only copied.
enum UTF8Text {
    /// A string of `bytes`, or `nil` when they are not valid UTF-8.
    static func string(validating bytes: UnsafeBufferPointer<UInt8>) -> String? {
        guard isValid(bytes) else { return nil }
        return string(knownValid: bytes)
    }

    /// A string of bytes known to be valid UTF-8: cut from a valid string at ASCII bytes, or
    /// written here from valid pieces. (Checked in debug builds.)
    static func string(knownValid bytes: UnsafeBufferPointer<UInt8>) -> String {
        assert(String(validating: bytes, as: UTF8.self) != nil, "UTF8Text.string(knownValid:) was given invalid UTF-8")
        return String(copying: UTF8Span(unchecked: bytes.span))
    }

    /// The string `body` writes into a buffer of `capacity` bytes (returning how many it wrote);
    /// what it writes must be valid UTF-8, as for `string(knownValid:)`.
    static func string(capacity: Int, knownValid body: (UnsafeMutableBufferPointer<UInt8>) -> Int) -> String {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: max(capacity, 1)) { buffer in
            let count = body(buffer)
            return string(knownValid: UnsafeBufferPointer(rebasing: buffer[..<count]))
        }
    }

    /// Whether every byte is ASCII (then it is the same text in UTF-8 and Windows-1252). Eight
    /// bytes at a time: a description is a kilobyte or more.
    static func isASCII(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let base = UnsafeRawPointer(bytes.baseAddress) else { return true }
        var any: UInt64 = 0
        var i = 0
        while i + 8 <= bytes.count {
            any |= base.loadUnaligned(fromByteOffset: i, as: UInt64.self)
            i += 8
        }
        while i < bytes.count {
            any |= UInt64(bytes[i])
            i += 1
        }
        return any & 0x8080_8080_8080_8080 == 0
    }

    /// Whether `bytes` are well-formed UTF-8 (Unicode's table 3-7: no overlong forms, no
    /// surrogates, nothing above U+10FFFF). Runs of ASCII are skipped eight bytes at a time.
    static func isValid(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let base = bytes.baseAddress else { return true }
        let raw = UnsafeRawPointer(base)
        let count = bytes.count
        var i = 0
        while i < count {
            if i + 8 <= count && raw.loadUnaligned(fromByteOffset: i, as: UInt64.self) & 0x8080_8080_8080_8080 == 0 {
                i += 8
                continue
            }
            let lead = base[i]
            if lead < 0x80 {
                i += 1
                continue
            }
            // The sequence's length, and the range its second byte must fall in.
            let length: Int, low: UInt8, high: UInt8
            switch lead {
            case 0xC2...0xDF: (length, low, high) = (2, 0x80, 0xBF)
            case 0xE0: (length, low, high) = (3, 0xA0, 0xBF)
            case 0xE1...0xEC, 0xEE...0xEF: (length, low, high) = (3, 0x80, 0xBF)
            case 0xED: (length, low, high) = (3, 0x80, 0x9F)
            case 0xF0: (length, low, high) = (4, 0x90, 0xBF)
            case 0xF1...0xF3: (length, low, high) = (4, 0x80, 0xBF)
            case 0xF4: (length, low, high) = (4, 0x80, 0x8F)
            default: return false
            }
            guard i + length <= count, (low...high).contains(base[i + 1]) else { return false }
            for k in 2..<max(length, 2) where base[i + k] & 0xC0 != 0x80 { return false }
            i += length
        }
        return true
    }
}

extension UInt8 {
    /// `0`–`9`: the digits every rule and reader that checks numbers, codes and dates means.
    var isASCIIDigit: Bool { self >= 0x30 && self <= 0x39 }
}
