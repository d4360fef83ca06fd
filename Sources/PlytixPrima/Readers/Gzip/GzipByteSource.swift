internal import CZlib

/// Caps on what one gzip input may inflate to, so a small upload cannot fill memory or disk
/// or keep a worker busy for hours (a "gzip bomb").
public struct InflateLimits: Sendable, Equatable {
    /// Most bytes the whole input (all members together) may inflate to.
    public var maxInflatedBytes: Int64
    /// Most inflated bytes per compressed byte, checked once `ratioCheckAfterBytes` is passed.
    /// Deflate cannot exceed about 1032:1, so only near-pure repetition reaches the default.
    public var maxRatio: Int
    /// The ratio is only checked beyond this many inflated bytes: small files may be all padding.
    public var ratioCheckAfterBytes: Int64

    public init(
        maxInflatedBytes: Int64 = 32 << 30,
        maxRatio: Int = 1000,
        ratioCheckAfterBytes: Int64 = 256 << 20
    ) {
        self.maxInflatedBytes = maxInflatedBytes
        self.maxRatio = maxRatio
        self.ratioCheckAfterBytes = ratioCheckAfterBytes
    }
}

/// Recognises the two bytes every gzip member starts with.
public enum GzipMagic {
    public static let bytes: [UInt8] = [0x1f, 0x8b]

    /// True when `prefix` starts with the gzip magic bytes.
    public static func matches(_ prefix: some Collection<UInt8>) -> Bool {
        prefix.starts(with: bytes)
    }
}

/// Inflates gzip (or zlib) data pulled from `upstream`, straight into the caller's buffer.
///
/// Concatenated gzip members (`cat a.gz b.gz`) are read as one stream. After the last member,
/// zero padding is accepted (as `gzip -t` does); any other trailing bytes are a fault.
/// Confined to one thread, like the `z_stream` it owns.
public final class GzipByteSource: ByteSource {
    /// Size of the compressed-input buffer refilled from upstream.
    static let inputCapacity = 256 << 10

    private let upstream: any ByteSource
    public let limits: InflateLimits
    /// Compressed bytes taken so far: consumed by zlib, or skipped as trailing zero padding.
    public private(set) var compressedBytesRead: Int64 = 0
    /// Decompressed bytes handed to callers so far.
    public private(set) var inflatedBytes: Int64 = 0

    // zlib keeps a back-pointer to its z_stream, so it lives at one heap address for good.
    private let stream: UnsafeMutablePointer<z_stream>
    private let input: UnsafeMutableRawBufferPointer
    private var state = State.inMember
    private var upstreamEnded = false

    private enum State {
        case inMember
        case memberEnded
        case finished
        case failed(FileFault)
    }

    public init(upstream: any ByteSource, limits: InflateLimits = InflateLimits()) throws(FileFault) {
        self.upstream = upstream
        self.limits = limits
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        // 15 + 32: the largest window, with the gzip or zlib header detected automatically.
        let status = plytix_inflate_init2(stream, 15 + 32)
        guard status == Z_OK else {
            stream.deinitialize(count: 1)
            stream.deallocate()
            throw FileFault(.unreadable, "The gzip decompressor could not start (zlib status \(status)).")
        }
        input = .allocate(byteCount: Self.inputCapacity, alignment: 1)
        stream.pointee.next_in = input.baseAddress!.assumingMemoryBound(to: Bytef.self)
        stream.pointee.avail_in = 0
    }

    deinit {
        inflateEnd(stream)
        stream.deinitialize(count: 1)
        stream.deallocate()
        input.deallocate()
    }

