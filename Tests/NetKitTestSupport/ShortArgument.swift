import Testing

/// A test argument that `swift test` shows as a short description (what it is and how
/// long), instead of printing the whole value: a 4 KB string on one line helps nobody.
///
/// `@Test(arguments: texts.map(ShortArgument.init))`, then `argument.value` in the test.
public struct ShortArgument<Value: Sendable>: Sendable, CustomTestStringConvertible {
    /// The argument itself.
    public let value: Value
    /// What `swift test` prints for it.
    public let testDescription: String

    /// Wraps `value`, shown as its description cut to `limit` characters.
    public init(_ value: Value, limit: Int = 60) {
        self.value = value
        testDescription = shortDescription(of: value, limit: limit)
    }
}

/// The value's description (a string quoted and escaped), cut to `limit` characters with
/// the full size said.
public func shortDescription(of value: some Any, limit: Int = 60) -> String {
    let text = value is String ? String(reflecting: value) : String(describing: value)
    guard text.count > limit else { return text }
    let size = (value as? String).map { "\($0.utf8.count) bytes" } ?? "\(text.count) characters"
    return "\(text.prefix(limit))… (\(size))"
}
