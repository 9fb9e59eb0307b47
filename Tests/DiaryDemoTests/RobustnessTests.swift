import Foundation
import NetKit
import Testing
import NetKitTestSupport
@testable import DiaryDemo

/// Crashes, loss, duplication, reordering, concurrency and garbage.
@Suite("Robustness")
struct RobustnessTests {
    /// Confirmed appends, collected from several threads.
    final class Confirmations: @unchecked Sendable {
        private let lock = NSLock()
        private var stored: [String: UInt64] = [:]
        private var failures: [String] = []
        func record(_ text: String, _ sequence: UInt64) { lock.lock(); stored[text] = sequence; lock.unlock() }
        func fail(_ text: String) { lock.lock(); failures.append(text); lock.unlock() }
        var all: [String: UInt64] { lock.lock(); defer { lock.unlock() }; return stored }
        var count: Int { lock.lock(); defer { lock.unlock() }; return stored.count }
        var failed: [String] { lock.lock(); defer { lock.unlock() }; return failures }
    }

    /// A flag threads can read while another sets it.
    final class Flag: @unchecked Sendable {
        private let lock = NSLock()
        private var value = false
        func set() { lock.lock(); value = true; lock.unlock() }
        var isSet: Bool { lock.lock(); defer { lock.unlock() }; return value }
    }

    func client(port: UInt16, name: String = "", timeout: Duration = .milliseconds(200), retries: Int = 5) throws
        -> DiaryClient
    {
        try DiaryClient(
            configuration: .init(host: "127.0.0.1", port: port, name: name, timeout: timeout, retries: retries))
    }

    @Test func everyAcknowledgedEntrySurvivesKillNine() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let server = try ServerProcess(file: directory.file())
        let confirmed = Confirmations()
        let killed = Flag()
        let enough = DispatchSemaphore(value: 0)
        let port = server.port
        let group = DispatchGroup()
        for worker in 0..<4 {
            DispatchQueue.global().async(group: group) {
                guard let client = try? client(port: port, timeout: .milliseconds(100), retries: 2) else { return }
                for index in 0..<5000 where !killed.isSet {
                    let text = "worker \(worker) entry \(index)"
                    // A slow answer on a busy machine is not the end: go on with the next entry.
                    guard let stored = try? client.append(text) else { continue }
                    confirmed.record(text, stored.sequence)
                    if confirmed.count >= 300 { enough.signal() }  // Extra signals are harmless.
                }
            }
        }
        #expect(enough.wait(timeout: .now() + 60) == .success)
        server.child.send(SIGKILL)
        killed.set()
        _ = server.child.waitForExit()
        #expect(group.wait(timeout: .now() + 30) == .success)
        let acknowledged = confirmed.all
        #expect(acknowledged.count >= 300)

