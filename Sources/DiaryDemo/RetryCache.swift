import NetKit

/// Remembers recent appends by (client address, request id) so a retried request
/// is answered with the first answer instead of appending again.
///
/// Bounded: it holds at most ``capacity`` entries and forgets the oldest first,
/// so memory stays flat however many clients send.
struct RetryCache {
    struct Key: Hashable {
        var source: SocketAddress
        var id: UInt64
    }

    /// What the first append was given.
    struct Answer: Equatable {
        var sequence: UInt64
        var time: Int64
    }

    let capacity: Int
    private var answers: [Key: Answer] = [:]
    private var order: [Key?]
    private var next = 0

    init(capacity: Int = 10_000) {
        precondition(capacity > 0)
        self.capacity = capacity
        order = Array(repeating: nil, count: capacity)
        answers.reserveCapacity(capacity)
    }

    var count: Int { answers.count }

    func answer(for key: Key) -> Answer? { answers[key] }

    /// Records an answer, forgetting the oldest one when full.
    mutating func insert(_ answer: Answer, for key: Key) {
        guard answers.updateValue(answer, forKey: key) == nil else { return }
        if let oldest = order[next] { answers[oldest] = nil }
        order[next] = key
        next = (next + 1) % capacity
    }
}
