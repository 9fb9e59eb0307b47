import CNetKitShims
import Synchronization

/// The event loop behind NetKit's async socket calls: one long-lived thread that
/// waits for readiness (epoll on Linux, or `poll(2)`), fires deadlines, and
/// resumes the tasks waiting on its sockets.
///
/// ```swift
/// let socket = try DatagramSocket(bindingTo: .ipv4(.loopback, port: 0))
/// var buffer = [UInt8](repeating: 0, count: 2048)
/// let datagram = try await socket.receive(into: &buffer)   // waits on IOLoop.default
/// ```
///
/// No set-up is needed: the first async call on a socket registers it with
/// ``default``, which starts on first use. Create your own loop to keep
/// sockets apart or to test, choose it per socket with `register(on:)`, and end it
/// with ``shutdown()``:
///
/// ```swift
/// let loop = try IOLoop()
/// defer { loop.shutdown() }
/// try socket.register(on: loop)
/// ```
/// A loop you create runs (and keeps its thread) until you call ``shutdown()``.
///
/// A waiting task is resumed straight from the loop thread (a continuation
/// resume, no actor in between). The loop is also a `TaskExecutor`: inside
/// `withTaskExecutorPreference(loop) { ... }` tasks run on the loop thread
/// itself, between waits, so a call that becomes ready resumes with no thread
/// hop. Code run that way must not block.
///
/// Each socket is registered once, edge-triggered, with a token made of a slot
/// index and a generation, so an event for a closed socket can never reach a new
/// one that reuses its descriptor number.
public final class IOLoop: TaskExecutor, @unchecked Sendable {
    // @unchecked: every mutable field is behind a Lock or an Atomic; the loop
    // thread's scratch arrays are locals of `run`.

    /// The readiness API in use.
    public let backendKind: IOLoopBackend
    let backend: any ReadinessBackend

    private let slots = Lock(SlotTable())
    private let timers = Lock(TimerHeap())
    private let jobs = Lock(JobQueue())
    private let stopping = Atomic<Bool>(false)
    private let stopped = Atomic<Bool>(false)
    private let loopThread = Atomic<UInt>(0)

    /// Creates a loop with the platform's best backend and starts its thread.
    ///
    /// - Throws: ``SocketError`` from `epoll_create1`, `eventfd` or `pthread_create`.
    public convenience init() throws(SocketError) {
        try self.init(backend: .platformDefault)
    }

    /// Creates a loop with the given backend and starts its thread.
    ///
    /// - Throws: ``SocketError`` from setting up the backend or starting the thread.
    public init(backend: IOLoopBackend) throws(SocketError) {
        backendKind = backend
        switch backend.kind {
        case .epoll:
            #if os(Linux)
            self.backend = try EpollBackend()
            #else
            self.backend = try PollBackend()
            #endif
        case .poll:
            self.backend = try PollBackend()
        }
        let box = Unmanaged.passRetained(self)
        let error = system_pthread_create(ioLoopThreadEntry, box.toOpaque())
        if error != 0 {
            box.release()
            throw SocketError(.startLoop, errno: Errno(rawValue: error))
        }
    }

    // MARK: - The default loop

    /// The loop async calls use unless a socket was registered elsewhere; started on first use.
    ///
    /// If it was shut down, the next use starts a new one.
    /// - Throws: ``SocketError`` when the loop cannot be created (such as `.tooManyOpenFiles`).
    public static var `default`: IOLoop {
        get throws(SocketError) {
            try defaultLoop.withLock { (slot) throws(SocketError) -> IOLoop in
                if let loop = slot, !loop.isShutDown { return loop }
                let loop = try IOLoop()
                slot = loop
                return loop
            }
        }
    }

    // MARK: - Shutting down

    /// Whether ``shutdown()`` was called.
    public var isShutDown: Bool { stopping.load(ordering: .acquiring) }

