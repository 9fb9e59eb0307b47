/// One diary entry: what the server stored, in the order it stored it.
struct DiaryEntry: Hashable, Sendable {
    /// The sequence number the server assigned: 1, 2, 3, ...
    var sequence: UInt64
    /// When the server received it, in milliseconds since the epoch (UTC).
    var time: Int64
    /// The client's source address as the server saw it, such as `127.0.0.1:50000`.
    var address: String
    /// The client's name; empty when it gave none.
    var name: String
    /// The entry's text (UTF-8, never empty, at most ``DiaryLimits/maximumTextBytes``).
    var text: String
    /// The framed request's id, kept in the file so a retry reaching a restarted
    /// server is still recognised; `nil` for plain-text appends.
    var requestID: UInt64? = nil
}

// MARK: - The text line

extension DiaryEntry {
    /// The entry as one line without the newline: `<seq> <time> <address> <name> <text>`.
    ///
    /// The name is `-` when there is none; in the text, backslash, newline,
    /// carriage return, tab and other control characters are escaped
    /// (`\\`, `\n`, `\r`, `\t`, `\xHH`), so an entry is always exactly one line.
    /// This is what sync returns; the file has the same line, plus the request id (see ``fileLine``).
    var line: String {
        var bytes: [UInt8] = []
        appendLine(to: &bytes)
        return String(decoding: bytes.dropLast(), as: UTF8.self)
    }

    /// The line as the diary file has it: ``line``, then, for a framed append, a
    /// tab and `#` with the request id in 16 hex digits. Escaped text never
    /// contains a tab, so the suffix is unambiguous.
    var fileLine: String {
        var bytes: [UInt8] = []
        appendLine(to: &bytes, withRequestID: true)
        return String(decoding: bytes.dropLast(), as: UTF8.self)
    }

    /// Appends ``line`` (or, `withRequestID`, ``fileLine``) and a newline to `bytes`:
    /// the fast path for sync and the file.
    func appendLine(to bytes: inout [UInt8], withRequestID: Bool = false) {
        bytes.append(contentsOf: String(sequence).utf8)
        bytes.append(UInt8(ascii: " "))
        Timestamp.append(time, to: &bytes)
        bytes.append(UInt8(ascii: " "))
        bytes.append(contentsOf: address.utf8)
        bytes.append(UInt8(ascii: " "))
        if name.isEmpty { bytes.append(UInt8(ascii: "-")) } else { bytes.append(contentsOf: name.utf8) }
        bytes.append(UInt8(ascii: " "))
        bytes.append(contentsOf: Self.escape(text).utf8)
        if withRequestID, let requestID {
            bytes.append(UInt8(ascii: "\t"))
            bytes.append(UInt8(ascii: "#"))
            let hex = String(requestID, radix: 16)
            bytes.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: 16 - hex.utf8.count))
            bytes.append(contentsOf: hex.utf8)
        }
        bytes.append(UInt8(ascii: "\n"))
    }

    /// Parses a ``line`` or ``fileLine`` (without its newline); `nil` when it is not one.
    init?(line: Substring) {
        // Split on the space byte, never on Characters: a space followed by a
        // combining mark is one Character, and must still separate the fields.
        let utf8 = line.utf8
        var fields: [Substring] = []
        var start = utf8.startIndex
        while fields.count < 4, let space = utf8[start...].firstIndex(of: UInt8(ascii: " ")) {
            fields.append(Substring(line.unicodeScalars[start..<space]))
            start = utf8.index(after: space)
        }
        // The request id suffix: after the only raw tab, `#` and 16 hex digits.
        var end = utf8.endIndex
        var requestID: UInt64?
        if let tab = utf8[start...].firstIndex(of: UInt8(ascii: "\t")) {
            let suffix = Substring(line.unicodeScalars[utf8.index(after: tab)...])
            guard suffix.utf8.count == 17, suffix.first == "#", let id = UInt64(suffix.dropFirst(), radix: 16) else {
                return nil
            }
            requestID = id
            end = tab
        }
        fields.append(Substring(line.unicodeScalars[start..<end]))
        guard fields.count == 5,
            let sequence = UInt64(fields[0]), sequence > 0, sequence < DiaryLimits.maximumSequence,
            let time = Timestamp.parse(fields[1]),
            !fields[2].isEmpty, fields[2].utf8.count <= 255, !fields[3].isEmpty,
            let text = Self.unescape(fields[4]), DiaryLimits.problem(withText: text) == nil
        else { return nil }
        let name = fields[3] == "-" ? "" : String(fields[3])
        guard DiaryLimits.problem(withName: name) == nil else { return nil }
        self.init(
            sequence: sequence, time: time, address: String(fields[2]), name: name, text: text, requestID: requestID)
    }

    /// Whether `scalar` is written escaped: everything a common line reader takes
    /// as a line break or a control (C0, DEL, C1 incl. NEL U+0085, U+2028, U+2029),
    /// and the bidirectional controls that reorder what a terminal shows
    /// (U+061C, U+200E, U+200F, U+202A–U+202E, U+2066–U+2069), and the BOM U+FEFF.
    static func needsEscaping(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x00..<0x20, 0x7F...0x9F, 0x061C, 0x200E, 0x200F, 0x2028...0x202E, 0x2066...0x2069, 0xFEFF: true
        default: false
        }
    }

    /// The text with `\\`, `\n`, `\r`, `\t`, `\xHH` (other ASCII controls) and
    /// `\u{HHHH}` (the non-ASCII scalars of ``needsEscaping(_:)``) escaped: one line,
    /// and nothing in it a terminal or editor would take as a line break or reordering.
    static func escape(_ text: String) -> String {
        guard text.utf8.contains(where: { $0 < 0x20 || $0 >= 0x7F || $0 == UInt8(ascii: "\\") }) else { return text }
        guard text.unicodeScalars.contains(where: { $0 == "\\" || needsEscaping($0) }) else { return text }
        var result = ""
        result.reserveCapacity(text.utf8.count + 8)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            case _ where scalar.value < 0x80 && needsEscaping(scalar):
                let hex = String(scalar.value, radix: 16, uppercase: true)
                result += "\\x" + (hex.count == 1 ? "0" : "") + hex
            case _ where needsEscaping(scalar):
                result += "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}"
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result
    }

    static func unescape(_ text: Substring) -> String? {
        guard text.utf8.contains(UInt8(ascii: "\\")) else { return String(text) }  // bytes: no grapheme breaking
        var result = ""
        var scalars = text.unicodeScalars.makeIterator()
        while let scalar = scalars.next() {
            guard scalar == "\\" else { result.unicodeScalars.append(scalar); continue }
            switch scalars.next() {
            case "\\": result += "\\"
            case "n": result += "\n"
            case "r": result += "\r"
            case "t": result += "\t"
            case "x":
                guard let high = scalars.next(), let low = scalars.next(),
                    let value = UInt8(String(high) + String(low), radix: 16), value < 0x80
                else { return nil }
                result.unicodeScalars.append(Unicode.Scalar(value))
            case "u":
                guard scalars.next() == "{" else { return nil }
                var hex = ""
                while let digit = scalars.next(), digit != "}" {
                    hex.unicodeScalars.append(digit)
                    guard hex.utf8.count <= 6 else { return nil }
                }
                guard let value = UInt32(hex, radix: 16), let decoded = Unicode.Scalar(value) else { return nil }
                result.unicodeScalars.append(decoded)
            default: return nil
            }
        }
        return result
    }
}
