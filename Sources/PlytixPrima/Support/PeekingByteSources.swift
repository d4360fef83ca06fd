import Crypto

/// Hashes every byte that passes through, so the source file's SHA-256 costs no second read.
final class HashingByteSource: ByteSource {
    private let upstream: any ByteSource
    private var hasher = SHA256()
    private(set) var bytesRead: Int64 = 0

    init(upstream: any ByteSource) { self.upstream = upstream }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws(FileFault) -> Int {
        let count = try upstream.read(into: buffer)
        if count > 0 {
            hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
            bytesRead += Int64(count)
        }
        return count
    }

    /// Reads what the consumer left unread (trailing bytes), then returns the digest in hex.
    func finish() throws(FileFault) -> String {
        try readToEnd()
        return Hex.string(hasher.finalize())
    }
}

/// Lets the opener look at the first bytes (gzip magic, BOM, `<`) and then hands them on.
final class PrefixedByteSource: ByteSource {
    private let upstream: any ByteSource
    private(set) var prefix: [UInt8] = []
    private var served = 0

    init(upstream: any ByteSource, peek count: Int) throws(FileFault) {
        self.upstream = upstream
        let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: count, alignment: 1)
        defer { scratch.deallocate() }
        var filled = 0
        while filled < count {
            let got = try upstream.read(into: UnsafeMutableRawBufferPointer(rebasing: scratch[filled...]))
            if got == 0 { break }
            filled += got
        }
        prefix = Array(scratch[0..<filled])
    }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws(FileFault) -> Int {
        if served < prefix.count {
            let count = min(buffer.count, prefix.count - served)
            prefix.withUnsafeBytes { bytes in
                buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: bytes[served..<(served + count)]))
            }
            served += count
            return count
        }
        return try upstream.read(into: buffer)
    }
}
