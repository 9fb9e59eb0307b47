import Synchronization

/// One socket's place in an ``IOLoop``: registered once, until the socket closes.
///
/// Readiness is cached here, as tokio's `ScheduledIo` does: a word with the ready
/// directions in the low bits and a tick above them that every event advances.
/// An async call tries the non-blocking system call at once while its direction
/// is marked ready; when the call would block it clears the mark (only if no
/// event came since it looked, which the tick tells) and waits. An event that
/// arrives in between is never lost: it advanced the tick, so the clear fails.
///
/// Waiters live in a table of records reused in place (no allocation per wait
/// once the table has grown). Each record is a small state machine:
/// `pending` (reserved; the continuation not stored yet), `waiting`, and
/// `finished` with the reason. Whoever moves a record out of `waiting` takes the
/// continuation and resumes it after releasing the lock, so it is resumed
/// exactly once and never under the lock. A cancellation, timeout or close that
/// comes while the record is `pending` leaves the reason for the task to find.
final class Registration: Sendable {
    let loop: IOLoop
    let descriptor: CInt
    /// Slot index (low 32 bits) and generation (high 32 bits) in the loop's table.
    let token: UInt64

    /// Ready bits (``ReadyBits``) in bits 0-1, ``closedBit`` in bit 2, ``ReadyBits/hungUp``
    /// (sticky) in bit 3, the tick from bit 8.
    let readiness = Atomic<UInt64>(ReadyBits.all.rawValue)
    static let closedBit: UInt64 = 4
    static let tickUnit: UInt64 = 1 << 8

    /// Calls that succeeded without suspending, per direction, for the fairness budget.
    let readStreak = Atomic<Int>(0)
    let writeStreak = Atomic<Int>(0)

    /// How many times a call on this socket suspended for readiness, and which task
    /// (by ``currentTaskKey``) did last: when the budget runs out for a task that
    /// itself suspended on this socket since the last check, it has waited already
    /// and need not yield. So a request-response exchange, whose sends never wait
    /// but whose receives do, never yields (nor allocates) in steady state, while a
    /// task that never waits on the socket (a hog, or a writer beside a reader
    /// task) still yields every ``budget`` calls.
    let suspensions = Atomic<Int>(0)
    let lastSuspender = Atomic<Int>(0)
    let suspensionsAtCheck = Atomic<Int>(0)

    /// How many calls in a row may finish without suspending before one yields,
    /// so a socket that always has data cannot starve other tasks.
    static let budget = 32

    /// Set when a listener was switched to non-blocking mode for async accept.
    let madeNonBlocking = Atomic<Bool>(false)

    private let state = Lock(WaiterTable())

    init(loop: IOLoop, descriptor: CInt, token: UInt64) {
        self.loop = loop
        self.descriptor = descriptor
        self.token = token
    }

    /// A registration with no descriptor, woken only by ``signal()``, its timers,
    /// cancellation and ``close(_:)``: `serve`'s connection limit and back-off
    /// sleep on these, with the same waiter state machine as sockets.
    init(eventOnlyOn loop: IOLoop) {
        self.loop = loop
        self.descriptor = -1
        self.token = UInt64.max - 1
        readiness.store(0, ordering: .relaxed)
    }

    /// Marks an event-only registration readable and wakes its waiters (any thread).
    func signal() {
        var resumptions: [Resumption] = []
        setReady(.readable, into: &resumptions)
        for resumption in resumptions { resumption.resume() }
    }

    /// Waits on an event-only registration until `deadline` (a timer sleep).
    /// - Throws: `CancellationError`, or ``SocketError`` with ``SocketError/Reason/loopShutDown``.
    func sleep(until deadline: ContinuousClock.Instant) async throws {
        readiness.store(readiness.load(ordering: .relaxed) & ~ReadyBits.all.rawValue, ordering: .relaxed)
        let reason = await waitUntilReady(.read, deadline: .at(deadline))
        switch reason {
        case .timedOut, .ready: return
        default: throw reason.error(.accept)
        }
    }

