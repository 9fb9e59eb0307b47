import CNetKitShims

// MARK: - IPPROTO_TCP: TCP options

extension SocketOption where Value == Bool {
    /// Sends small segments at once instead of coalescing them (Nagle off). The corresponding C constant is `TCP_NODELAY`.
    public static var noDelay: Self { Self(CNK_IPPROTO_TCP, "IPPROTO_TCP", TCP_NODELAY, "TCP_NODELAY", .flag) }
}

extension SocketOption where Value == Int {
    /// Seconds a connection must be idle before the first keep-alive probe (with ``keepAlive`` on).
    /// The corresponding C constant is `TCP_KEEPIDLE` (`TCP_KEEPALIVE` on Darwin).
    public static var keepAliveIdle: Self {
        #if os(Linux)
        Self(CNK_IPPROTO_TCP, "IPPROTO_TCP", TCP_KEEPIDLE, "TCP_KEEPIDLE", .integer)
        #else
        Self(CNK_IPPROTO_TCP, "IPPROTO_TCP", TCP_KEEPALIVE, "TCP_KEEPALIVE", .integer)
        #endif
    }
    /// Seconds between unanswered keep-alive probes. The corresponding C constant is `TCP_KEEPINTVL`.
    public static var keepAliveInterval: Self {
        Self(CNK_IPPROTO_TCP, "IPPROTO_TCP", TCP_KEEPINTVL, "TCP_KEEPINTVL", .integer)
    }
    /// Unanswered keep-alive probes before the connection is dropped. The corresponding C constant is `TCP_KEEPCNT`.
    public static var keepAliveCount: Self {
        Self(CNK_IPPROTO_TCP, "IPPROTO_TCP", TCP_KEEPCNT, "TCP_KEEPCNT", .integer)
    }
    /// The largest segment TCP sends, in bytes; set before connecting to lower it.
    /// The corresponding C constant is `TCP_MAXSEG`.
    public static var maximumSegmentSize: Self {
        Self(CNK_IPPROTO_TCP, "IPPROTO_TCP", TCP_MAXSEG, "TCP_MAXSEG", .integer)
    }
}
