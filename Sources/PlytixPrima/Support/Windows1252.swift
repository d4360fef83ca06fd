/// Windows-1252, the code page older Windows-side Prima installs read and write.
public enum Windows1252 {
    /// Unicode scalars of bytes 0x80–0x9F; `nil` where the code page leaves the byte undefined.
    static let high: [UInt32?] = [
        0x20AC, nil, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, nil, 0x017D, nil,
        nil, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, nil, 0x017E, 0x0178,
    ]

    static let reverse: [UInt32: UInt8] = {
        var map: [UInt32: UInt8] = [:]
        for (offset, scalar) in high.enumerated() {
            if let scalar { map[scalar] = UInt8(0x80 + offset) }
        }
        return map
    }()

    /// Decodes bytes; `nil` if a byte is undefined in the code page.
    public static func decode(_ bytes: some Sequence<UInt8>) -> String? {
        var scalars = String.UnicodeScalarView()
        for byte in bytes {
            if byte < 0x80 || byte >= 0xA0 {
                scalars.append(Unicode.Scalar(byte))
            } else if let value = high[Int(byte - 0x80)], let scalar = Unicode.Scalar(value) {
                scalars.append(scalar)
            } else {
                return nil
            }
        }
        return String(scalars)
    }

    /// The byte for a character, or `nil` if the code page cannot hold it.
    public static func encode(_ character: Character) -> UInt8? {
        guard character.unicodeScalars.count == 1, let scalar = character.unicodeScalars.first else { return nil }
        return encode(scalar)
    }

    public static func encode(_ scalar: Unicode.Scalar) -> UInt8? {
        let value = scalar.value
        if value < 0x80 || (value >= 0xA0 && value <= 0xFF) { return UInt8(value) }
        return reverse[value]
    }
}