    // MARK: - Readiness

    /// Marks `bits` ready (from the loop thread) and moves the waiters for them into `resumptions`.
    func setReady(_ bits: ReadyBits, into resumptions: inout [Resumption]) {
        state.withLock { table in
            guard table.closeReason == nil else { return }
            var current = readiness.load(ordering: .relaxed)
            while true {
                let tick = (current & ~(Self.tickUnit - 1)) &+ Self.tickUnit
                let next = tick | (current & 0xFF) | bits.rawValue
                let (exchanged, original) = readiness.compareExchange(
                    expected: current, desired: next, ordering: .acquiringAndReleasing)
                if exchanged { break }
                current = original
            }
            let before = table.interest
            table.wake(bits, with: .ready, into: &resumptions)
            updateInterest(table, from: before)
        }
    }

    /// Clears `direction`'s ready mark after a call would block, unless an event
    /// came after `snapshot` was read.
    @inline(__always)
    func clearReadiness(_ direction: Direction, snapshot: UInt64) {
        let desired = snapshot & ~direction.bits.rawValue
        _ = readiness.compareExchange(expected: snapshot, desired: desired, ordering: .acquiringAndReleasing)
    }

    // MARK: - Waiting

    /// Suspends until `direction` may be ready, or the deadline passes, the task is
    /// cancelled, the socket closes or the loop shuts down.
    func waitUntilReady(_ direction: Direction, deadline: IODeadline?) async -> WakeReason {
        let reservation = state.withLock { table -> (index: Int, sequence: UInt32)? in
            if table.closeReason != nil { return nil }
            if readiness.load(ordering: .acquiring) & direction.bits.rawValue != 0 { return nil }
            return table.reserve(direction)
        }
        guard let (index, sequence) = reservation else {
            if let reason = state.withLock({ $0.closeReason }) { return reason }
            return .ready
        }
        // A cancelled task inside `serve`'s drain goes on until the grace period ends.
        let shield = DrainShield.current
        var expiry = deadline?.instant
        var expiryReason = WakeReason.timedOut
        if let shield, Task.isCancelled {
            let end = shield.end()
            if expiry == nil || end < expiry! {
                expiry = end
                expiryReason = .cancelled
            }
        }
        var timer: UInt64? = nil
        if let expiry {
            if expiry <= .now {
                state.withLock { $0.release(index) }
                return expiryReason
            }
            let target = TimerHeap.Target(registration: self, index: index, sequence: sequence, reason: expiryReason)
            guard let id = loop.addTimer(expiry, target) else {
                state.withLock { $0.release(index) }
                return .loopShutDown
            }
            timer = id
        }
        let reason = await withTaskCancellationHandler {
            await withWaiterContinuation { continuation in
                let immediate = state.withLock { table -> WakeReason? in
                    if case .finished(let reason) = table.records[index].phase { return reason }
                    if readiness.load(ordering: .acquiring) & direction.bits.rawValue != 0 {
                        table.records[index].phase = .finished(.ready)
                        return .ready
                    }
                    let before = table.interest
                    table.store(continuation, at: index)
                    updateInterest(table, from: before)
                    return nil
                }
                if let immediate { continuation.resume(returning: immediate) }
            }
        } onCancel: {
            if let shield {
                // Draining: not now, but when the grace period ends.
                let target = TimerHeap.Target(registration: self, index: index, sequence: sequence, reason: .cancelled)
                if loop.addTimer(shield.end(), target) == nil {
                    finish(index: index, sequence: sequence, reason: .loopShutDown)
                }
            } else {
                finish(index: index, sequence: sequence, reason: .cancelled)
            }
        }
        state.withLock { $0.release(index) }
        if let timer { loop.cancelTimer(timer) }
        return reason
    }

