import CNetKitShims

/// An entry of the services database (`/etc/services`): a C `servent`.
public struct ServiceEntry: Hashable, Sendable, CustomStringConvertible {
    /// The official service name, such as `http`. The C field is `s_name`.
    public var name: String
    /// The port, in host byte order. The C field is `s_port` (network byte order).
    public var port: UInt16
    /// Other names for the service, such as `www`. The C field is `s_aliases`.
    public var aliases: [String]
    /// The protocol name the entry is for, such as `tcp`. The C field is `s_proto`.
    public var protocolName: String

    /// Creates an entry from its parts.
    public init(name: String, port: UInt16, aliases: [String] = [], protocolName: String) {
        self.name = name
        self.port = port
        self.aliases = aliases
        self.protocolName = protocolName
    }

    /// Copies a C entry; the port is converted to host byte order.
    init(_ entry: servent) {
        self.init(
            name: entry.s_name.map { String(cString: $0) } ?? "",
            port: UInt16(bigEndian: UInt16(truncatingIfNeeded: entry.s_port)),
            aliases: stringList(entry.s_aliases),
            protocolName: entry.s_proto.map { String(cString: $0) } ?? "")
    }

    /// One line in the style of `/etc/services`: `http 80/tcp www`.
    public var description: String {
        ([name, "\(port)/\(protocolName)"] + aliases).joined(separator: " ")
    }
}

/// Copies a NULL-terminated C array of C strings.
func stringList(_ list: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> [String] {
    guard var cursor = list else { return [] }
    var strings: [String] = []
    while let string = cursor.pointee {
        strings.append(String(cString: string))
        cursor += 1
    }
    return strings
}
