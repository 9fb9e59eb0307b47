import CBaseline
import Dispatch
import MallocCounter
#if canImport(Glibc)
import Glibc
#endif

// Plumbing for the async section: running async code from the synchronous
// harness, pinning, and the server + load-generator process pair of A3/A4.

/// One run of one async workload by one stack.
struct AsyncSample: Sendable {
    var seconds: Double
    /// Round trips completed in the measured window.
    var trips: UInt64
    /// Heap allocations per round trip in the steady-state window (the whole process, or
    /// the server process for A3/A4), when counted.
    var allocationsPerTrip: Double?
    /// The server process's resident set size under load (A3/A4), KiB.
    var rssKiB: Double?
    /// The server process's resident set size before its first connection (A3/A4), KiB.
    var idleRSSKiB: Double?
    /// Round trips of the busiest connection over the idlest one (A3/A4).
    var spread: Double?
    /// The 90th over the 10th percentile of the connections' round trips (A3/A4).
    var spread90: Double?
    /// The server process's CPU time (user + system) per round trip in the window, µs (A3/A4):
    /// what a server costs whether or not the load generator is what limits the rate.
    var cpuMicrosecondsPerTrip: Double?
    /// UDP messages the load generator had to resend (A4).
    var lost: UInt64?

    var rate: Double { seconds > 0 ? Double(trips) / seconds : 0 }

    init(
        seconds: Double, trips: UInt64, allocationsPerTrip: Double? = nil, rssKiB: Double? = nil,
        idleRSSKiB: Double? = nil, spread: Double? = nil, lost: UInt64? = nil
    ) {
        self.idleRSSKiB = idleRSSKiB
        self.seconds = seconds
        self.trips = trips
        self.allocationsPerTrip = allocationsPerTrip
        self.rssKiB = rssKiB
        self.spread = spread
        self.lost = lost
    }

    init(_ c: cb_result) {
        self.init(seconds: c.seconds, trips: c.datagrams)
    }

    init(_ sample: Sample) {
        self.init(seconds: sample.seconds, trips: sample.datagrams, allocationsPerTrip: sample.allocationsPerDatagram)
    }
}

/// Runs `body` in a detached task and blocks the calling thread until it finishes.
func blockOn<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) throws -> T {
    let result = Slot<Result<T, any Error>?>(nil)
    let done = DispatchSemaphore(value: 0)
    Task.detached {
        do { result.value = .success(try await body()) } catch { result.value = .failure(error) }
        done.signal()
    }
    done.wait()
    return try result.value!.get()
}

/// Counts allocations and round trips in a steady-state window of a ping-pong client.
/// A class so async clients can share it without inout; used by one task at a time.
final class TripCounter: @unchecked Sendable {
    private(set) var trips: UInt64 = 0
    private var window = AllocationWindow()
    let start = now()
    let deadline: Double
    let maxTrips: UInt64

    init(seconds: Double, maxTrips: UInt64) {
        deadline = start + seconds
        self.maxTrips = maxTrips
    }

    /// Counts one round trip; false when the run is over.
    @inline(__always)
    func trip() -> Bool {
        trips += 1
        if trips == warmUpDatagrams { window.start(datagrams: trips) }
        if trips >= maxTrips { return false }
        return trips & 63 != 0 || now() < deadline
    }

    func sample() -> AsyncSample {
        AsyncSample(seconds: now() - start, trips: trips, allocationsPerTrip: window.perDatagram(datagrams: trips))
    }
}

/// Runs `body` with every thread of the process pinned to `cpu` (nil: not pinned), then unpins.
func withPinning<T>(_ cpu: Int32?, _ body: () throws -> T) rethrows -> T {
    guard let cpu else { return try body() }
    _ = cb_pin_process(cpu)
    defer { _ = cb_pin_process(-1) }
    return try body()
}

// MARK: - A3/A4: a server process under a C load process

/// A child process with pipes on its stdin and stdout.
struct Child: ~Copyable {
    let pid: Int32
    let input: Int32
    let output: Int32
    private var carry = [CChar](repeating: 0, count: 256)
    private var carryLength: Int32 = 0

    init(_ arguments: [String]) throws {
        var pid: Int32 = 0, input: Int32 = -1, output: Int32 = -1
        var cStrings = arguments.map { strdup($0) }
        cStrings.append(nil)
        defer { for pointer in cStrings { free(pointer) } }
        let error = cStrings.withUnsafeBufferPointer { cb_spawn($0.baseAddress!, &pid, &input, &output) }
        guard error == 0 else {
            throw BenchmarkFailure("cannot start \(arguments.joined(separator: " ")): errno \(error)")
        }
        self.pid = pid
        self.input = input
        self.output = output
    }

