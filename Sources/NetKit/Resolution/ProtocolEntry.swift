import CNetKitShims

/// An entry of the protocols database (`/etc/protocols`): a C `protoent`.
public struct ProtocolEntry: Hashable, Sendable, CustomStringConvertible {
    /// The official protocol name, such as `udp`. The C field is `p_name`.
    public var name: String
    /// The protocol number, such as 17. The C field is `p_proto`.
    public var number: CInt
    /// Other names for the protocol, such as `UDP`. The C field is `p_aliases`.
    public var aliases: [String]

    /// Creates an entry from its parts.
    public init(name: String, number: CInt, aliases: [String] = []) {
        self.name = name
        self.number = number
        self.aliases = aliases
    }

    /// Copies a C entry.
    init(_ entry: protoent) {
        self.init(
            name: entry.p_name.map { String(cString: $0) } ?? "",
            number: entry.p_proto,
            aliases: stringList(entry.p_aliases))
    }

    /// The number as an ``IPProtocol``, to create a socket with.
    public var ipProtocol: IPProtocol { IPProtocol(rawValue: number) }

    /// One line in the style of `/etc/protocols`: `udp 17 UDP`.
    public var description: String {
        ([name, "\(number)"] + aliases).joined(separator: " ")
    }
}
