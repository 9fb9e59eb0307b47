/// The loop's deadlines: a binary min-heap of (instant, id), plus the live timers
/// by id. A timer whose call finished first is removed from `live` at once and
/// skipped when its heap entry surfaces; the heap is compacted when such dead
/// entries pile up, so memory stays bounded by the number of pending calls.
struct TimerHeap {
    struct Entry {
        var deadline: ContinuousClock.Instant
        var id: UInt64
    }

    /// What a timer wakes: one waiter record of one registration.
    struct Target {
        let registration: Registration
        let index: Int
        let sequence: UInt32
        /// What the waiter is told: `.timedOut` for a deadline, `.cancelled` when a
        /// drain's grace period ends.
        var reason: WakeReason = .timedOut

        /// Ends the waiter with `reason`.
        func fire(_ reason: WakeReason) {
            registration.finish(index: index, sequence: sequence, reason: reason)
        }
    }

    private(set) var heap: [Entry] = []
    private var live: [UInt64: Target] = [:]
    private var nextID: UInt64 = 1

    init() {
        heap.reserveCapacity(64)
        live.reserveCapacity(64)
    }

    /// Adds a timer; returns its id and whether it is now the earliest.
    mutating func add(_ deadline: ContinuousClock.Instant, _ target: Target) -> (id: UInt64, isEarliest: Bool)? {
        if isClosed { return nil }
        let id = nextID
        nextID &+= 1
        live[id] = target
        heap.append(Entry(deadline: deadline, id: id))
        siftUp(heap.count - 1)
        if heap.count > 64 && heap.count > 4 * live.count { compact() }
        return (id, heap.first?.id == id)
    }

    /// Forgets a timer whose call finished; returns its target (to release outside the lock).
    mutating func cancel(_ id: UInt64) -> Target? {
        live.removeValue(forKey: id)
    }

    /// The earliest live deadline, dropping dead entries on the way.
    mutating func earliest() -> ContinuousClock.Instant? {
        while let top = heap.first {
            if live[top.id] != nil { return top.deadline }
            popTop()
        }
        return nil
    }

    /// Moves every timer due at `now` into `expired`.
    mutating func expire(at now: ContinuousClock.Instant, into expired: inout [Target]) {
        while let top = heap.first, top.deadline <= now {
            popTop()
            if let target = live.removeValue(forKey: top.id) { expired.append(target) }
        }
    }

    /// Drops everything and refuses new timers (loop shutdown); returns the live
    /// targets so their waiters can be told.
    mutating func close() -> [Target] {
        isClosed = true
        let targets = Array(live.values)
        heap.removeAll()
        live.removeAll()
        return targets
    }

    /// Set at loop shutdown: no timer is accepted any more.
    private(set) var isClosed = false

    // MARK: - Heap

    private mutating func popTop() {
        let last = heap.removeLast()
        guard !heap.isEmpty else { return }
        heap[0] = last
        siftDown(0)
    }

    private mutating func compact() {
        heap.removeAll(where: { live[$0.id] == nil })
        var index = heap.count / 2
        while index > 0 {
            index -= 1
            siftDown(index)
        }
    }

    private mutating func siftUp(_ start: Int) {
        var child = start
        while child > 0 {
            let parent = (child - 1) / 2
            guard heap[child].deadline < heap[parent].deadline else { return }
            heap.swapAt(child, parent)
            child = parent
        }
    }

    private mutating func siftDown(_ start: Int) {
        var parent = start
        while true {
            let left = 2 * parent + 1
            guard left < heap.count else { return }
            var smallest = left
            let right = left + 1
            if right < heap.count && heap[right].deadline < heap[left].deadline { smallest = right }
            guard heap[smallest].deadline < heap[parent].deadline else { return }
            heap.swapAt(parent, smallest)
            parent = smallest
        }
    }
}
