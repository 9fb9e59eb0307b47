// MARK: - Parsing and printing `host:port` text and Unix paths

extension SocketAddress: CustomStringConvertible, LosslessStringConvertible {
    /// Parses `192.0.2.1:80`, `[2001:db8::1]:80`, `[fe80::1%eth0]:80`, a Unix path
    /// (`/run/app.sock`, `./app.sock`) or a Linux abstract name (`@app`).
    ///
    /// The IP address follows the rules of `IPv4Address.init(_:)` and
    /// `IPv6Address.init(_:)`; the port is 0 to 65535 in decimal without leading
    /// zeros; a path must fit `sun_path`. Returns `nil` for anything else; use
    /// ``init(parsing:)`` to learn why.
    public init?(_ text: String) {
        guard case .success(let result) = text.parseAddress(AddressText.parseSocketAddress) else { return nil }
        self = result
    }

    /// Parses `192.0.2.1:80`, `[2001:db8::1]:80`, `[fe80::1%eth0]:80`, a Unix path
    /// (`/run/app.sock`, `./app.sock`) or a Linux abstract name (`@app`).
    ///
    /// - Parameter text: The text to parse.
    /// - Throws: ``AddressParseError`` naming the reason and the byte offset of the
    ///   problem: for example ``AddressParseError/Reason/invalidPort`` for `1.2.3.4:65536`,
    ///   ``AddressParseError/Reason/missingBracket`` for `::1:80`, and
    ///   ``AddressParseError/Reason/pathTooLong`` for a path that does not fit `sun_path`.
    public init(parsing text: String) throws(AddressParseError) {
        switch text.parseAddress(AddressText.parseSocketAddress) {
        case .success(let address): self = address
        case .failure(let failure): throw failure.error(in: text, as: .socketAddress)
        }
    }

    /// `192.0.2.1:80`, `[2001:db8::1]:80`, `[fe80::1%lo]:80`, or the Unix path (`@name` for abstract names).
    ///
    /// The flow label of an IPv6 address is not part of the text.
    public var description: String {
        switch self {
        case .ipv4(let address, let port):
            AddressText.string { AddressText.writeIPSocketAddress(.v4(address), port: port, to: $0) }
        case .ipv6(let address, let port, _):
            AddressText.string { AddressText.writeIPSocketAddress(.v6(address), port: port, to: $0) }
        case .unix(let path):
            path.description
        }
    }
}
