import NetKit

/// Token buckets per UDP source host, and optionally one for all hosts together:
/// what bounds the work a source can make the server do, and the replies it gets.
///
/// The server uses two. One bounds the datagrams it handles from each host while
/// it is behind (``DiaryService/defaultRequestsPerSecond``,
/// ``DiaryService/noteDatagramBacklog()``): over the rate a datagram is dropped
/// unread, which costs next to nothing, so one host's flood of requests (even
/// valid ones, such as syncs) cannot keep the loop so busy that the shared
/// receive queue overflows and other hosts' requests are lost. The other bounds
/// error replies, the way the kernel limits ICMP errors (``errorsPerHostPerSecond``,
/// ``errorsPerSecond``): a flood of garbage gets few answers. On loopback a send
/// costs the sender the whole delivery, so answering every datagram of a flood
/// used to take most of the server's time.
///
/// Hosts are hashed with the process's random seed into a fixed table of
/// buckets: the table never grows, so sources that change addresses cost no
/// memory, and an attacker cannot choose to share a victim's bucket. Hosts that
/// do share a bucket share its rate.
struct HostRateLimiter {
    /// Error replies each host may get per second.
    static let errorsPerHostPerSecond = 256.0
    /// Error replies all hosts together may get per second.
    static let errorsPerSecond = 16_384.0
    static let bucketCount = 4096

    /// Tokens each host gets per second; 0 for no limit.
    let perHostPerSecond: Double
    /// Tokens all hosts together get per second; `nil` for no common limit.
    let totalPerSecond: Double?
    /// How many seconds' worth of tokens a bucket holds (the largest burst).
    let burstSeconds: Double
    private var tokens: [Double]
    private var refilled: [ContinuousClock.Instant]
    private var totalTokens: Double
    private var totalRefilled: ContinuousClock.Instant

    init(
        perHostPerSecond: Double, totalPerSecond: Double? = nil, burstSeconds: Double, now: ContinuousClock.Instant
    ) {
        self.perHostPerSecond = perHostPerSecond
        self.totalPerSecond = totalPerSecond
        self.burstSeconds = burstSeconds
        let limited = perHostPerSecond > 0
        tokens = Array(repeating: Self.capacity(perHostPerSecond, burstSeconds), count: limited ? Self.bucketCount : 0)
        refilled = Array(repeating: now, count: limited ? Self.bucketCount : 0)
        totalTokens = Self.capacity(totalPerSecond ?? 0, burstSeconds)
        totalRefilled = now
    }

    /// The error-reply limiter: ``errorsPerHostPerSecond`` per host and ``errorsPerSecond``
    /// in all, with bursts of two seconds' worth.
    static func errors(now: ContinuousClock.Instant) -> Self {
        Self(perHostPerSecond: errorsPerHostPerSecond, totalPerSecond: errorsPerSecond, burstSeconds: 2, now: now)
    }

    /// The request limiter: `perSecond` datagrams handled per host, with bursts of a
    /// quarter of a second's worth (a client waits for each answer, so a host's burst
    /// is about as many requests as it has clients).
    static func requests(perSecond: Double, now: ContinuousClock.Instant) -> Self {
        Self(perHostPerSecond: perSecond, burstSeconds: 0.25, now: now)
    }

    /// Whether `address`'s host may have one more now (and if so, takes a token for it).
    mutating func allow(_ address: SocketAddress, now: ContinuousClock.Instant) -> Bool {
        guard perHostPerSecond > 0 else { return true }
        let bucket = Self.bucket(of: address)
        Self.refill(&tokens[bucket], since: &refilled[bucket], now: now, rate: perHostPerSecond, burst: burstSeconds)
        guard tokens[bucket] >= 1 else { return false }
        if let totalPerSecond {
            Self.refill(&totalTokens, since: &totalRefilled, now: now, rate: totalPerSecond, burst: burstSeconds)
            guard totalTokens >= 1 else { return false }
            totalTokens -= 1
        }
        tokens[bucket] -= 1
        return true
    }

    private static func refill(
        _ tokens: inout Double, since: inout ContinuousClock.Instant, now: ContinuousClock.Instant, rate: Double,
        burst: Double
    ) {
        guard now > since else { return }
        let elapsed = since.duration(to: now)
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        tokens = min(capacity(rate, burst), tokens + seconds * rate)
        since = now
    }

    /// What a bucket holds: `burst` seconds' worth, and at least one token (so a rate below
    /// one per `burst` still lets something through).
    private static func capacity(_ rate: Double, _ burst: Double) -> Double {
        max(1, burst * rate)
    }

    /// The bucket of the address's host (its port does not matter; IPv4-mapped IPv6 is IPv4).
    static func bucket(of address: SocketAddress) -> Int {
        var hasher = Hasher()
        switch address {
        case .ipv4(let host, _):
            hasher.combine(host)
        case .ipv6(let host, _, _):
            if let v4 = host.ipv4Mapped { hasher.combine(v4) } else { hasher.combine(host) }
        case .unix(let path):
            hasher.combine(path)
        }
        return Int(UInt(bitPattern: hasher.finalize()) % UInt(bucketCount))
    }
}
