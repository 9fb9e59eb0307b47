import NetKit

/// Limits how many error replies UDP sources get, the way the kernel limits ICMP
/// errors: a token bucket per source host and one for all hosts together.
///
/// A flood of garbage datagrams from one host would otherwise make the server
/// answer every one of them, and on loopback a send costs the sender the whole
/// delivery: answering the flood took most of the server's time, and its receive
/// queue overflowed. Over the limit an error is simply not sent (the request did
/// nothing, so a well-behaved client that retries loses nothing).
///
/// Hosts are hashed with the process's random seed into a fixed table of
/// buckets: the table never grows, so sources that change addresses cost no
/// memory, and an attacker cannot choose to share a victim's bucket. Hosts that
/// do share a bucket share its rate.
struct ErrorReplyLimiter {
    /// Error replies each host may get per second (and twice that in a burst).
    static let perHostPerSecond = 256.0
    /// Error replies all hosts together may get per second (and twice that in a burst).
    static let totalPerSecond = 16_384.0
    static let bucketCount = 4096

    private var tokens: [Double]
    private var refilled: [ContinuousClock.Instant]
    private var totalTokens: Double
    private var totalRefilled: ContinuousClock.Instant

    init(now: ContinuousClock.Instant) {
        tokens = Array(repeating: 2 * Self.perHostPerSecond, count: Self.bucketCount)
        refilled = Array(repeating: now, count: Self.bucketCount)
        totalTokens = 2 * Self.totalPerSecond
        totalRefilled = now
    }

    /// Whether an error reply may go to `address` now (and if so, takes a token for it).
    mutating func allow(to address: SocketAddress, now: ContinuousClock.Instant) -> Bool {
        let bucket = Self.bucket(of: address)
        Self.refill(&tokens[bucket], since: &refilled[bucket], now: now, rate: Self.perHostPerSecond)
        Self.refill(&totalTokens, since: &totalRefilled, now: now, rate: Self.totalPerSecond)
        guard tokens[bucket] >= 1, totalTokens >= 1 else { return false }
        tokens[bucket] -= 1
        totalTokens -= 1
        return true
    }

    private static func refill(
        _ tokens: inout Double, since: inout ContinuousClock.Instant, now: ContinuousClock.Instant, rate: Double
    ) {
        guard now > since else { return }
        let elapsed = since.duration(to: now)
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        tokens = min(2 * rate, tokens + seconds * rate)
        since = now
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
