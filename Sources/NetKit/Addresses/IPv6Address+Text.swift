import CNetKitShims

// TEMPORARY: bridges through inet_pton/inet_ntop; to be replaced by a native parser.
extension IPv6Address: CustomStringConvertible, LosslessStringConvertible {
    /// Parses IPv6 text (`2001:db8::1`, `fe80::1%eth0`), accepting what `inet_pton(AF_INET6)` accepts plus a zone.
    public init?(_ text: String) {
        var body = Substring(text)
        var scope: UInt32 = 0
        if let percent = body.firstIndex(of: "%") {
            let zone = String(body[body.index(after: percent)...])
            guard !zone.isEmpty else { return nil }
            if let number = UInt32(zone) { scope = number } else {
                scope = if_nametoindex(zone)
                guard scope != 0 else { return nil }
            }
            body = body[..<percent]
        }
        var address = in6_addr()
        guard inet_pton(AF_INET6, String(body), &address) == 1 else { return nil }
        self.init(address, scopeID: scope)
    }

    /// The canonical text form (RFC 5952), with `%zone` when a scope is set.
    public var description: String {
        var address = in6Addr
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        inet_ntop(AF_INET6, &address, &buffer, socklen_t(buffer.count))
        var text = buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        if scopeID != 0 {
            var name = [CChar](repeating: 0, count: Int(IF_NAMESIZE) + 1)
            if if_indextoname(scopeID, &name) != nil { text += "%" + name.withUnsafeBufferPointer { String(cString: $0.baseAddress!) } } else { text += "%\(scopeID)" }
        }
        return text
    }
}
