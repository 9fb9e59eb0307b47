import Testing
import NetKitTestSupport
@testable import DiaryDemo

@Suite("Entries and timestamps")
struct EntryTests {
    @Test(arguments: [Int64(0), 1_764_103_751_123, 951_782_400_000, 4_102_444_799_999, 1_709_164_800_000])
    func timestampRoundTrip(_ milliseconds: Int64) {
        let text = Timestamp.format(milliseconds)
        #expect(text.utf8.count == 24)
        #expect(Timestamp.parse(text) == milliseconds)
    }

    @Test func knownTimestamps() {
        #expect(Timestamp.format(0) == "1970-01-01T00:00:00.000Z")
        #expect(Timestamp.format(951_782_400_000) == "2000-02-29T00:00:00.000Z")
        #expect(Timestamp.format(1_764_103_751_123) == "2025-11-25T20:49:11.123Z")
        var bytes: [UInt8] = []
        Timestamp.append(1_764_103_751_123, to: &bytes)
        #expect(String(decoding: bytes, as: UTF8.self) == "2025-11-25T20:49:11.123Z")
        bytes = []
        Timestamp.append(-1, to: &bytes)
        #expect(String(decoding: bytes, as: UTF8.self) == Timestamp.format(-1))
        #expect(Timestamp.parse("2025-13-01T00:00:00.000Z") == nil)
        #expect(Timestamp.parse("2025-11-25 20:49:11.123Z") == nil)
        #expect(Timestamp.parse("2025-11-25T20:49:11Z") == nil)
    }

    static let texts = [
        "hello", "two words", " leading space", "tab\there", "new\nline", "back\\slash \\n literal",
        "bell\u{07} del\u{7F}", "emoji 📓 and ü", "trailing\r\n", "\u{0488} a combining mark first", "\u{301}",
        String(repeating: "x", count: 4096),
    ]

    @Test(arguments: texts.map { ShortArgument($0) })
    func lineRoundTrip(_ text: ShortArgument<String>) throws {
        let text = text.value
        let entry = DiaryEntry(sequence: 12, time: 1_764_103_751_123, address: "[::1]:40000", name: "amy", text: text)
        let line = entry.line
        #expect(!line.contains("\n") && !line.contains("\r"))
        var bytes: [UInt8] = []
        entry.appendLine(to: &bytes)
        #expect(bytes == Array((line + "\n").utf8))
        #expect(DiaryEntry(line: Substring(line)) == entry)
        var anonymous = entry
        anonymous.name = ""
        #expect(anonymous.line.utf8.starts(with: "12 2025-11-25T20:49:11.123Z [::1]:40000 - ".utf8))
        #expect(DiaryEntry(line: Substring(anonymous.line)) == anonymous)
    }

    @Test func requestIDIsKeptInTheFileLineOnly() {
        let entry = DiaryEntry(sequence: 3, time: 0, address: "127.0.0.1:9", name: "", text: "a\tb #x", requestID: 0x1F)
        #expect(entry.line == "3 1970-01-01T00:00:00.000Z 127.0.0.1:9 - a\\tb #x")
        #expect(entry.fileLine == entry.line + "\t#000000000000001f")
        #expect(DiaryEntry(line: Substring(entry.fileLine)) == entry)
        var withoutID = entry
        withoutID.requestID = nil
        #expect(DiaryEntry(line: Substring(entry.line)) == withoutID)
        #expect(withoutID.fileLine == withoutID.line)
        #expect(DiaryEntry(line: Substring(entry.line + "\t#12")) == nil)
        #expect(DiaryEntry(line: Substring(entry.line + "\tx000000000000001f")) == nil)
        #expect(DiaryEntry(line: Substring(entry.line + "\t#00000000000000zz")) == nil)
    }

    @Test(
        arguments: [
            "", "1", "x 2025-11-25T20:49:11.123Z a - t", "0 2025-11-25T20:49:11.123Z a - t",
            "1 yesterday a - t", "1 2025-11-25T20:49:11.123Z a - ", "1 2025-11-25T20:49:11.123Z a - bad\\q",
            "1 2025-11-25T20:49:11.123Z a - bad\\x8", "1 2025-11-25T20:49:11.123Z a -",
            "18446744073709551615 2025-11-25T20:49:11.123Z a - too far",
            "1 2025-11-25T20:49:11.123Z a - " + String(repeating: "x", count: 4097),
            "1 2025-11-25T20:49:11.123Z " + String(repeating: "a", count: 256) + " - long address",
            "1 2025-11-25T20:49:11.123Z a " + String(repeating: "n", count: 65) + " long name",
        ].map { ShortArgument($0) })
    func badLines(_ line: ShortArgument<String>) {
        #expect(DiaryEntry(line: Substring(line.value)) == nil)
    }

    @Test func limits() {
        #expect(DiaryLimits.problem(withText: "") != nil)
        #expect(DiaryLimits.problem(withText: String(repeating: "é", count: 2048)) == nil)
        #expect(DiaryLimits.problem(withText: String(repeating: "é", count: 2049))?.contains("too long") == true)
        #expect(DiaryLimits.problem(withName: "") == nil)
        #expect(DiaryLimits.problem(withName: "amy") == nil)
        #expect(DiaryLimits.problem(withName: "a b") != nil)
        #expect(DiaryLimits.problem(withName: "-") != nil)
        #expect(DiaryLimits.problem(withName: String(repeating: "n", count: 65)) != nil)
    }
}
