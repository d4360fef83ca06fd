/// The characters a value may hold, written like a bracket expression: `A-Za-z0-9-_./`.
///
/// ASCII only: ERP item codes travel through systems that mangle anything else.
public struct AllowedCharacters: Sendable, Equatable, CustomStringConvertible {
    /// The specification as written in the pipeline.
    public let specification: String
    private let allowed: [Bool]

    /// Parses `a-z`-style ranges and single characters; a `-` first, last or after a range is literal.
    public init?(_ specification: String) {
        let bytes = Array(specification.utf8)
        guard !bytes.isEmpty, bytes.allSatisfy({ $0 < 0x80 }) else { return nil }
        var allowed = [Bool](repeating: false, count: 128)
        var i = 0
        while i < bytes.count {
            if i + 2 < bytes.count && bytes[i + 1] == UInt8(ascii: "-") {
                guard bytes[i] <= bytes[i + 2] else { return nil }
                for b in bytes[i]...bytes[i + 2] { allowed[Int(b)] = true }
                i += 3
            } else {
                allowed[Int(bytes[i])] = true
                i += 1
            }
        }
        self.specification = specification
        self.allowed = allowed
    }

    /// The first character of `value` that is not allowed, if any.
    public func firstDisallowed(in value: String) -> Character? {
        // Nearly every code is allowed ASCII: its bytes answer without breaking it into
        // characters (a grapheme search per character, for two columns of every row).
        var bytesOf = value
        let allAllowed = bytesOf.withUTF8 { bytes in
            allowed.withUnsafeBufferPointer { allowed in
                for (index, byte) in bytes.enumerated() {
                    if byte >= 0x80 || !allowed[Int(byte)] { return false }
                    // CR LF is one character of two bytes, never allowed: the loop below names it.
                    if byte == 0x0D && index + 1 < bytes.count && bytes[index + 1] == 0x0A { return false }
                }
                return true
            }
        }
        if allAllowed { return nil }
        for character in value {
            guard character.utf8.count == 1, let byte = character.utf8.first, allowed[Int(byte)] else {
                return character
            }
        }
        return nil
    }

    public var description: String { specification }
}