    /// Stops the loop: every pending call on its sockets is resumed with a
    /// ``SocketError`` whose reason is ``SocketError/Reason/loopShutDown``, and so
    /// is every later call on them; jobs enqueued on it as an executor move to the
    /// global concurrent executor. Returns at once; the thread finishes on its own.
    /// Calling it again does nothing.
    public func shutdown() {
        if stopping.exchange(true, ordering: .acquiringAndReleasing) { return }
        backend.wake()
    }

    // MARK: - Registrations

    /// Registers a descriptor; its events reach the returned registration.
    func register(_ descriptor: CInt) throws(SocketError) -> Registration {
        let registration = try slots.withLock { (table) throws(SocketError) -> Registration in
            guard !table.isShutDown else { throw SocketError(.register, .loopShutDown) }
            return table.insert { token in Registration(loop: self, descriptor: descriptor, token: token) }
        }
        do {
            try backend.register(descriptor, token: registration.token)
        } catch {
            _ = slots.withLock { $0.remove(registration.token) }
            throw error
        }
        return registration
    }

    /// Removes a registration, before its descriptor closes. Events already
    /// collected for it are dropped: its slot's generation no longer matches.
    func deregister(_ registration: Registration) {
        backend.deregister(registration.descriptor, token: registration.token)
        let removed = slots.withLock { $0.remove(registration.token) }
        _ = removed
    }

    // MARK: - Timers

    /// Arms a deadline for one waiter; returns its id for ``cancelTimer(_:)``, or
    /// `nil` when the loop has shut down.
    func addTimer(_ deadline: ContinuousClock.Instant, _ target: TimerHeap.Target) -> UInt64? {
        guard let (id, isEarliest) = timers.withLock({ $0.add(deadline, target) }) else { return nil }
        if isEarliest && !isLoopThread { backend.wake() }
        return id
    }

    /// Disarms a deadline whose call finished first.
    func cancelTimer(_ id: UInt64) {
        let target = timers.withLock { $0.cancel(id) }
        _ = target  // released here, outside the lock
    }

    var isLoopThread: Bool { loopThread.load(ordering: .relaxed) == system_pthread_self() }

    // MARK: - TaskExecutor

    /// Runs `job` on the loop thread, between waits. After ``shutdown()`` it goes
    /// to the global concurrent executor instead.
    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let (accepted, wake) = jobs.withLock { queue -> (Bool, Bool) in
            guard !queue.isClosed else { return (false, false) }
            queue.pending.append(job)
            let wake = queue.isParked
            queue.isParked = false
            return (true, wake)
        }
        if !accepted {
            globalConcurrentExecutor.enqueue(ExecutorJob(job))
            return
        }
        if wake { backend.wake() }
    }

    // MARK: - The loop thread

    func run() {
        loopThread.store(system_pthread_self(), ordering: .relaxed)
        var events: [(UInt64, ReadyBits)] = []
        var ready: [(Registration, ReadyBits)] = []
        var resumptions: [Resumption] = []
        var expired: [TimerHeap.Target] = []
        var batch: [UnownedJob] = []
        events.reserveCapacity(256)
        ready.reserveCapacity(256)
        resumptions.reserveCapacity(256)
        expired.reserveCapacity(64)
        batch.reserveCapacity(64)
        let executor = asUnownedTaskExecutor()

        while !stopping.load(ordering: .acquiring) {
            // Jobs first: tasks that prefer this loop run here, between waits.
            jobs.withLock { queue in swap(&batch, &queue.pending) }
            for job in batch { job.runSynchronously(on: executor) }
            batch.removeAll(keepingCapacity: true)

            let hasJobs = jobs.withLock { queue -> Bool in
                if queue.pending.isEmpty { queue.isParked = true }
                return !queue.pending.isEmpty
            }
            var timeout: Duration? = nil
            if hasJobs || stopping.load(ordering: .acquiring) {
                timeout = .zero
            } else if let deadline = timers.withLock({ $0.earliest() }) {
                timeout = max(.zero, deadline - .now)
            }

            do {
                try backend.wait(timeout: timeout) { token, bits in events.append((token, bits)) }
            } catch {
                // epoll_wait and poll fail only on bugs (EBADF, EFAULT, EINVAL): stop
                // rather than spin, resuming every waiter with a typed error.
                stopping.store(true, ordering: .releasing)
            }
            jobs.withLock { $0.isParked = false }

            if !events.isEmpty {
                slots.withLock { table in
                    for (token, bits) in events {
                        if let registration = table.lookup(token) { ready.append((registration, bits)) }
                    }
                }
                events.removeAll(keepingCapacity: true)
                for (registration, bits) in ready { registration.setReady(bits, into: &resumptions) }
                ready.removeAll(keepingCapacity: true)
                for resumption in resumptions { resumption.resume() }
                resumptions.removeAll(keepingCapacity: true)
            }

            let now = ContinuousClock.now
            timers.withLock { $0.expire(at: now, into: &expired) }
            for target in expired { target.fire(target.reason) }
            expired.removeAll(keepingCapacity: true)
        }
        finishShutdown()
    }

    /// Resumes every waiter with "loop shut down" and hands queued jobs on.
    private func finishShutdown() {
        let registrations = slots.withLock { $0.closeAll() }
        for registration in registrations { registration.close(.loopShutDown) }
        // Waiters on registrations outside the slot table (serve's limiter and
        // back-off) are reached through their timers.
        for target in timers.withLock({ $0.close() }) { target.fire(.loopShutDown) }
        let leftover = jobs.withLock { queue -> [UnownedJob] in
            queue.isClosed = true
            defer { queue.pending = [] }
            return queue.pending
        }
        for job in leftover { globalConcurrentExecutor.enqueue(ExecutorJob(job)) }
        stopped.store(true, ordering: .releasing)
    }
}

