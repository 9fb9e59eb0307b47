// TEMPORARY minimal text form; the address helper replaces it with the full parser.
extension SocketAddress: CustomStringConvertible {
    /// `1.2.3.4:80`, `[::1]:80`, `[fe80::1%lo]:80`, or the Unix path (`@name` for abstract names).
    public var description: String {
        switch self {
        case .ipv4(let address, let port): "\(address):\(port)"
        case .ipv6(let address, let port, _): "[\(address)]:\(port)"
        case .unix(let path): path.description
        }
    }
}