        let restarted = try ServerProcess(file: directory.file())
        let reader = try client(port: restarted.port)
        let entries = try reader.sync()
        let byText = Dictionary(entries.map { ($0.text, $0) }, uniquingKeysWith: { first, _ in first })
        #expect(byText.count == entries.count, "no entry is stored twice")
        #expect(entries.map(\.sequence) == Array(1...UInt64(entries.count)))
        for (text, sequence) in acknowledged {
            #expect(byText[text]?.sequence == sequence, "acknowledged \(text) as \(sequence) but it is missing")
        }
        #expect(restarted.stop() == 0)
    }

    @Test func retryAfterKillNineAndRestartIsNotAppendedTwice() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let socket = try DatagramSocket(bindingTo: .ipv4(.loopback, port: 0))
        try socket.setOption(.receiveTimeout, .seconds(5))
        let request = WireFormat.encode(
            RequestFrame(id: 0x5EED, request: .append(name: "", text: "answer lost in the crash")))
        var buffer = [UInt8](repeating: 0, count: 2048)

        let first = try ServerProcess(file: directory.file())
        try socket.send(request, to: .ipv4(.loopback, port: first.port))
        let reply = try socket.receive(into: &buffer)
        guard case .appended(let sequence, _) = try WireFormat.decodeResponse(buffer[..<reply.count]).response else {
            Issue.record("no append answer"); return
        }
        first.child.send(SIGKILL)
        _ = first.child.waitForExit()

        // Same source address, same id, new server process: the first answer again.
        let second = try ServerProcess(file: directory.file())
        try socket.send(request, to: .ipv4(.loopback, port: second.port))
        let again = try socket.receive(into: &buffer)
        guard case .appended(let retried, _) = try WireFormat.decodeResponse(buffer[..<again.count]).response else {
            Issue.record("no append answer after the restart"); return
        }
        #expect(retried == sequence)
        #expect(second.stop() == 0)
        #expect(try DiaryStore(path: directory.file()).entries.count == 1)
    }

    @Test func lossyNetworkWithConcurrentClients() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let server = try ServerProcess(file: directory.file())
        let relay = try LossyRelay(server: .ipv4(.loopback, port: server.port), seed: 20261125)
        guard let relayPort = relay.address.port else { return }
        let confirmed = Confirmations()
        let clients = 6, perClient = 25
        DispatchQueue.concurrentPerform(iterations: clients) { number in
            guard let client = try? client(port: relayPort, name: "c\(number)", timeout: .milliseconds(40), retries: 60)
            else {
                confirmed.fail("client \(number) could not start"); return
            }
            for index in 0..<perClient {
                // Every fifth entry is long, so its sync spans several pages.
                let text =
                    index % 5 == 4
                    ? "client \(number) entry \(index) " + String(repeating: "ü", count: 1500)
                    : "client \(number) entry \(index)"
                do {
                    confirmed.record(text, try client.append(text).sequence)
                } catch {
                    confirmed.fail("\(text): \(error)")
                }
            }
        }
        #expect(confirmed.failed.isEmpty)
        let reader = try client(port: relayPort, timeout: .milliseconds(40), retries: 60)
        let entries = try reader.sync()
        let counters = relay.stop()
        #expect(counters.dropped > 0 && counters.duplicated > 0 && counters.reordered > 0, "\(counters)")

        #expect(entries.count == clients * perClient, "every entry exactly once")
        #expect(entries.map(\.sequence) == Array(1...UInt64(entries.count)), "one total order")
        let byText = Dictionary(entries.map { ($0.text, $0) }, uniquingKeysWith: { first, _ in first })
        #expect(byText.count == entries.count)
        for (text, sequence) in confirmed.all {
            #expect(byText[text]?.sequence == sequence)
        }
        #expect(server.stop() == 0)
        let reloaded = try DiaryStore(path: directory.file())
        // The file also keeps each request id, which sync does not send.
        #expect(
            reloaded.entries.map { entry in
                var copy = entry; copy.requestID = nil; return copy
            } == entries)
        #expect(reloaded.entries.allSatisfy { $0.requestID != nil })
        #expect(reloaded.warnings.isEmpty)
    }

    @Test func garbageNeverCrashesTheServerOrCorruptsTheFile() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let server = try ServerProcess(file: directory.file())
        let socket = try DatagramSocket(bindingTo: .ipv4(.loopback, port: 0))
        let target = SocketAddress.ipv4(.loopback, port: server.port)
        var generator = SeededGenerator(seed: 7)
        var garbage: [[UInt8]] = [
            [], [0xFF], [0xFF, 0x44], [0xFF, 0x44, 9], [0xFF, 0x44, 2, 1, 0, 0, 0, 0, 0, 0, 0, 1],
            [0xC3, 0x28], [0xED, 0xA0, 0x80], [UInt8](repeating: 0xFF, count: 65_000),
            [UInt8](repeating: 0x41, count: 65_000),
        ]
        for _ in 0..<2000 {
            var bytes = (0..<Int.random(in: 0..<200, using: &generator)).map { _ in
                UInt8.random(in: 0...255, using: &generator)
            }
            if bytes.count > 4, Bool.random(using: &generator) { bytes[0] = 0xFF; bytes[1] = 0x44; bytes[2] = 1 }
            garbage.append(bytes)
        }
        for bytes in garbage { _ = try? socket.send(bytes, to: target) }
        // Also over TCP: random bytes and an endless line.
        let tcp = try StreamConnection(connectingTo: target, timeout: .seconds(5))
        try tcp.sendAll((0..<20_000).map { _ in UInt8.random(in: 0...255, using: &generator) })
        try? tcp.sendAll([UInt8](repeating: 0x61, count: 40_000))

        // The server still answers, and a reply to a retried request is bounded.
        let client = try client(port: server.port)
        let stored = try client.append("still alive")
        #expect(stored.sequence >= 1)
        #expect(server.stop() == 0)
        let store = try DiaryStore(path: directory.file())
        #expect(store.warnings.isEmpty)
        #expect(store.entries.last?.text == "still alive")
    }

    @Test func repliesAreBoundedPerRequest() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let server = try ServerProcess(file: directory.file())
        // 300 entries of ~100 bytes: far more than 8 datagrams of plain text.
        let tcp = try StreamConnection(connectingTo: .ipv4(.loopback, port: server.port), timeout: .seconds(5))
        try tcp.sendAll(
            Array((0..<300).map { "entry \($0) " + String(repeating: "x", count: 80) + "\n" }.joined().utf8))
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        try tcp.setOption(.receiveTimeout, .seconds(10))
        while !String(decoding: received, as: UTF8.self).contains("ok 300\n") {
            let count = try tcp.receive(into: &buffer)
            guard count > 0 else { break }
            received += buffer[..<count]
        }
        // Issue 12.2: a plain-text sync is answered with one datagram of at most 3× the request.
        let udp = try DatagramSocket(bindingTo: .ipv4(.loopback, port: 0))
        try udp.setOption(.receiveTimeout, .milliseconds(300))
        for request in [
            "r", "sync", "sync 0", "sync" + String(repeating: " ", count: 96),
            "sync" + String(repeating: " ", count: 2000),
        ] {
            try udp.send(Array(request.utf8), to: .ipv4(.loopback, port: server.port))
            var datagrams: [Int] = []
            while let datagram = try? udp.receive(into: &buffer) { datagrams.append(datagram.count) }
            #expect(datagrams.count <= 1)
            #expect(
                datagrams.reduce(0, +) <= min(DiaryLimits.maximumPageBytes, 3 * request.utf8.count),
                "\(request.utf8.count)-byte request")
        }
        #expect(server.stop() == 0)
    }
}
