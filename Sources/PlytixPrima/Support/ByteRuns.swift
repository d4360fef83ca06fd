#if canImport(Glibc)
@preconcurrency import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Word-at-a-time scans for the readers' and the text transforms' hot loops. A description is
/// mostly long runs of plain ASCII; eight bytes are checked with a few integer operations (bit
/// tricks that flag each byte below, above or equal to a value without a borrow or carry
/// reaching the next byte). A search for one byte over a long run goes to the C library's
/// `memchr`, which uses the widest vector registers the machine has.
enum ByteRuns {
    private static let ones: UInt64 = 0x0101_0101_0101_0101
    private static let highBits: UInt64 = 0x8080_8080_8080_8080

    /// The index of the first `byte` in `start..<end`, or nil.
    static func index(of byte: UInt8, in bytes: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int) -> Int? {
        guard start < end, let base = bytes.baseAddress, let found = memchr(base + start, Int32(byte), end - start) else { return nil }
        return base.distance(to: found.assumingMemoryBound(to: UInt8.self))
    }

    /// The index of the first byte in `start..<end` that is `a` or `b`; `end` when there is none.
    static func firstIndex(of a: UInt8, or b: UInt8, in bytes: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int) -> Int {
        let base = bytes.baseAddress!
        let spreadA = ones &* UInt64(a), spreadB = ones &* UInt64(b)
        var i = start
        while i + 8 <= end {
            let word = load(base + i)
            if hasZeroByte(word ^ spreadA) || hasZeroByte(word ^ spreadB) { break }
            i += 8
        }
        while i < end && base[i] != a && base[i] != b { i += 1 }
        return i
    }

    /// Whether any byte of `bytes` is one of the four (a CSV value that must be quoted).
    static func contains(_ a: UInt8, _ b: UInt8, _ c: UInt8, _ d: UInt8, in bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let base = bytes.baseAddress else { return false }
        let spreadA = ones &* UInt64(a), spreadB = ones &* UInt64(b), spreadC = ones &* UInt64(c), spreadD = ones &* UInt64(d)
        var i = 0
        while i + 8 <= bytes.count {
            let word = load(base + i)
            if hasZeroByte(word ^ spreadA) || hasZeroByte(word ^ spreadB) || hasZeroByte(word ^ spreadC) || hasZeroByte(word ^ spreadD) {
                return true
            }
            i += 8
        }
        while i < bytes.count {
            let byte = base[i]
            if byte == a || byte == b || byte == c || byte == d { return true }
            i += 1
        }
        return false
    }

    /// How many bytes of `bytes` are `byte` (the XML scanner counts line breaks this way).
    static func count(of byte: UInt8, in bytes: UnsafeRawBufferPointer) -> Int {
        guard let base = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return 0 }
        let spread = ones &* UInt64(byte)
        var count = 0
        var i = 0
        while i + 8 <= bytes.count {
            // Each byte lane counts its matches (one per word, so at most 255 words a round);
            // the lanes are then added up in pairs, so no sum outgrows its lane.
            var lanes: UInt64 = 0
            let roundEnd = min(bytes.count, i + 8 * 255)
            while i + 8 <= roundEnd {
                lanes &+= equalFlags(load(base + i) ^ spread) >> 7
                i += 8
            }
            let pairs = (lanes & 0x00FF_00FF_00FF_00FF) &+ ((lanes >> 8) & 0x00FF_00FF_00FF_00FF)
            count &+= Int((pairs &* 0x0001_0001_0001_0001) >> 48)
        }
        while i < bytes.count {
            if base[i] == byte { count &+= 1 }
            i += 1
        }
        return count
    }

    /// The end of the text from `start` that collapsing whitespace leaves as it is: visible
    /// ASCII and single spaces between visible characters. Stops at the first byte that is
    /// neither (a space before a space, a line break, a control character, a multi-byte
    /// character, a trailing space); `end` when there is none.
    static func endOfSettledText(in bytes: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int) -> Int {
        let base = bytes.baseAddress!
        var i = start
        // Each step also reads the byte after the word: a space is settled when it is followed by a visible character.
        while i + 9 <= end {
            let word = load(base + i), next = load(base + i + 1)
            let settled = visibleFlags(word) | (spaceFlags(word) & visibleFlags(next))
            if settled != highBits { return i + (~settled & highBits).trailingZeroBitCount / 8 }
            i += 8
        }
        while i < end {
            let byte = base[i]
            let visible = byte > 0x20 && byte < 0x7F
            let settledSpace = byte == 0x20 && i + 1 < end && base[i + 1] > 0x20 && base[i + 1] < 0x7F
            if !visible && !settledSpace { break }
            i += 1
        }
        return i
    }

    /// Eight bytes, the first in the lowest bits whatever the machine's byte order.
    @inline(__always)
    private static func load(_ pointer: UnsafePointer<UInt8>) -> UInt64 {
        UInt64(littleEndian: UnsafeRawPointer(pointer).loadUnaligned(as: UInt64.self))
    }

    /// 0x80 in each byte of `word` that is visible ASCII (0x21...0x7E), 0 in the others: exact
    /// per byte (no borrow or carry crosses into the next byte).
    @inline(__always)
    private static func visibleFlags(_ word: UInt64) -> UInt64 {
        let low = word & ~highBits
        let atLeast21 = ((low | highBits) &- ones &* 0x21) & highBits
        let atMost7E = ~(low &+ ones) & highBits
        return atLeast21 & atMost7E & ~word
    }

    /// 0x80 in each byte of `word` that is an ASCII space, 0 in the others (exact per byte).
    @inline(__always)
    private static func spaceFlags(_ word: UInt64) -> UInt64 {
        equalFlags(word ^ (ones &* 0x20))
    }

    /// 0x80 in each byte of `x` that is zero, 0 in the others (exact per byte, unlike `hasZeroByte`).
    @inline(__always)
    private static func equalFlags(_ x: UInt64) -> UInt64 {
        ~(((x & ~highBits) &+ ~highBits) | x) & highBits
    }

    @inline(__always)
    private static func hasZeroByte(_ word: UInt64) -> Bool {
        (word &- ones) & ~word & highBits != 0
    }
}
