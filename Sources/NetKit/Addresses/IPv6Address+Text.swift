// MARK: - Parsing and printing RFC 5952 text

extension IPv6Address: CustomStringConvertible, LosslessStringConvertible {
    /// Parses IPv6 text (`2001:db8::1`), accepting exactly what `inet_pton(AF_INET6)`
    /// accepts, plus a zone (`fe80::1%eth0`, `fe80::1%2`).
    ///
    /// A numeric zone is the ``scopeID``; a name is looked up with `if_nametoindex(3)`
    /// and must name an interface of this machine. Returns `nil` for anything else;
    /// use ``init(parsing:)`` to learn why.
    public init?(_ text: String) {
        guard case .success(let result) = text.parseAddress(AddressText.parseScopedIPv6) else { return nil }
        self = result
    }

    /// Parses IPv6 text (`2001:db8::1`, `fe80::1%eth0`), accepting exactly what
    /// `inet_pton(AF_INET6)` accepts, plus a zone.
    ///
    /// - Parameter text: The text, such as `"2001:db8::1"` or `"fe80::1%lo"`.
    /// - Throws: ``AddressParseError`` naming the reason and the byte offset of the
    ///   problem; ``AddressParseError/Reason/unknownInterface`` when the zone names
    ///   no interface.
    public init(parsing text: String) throws(AddressParseError) {
        switch text.parseAddress(AddressText.parseScopedIPv6) {
        case .success(let address): self = address
        case .failure(let failure): throw failure.error(in: text, as: .ipv6)
        }
    }

    /// The canonical text form (RFC 5952), with `%zone` when a scope is set.
    ///
    /// Lower-case hex without leading zeros; the longest run of two or more zero
    /// groups becomes `::` (the first on a tie); IPv4-mapped addresses print as
    /// `::ffff:192.0.2.1`. The zone is the interface name (`if_indextoname(3)`), or
    /// the number when no interface has that index.
    ///
    /// Unlike glibc's `inet_ntop(3)`, other addresses whose first 96 bits are zero
    /// print in hex (`::102:304`, not `::1.2.3.4`), as RFC 5952 asks.
    public var description: String {
        AddressText.string { AddressText.writeIPv6(self, to: $0) }
    }
}
