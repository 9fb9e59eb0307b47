import Foundation

/// UTC times as the diary shows them: ISO 8601 with milliseconds, `2026-11-25T20:49:11.123Z`.
///
/// Written by hand (days-from-civil arithmetic) so formatting 100,000 entries
/// for a sync is cheap and the text never depends on a locale.
enum Timestamp {
    /// Milliseconds since 1970-01-01T00:00:00Z, now.
    static func now() -> Int64 {
        Int64((Date().timeIntervalSince1970 * 1000).rounded(.down))
    }

    /// Formats milliseconds since the epoch as `YYYY-MM-DDTHH:MM:SS.mmmZ`.
    ///
    /// Years past 9999 get more digits and years before 1 a `-` (ISO 8601's
    /// expanded form), so every `Int64` round-trips through ``parse(_:)``.
    static func format(_ milliseconds: Int64) -> String {
        var bytes: [UInt8] = []
        append(milliseconds, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Appends the ``format(_:)`` text's UTF-8 bytes to `bytes`, without making a `String`.
    static func append(_ milliseconds: Int64, to bytes: inout [UInt8]) {
        let (days, dayMilliseconds) = floorDivide(milliseconds, 86_400_000)
        let (year, month, day) = civil(fromDays: days)
        let seconds = dayMilliseconds / 1000
        func digits(_ value: Int64, _ width: Int) {
            var divisor: Int64 = 1
            for _ in 1..<width { divisor *= 10 }
            var rest = value
            if rest >= divisor * 10 { bytes.append(contentsOf: String(rest).utf8); return }
            while divisor > 0 {
                bytes.append(UInt8(ascii: "0") + UInt8(rest / divisor))
                rest %= divisor
                divisor /= 10
            }
        }
        if year < 0 { bytes.append(UInt8(ascii: "-")) }
        digits(year.magnitude > UInt64(Int64.max) ? Int64.max : Int64(year.magnitude), 4);
        bytes.append(UInt8(ascii: "-"))
        digits(month, 2); bytes.append(UInt8(ascii: "-"))
        digits(day, 2); bytes.append(UInt8(ascii: "T"))
        digits(seconds / 3600, 2); bytes.append(UInt8(ascii: ":"))
        digits(seconds / 60 % 60, 2); bytes.append(UInt8(ascii: ":"))
        digits(seconds % 60, 2); bytes.append(UInt8(ascii: "."))
        digits(dayMilliseconds % 1000, 3); bytes.append(UInt8(ascii: "Z"))
    }

    /// Parses exactly the form ``format(_:)`` writes (4 or more year digits, an
    /// optional `-` before them); `nil` for anything else or a time outside `Int64`.
    static func parse<S: StringProtocol>(_ text: S) -> Int64? {
        let all = Array(text.utf8)
        let negative = all.first == UInt8(ascii: "-")
        let yearStart = negative ? 1 : 0
        let yearDigits = all.count - yearStart - 20
        // Int64 milliseconds reach about 292 million years: at most 9 year digits.
        guard (4...9).contains(yearDigits) else { return nil }
        let utf8 = Array(all[(yearStart + yearDigits - 4)...])  // The fixed 24-byte form, with the year's last 4 digits.
        guard utf8.count == 24, utf8[4] == UInt8(ascii: "-"), utf8[7] == UInt8(ascii: "-"),
            utf8[10] == UInt8(ascii: "T"), utf8[13] == UInt8(ascii: ":"), utf8[16] == UInt8(ascii: ":"),
            utf8[19] == UInt8(ascii: "."), utf8[23] == UInt8(ascii: "Z")
        else { return nil }
        func number(_ bytes: ArraySlice<UInt8>) -> Int64? {
            var value: Int64 = 0
            for byte in bytes {
                let digit = byte &- UInt8(ascii: "0")
                guard digit < 10 else { return nil }
                value = value * 10 + Int64(digit)
            }
            return value
        }
        let yearBytes = all[yearStart..<(yearStart + yearDigits)]
        // Canonical only: more than 4 digits never start with 0.
        guard yearDigits == 4 || yearBytes.first != UInt8(ascii: "0") else { return nil }
        guard let magnitude = number(yearBytes), let month = number(utf8[5..<7]), let day = number(utf8[8..<10]),
            let hour = number(utf8[11..<13]), let minute = number(utf8[14..<16]), let second = number(utf8[17..<19]),
            let millisecond = number(utf8[20..<23]),
            (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 60
        else { return nil }
        let year = negative ? -magnitude : magnitude
        if negative && magnitude == 0 { return nil }
        let days = daysFromCivil(year: year, month: month, day: day)
        let (dayMs, o1) = days.multipliedReportingOverflow(by: 86_400_000)
        let inDay = ((hour * 60 + minute) * 60 + second) * 1000 + millisecond
        let (total, o2) = dayMs.addingReportingOverflow(inDay)
        guard !o1, !o2 else {
            // Near Int64.min the day's start alone can overflow while the time itself fits.
            let (shifted, o3) = (days + 1).multipliedReportingOverflow(by: 86_400_000)
            let (result, o4) = shifted.addingReportingOverflow(inDay - 86_400_000)
            return o3 || o4 ? nil : result
        }
        if yearDigits > 4 || negative {
            // The expanded forms: only the canonical spelling (the common 4-digit form is checked field by field above).
            var again: [UInt8] = []
            append(total, to: &again)
            guard again == all else { return nil }
        }
        return total
    }

    /// Division rounding down, with the remainder in `0..<b` (no overflow, even for `Int64.min`).
    private static func floorDivide(_ a: Int64, _ b: Int64) -> (Int64, Int64) {
        var quotient = a / b, remainder = a % b
        if remainder < 0 { quotient -= 1; remainder += b }
        return (quotient, remainder)
    }

    /// Howard Hinnant's civil_from_days.
    private static func civil(fromDays days: Int64) -> (Int64, Int64, Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    /// Howard Hinnant's days_from_civil.
    private static func daysFromCivil(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    private static func pad(_ value: Int64, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }
}
