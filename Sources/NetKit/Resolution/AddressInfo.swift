import CNetKitShims

/// One result of `Resolver.resolve(host:service:hints:)`: an address to connect or bind to,
/// and the socket type and protocol to use. One entry of the C `addrinfo` list.
public struct AddressInfo: Hashable, Sendable, CustomStringConvertible {
    /// The address, port included. The C fields are `ai_addr` and `ai_addrlen`.
    public var address: SocketAddress
    /// The socket type to create. The C field is `ai_socktype`.
    public var socketType: SocketType
    /// The protocol to create the socket with. The C field is `ai_protocol`.
    public var `protocol`: IPProtocol
    /// The host's canonical name, set on the first result only and only when
    /// ``AddressInfoFlags/canonicalName`` was asked for. The C field is `ai_canonname`.
    public var canonicalName: String?

    /// Creates a result from its parts.
    public init(address: SocketAddress, socketType: SocketType, protocol: IPProtocol, canonicalName: String? = nil) {
        self.address = address
        self.socketType = socketType
        self.protocol = `protocol`
        self.canonicalName = canonicalName
    }

    /// The address family of ``address``. The C field is `ai_family`.
    public var family: AddressFamily { address.family }

    /// One line such as `127.0.0.1:80 stream tcp`.
    public var description: String {
        var text = "\(address) \(socketType) \(self.protocol)"
        if let canonicalName { text += " (\(canonicalName))" }
        return text
    }
}