    public func read(into buffer: UnsafeMutableRawBufferPointer) throws(FileFault) -> Int {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return 0 }
        while true {
            switch state {
            case .failed(let fault):
                throw fault
            case .finished:
                return 0
            case .memberEnded:
                try remembering(startNextMemberIfAny)
            case .inMember:
                let produced = try remembering { () throws(FileFault) in
                    try inflateStep(into: base, count: buffer.count)
                }
                if produced > 0 { return produced }
            }
        }
    }

    /// Runs `body`; a fault it throws is remembered so later reads throw it again.
    private func remembering<T>(_ body: () throws(FileFault) -> T) throws(FileFault) -> T {
        do {
            return try body()
        } catch {
            state = .failed(error)
            throw error
        }
    }

    // MARK: Inflating one member

    /// One call to `inflate`, refilling input first if needed; returns the bytes produced.
    private func inflateStep(into base: UnsafeMutableRawPointer, count: Int) throws(FileFault) -> Int {
        if stream.pointee.avail_in == 0 {
            // At upstream's end this adds nothing; inflate may still hold output to hand over.
            _ = try refillInput()
        }
        let room = min(count, outputAllowance, Int(UInt32.max))
        stream.pointee.next_out = base.assumingMemoryBound(to: Bytef.self)
        stream.pointee.avail_out = UInt32(room)
        let availableIn = stream.pointee.avail_in

        let status = inflate(stream, Z_NO_FLUSH)

        let consumed = Int(availableIn - stream.pointee.avail_in)
        let produced = room - Int(stream.pointee.avail_out)
        compressedBytesRead += Int64(consumed)
        inflatedBytes += Int64(produced)
        try checkLimits()
        switch status {
        case Z_OK, Z_BUF_ERROR:
            // Z_BUF_ERROR is not fatal: it means no progress was possible with the input so far.
            if produced == 0, consumed == 0 {
                try noProgress()
            }
        case Z_STREAM_END:
            state = .memberEnded
        case Z_DATA_ERROR:
            throw corrupt(reason: zlibMessage ?? "invalid compressed data")
        case Z_NEED_DICT:
            throw corrupt(reason: "the data needs a preset dictionary, which gzip never uses")
        case Z_MEM_ERROR:
            throw FileFault(.unreadable, "The gzip data cannot be inflated: the decompressor ran out of memory.")
        default:
            throw unexpected(status)
        }
        return produced
    }

    /// Inflate stalled: truncation if upstream is spent, else more input is read next round.
    private func noProgress() throws(FileFault) {
        guard stream.pointee.avail_in == 0 else {
            // Impossible with input and output room; fail rather than loop forever.
            throw unexpected(Z_BUF_ERROR)
        }
        if upstreamEnded { throw truncated() }
    }

    /// The cap is 0 for a negative limit.
    private var maxInflated: Int64 { max(0, limits.maxInflatedBytes) }

    /// Output room the limit still allows, plus one byte so that reaching it exactly is no fault.
    private var outputAllowance: Int {
        let remaining = maxInflated - inflatedBytes
        return Int(clamping: remaining == .max ? remaining : remaining + 1)
    }

    private func checkLimits() throws(FileFault) {
        if inflatedBytes > maxInflated {
            throw FileFault(
                .gzipTooLarge,
                "The gzip file inflates to more than \(maxInflated) bytes, the most one input may be; it was refused as a possible gzip bomb. Split the export into smaller files.",
                byteOffset: compressedBytesRead)
        }
        guard inflatedBytes > limits.ratioCheckAfterBytes, compressedBytesRead > 0 else { return }
        let (allowed, overflow) = Int64(limits.maxRatio).multipliedReportingOverflow(by: compressedBytesRead)
        if !overflow, inflatedBytes > allowed {
            throw FileFault(
                .gzipTooLarge,
                "The gzip file inflates more than \(limits.maxRatio) times its compressed size (\(inflatedBytes) bytes from \(compressedBytesRead)), which real exports never do; it was refused as a possible gzip bomb.",
                byteOffset: compressedBytesRead)
        }
    }

    // MARK: Between members

    /// After a member's end: starts the next member, accepts zero padding, or faults on other bytes.
    private func startNextMemberIfAny() throws(FileFault) {
        guard try ensureInput(atLeast: 1) else {
            state = .finished
            return
        }
        switch stream.pointee.next_in[0] {
        case GzipMagic.bytes[0]:
            guard try ensureInput(atLeast: 2) else {
                // A lone first magic byte at the very end: a next member cut short.
                throw truncated()
            }
            guard stream.pointee.next_in[1] == GzipMagic.bytes[1] else { throw trailingData() }
            inflateReset(stream)
            state = .inMember
        case 0:
            try skipZeroPadding()
            state = .finished
        default:
            throw trailingData()
        }
    }

    /// Consumes zero bytes up to the end of the input; any other byte is trailing data.
    private func skipZeroPadding() throws(FileFault) {
        while try ensureInput(atLeast: 1) {
            while stream.pointee.avail_in > 0 {
                guard stream.pointee.next_in[0] == 0 else { throw trailingData() }
                stream.pointee.next_in += 1
                stream.pointee.avail_in -= 1
                compressedBytesRead += 1
            }
        }
    }

    // MARK: Input

    /// Makes `count` unconsumed input bytes available if upstream has them; false if it ends first.
    private func ensureInput(atLeast count: Int) throws(FileFault) -> Bool {
        while Int(stream.pointee.avail_in) < count {
            if try refillInput() == 0 { return false }
        }
        return true
    }

    /// Moves unconsumed input to the buffer start and reads more after it; returns the bytes added.
    private func refillInput() throws(FileFault) -> Int {
        let kept = Int(stream.pointee.avail_in)
        if kept > 0 {
            input.baseAddress!.copyMemory(from: stream.pointee.next_in, byteCount: kept)
        }
        stream.pointee.next_in = input.baseAddress!.assumingMemoryBound(to: Bytef.self)
        guard !upstreamEnded, kept < input.count else { return 0 }
        let added = try upstream.read(into: UnsafeMutableRawBufferPointer(rebasing: input[kept...]))
        if added == 0 { upstreamEnded = true }
        stream.pointee.avail_in = UInt32(kept + added)
        return added
    }

    // MARK: Faults

    private var zlibMessage: String? {
        stream.pointee.msg.map { String(cString: $0) }
    }

    private func unexpected(_ status: Int32) -> FileFault {
        FileFault(.unreadable, "The gzip decompressor failed unexpectedly (zlib status \(status)).")
    }

    private func truncated() -> FileFault {
        FileFault(
            .gzipTruncated,
            "The gzip data ends before its end marker: the upload was probably cut short (after \(compressedBytesRead) compressed bytes). Upload the file again.",
            byteOffset: compressedBytesRead)
    }

    private func corrupt(reason: String) -> FileFault {
        FileFault(
            .gzipCorrupt,
            "The gzip data is damaged near compressed byte \(compressedBytesRead) (zlib says: \(reason)); the file was probably altered or broken in transfer. Ask for a fresh export.",
            byteOffset: compressedBytesRead)
    }

    private func trailingData() -> FileFault {
        FileFault(
            .gzipTrailingData,
            "The gzip data is complete, but other bytes follow it from compressed byte \(compressedBytesRead); the file may be damaged or two files were joined. Check the export and upload it again.",
            byteOffset: compressedBytesRead)
    }
}
