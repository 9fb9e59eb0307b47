// MARK: - Parsing and printing text of either version

extension IPAddress: CustomStringConvertible, LosslessStringConvertible {
    /// Parses IPv4 or IPv6 text: IPv6 when it holds a `:`, IPv4 otherwise.
    ///
    /// Accepts exactly what `inet_pton` accepts for that family, plus an IPv6 zone
    /// (`fe80::1%eth0`). Returns `nil` for anything else.
    public init?(_ text: String) {
        guard case .success(let result) = text.parseAddress(AddressText.parseIPAddress) else { return nil }
        self = result
    }

    /// Parses IPv4 or IPv6 text: IPv6 when it holds a `:`, IPv4 otherwise.
    ///
    /// - Parameter text: The text, such as `"192.0.2.1"` or `"2001:db8::1"`.
    /// - Throws: ``AddressParseError`` naming the reason and the byte offset of the problem.
    public init(parsing text: String) throws(AddressParseError) {
        switch text.parseAddress(AddressText.parseIPAddress) {
        case .success(let address): self = address
        case .failure(let failure): throw failure.error(in: text, as: .ipAddress)
        }
    }

    /// The canonical text form: dotted quad for IPv4, RFC 5952 for IPv6.
    public var description: String {
        switch self {
        case .v4(let address): address.description
        case .v6(let address): address.description
        }
    }
}
