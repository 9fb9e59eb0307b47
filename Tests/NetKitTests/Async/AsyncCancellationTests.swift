import Testing
@testable import NetKit

@Suite("Async sockets: cancellation, deadlines, close and loop shutdown", .usesManyDescriptors)
struct AsyncCancellationTests {
    @Test("a cancelled UDP receive consumes nothing; the next receive gets the next datagram", arguments: allBackends)
    func cancelledDatagramReceive(backend: IOLoopBackend) async throws {
        try await withLoop(backend) { loop in
            let server = DatagramBox(try DatagramSocket(bindingTo: .ipv4(.loopback, port: 0)))
            try server.socket.register(on: loop)
            let address = try server.socket.localAddress
            let waiting = Task {
                var buffer = [UInt8](repeating: 0, count: 16)
                return try await server.socket.receive(into: &buffer).count
            }
            await eventually("the receive is waiting") { server.socket.asyncWaiterCount == 1 }
            waiting.cancel()
            await #expect(throws: CancellationError.self) { try await waiting.value }
            #expect(server.socket.asyncWaiterCount == 0)

            let client = try DatagramSocket(family: .ipv4)
            _ = try blocking { try client.send(Array("first".utf8), to: address) }
            _ = try blocking { try client.send(Array("second".utf8), to: address) }
            var buffer = [UInt8](repeating: 0, count: 16)
            let first = try await server.socket.receive(into: &buffer)
            #expect(Array(buffer[..<first.count]) == Array("first".utf8))
            let second = try await server.socket.receive(into: &buffer)
            #expect(Array(buffer[..<second.count]) == Array("second".utf8))
        }
    }

    @Test("a cancelled TCP receive consumes no bytes", arguments: allBackends)
    func cancelledStreamReceive(backend: IOLoopBackend) async throws {
        try await withLoop(backend) { loop in
            let pair = try StreamConnection.pair()
            let reader = ConnectionBox(pair.first)
            let writer = pair.second
            try reader.connection.register(on: loop)
            let waiting = Task {
                var buffer = [UInt8](repeating: 0, count: 16)
                return try await reader.connection.receive(into: &buffer)
            }
            await eventually("the receive is waiting") { reader.connection.asyncWaiterCount == 1 }
            waiting.cancel()
            await #expect(throws: CancellationError.self) { try await waiting.value }
            try blocking { try writer.sendAll(Array("bytes".utf8)) }
            var buffer = [UInt8](repeating: 0, count: 16)
            let count = try await reader.connection.receive(into: &buffer)
            #expect(Array(buffer[..<count]) == Array("bytes".utf8))
        }
    }

