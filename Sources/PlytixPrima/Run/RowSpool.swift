#if canImport(Glibc)
@preconcurrency import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The first pass's output: every row's disposition, streamed to a scratch file in the run's
/// staging folder, so the barrier stages read records back instead of holding them in memory.
///
/// Format per entry: a kind byte, then varint-length-prefixed strings and varints.
final class RowSpoolWriter {
    private let descriptor: Int32
    private let path: String
    private var buffer: [UInt8] = []

    init(path: String) throws(OutputError) {
        self.path = path
        descriptor = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw OutputError.system("create \(path)", errno) }
        buffer.reserveCapacity(1 << 20 + 65536)
    }

    deinit { close(descriptor) }

    /// An accepted row, already encoded as its final import line.
    func appendAccepted(line: Int, sku: String, encoded: [UInt8]) throws(OutputError) {
        buffer.append(0)
        putInt(line)
        putString(sku)
        putInt(encoded.count)
        buffer.append(contentsOf: encoded)
        try flushIfFull()
    }

    func appendRejected(_ reasons: [RejectReason]) throws(OutputError) {
        buffer.append(1)
        putInt(reasons.count)
        for reason in reasons { putReason(reason) }
        try flushIfFull()
    }

    /// A skipped row keeps its line and SKU: a SKU twice in one file is a duplicate whatever its status.
    func appendSkipped(line: Int, sku: String, status: String) throws(OutputError) {
        buffer.append(2)
        putInt(line)
        putString(sku)
        putString(status)
        try flushIfFull()
    }

    func appendUnreadable(_ fault: RowFault) throws(OutputError) {
        buffer.append(3)
        putInt(fault.line)
        putString(fault.sku)
        putString(fault.rule.rawValue)
        putString(fault.field)
        putString(fault.value)
        putString(fault.reason)
        try flushIfFull()
    }

    private func flushIfFull() throws(OutputError) {
        if buffer.count >= 1 << 20 { try flush() }
    }

    private func putReason(_ reason: RejectReason) {
        putInt(reason.line)
        putString(reason.sku)
        putString(reason.field)
        putString(reason.value)
        putString(reason.rule.rawValue)
        putString(reason.reason)
        putString(reason.primaColumn)
    }

    private func putInt(_ value: Int) {
        var v = UInt64(value)
        while v >= 0x80 {
            buffer.append(UInt8(v & 0x7F) | 0x80)
            v >>= 7
        }
        buffer.append(UInt8(v))
    }

    private func putString(_ value: String) {
        putInt(value.utf8.count)
        buffer.append(contentsOf: value.utf8)
    }

    func flush() throws(OutputError) {
        if let failure = buffer.withUnsafeBytes({ POSIXWrite.all($0, to: descriptor) }) {
            throw OutputError.system("write \(path)", failure)
        }
        buffer.removeAll(keepingCapacity: true)
    }
}

/// Reads a spool back in order.
final class RowSpoolReader {
    private let descriptor: Int32
    private var buffer: [UInt8] = []
    private var position = 0
    private var atEnd = false

    init(path: String) throws(OutputError) {
        descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw OutputError.system("open \(path)", errno) }
    }

    deinit { close(descriptor) }

    /// The next entry; skipped rows come back as `(line, sku, status)` through `skipped`.
    func next() throws(OutputError) -> SpoolRecord? {
        guard try ensure(1) else { return nil }
        let kind = buffer[position]
        position += 1
        switch kind {
        case 0:
            let line = try int()
            let sku = try string()
            let count = try int()
            guard try ensure(count) else { throw OutputError("the run's spool file ends early") }
            let encoded = Array(buffer[position..<(position + count)])
            position += count
            return .accepted(line: line, sku: sku, encoded: encoded)
        case 1:
            let count = try int()
            var reasons: [RejectReason] = []
            for _ in 0..<count {
                reasons.append(RejectReason(
                    line: try int(), sku: try string(), field: try string(), value: try string(),
                    rule: RuleCode(try string()), reason: try string(), primaColumn: try string()))
            }
            return .rejected(reasons)
        case 2:
            return .skipped(line: try int(), sku: try string(), status: try string())
        case 3:
            return .unreadable(RowFault(
                line: try int(), sku: try string(), rule: RuleCode(try string()), field: try string(),
                value: try string(), reason: try string()))
        default:
            throw OutputError("the run's spool file is corrupt (kind \(kind))")
        }
    }

    private func int() throws(OutputError) -> Int {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard try ensure(1) else { throw OutputError("the run's spool file ends early") }
            let byte = buffer[position]
            position += 1
            result |= UInt64(byte & 0x7F) << shift
            if byte < 0x80 { return Int(result) }
            shift += 7
        }
    }

    private func string() throws(OutputError) -> String {
        let count = try int()
        guard try ensure(count) else { throw OutputError("the run's spool file ends early") }
        let value = buffer.withUnsafeBufferPointer {
            String(decoding: UnsafeBufferPointer(rebasing: $0[position..<(position + count)]), as: UTF8.self)
        }
        position += count
        return value
    }

    /// Makes `count` bytes available from `position`; `false` at a clean end of file.
    private func ensure(_ count: Int) throws(OutputError) -> Bool {
        while buffer.count - position < count {
            if atEnd { return false }
            if position > 0 {
                buffer.removeFirst(position)
                position = 0
            }
            let want = max(1 << 20, count - buffer.count)
            let oldCount = buffer.count
            buffer.append(contentsOf: repeatElement(0, count: want))
            let got = buffer.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress! + oldCount, want) }
            if got < 0 {
                buffer.removeLast(want)
                if errno == EINTR { continue }
                throw OutputError.system("read spool", errno)
            }
            buffer.removeLast(want - got)
            if got == 0 { atEnd = true }
        }
        return true
    }
}

/// A spooled row as the barrier stages see it.
enum SpoolRecord {
    case accepted(line: Int, sku: String, encoded: [UInt8])
    case rejected([RejectReason])
    case skipped(line: Int, sku: String, status: String)
    case unreadable(RowFault)
}
