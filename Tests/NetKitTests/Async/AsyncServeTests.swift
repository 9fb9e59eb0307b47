import Synchronization
import Testing
@testable import NetKit

/// Echoes until end of stream; a connection whose first byte is "!" makes it throw.
@Sendable func echoOrFail(_ connection: consuming StreamConnection, _ peer: SocketAddress) async throws {
    var buffer = [UInt8](repeating: 0, count: 1024)
    while true {
        let count = try await connection.receive(into: &buffer)
        if count == 0 { return }
        if buffer[0] == UInt8(ascii: "!") { throw SocketError(.send, .invalidArgument("the handler fails on purpose")) }
        try await connection.sendAll(buffer[..<count])
    }
}

/// Sends `text` on a new connection and reads the echo back (empty when the server closed).
func roundTrip(_ text: String, to address: SocketAddress, loop: IOLoop) async throws -> String {
    let client = try await StreamConnection(connectingTo: address, loop: loop)
    try await client.sendAll(Array(text.utf8))
    var buffer = [UInt8](repeating: 0, count: 1024)
    var received: [UInt8] = []
    while received.count < text.utf8.count {
        let count = try await client.receive(into: &buffer, deadline: .after(.seconds(60)))
        if count == 0 { break }
        received += buffer[..<count]
    }
    return String(decoding: received, as: UTF8.self)
}

@Suite("Async sockets: serve", .usesManyDescriptors)
struct AsyncServeTests {
    @Test("a failing handler ends only its connection; the server goes on", arguments: allBackends)
    func failingHandler(backend: IOLoopBackend) async throws {
        try await withLoop(backend) { loop in
            let listener = ListenerBox(try StreamListener(bindingTo: .ipv4(.loopback, port: 0)))
            try listener.listener.register(on: loop)
            let address = try listener.listener.localAddress
            let server = Task { try await listener.listener.serve(echoOrFail) }
            #expect(try await roundTrip("hello", to: address, loop: loop) == "hello")
            #expect(try await roundTrip("!boom", to: address, loop: loop) == "", "the failing connection is closed")
            #expect(try await roundTrip("again", to: address, loop: loop) == "again")
            server.cancel()
            try await server.value
        }
    }

