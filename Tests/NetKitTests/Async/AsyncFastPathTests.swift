import Testing
@testable import NetKit

@Suite("Async sockets: the fast path's readiness bookkeeping")
struct AsyncFastPathTests {
    @Test("a short stream receive clears read readiness; later bytes, a peek and end of stream still arrive",
          arguments: allBackends)
    func shortReceiveClearsReadiness(backend: IOLoopBackend) async throws {
        try await withLoop(backend) { loop in
            let deadline = IODeadline.after(.seconds(60))
            let pair = try StreamConnection.pair()
            let reader = ConnectionBox(pair.first)
            let writer = ConnectionBox(pair.second)
            try reader.connection.register(on: loop)
            let waiting = Task {
                var buffer = [UInt8](repeating: 0, count: 64)
                return try await reader.connection.receive(into: &buffer, deadline: deadline)
            }
            await eventually("the receive is waiting") { reader.connection.asyncWaiterCount == 1 }
            try blocking { try writer.connection.sendAll(Array("abc".utf8)) }
            #expect(try await waiting.value == 3)
            // Drained: the next receive waits for readiness instead of failing with EAGAIN first.
            let registration = try #require(reader.connection.owner.existingRegistration)
            #expect(registration.readiness.load(ordering: .acquiring) & ReadyBits.readable.rawValue == 0)

            var buffer = [UInt8](repeating: 0, count: 64)
            try blocking { try writer.connection.sendAll(Array("defg".utf8)) }
            #expect(try await reader.connection.receive(into: &buffer, deadline: deadline) == 4)
            #expect(Array(buffer[..<4]) == Array("defg".utf8))

            // A short peek leaves the bytes queued, so it must not clear readiness.
            try blocking { try writer.connection.sendAll(Array("xyz".utf8)) }
            #expect(try await reader.connection.receive(into: &buffer, flags: .peek, deadline: deadline) == 3)
            #expect(try await reader.connection.receive(into: &buffer, deadline: deadline) == 3)
            #expect(Array(buffer[..<3]) == Array("xyz".utf8))

            // End of stream gives no further edge: every receive after it returns 0 at once.
            try writer.connection.shutdown(.write)
            #expect(try await reader.connection.receive(into: &buffer, deadline: deadline) == 0)
            #expect(try await reader.connection.receive(into: &buffer, deadline: deadline) == 0)
        }
    }

    @Test("bytes and end of stream that arrive together: the short receive leaves the end of stream to find",
          arguments: allBackends)
    func dataThenEndOfStream(backend: IOLoopBackend) async throws {
        try await withLoop(backend) { loop in
            let deadline = IODeadline.after(.seconds(60))
            let pair = try StreamConnection.pair()
            let reader = ConnectionBox(pair.first)
            let writer = ConnectionBox(pair.second)
            try blocking { try writer.connection.sendAll(Array("last".utf8)) }
            try writer.connection.shutdown(.write)
            try reader.connection.register(on: loop)
            if backend == .epoll {
                // The hang-up edge is taken before the receive: no later edge will come.
                let registration = try #require(reader.connection.owner.existingRegistration)
                await eventually("the hang-up was seen") {
                    registration.readiness.load(ordering: .acquiring) & ReadyBits.hungUp.rawValue != 0
                }
            }
            var buffer = [UInt8](repeating: 0, count: 64)
            #expect(try await reader.connection.receive(into: &buffer, deadline: deadline) == 4)
            #expect(try await reader.connection.receive(into: &buffer, deadline: deadline) == 0)
        }
    }

    @Test("a partial stream send clears write readiness and the rest still goes once the peer reads",
          arguments: allBackends)
    func partialSendThenRest(backend: IOLoopBackend) async throws {
        try await withLoop(backend) { loop in
            let deadline = IODeadline.after(.seconds(60))
            let pair = try StreamConnection.pair()
            let writer = ConnectionBox(pair.first)
            let reader = ConnectionBox(pair.second)
            try writer.connection.register(on: loop)
            let bytes = (0..<(8 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 7) }
            let storage = UnsafeMutableRawBufferPointer.allocate(byteCount: bytes.count, alignment: 1)
            defer { storage.deallocate() }
            storage.copyBytes(from: bytes)
            let first = try await writer.connection.send(UnsafeRawBufferPointer(storage), deadline: deadline)
            #expect(first > 0 && first < bytes.count)
            async let drained = offPool { () -> (Int, Bool) in
                var total = 0
                var buffer = [UInt8](repeating: 0, count: 65536)
                var matches = true
                while total < bytes.count {
                    guard let count = try? reader.connection.receive(into: &buffer), count > 0 else { break }
                    if Array(buffer[..<count]) != Array(bytes[total..<(total + count)]) { matches = false }
                    total += count
                }
                return (total, matches)
            }
            try await writer.connection.sendAll(bytes[first...], deadline: deadline)
            let (total, matches) = await drained
            #expect(total == bytes.count)
            #expect(matches)
        }
    }

    @Test("a connection accepted from a listener on a loop registers with that loop, not the default one")
    func acceptedJoinsListenersLoop() async throws {
        let loop = try IOLoop()
        defer { loop.shutdown() }
        let deadline = IODeadline.after(.seconds(60))
        let listener = try StreamListener(bindingTo: .ipv4(.loopback, port: 0))
        try listener.register(on: loop)
        let client = try await StreamConnection(connectingTo: try listener.localAddress, deadline: deadline, loop: loop)
        let connection = try await listener.accept(deadline: deadline).connection
        #expect(connection.owner.existingRegistration == nil)
        try await connection.sendAll(Array("hello".utf8), deadline: deadline)
        #expect(connection.owner.existingRegistration?.loop === loop)
        var buffer = [UInt8](repeating: 0, count: 16)
        #expect(try await client.receive(into: &buffer, deadline: deadline) == 5)
    }
}
