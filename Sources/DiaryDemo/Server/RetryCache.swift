/// Remembers recent appends by (client address, request id) so a retried request
/// is answered with the first answer instead of appending again.
///
/// Kept per source: the last ``perSource`` requests of each of the last
/// ``capacity`` client addresses. A client sends one request at a time, so a
/// retry is always for one of its latest; traffic from other clients cannot
/// push it out, only more than ``capacity`` new addresses can. Memory is
/// bounded either way: the oldest address is forgotten first.
struct RetryCache {
    struct Key: Hashable {
        /// The client address as entries show it (``DiaryService/display(_:)``).
        var source: String
        var id: UInt64
    }

    /// What the first append was given.
    struct Answer: Equatable {
        var sequence: UInt64
        var time: Int64
    }

    /// The most client addresses remembered.
    let capacity: Int
    /// The most requests remembered per address.
    let perSource: Int
    private var sources: [String: [(id: UInt64, answer: Answer)]] = [:]
    private var order: [String?]
    private var next = 0

    init(capacity: Int = 10_000, perSource: Int = 8) {
        precondition(capacity > 0 && perSource > 0)
        self.capacity = capacity
        self.perSource = perSource
        order = Array(repeating: nil, count: capacity)
        sources.reserveCapacity(capacity)
    }

    /// How many client addresses are remembered.
    var sourceCount: Int { sources.count }

    /// How many requests are remembered in all.
    var count: Int { sources.values.reduce(0) { $0 + $1.count } }

    func answer(for key: Key) -> Answer? {
        sources[key.source]?.last { $0.id == key.id }?.answer
    }

    /// Records an answer, forgetting the source's oldest request, or the oldest source, when full.
    mutating func insert(_ answer: Answer, for key: Key) {
        if var recent = sources[key.source] {
            if let index = recent.firstIndex(where: { $0.id == key.id }) {
                recent[index].answer = answer
            } else {
                if recent.count == perSource { recent.removeFirst() }
                recent.append((key.id, answer))
            }
            sources[key.source] = recent
            return
        }
        if let oldest = order[next] { sources[oldest] = nil }
        order[next] = key.source
        next = (next + 1) % capacity
        sources[key.source] = [(key.id, answer)]
    }
}