    @Test("a task cancelled before the call gets CancellationError and consumes nothing")
    func cancelledBeforeStarting() async throws {
        let server = DatagramBox(try DatagramSocket(bindingTo: .ipv4(.loopback, port: 0)))
        let address = try server.socket.localAddress
        let task = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            var buffer = [UInt8](repeating: 0, count: 16)
            return try await server.socket.receive(into: &buffer).count
        }
        await #expect(throws: CancellationError.self) { try await task.value }
        _ = try blocking { try DatagramSocket(family: .ipv4).send(Array("x".utf8), to: address) }
        var buffer = [UInt8](repeating: 0, count: 16)
        #expect(try await server.socket.receive(into: &buffer).count == 1)
    }

    @Test("a deadline times the call out and leaves the socket usable", arguments: allBackends)
    func deadlines(backend: IOLoopBackend) async throws {
        try await withLoop(backend) { loop in
            let socket = try DatagramSocket(bindingTo: .ipv4(.loopback, port: 0))
            try socket.register(on: loop)
            var buffer = [UInt8](repeating: 0, count: 16)
            let start = ContinuousClock.now
            do {
                _ = try await socket.receive(into: &buffer, deadline: .after(.milliseconds(30)))
                Issue.record("no timeout")
            } catch let error as SocketError {
                #expect(error.isTimeout)
                #expect(error.operation == .receiveFrom)
            }
            #expect(ContinuousClock.now - start >= .milliseconds(30))
            // A deadline already passed times out at once, without waiting.
            await #expect(throws: SocketError.self) {
                _ = try await socket.receive(into: &buffer, deadline: .at(start))
            }
            // Usable afterwards; data already there beats any deadline.
            try await socket.send(Array("ok".utf8), to: try socket.localAddress)
            let received = try await socket.receive(into: &buffer, deadline: .after(.seconds(60)))
            #expect(received.count == 2)
            #expect(socket.asyncWaiterCount == 0)
        }
    }

    @Test("many deadlines on one loop fire in order and each call times out alone")
    func manyDeadlines() async throws {
        try await withLoop(.platformDefault) { loop in
            let sockets = try (0..<20).map { _ in DatagramBox(try DatagramSocket(bindingTo: .ipv4(.loopback, port: 0)))
            }
            for box in sockets { try box.socket.register(on: loop) }
            try await withThrowingTaskGroup(of: Bool.self) { group in
                for (index, box) in sockets.enumerated() {
                    group.addTask {
                        var buffer = [UInt8](repeating: 0, count: 4)
                        do {
                            _ = try await box.socket.receive(
                                into: &buffer, deadline: .after(.milliseconds(5 * (20 - index))))
                            return false
                        } catch let error as SocketError {
                            return error.isTimeout
                        }
                    }
                }
                for try await timedOut in group { #expect(timedOut) }
            }
        }
    }

    @Test(
        "shutting a loop down resumes its waiters with loopShutDown, and later calls fail the same way",
        arguments: allBackends)
    func loopShutdown(backend: IOLoopBackend) async throws {
        let loop = try IOLoop(backend: backend)
        let socket = DatagramBox(try DatagramSocket(bindingTo: .ipv4(.loopback, port: 0)))
        try socket.socket.register(on: loop)
        let waiting = Task {
            var buffer = [UInt8](repeating: 0, count: 16)
            return try await socket.socket.receive(into: &buffer).count
        }
        await eventually("the receive is waiting") { socket.socket.asyncWaiterCount == 1 }
        loop.shutdown()
        #expect(loop.isShutDown)
        do {
            _ = try await waiting.value
            Issue.record("no error")
        } catch let error as SocketError {
            #expect(error.reason == .loopShutDown)
        }
        var buffer = [UInt8](repeating: 0, count: 16)
        do {
            _ = try await socket.socket.receive(into: &buffer)
            Issue.record("no error")
        } catch let error as SocketError {
            #expect(error.reason == .loopShutDown)
        }
        // Registering with a stopped loop fails with the same reason.
        let other = try DatagramSocket(family: .ipv4)
        #expect(throws: SocketError(.register, .loopShutDown)) { try other.register(on: loop) }
        loop.shutdown()  // again: nothing happens
    }

    @Test("a socket cannot move to a second loop")
    func oneLoopPerSocket() async throws {
        try await withLoop(.poll) { first in
            try await withLoop(.platformDefault) { second in
                let socket = try DatagramSocket(family: .ipv4)
                try socket.register(on: first)
                try socket.register(on: first)  // the same loop again is fine
                #expect(throws: SocketError.self) { try socket.register(on: second) }
            }
        }
    }

    @Test("a stale event never reaches a new socket that reuses the descriptor number", arguments: allBackends)
    func descriptorReuse(backend: IOLoopBackend) async throws {
        try await withLoop(backend) { loop in
            let sender = try DatagramSocket(family: .ipv4)
            var oldNumber: CInt = -1
            do {
                let old = try DatagramSocket(bindingTo: .ipv4(.loopback, port: 0))
                try old.register(on: loop)
                oldNumber = old.withUnsafeDescriptor { $0 }
                _ = try blocking { try sender.send(Array("stale".utf8), to: try old.localAddress) }
                // `old` closes here with the datagram unread.
            }
            let new = try DatagramSocket(bindingTo: .ipv4(.loopback, port: 0))
            try new.register(on: loop)
            // Usually the kernel hands out the same number again; the test holds either way.
            _ = new.withUnsafeDescriptor { $0 } == oldNumber
            var buffer = [UInt8](repeating: 0, count: 8)
            await #expect(throws: SocketError.self) {
                _ = try await new.receive(into: &buffer, deadline: .after(.milliseconds(20)))
            }
            _ = try blocking { try sender.send(Array("fresh".utf8), to: try new.localAddress) }
            let received = try await new.receive(into: &buffer, deadline: .after(.seconds(60)))
            #expect(Array(buffer[..<received.count]) == Array("fresh".utf8))
        }
    }

    @Test("inside withTaskExecutorPreference(loop) a ready call resumes on the loop thread")
    func executorPreference() async throws {
        try await withLoop(.platformDefault) { loop in
            let socket = DatagramBox(try DatagramSocket(bindingTo: .ipv4(.loopback, port: 0)))
            try socket.socket.register(on: loop)
            let address = try socket.socket.localAddress
            let onLoopThread = try await withTaskExecutorPreference(loop) {
                async let received: Bool = {
                    var buffer = [UInt8](repeating: 0, count: 8)
                    _ = try await socket.socket.receive(into: &buffer)
                    return loop.isLoopThread
                }()
                await eventually("the receive is waiting") { socket.socket.asyncWaiterCount == 1 }
                _ = try blocking { try DatagramSocket(family: .ipv4).send(Array("x".utf8), to: address) }
                return try await received
            }
            #expect(onLoopThread)
        }
    }
}
