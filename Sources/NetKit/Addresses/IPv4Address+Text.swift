import CNetKitShims

// TEMPORARY: bridges through inet_pton/inet_ntop; to be replaced by a native parser.
extension IPv4Address: CustomStringConvertible, LosslessStringConvertible {
    /// Parses dotted-quad text (`192.0.2.1`), accepting exactly what `inet_pton(AF_INET)` accepts.
    public init?(_ text: String) {
        var address = in_addr()
        guard inet_pton(AF_INET, text, &address) == 1 else { return nil }
        self.init(address)
    }

    /// The dotted-quad text form, such as `192.0.2.1`.
    public var description: String {
        let (a, b, c, d) = octets
        return "\(a).\(b).\(c).\(d)"
    }
}
