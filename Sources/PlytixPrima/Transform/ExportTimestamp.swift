/// Plytix's `Last modified` / `Created` values as seconds since 1970 (UTC): ISO 8601 dates and
/// date-times (`2026-11-20`, `2026-11-20T10:11:12Z`, `2026-11-20 10:11:12.123+01:00`).
public enum ExportTimestamp {
    public static func seconds(_ text: String) -> Int64? {
        // Read where the string lies: an array per row showed in the profile.
        var text = text
        return text.withUTF8(seconds(utf8:))
    }

    private static func seconds(utf8 b: UnsafeBufferPointer<UInt8>) -> Int64? {
        func number(_ start: Int, _ count: Int) -> Int? {
            guard start + count <= b.count else { return nil }
            var value = 0
            for i in start..<(start + count) {
                guard b[i].isASCIIDigit else { return nil }
                value = value * 10 + Int(b[i] - 0x30)
            }
            return value
        }
        guard let year = number(0, 4), b.count >= 10, b[4] == 0x2D, let month = number(5, 2), b[7] == 0x2D,
            let day = number(8, 2), (1...12).contains(month), (1...31).contains(day)
        else { return nil }
        var seconds = daysFromCivil(year, month, day) * 86_400
        guard b.count > 10 else { return Int64(seconds) }
        guard b[10] == UInt8(ascii: "T") || b[10] == UInt8(ascii: " "), let hour = number(11, 2), b.count >= 16, b[13] == 0x3A,
            let minute = number(14, 2), hour < 24, minute < 60
        else { return nil }
        seconds += hour * 3600 + minute * 60
        var i = 16
        if i < b.count && b[i] == 0x3A {
            guard let second = number(17, 2), second < 61 else { return nil }
            seconds += second
            i = 19
            if i < b.count && (b[i] == UInt8(ascii: ".") || b[i] == UInt8(ascii: ",")) {
                i += 1
                while i < b.count && b[i].isASCIIDigit { i += 1 }
            }
        }
        guard i < b.count else { return Int64(seconds) }
        if b[i] == UInt8(ascii: "Z") && i + 1 == b.count { return Int64(seconds) }
        guard b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-"), let offsetHour = number(i + 1, 2) else { return nil }
        var j = i + 3
        if j < b.count && b[j] == 0x3A { j += 1 }
        guard let offsetMinute = number(j, 2), j + 2 == b.count else { return nil }
        let offset = offsetHour * 3600 + offsetMinute * 60
        return Int64(b[i] == UInt8(ascii: "+") ? seconds - offset : seconds + offset)
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
    static func daysFromCivil(_ year: Int, _ month: Int, _ day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }
}