    @Test("no more than maximumConnections handlers run at once; the rest wait their turn")
    func connectionLimit() async throws {
        try await withLoop(.platformDefault) { loop in
            let listener = ListenerBox(try StreamListener(bindingTo: .ipv4(.loopback, port: 0)))
            try listener.listener.register(on: loop)
            let address = try listener.listener.localAddress
            let running = Atomic<Int>(0)
            let highest = Atomic<Int>(0)
            let server = Task {
                try await listener.listener.serve(maximumConnections: 2) { connection, _ in
                    let now = running.wrappingAdd(1, ordering: .relaxed).newValue
                    highest.max(now, ordering: .relaxed)
                    defer { running.subtract(1, ordering: .relaxed) }
                    try await echoOrFail(connection, .ipv4(.loopback, port: 0))
                }
            }
            // Three clients hold their connections open; only two are served at first.
            let clients = try await (0..<3).asyncMap { _ in
                ConnectionBox(try await StreamConnection(connectingTo: address, loop: loop))
            }
            for client in clients { try await client.connection.sendAll(Array("x".utf8)) }
            var buffer = [UInt8](repeating: 0, count: 8)
            #expect(try await clients[0].connection.receive(into: &buffer, deadline: .after(.seconds(60))) == 1)
            #expect(try await clients[1].connection.receive(into: &buffer, deadline: .after(.seconds(60))) == 1)
            await #expect(throws: SocketError.self) {
                _ = try await clients[2].connection.receive(into: &buffer, deadline: .after(.milliseconds(50)))
            }
            // One finishes: the third is served.
            try clients[0].connection.shutdown(.write)
            #expect(try await clients[2].connection.receive(into: &buffer, deadline: .after(.seconds(60))) == 1)
            #expect(highest.load(ordering: .relaxed) == 2)
            server.cancel()
            try await server.value
        }
    }

    @Test("cancelling serve cancels the open connections and returns", arguments: allBackends)
    func cancelConnections(backend: IOLoopBackend) async throws {
        try await withLoop(backend) { loop in
            let listener = ListenerBox(try StreamListener(bindingTo: .ipv4(.loopback, port: 0)))
            try listener.listener.register(on: loop)
            let address = try listener.listener.localAddress
            let outcome = Locked<String>("")
            let server = Task {
                try await listener.listener.serve { connection, _ in
                    var buffer = [UInt8](repeating: 0, count: 8)
                    _ = try await connection.receive(into: &buffer)
                    try await connection.sendAll(Array("ok".utf8))
                    do {
                        _ = try await connection.receive(into: &buffer)
                        outcome.withLock { $0 = "returned" }
                    } catch is CancellationError {
                        outcome.withLock { $0 = "cancelled" }
                    }
                }
            }
            let client = try await StreamConnection(connectingTo: address, loop: loop)
            try await client.sendAll(Array("a".utf8))
            var buffer = [UInt8](repeating: 0, count: 8)
            #expect(try await client.receive(into: &buffer, deadline: .after(.seconds(60))) == 2)
            server.cancel()
            try await server.value
            #expect(outcome.withLock { $0 } == "cancelled")
            _ = client
        }
    }

    @Test("cancelling a draining serve lets connections finish a request within the grace period")
    func drain() async throws {
        try await withLoop(.platformDefault) { loop in
            let listener = ListenerBox(try StreamListener(bindingTo: .ipv4(.loopback, port: 0)))
            try listener.listener.register(on: loop)
            let address = try listener.listener.localAddress
            let handlerEnded = Locked<String>("")
            let started = Atomic<Int>(0)
            let server = Task {
                try await listener.listener.serve(whenCancelled: .drain(grace: .milliseconds(300))) { connection, _ in
                    started.add(1, ordering: .relaxed)
                    var buffer = [UInt8](repeating: 0, count: 8)
                    do {
                        while true {
                            let count = try await connection.receive(into: &buffer)
                            if count == 0 { break }
                            try await connection.sendAll(buffer[..<count])
                        }
                        handlerEnded.withLock { $0 = "end of stream" }
                    } catch is CancellationError {
                        handlerEnded.withLock { $0 = "cancelled after grace" }
                    }
                }
            }
            let client = try await StreamConnection(connectingTo: address, loop: loop)
            await eventually("the handler runs") { started.load(ordering: .relaxed) == 1 }
            let cancelledAt = ContinuousClock.now
            server.cancel()
            // Within the grace period the connection still works.
            try await client.sendAll(Array("late".utf8))
            var buffer = [UInt8](repeating: 0, count: 8)
            #expect(try await client.receive(into: &buffer, deadline: .after(.seconds(60))) == 4)
            try await server.value
            #expect(ContinuousClock.now - cancelledAt >= .milliseconds(250))
            #expect(handlerEnded.withLock { $0 } == "cancelled after grace")
        }
    }

    #if DEBUG  // MockingDriver (the syscall mocking seam) exists in debug builds only
    @Test("EMFILE from accept backs off on a loop timer instead of spinning")
    func acceptBackOff() async throws {
        try await withLoop(.platformDefault) { loop in
            let listener = ListenerBox(try StreamListener(bindingTo: .ipv4(.loopback, port: 0)))
            try listener.listener.register(on: loop)
            let address = try listener.listener.localAddress
            let driver = MockingDriver()
            driver.failNext(
                "accept", with: [.tooManyOpenFiles, .tooManyOpenFiles, .tooManyOpenFiles, .tooManyOpenFiles])
            let server = Task {
                try await MockingDriver.$current.withValue(driver) {
                    try await listener.listener.serve(echoOrFail)
                }
            }
            let start = ContinuousClock.now
            #expect(try await roundTrip("through", to: address, loop: loop) == "through")
            // 5 + 10 + 20 + 40 ms of back-off, and a handful of accept calls, not thousands.
            #expect(ContinuousClock.now - start >= .milliseconds(70))
            let accepts = driver.calls.filter { $0 == "accept" }.count
            #expect(accepts >= 5 && accepts <= 8, "accept was called \(accepts) times")
            server.cancel()
            try await server.value
        }
    }
    #endif
}

extension Sequence {
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var result: [T] = []
        for element in self { result.append(try await transform(element)) }
        return result
    }
}
