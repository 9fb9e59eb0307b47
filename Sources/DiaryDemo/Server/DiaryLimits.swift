/// The limits every part of the diary agrees on.
enum DiaryLimits {
    /// The longest entry text, in UTF-8 bytes. Longer entries are refused, never cut.
    static let maximumTextBytes = 4096
    /// The longest client name, in UTF-8 bytes.
    static let maximumNameBytes = 64
    /// Sequence numbers in a file must stay below this (so counting on can never overflow).
    static let maximumSequence: UInt64 = 1 << 62
    /// The largest sync page or error reply the server sends, in bytes (no IP fragmentation).
    static let maximumPageBytes = 1400

    /// Why a text cannot be an entry, or `nil` when it can.
    static func problem(withText text: String) -> String? {
        let count = text.utf8.count
        if count == 0 { return "an entry must not be empty" }
        if count > maximumTextBytes { return "entry too long (\(count) bytes; at most \(maximumTextBytes))" }
        return nil
    }

    /// Why a name cannot be a client name, or `nil` when it can (empty means "no name").
    static func problem(withName name: String) -> String? {
        if name.utf8.count > maximumNameBytes { return "name too long (at most \(maximumNameBytes) bytes)" }
        if name == "-" { return "the name \"-\" is reserved (it means \"no name\")" }
        if name.unicodeScalars.contains(where: { $0.properties.isWhitespace || DiaryEntry.needsEscaping($0) }) {
            return "a name must not contain spaces, line breaks or control characters"
        }
        return nil
    }
}
