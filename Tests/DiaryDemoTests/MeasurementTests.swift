import Foundation
import NetKit
import Testing
import NetKitTestSupport
@testable import DiaryDemo

/// Throughput and latency figures; run with `DIARY_BENCH=1 swift test --filter Measurement`
/// (and `DIARY_EXECUTABLE=.build/release/diary` to measure a release server).
@Suite("Measurements", .enabled(if: ProcessInfo.processInfo.environment["DIARY_BENCH"] != nil))
struct MeasurementTests {
    final class Latencies: @unchecked Sendable {
        private let lock = NSLock()
        private var values: [Double] = []
        func add(_ more: [Double]) { lock.lock(); values += more; lock.unlock() }
        var sorted: [Double] { lock.lock(); defer { lock.unlock() }; return values.sorted() }
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    func appendLoad(port: UInt16, clients: Int, perClient: Int) -> String {
        let latencies = Latencies()
        let clock = ContinuousClock()
        let start = clock.now
        let group = DispatchGroup()
        // One thread per client (concurrentPerform would run only as many as there are cores).
        for number in 0..<clients {
            group.enter()
            Thread {
                defer { group.leave() }
                guard
                    let client = try? DiaryClient(
                        configuration: .init(host: "127.0.0.1", port: port, timeout: .seconds(1), retries: 5))
                else { return }
                var mine: [Double] = []
                for index in 0..<perClient {
                    let before = clock.now
                    guard (try? client.append("client \(number) entry \(index) with some text")) != nil else {
                        continue
                    }
                    mine.append(Self.seconds(clock.now - before))
                }
                latencies.add(mine)
            }.start()
        }
        group.wait()
        let elapsed = Self.seconds(clock.now - start)
        let sorted = latencies.sorted
        guard !sorted.isEmpty else { return "no appends" }
        let p50 = sorted[sorted.count / 2] * 1e6, p99 = sorted[sorted.count * 99 / 100] * 1e6
        let slow = sorted.filter { $0 > 0.1 }.count
        return String(
            format:
                "%d clients: %d appends in %.2f s = %.0f appends/s, p50 %.0f µs, p99 %.0f µs, max %.0f ms, %d over 100 ms",
            clients, sorted.count, elapsed, Double(sorted.count) / elapsed, p50, p99, sorted.last! * 1e3, slow)
    }

    @Test func appendsAndSync() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let server = try ServerProcess(file: directory.file())
        print("diary measurement:", appendLoad(port: server.port, clients: 1, perClient: 3000))
        print("diary measurement:", appendLoad(port: server.port, clients: 32, perClient: 300))

        // Fill up to 100,000 entries quickly over TCP (pipelined lines), then time the syncs.
        let tcp = try StreamConnection(connectingTo: .ipv4(.loopback, port: server.port), timeout: .seconds(5))
        try tcp.setOption(.receiveTimeout, .seconds(60))
        let reader = try DiaryClient(configuration: .init(host: "127.0.0.1", port: server.port))
        let existing = try reader.sync().count
        let missing = 100_000 - existing
        let clock = ContinuousClock()
        var start = clock.now
        try tcp.sendAll(
            Array((0..<missing).map { "bulk entry \($0) with a little text to be realistic\n" }.joined().utf8))
        var buffer = [UInt8](repeating: 0, count: 65536)
        var received = 0
        var newlines = 0
        while newlines < missing {
            let count = try tcp.receive(into: &buffer)
            guard count > 0 else { break }
            received += count
            newlines += buffer[..<count].count(where: { $0 == UInt8(ascii: "\n") })
        }
        print(
            String(
                format: "diary measurement: %d pipelined TCP appends in %.2f s", missing,
                Self.seconds(clock.now - start)))

        start = clock.now
        let fresh = try DiaryClient(configuration: .init(host: "127.0.0.1", port: server.port))
        let all = try fresh.sync()
        let udpSync = Self.seconds(clock.now - start)
        #expect(all.count == 100_000)
        print(
            String(
                format: "diary measurement: framed UDP sync of %d entries in %.2f s = %.0f entries/s", all.count,
                udpSync, Double(all.count) / udpSync))

        start = clock.now
        try tcp.sendAll(Array("sync\n".utf8))
        newlines = 0
        while newlines < 100_000 {
            let count = try tcp.receive(into: &buffer)
            guard count > 0 else { break }
            newlines += buffer[..<count].count(where: { $0 == UInt8(ascii: "\n") })
        }
        let tcpSync = Self.seconds(clock.now - start)
        print(
            String(
                format: "diary measurement: TCP sync of %d entries in %.2f s = %.0f entries/s", newlines, tcpSync,
                Double(newlines) / tcpSync))

        start = clock.now
        let restarted: ServerProcess
        _ = server.stop()
        restarted = try ServerProcess(file: directory.file())
        print(
            String(
                format: "diary measurement: restart with 100,000 entries (load + first line) in %.2f s",
                Self.seconds(clock.now - start)))
        _ = restarted.stop()
    }
}
