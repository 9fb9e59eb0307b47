import CNetKitShims

// MARK: - IPPROTO_TCP: TCP options

extension SocketOption where Value == Bool {
    /// Sends small segments at once instead of coalescing them (Nagle off). The corresponding C constant is `TCP_NODELAY`.
    public static var noDelay: Self { Self(level: CNK_IPPROTO_TCP, name: TCP_NODELAY) }
}

extension SocketOption where Value == Int {
    /// Seconds a connection must be idle before the first keep-alive probe (with ``keepAlive`` on).
    /// The corresponding C constant is `TCP_KEEPIDLE` (`TCP_KEEPALIVE` on Darwin).
    public static var keepAliveIdle: Self {
        #if os(Linux)
        Self(level: CNK_IPPROTO_TCP, name: TCP_KEEPIDLE)
        #else
        Self(level: CNK_IPPROTO_TCP, name: TCP_KEEPALIVE)
        #endif
    }
    /// Seconds between unanswered keep-alive probes. The corresponding C constant is `TCP_KEEPINTVL`.
    public static var keepAliveInterval: Self { Self(level: CNK_IPPROTO_TCP, name: TCP_KEEPINTVL) }
    /// Unanswered keep-alive probes before the connection is dropped. The corresponding C constant is `TCP_KEEPCNT`.
    public static var keepAliveCount: Self { Self(level: CNK_IPPROTO_TCP, name: TCP_KEEPCNT) }
    /// The largest segment TCP sends, in bytes; set before connecting to lower it.
    /// The corresponding C constant is `TCP_MAXSEG`.
    public static var maximumSegmentSize: Self { Self(level: CNK_IPPROTO_TCP, name: TCP_MAXSEG) }
}
