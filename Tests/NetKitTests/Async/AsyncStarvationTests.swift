import Synchronization
import Testing
@testable import NetKit

@Suite("Async sockets: fairness on the default loop and cooperative pool", .usesManyDescriptors)
struct AsyncStarvationTests {
    @Test(
        "200 TCP connections and 200 pending UDP receives are all served while two tasks spin on always-ready sockets")
    func noStarvation() async throws {
        let deadline = IODeadline.after(.seconds(60))
        let flags = HogFlags()

        // Two hogs, as many as the pool has threads here: each peeks at a datagram
        // that stays queued, so its socket is always ready and it never has to wait.
        // Without the fairness budget they would hold both threads for ever.
        let hogSockets = try (0..<2).map { _ in DatagramBox(try DatagramSocket(bindingTo: .ipv4(.loopback, port: 0))) }
        for box in hogSockets {
            try await box.socket.send(Array("always ready".utf8), to: try box.socket.localAddress)
        }

        // The TCP server.
        let listener = ListenerBox(try StreamListener(bindingTo: .ipv4(.loopback, port: 0), backlog: 512))
        let address = try listener.listener.localAddress
        let server = Task { try await listener.listener.serve(echoOrFail) }

        // 200 UDP sockets, each with a receive pending.
        let udpSockets = try (0..<200).map { _ in DatagramBox(try DatagramSocket(bindingTo: .ipv4(.loopback, port: 0)))
        }

        try await withThrowingTaskGroup(of: Int.self) { group in
            for box in hogSockets {
                group.addTask {
                    var buffer = [UInt8](repeating: 0, count: 32)
                    var count = 0
                    // Bounded in count and stopped as soon as everything else was served.
                    let end = ContinuousClock.now + .seconds(60)
                    while !flags.stop.load(ordering: .relaxed) && (count % 1024 != 0 || ContinuousClock.now < end) {
                        _ = try await box.socket.receive(into: &buffer, flags: .peek)
                        count += 1
                    }
                    flags.peeks.add(count, ordering: .relaxed)
                    return 0
                }
            }
            let served = try await withThrowingTaskGroup(of: Int.self) { inner in
                for box in udpSockets {
                    inner.addTask {
                        var buffer = [UInt8](repeating: 0, count: 32)
                        return try await box.socket.receive(into: &buffer, deadline: deadline).count == 3 ? 1 : 0
                    }
                }
                for index in 0..<200 {
                    inner.addTask {
                        let client = try await StreamConnection(connectingTo: address, deadline: deadline)
                        let message = Array("connection \(index)".utf8)
                        try await client.sendAll(message, deadline: deadline)
                        var buffer = [UInt8](repeating: 0, count: 64)
                        var received = 0
                        while received < message.count {
                            let count = try await client.receive(into: &buffer, deadline: deadline)
                            if count == 0 { break }
                            received += count
                        }
                        return received == message.count ? 1 : 0
                    }
                }
                inner.addTask {
                    let sender = try DatagramSocket(family: .ipv4)
                    for box in udpSockets { try await sender.send(Array("udp".utf8), to: try box.socket.localAddress) }
                    return 0
                }
                var served = 0
                for try await result in inner { served += result }
                return served
            }
            flags.stop.store(true, ordering: .relaxed)
            for try await _ in group {}
            #expect(served == 400)
        }
        #expect(flags.peeks.load(ordering: .relaxed) > 0)
        server.cancel()
        try await server.value
    }
}

/// Shared between the test and its hog tasks.
final class HogFlags: Sendable {
    let stop = Atomic<Bool>(false)
    let peeks = Atomic<Int>(0)
}