    /// Ends one waiter (a timer or a cancellation); a no-op when it already ended.
    func finish(index: Int, sequence: UInt32, reason: WakeReason) {
        let resumption = state.withLock { table -> Resumption? in
            let before = table.interest
            let resumption = table.finish(index, sequence: sequence, reason: reason)
            updateInterest(table, from: before)
            return resumption
        }
        resumption?.resume()
    }

    /// Closes the registration: every waiter, now and later, gets `reason`.
    /// Returns whether this call closed it (false when it was closed already).
    @discardableResult
    func close(_ reason: WakeReason) -> Bool {
        var resumptions: [Resumption] = []
        let closedNow = state.withLock { table -> Bool in
            guard table.closeReason == nil else { return false }
            table.closeReason = reason
            readiness.bitwiseOr(Self.closedBit, ordering: .acquiringAndReleasing)
            table.wake(.all, with: reason, into: &resumptions)
            table.finishPending(with: reason)
            return true
        }
        for resumption in resumptions { resumption.resume() }
        return closedNow
    }

    /// Why the registration closed, if it did.
    var closeReason: WakeReason? { state.withLock { $0.closeReason } }

    /// Tells a level-triggered backend which directions have waiters, when that changed.
    /// Called under the lock so two changes cannot reach the backend out of order.
    private func updateInterest(_ table: borrowing WaiterTable, from before: (Bool, Bool)) {
        guard loop.backend.needsInterest else { return }
        let after = table.interest
        if after != before {
            loop.backend.setInterest(descriptor, token: token, readable: after.0, writable: after.1)
        }
    }

    // MARK: - Performing a call

    /// Counts a call that finished without suspending; true when the budget is
    /// spent and the caller should yield.
    @inline(__always)
    func spendBudget(_ direction: Direction) -> Bool {
        let streak =
            direction == .read
            ? readStreak.wrappingAdd(1, ordering: .relaxed).newValue
            : writeStreak.wrappingAdd(1, ordering: .relaxed).newValue
        guard streak >= Self.budget else { return false }
        resetBudget(direction)
        let seen = suspensions.load(ordering: .relaxed)
        let waitedSinceCheck = suspensionsAtCheck.exchange(seen, ordering: .relaxed) != seen
        if waitedSinceCheck && lastSuspender.load(ordering: .relaxed) == Self.currentTaskKey { return false }
        return true
    }

    /// Notes that the current task is about to suspend on this socket.
    @inline(__always)
    func noteSuspension() {
        lastSuspender.store(Self.currentTaskKey, ordering: .relaxed)
        suspensions.wrappingAdd(1, ordering: .relaxed)
    }

    /// A key for the running task (its hash; 0 outside a task).
    static var currentTaskKey: Int { withUnsafeCurrentTask { $0?.hashValue ?? 0 } }

    @inline(__always)
    func resetBudget(_ direction: Direction) {
        if direction == .read {
            readStreak.store(0, ordering: .relaxed)
        } else {
            writeStreak.store(0, ordering: .relaxed)
        }
    }

    /// Runs a non-blocking attempt until it gives a result: at once while the
    /// direction is marked ready, else after waiting for readiness.
    ///
    /// `drained` says whether a result shows the kernel buffer was emptied (a short
    /// stream read) or filled (a short stream write): then the ready mark is cleared
    /// as after a would-block (unless an event came since, or the peer hung up, which
    /// brings no further edge), so the next call waits for readiness instead of first
    /// failing with `EAGAIN`.
    ///
    /// - Throws: the attempt's ``SocketError``; `CancellationError`; ``SocketError``
    ///   with `.timedOut`, ``SocketError/Reason/closed`` or ``SocketError/Reason/loopShutDown``.
    @inline(__always)
    func perform<R>(
        _ direction: Direction, _ operation: SocketError.Operation, deadline: IODeadline?,
        drained: (R) -> Bool = { _ in false },
        _ attempt: () throws(SocketError) -> R?
    ) async throws -> R {
        while true {
            let snapshot = readiness.load(ordering: .acquiring)
            if snapshot & Self.closedBit != 0 {
                throw (closeReason ?? .closed).error(operation)
            }
            if snapshot & direction.bits.rawValue != 0 {
                if let result = try attempt() {
                    if drained(result) && snapshot & ReadyBits.hungUp.rawValue == 0 {
                        clearReadiness(direction, snapshot: snapshot)
                    }
                    if spendBudget(direction) { await Task.yield() }
                    return result
                }
                clearReadiness(direction, snapshot: snapshot)
            }
            resetBudget(direction)
            noteSuspension()
            let reason = await waitUntilReady(direction, deadline: deadline)
            if case .ready = reason { continue }
            throw reason.error(operation)
        }
    }
}

