// MARK: - Parsing and printing dotted-quad text

extension IPv4Address: CustomStringConvertible, LosslessStringConvertible {
    /// Parses dotted-quad text (`192.0.2.1`), accepting exactly what `inet_pton(AF_INET)` accepts.
    ///
    /// Four decimal parts from 0 to 255, without leading zeros (`01.2.3.4` is rejected),
    /// spaces or any other character. Returns `nil` for anything else; use
    /// ``init(parsing:)`` to learn why.
    public init?(_ text: String) {
        guard case .success(let result) = text.parseAddress(AddressText.parseIPv4) else { return nil }
        self.init(result)
    }

    /// Parses dotted-quad text (`192.0.2.1`), accepting exactly what `inet_pton(AF_INET)` accepts.
    ///
    /// - Parameter text: The text, such as `"192.0.2.1"`.
    /// - Throws: ``AddressParseError`` naming the reason and the byte offset of the problem.
    public init(parsing text: String) throws(AddressParseError) {
        switch text.parseAddress(AddressText.parseIPv4) {
        case .success(let value): self.init(value)
        case .failure(let failure): throw failure.error(in: text, as: .ipv4)
        }
    }

    /// The dotted-quad text form, such as `192.0.2.1`. The corresponding C call is `inet_ntop(3)`.
    public var description: String {
        AddressText.string { AddressText.writeIPv4(value, to: $0) }
    }
}
