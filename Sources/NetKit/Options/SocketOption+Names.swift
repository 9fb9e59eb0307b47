import CNetKitShims

// MARK: - C names for error messages

/// The C level and option names, such as `IPPROTO_IPV6, IPV6_UNICAST_HOPS`, for
/// an error message; numbers for what NetKit does not name.
func optionDescription(level: CInt, name: CInt) -> String {
    let levelName: String
    let optionName: String?
    switch level {
    case SOL_SOCKET:
        levelName = "SOL_SOCKET"
        optionName = socketLevelNames[name]
    case CNK_IPPROTO_IP:
        levelName = "IPPROTO_IP"
        optionName = ipLevelNames[name]
    case CNK_IPPROTO_IPV6:
        levelName = "IPPROTO_IPV6"
        optionName = ipv6LevelNames[name]
    case CNK_IPPROTO_TCP:
        levelName = "IPPROTO_TCP"
        optionName = tcpLevelNames[name]
    case CNK_IPPROTO_UDP:
        levelName = "IPPROTO_UDP"
        optionName = udpLevelNames[name]
    default:
        levelName = "level \(level)"
        optionName = nil
    }
    return "\(levelName), \(optionName ?? "option \(name)")"
}

private let socketLevelNames: [CInt: String] = {
    var names: [CInt: String] = [
        SO_REUSEADDR: "SO_REUSEADDR", SO_REUSEPORT: "SO_REUSEPORT", SO_KEEPALIVE: "SO_KEEPALIVE",
        SO_BROADCAST: "SO_BROADCAST", SO_ACCEPTCONN: "SO_ACCEPTCONN", SO_RCVBUF: "SO_RCVBUF",
        SO_SNDBUF: "SO_SNDBUF", SO_RCVTIMEO: "SO_RCVTIMEO", SO_SNDTIMEO: "SO_SNDTIMEO",
        SO_LINGER: "SO_LINGER", SO_ERROR: "SO_ERROR", SO_TYPE: "SO_TYPE",
    ]
    #if os(Linux)
    names[CNK_SO_TIMESTAMPNS] = "SO_TIMESTAMPNS"
    names[CNK_SO_RXQ_OVFL] = "SO_RXQ_OVFL"
    #endif
    return names
}()

private let ipLevelNames: [CInt: String] = {
    var names: [CInt: String] = [
        IP_TTL: "IP_TTL", IP_TOS: "IP_TOS", IP_MULTICAST_TTL: "IP_MULTICAST_TTL",
        IP_MULTICAST_LOOP: "IP_MULTICAST_LOOP", IP_MULTICAST_IF: "IP_MULTICAST_IF",
        IP_ADD_MEMBERSHIP: "IP_ADD_MEMBERSHIP", IP_DROP_MEMBERSHIP: "IP_DROP_MEMBERSHIP",
        IP_RECVTOS: "IP_RECVTOS",
    ]
    #if os(Linux)
    names[IP_PKTINFO] = "IP_PKTINFO"
    names[IP_RECVERR] = "IP_RECVERR"
    #else
    names[IP_RECVPKTINFO] = "IP_RECVPKTINFO"
    #endif
    return names
}()

private let ipv6LevelNames: [CInt: String] = {
    var names: [CInt: String] = [
        IPV6_V6ONLY: "IPV6_V6ONLY", IPV6_UNICAST_HOPS: "IPV6_UNICAST_HOPS",
        IPV6_MULTICAST_HOPS: "IPV6_MULTICAST_HOPS", IPV6_MULTICAST_LOOP: "IPV6_MULTICAST_LOOP",
        IPV6_MULTICAST_IF: "IPV6_MULTICAST_IF", IPV6_TCLASS: "IPV6_TCLASS",
        IPV6_JOIN_GROUP: "IPV6_JOIN_GROUP", IPV6_LEAVE_GROUP: "IPV6_LEAVE_GROUP",
        IPV6_RECVPKTINFO: "IPV6_RECVPKTINFO", IPV6_RECVTCLASS: "IPV6_RECVTCLASS",
    ]
    #if os(Linux)
    names[IPV6_RECVERR] = "IPV6_RECVERR"
    #endif
    return names
}()

private let udpLevelNames: [CInt: String] = {
    var names: [CInt: String] = [:]
    #if os(Linux)
    names[CNK_UDP_GRO] = "UDP_GRO"
    names[CNK_UDP_SEGMENT] = "UDP_SEGMENT"
    #endif
    return names
}()

private let tcpLevelNames: [CInt: String] = {
    var names: [CInt: String] = [
        TCP_NODELAY: "TCP_NODELAY", TCP_KEEPINTVL: "TCP_KEEPINTVL",
        TCP_KEEPCNT: "TCP_KEEPCNT", TCP_MAXSEG: "TCP_MAXSEG",
    ]
    #if os(Linux)
    names[TCP_KEEPIDLE] = "TCP_KEEPIDLE"
    #else
    names[TCP_KEEPALIVE] = "TCP_KEEPALIVE"
    #endif
    return names
}()