// MARK: - The waiter table

/// A registration's waiters; guarded by its lock.
struct WaiterTable: ~Copyable {
    enum Phase {
        case free
        case pending
        case waiting(WaiterContinuation)
        case finished(WakeReason)
    }

    struct Record {
        var sequence: UInt32 = 0
        var direction: Direction = .read
        var phase: Phase = .free
    }

    var records: [Record] = []
    var freeIndices: [Int] = []
    var readers = 0
    var writers = 0
    var closeReason: WakeReason? = nil

    /// Whether some task waits to read, and to write.
    var interest: (Bool, Bool) { (readers > 0, writers > 0) }

    mutating func reserve(_ direction: Direction) -> (index: Int, sequence: UInt32) {
        let index: Int
        if let reused = freeIndices.popLast() {
            index = reused
        } else {
            index = records.count
            records.append(Record())
        }
        records[index].sequence &+= 1
        records[index].direction = direction
        records[index].phase = .pending
        return (index, records[index].sequence)
    }

    mutating func store(_ continuation: WaiterContinuation, at index: Int) {
        records[index].phase = .waiting(continuation)
        if records[index].direction == .read { readers += 1 } else { writers += 1 }
    }

    mutating func release(_ index: Int) {
        if case .waiting = records[index].phase {
            // Not reachable: a task frees its record only after being resumed.
            if records[index].direction == .read { readers -= 1 } else { writers -= 1 }
        }
        records[index].phase = .free
        freeIndices.append(index)
    }

    mutating func finish(_ index: Int, sequence: UInt32, reason: WakeReason) -> Resumption? {
        guard index < records.count, records[index].sequence == sequence else { return nil }
        switch records[index].phase {
        case .pending:
            records[index].phase = .finished(reason)
            return nil
        case .waiting(let continuation):
            records[index].phase = .finished(reason)
            if records[index].direction == .read { readers -= 1 } else { writers -= 1 }
            return Resumption(continuation: continuation, reason: reason)
        case .free, .finished:
            return nil
        }
    }

    /// Moves every waiter for `bits` into `resumptions` with `reason`.
    mutating func wake(_ bits: ReadyBits, with reason: WakeReason, into resumptions: inout [Resumption]) {
        let wakeReaders = bits.contains(.readable) && readers > 0
        let wakeWriters = bits.contains(.writable) && writers > 0
        guard wakeReaders || wakeWriters else { return }
        for index in records.indices {
            guard case .waiting(let continuation) = records[index].phase else { continue }
            let direction = records[index].direction
            guard (direction == .read && wakeReaders) || (direction == .write && wakeWriters) else { continue }
            records[index].phase = .finished(reason)
            if direction == .read { readers -= 1 } else { writers -= 1 }
            resumptions.append(Resumption(continuation: continuation, reason: reason))
        }
    }

    /// Gives `reason` to every record reserved but not yet waiting.
    mutating func finishPending(with reason: WakeReason) {
        for index in records.indices {
            if case .pending = records[index].phase { records[index].phase = .finished(reason) }
        }
    }
}

extension Registration {
    /// How many tasks wait (stored continuations) right now; for tests and diagnostics.
    var waiterCount: Int { state.withLock { $0.readers + $0.writers } }
}