/// The default loop, created on first use.
private let defaultLoop = Lock<IOLoop?>(nil)

/// The C entry point of a loop thread: takes the retained loop and runs it.
private func ioLoopThreadEntry(_ argument: UnsafeMutableRawPointer?) -> UnsafeMutableRawPointer? {
    guard let argument else { return nil }
    let loop = Unmanaged<IOLoop>.fromOpaque(argument).takeRetainedValue()
    loop.run()
    return nil
}

// MARK: - Loop state

/// Jobs enqueued on the loop as an executor.
struct JobQueue {
    var pending: [UnownedJob] = []
    /// The loop thread is about to wait (or waits) and must be woken for a new job.
    var isParked = false
    /// The loop stopped; jobs go to the global executor.
    var isClosed = false

    init() { pending.reserveCapacity(64) }
}

/// The registrations by slot. A token is the slot index in the low 32 bits and the
/// slot's generation in the high 32; the generation changes when a slot is freed.
struct SlotTable {
    struct Slot {
        var generation: UInt32 = 0
        var registration: Registration? = nil
    }

    var slots: [Slot] = []
    var free: [UInt32] = []
    var isShutDown = false

    mutating func insert(_ make: (UInt64) -> Registration) -> Registration {
        let index: UInt32
        if let reused = free.popLast() {
            index = reused
        } else {
            index = UInt32(slots.count)
            slots.append(Slot())
        }
        let token = UInt64(slots[Int(index)].generation) << 32 | UInt64(index)
        let registration = make(token)
        slots[Int(index)].registration = registration
        return registration
    }

    func lookup(_ token: UInt64) -> Registration? {
        let index = Int(token & 0xFFFF_FFFF)
        guard index < slots.count, UInt64(slots[index].generation) == token >> 32 else { return nil }
        return slots[index].registration
    }

    /// Frees the slot of `token`; returns the registration it held (to release outside the lock).
    mutating func remove(_ token: UInt64) -> Registration? {
        let index = Int(token & 0xFFFF_FFFF)
        guard index < slots.count, UInt64(slots[index].generation) == token >> 32,
            let registration = slots[index].registration
        else { return nil }
        slots[index].registration = nil
        slots[index].generation &+= 1
        free.append(UInt32(index))
        return registration
    }

    mutating func closeAll() -> [Registration] {
        isShutDown = true
        let all = slots.compactMap(\.registration)
        slots.removeAll()
        free.removeAll()
        return all
    }
}
