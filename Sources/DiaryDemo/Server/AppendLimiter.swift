/// Limits how fast each source host appends: a token bucket of bytes per host,
/// refilled at ``bytesPerSecond`` up to ``burstBytes``. At most ``capacity``
/// hosts are tracked; when more come, the idle (full) buckets are forgotten first.
struct AppendLimiter {
    var bytesPerSecond: Double
    var burstBytes: Double
    let capacity: Int
    private var buckets: [String: (tokens: Double, at: ContinuousClock.Instant)] = [:]

    init(bytesPerSecond: Double, burstBytes: Double? = nil, capacity: Int = 4096) {
        self.bytesPerSecond = bytesPerSecond
        self.burstBytes = burstBytes ?? max(bytesPerSecond * 2, 64 * 1024)
        self.capacity = capacity
    }

    /// Takes `bytes` from `host`'s bucket; `false` (and nothing taken) when it has too few.
    mutating func allow(_ bytes: Int, from host: String, now: ContinuousClock.Instant) -> Bool {
        guard bytesPerSecond > 0 else { return true }
        var bucket = buckets[host] ?? (burstBytes, now)
        let elapsed = bucket.at.duration(to: now)
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        bucket.tokens = min(burstBytes, bucket.tokens + seconds * bytesPerSecond)
        bucket.at = now
        guard bucket.tokens >= Double(bytes) else {
            buckets[host] = bucket
            return false
        }
        bucket.tokens -= Double(bytes)
        if buckets[host] == nil, buckets.count >= capacity { forgetIdle(now: now) }
        buckets[host] = bucket
        return true
    }

    private mutating func forgetIdle(now: ContinuousClock.Instant) {
        let full = burstBytes, rate = bytesPerSecond
        buckets = buckets.filter { _, bucket in
            let elapsed = bucket.at.duration(to: now)
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
            return bucket.tokens + seconds * rate < full
        }
        if buckets.count >= capacity { buckets.removeAll() }
    }
}