    /// The next line of its output, or nil after `timeout` seconds, at EOF or on error.
    mutating func line(timeout: Double) -> String? {
        var buffer = [CChar](repeating: 0, count: 256)
        let length = carry.withUnsafeMutableBufferPointer { carry in
            cb_read_line(output, &buffer, Int32(buffer.count), Int32(timeout * 1000), carry.baseAddress!, &carryLength)
        }
        guard length >= 0 else { return nil }
        return String(decoding: buffer.prefix(Int(length)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    func send(_ text: String) { _ = cb_write_text(input, text) }

    /// Closes its stdin, waits up to `timeout` seconds for it to exit, else kills it.
    consuming func finish(timeout: Double) {
        cb_close(input)
        _ = cb_reap(pid, Int32(timeout * 1000))
        cb_close(output)
    }
}

/// `key=value` fields of a line such as "result trips=12 seconds=0.5".
func fields(_ line: String) -> [String: String] {
    var result: [String: String] = [:]
    for word in line.split(separator: " ") {
        let parts = word.split(separator: "=", maxSplits: 1)
        if parts.count == 2 { result[String(parts[0])] = String(parts[1]) }
    }
    return result
}

/// Runs one A3/A4 measurement: `netkit-bench --serve STACK tcp|udp` in one process,
/// the C load generator (`netkit-bench --load ...`, CBaseline/async.c) in another.
func serverUnderLoad(stack: String, tcp: Bool, connections: Int, seconds: Double) throws -> AsyncSample {
    let me = "/proc/self/exe"
    let proto = tcp ? "tcp" : "udp"
    var server = try Child([me, "--serve", stack, proto])
    let portLine = server.line(timeout: 30)
    guard let portLine, portLine.hasPrefix("port "), let port = Int(portLine.dropFirst(5)) else {
        server.finish(timeout: 1)
        throw BenchmarkFailure("\(stack) server did not start" + (portLine.map { ": \($0)" } ?? ""))
    }
    var load: Child
    do {
        load = try Child([me, "--load", proto, String(port), String(connections), String(seconds)])
    } catch {
        server.finish(timeout: 1)
        throw error
    }
    func fail(_ message: String, _ load: consuming Child, _ server: consuming Child) -> BenchmarkFailure {
        load.finish(timeout: 1)
        server.finish(timeout: 1)
        return BenchmarkFailure("\(stack) \(proto) × \(connections): \(message)")
    }
    let ready = load.line(timeout: 40)
    guard ready == "ready" else {
        throw fail("the load generator did not get going" + (ready.map { ": \($0)" } ?? ""), load, server)
    }
    server.send("mark\n")
    guard let resultLine = load.line(timeout: seconds + 20), resultLine.hasPrefix("result ") else {
        throw fail("no result from the load generator", load, server)
    }
    server.send("stop\n")
    guard let statsLine = server.line(timeout: 20), statsLine.hasPrefix("stats ") else {
        throw fail("no figures from the server", load, server)
    }
    load.finish(timeout: 5)
    server.finish(timeout: 5)
    let result = fields(resultLine), stats = fields(statsLine)
    let trips = UInt64(result["trips"] ?? "") ?? 0
    let low = Double(result["min"] ?? "") ?? 0, high = Double(result["max"] ?? "") ?? 0
    let echoed = Double(stats["echoed"] ?? "") ?? 0, allocations = Double(stats["allocs"] ?? "") ?? 0
    let cpu = Double(stats["cpu_us"] ?? "")
    var sample = AsyncSample(
        seconds: Double(result["seconds"] ?? "") ?? 0, trips: trips,
        allocationsPerTrip: mc_is_active() != 0 && echoed > 0 ? allocations / echoed : nil,
        rssKiB: Double(stats["rss"] ?? ""), idleRSSKiB: Double(stats["idle"] ?? ""),
        spread: low > 0 ? high / low : .infinity, lost: UInt64(result["lost"] ?? ""))
    if let cpu, echoed > 0 { sample.cpuMicrosecondsPerTrip = cpu / echoed }
    if let p10 = Double(result["p10"] ?? ""), let p90 = Double(result["p90"] ?? ""), p10 > 0 {
        sample.spread90 = p90 / p10
    }
    return sample
}
