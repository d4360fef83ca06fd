/// A stream of input bytes, pulled in blocks: a file, or a decompressor in front of one.
///
/// Readers never see whole files: they pull blocks into their own buffers, so memory
/// stays bounded whatever the size of the export.
public protocol ByteSource: AnyObject {
    /// Fills the start of `buffer` with up to `buffer.count` bytes and returns how many.
    /// Returns 0 only at the end of the input; throws when the input is broken.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws(FileFault) -> Int
}

extension ByteSource {
    /// Reads and drops whatever is left (trailing bytes the consumer did not need), so a
    /// counting or hashing source has seen the whole input.
    func readToEnd() throws(FileFault) {
        let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 16, alignment: 1)
        defer { scratch.deallocate() }
        while try read(into: scratch) > 0 {}
    }
}

/// A byte source over an in-memory buffer, for tests and small inputs.
public final class MemoryByteSource: ByteSource {
    private let bytes: [UInt8]
    private var position = 0

    public init(_ bytes: [UInt8]) { self.bytes = bytes }
    public convenience init(_ text: String) { self.init(Array(text.utf8)) }

    public func read(into buffer: UnsafeMutableRawBufferPointer) throws(FileFault) -> Int {
        let count = min(buffer.count, bytes.count - position)
        guard count > 0 else { return 0 }
        bytes.withUnsafeBytes { source in
            buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: source[position..<(position + count)]))
        }
        position += count
        return count
    }
}
