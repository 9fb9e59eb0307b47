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

/// `String(reflecting: value)`, cut to `limit` characters with the full length said.
public func shortDescription(of value: some Any, limit: Int = 60) -> String {
    let text = String(reflecting: value)
    guard text.count > limit else { return text }
    return "\(text.prefix(limit))… (\(text.count) characters)"
}
