import CBaseline
import MallocCounter
import Synchronization

/// One run of one workload by one implementation.
struct Sample: Sendable {
    var seconds: Double
    var datagrams: UInt64
    var bytes: UInt64
    var sent: UInt64
    /// Heap allocations per datagram in the steady-state window, when counted.
    var allocationsPerDatagram: Double?

    init(seconds: Double, datagrams: UInt64, bytes: UInt64, sent: UInt64, allocationsPerDatagram: Double? = nil) {
        self.seconds = seconds
        self.datagrams = datagrams
        self.bytes = bytes
        self.sent = sent
        self.allocationsPerDatagram = allocationsPerDatagram
    }

    init(_ c: cb_result) {
        self.init(seconds: c.seconds, datagrams: c.datagrams, bytes: c.bytes, sent: c.sent)
    }

    var rate: Double { seconds > 0 ? Double(datagrams) / seconds : 0 }
    var megabytesPerSecond: Double { seconds > 0 ? Double(bytes) / seconds / 1e6 : 0 }
    var lossPercent: Double { sent > 0 ? max(0, 100 * (1 - Double(datagrams) / Double(sent))) : 0 }
}

struct BenchmarkFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// A flag one thread sets and another polls.
final class Flag: Sendable {
    private let value = Atomic<Bool>(false)
    func set() { value.store(true, ordering: .releasing) }
    var isSet: Bool { value.load(ordering: .acquiring) }
}

/// A slot a worker thread fills before it ends; read after join.
final class Slot<Value>: @unchecked Sendable {
    var value: Value
    init(_ value: Value) { self.value = value }
}

private final class ThreadBody {
    let body: () -> Void
    init(_ body: @escaping () -> Void) { self.body = body }
}

/// Starts a thread running `body`; join it with ``joinThread(_:)``.
func startThread(_ body: @escaping @Sendable () -> Void) -> UInt64 {
    let box = Unmanaged.passRetained(ThreadBody(body)).toOpaque()
    var handle: UInt64 = 0
    let error = cb_thread_start(
        { raw in
            Unmanaged<ThreadBody>.fromOpaque(raw!).takeRetainedValue().body()
        }, box, &handle)
    precondition(error == 0, "pthread_create failed: \(error)")
    return handle
}

func joinThread(_ handle: UInt64) { cb_thread_join(handle) }

func now() -> Double { cb_now() }

/// Counts allocations between `start()` and `stop(datagrams:)` (all threads of the process).
struct AllocationWindow {
    private var first: UInt64 = 0
    private var firstDatagrams: UInt64 = 0
    mutating func start(datagrams: UInt64) {
        first = mc_allocations()
        firstDatagrams = datagrams
    }
    func perDatagram(datagrams: UInt64) -> Double? {
        guard mc_is_active() != 0, datagrams > firstDatagrams else { return nil }
        return Double(mc_allocations() - first) / Double(datagrams - firstDatagrams)
    }
}

// MARK: - Statistics

struct Summary: Sendable {
    var median: Double
    var min: Double
    var max: Double

    init?(_ values: [Double]) {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        let middle = sorted.count / 2
        median = sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
        min = sorted[0]
        max = sorted[sorted.count - 1]
    }
}
