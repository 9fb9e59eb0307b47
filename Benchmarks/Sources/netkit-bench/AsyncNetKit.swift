import CBaseline
import NetKit
#if canImport(Glibc)
import Glibc
#endif

// The async section on NetKit's async layer: sockets registered with an IOLoop,
// the async overloads of the blocking calls (`try await socket.receive(into:)`,
// `send(_:to:)`, `listener.serve`, `sendAll`), and the tasks either on the
// loop itself (`withTaskExecutorPreference(loop)`: a ready call resumes on the
// loop thread, no hop) or on Swift's global pool (resumed from the loop thread).
//
// Sockets are created (and TCP connected) with the blocking calls, handed to each
// task as a descriptor and adopted there, as the threaded W1 workload does.

enum AsyncNetKit {
    // MARK: A1/A2 ping-pong

    static func pingPong(onLoop: Bool, tcp: Bool, size: Int, seconds: Double, maxRoundTrips: UInt64) throws
        -> AsyncSample
    {
        let loop = try IOLoop()
        defer { loop.shutdown() }
        return try blockOn {
            try await withTaskExecutorPreference(onLoop ? loop : nil) {
                tcp
                    ? try await streamPingPong(loop: loop, size: size, seconds: seconds, maxRoundTrips: maxRoundTrips)
                    : try await datagramPingPong(loop: loop, size: size, seconds: seconds, maxRoundTrips: maxRoundTrips)
            }
        }
    }

    static func datagramPingPong(loop: IOLoop, size: Int, seconds: Double, maxRoundTrips: UInt64) async throws
        -> AsyncSample
    {
        let server = try DatagramSocket(bindingTo: .ipv4(.loopback, port: 0))
        let client = try DatagramSocket(bindingTo: .ipv4(.loopback, port: 0))
        let serverAddress = try server.localAddress
        let serverFD = server.release()
        let clientFD = client.release()
        return try await withThrowingTaskGroup(of: AsyncSample?.self) { tasks in
            tasks.addTask {
                let socket = DatagramSocket(unsafeAdopting: serverFD)
                try socket.register(on: loop)
                let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 2048, alignment: 16)
                defer { buffer.deallocate() }
                while true {
                    let datagram = try await socket.receive(into: buffer)
                    guard datagram.count > 1, let sender = datagram.sender else { break }
                    _ = try await socket.send(UnsafeRawBufferPointer(rebasing: buffer[..<datagram.count]), to: sender)
                }
                return nil
            }
            tasks.addTask {
                let socket = DatagramSocket(unsafeAdopting: clientFD)
                try socket.register(on: loop)
                let out = UnsafeMutableRawBufferPointer.allocate(byteCount: 2048, alignment: 16)
                let incoming = UnsafeMutableRawBufferPointer.allocate(byteCount: 2048, alignment: 16)
                defer { out.deallocate(); incoming.deallocate() }
                out.initializeMemory(as: UInt8.self, repeating: UInt8(ascii: "p"))
                let payload = UnsafeRawBufferPointer(rebasing: out[..<size])
                let counter = TripCounter(seconds: seconds, maxTrips: maxRoundTrips)
                repeat {
                    _ = try await socket.send(payload, to: serverAddress)
                    if try await socket.receive(into: incoming).count != size { break }
                } while counter.trip()
                let sample = counter.sample()
                _ = try await socket.send(UnsafeRawBufferPointer(rebasing: out[..<1]), to: serverAddress)
                return sample
            }
            var result: AsyncSample?
            for try await sample in tasks { if let sample { result = sample } }
            return result!
        }
    }

    static func streamPingPong(loop: IOLoop, size: Int, seconds: Double, maxRoundTrips: UInt64) async throws
        -> AsyncSample
    {
        let (clientFD, serverFD) = try connectedPair()
        return try await withThrowingTaskGroup(of: AsyncSample?.self) { tasks in
            tasks.addTask {
                let connection = StreamConnection(unsafeAdopting: serverFD)
                try connection.register(on: loop)
                let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 4096, alignment: 16)
                defer { buffer.deallocate() }
                while true {
                    let count = try await connection.receive(into: buffer)
                    if count == 0 { break }
                    try await connection.sendAll(UnsafeRawBufferPointer(rebasing: buffer[..<count]))
                }
                return nil
            }
            tasks.addTask {
                let connection = StreamConnection(unsafeAdopting: clientFD)
                try connection.register(on: loop)
                let out = UnsafeMutableRawBufferPointer.allocate(byteCount: 2048, alignment: 16)
                let incoming = UnsafeMutableRawBufferPointer.allocate(byteCount: 4096, alignment: 16)
                defer { out.deallocate(); incoming.deallocate() }
                out.initializeMemory(as: UInt8.self, repeating: UInt8(ascii: "p"))
                let payload = UnsafeRawBufferPointer(rebasing: out[..<size])
                let counter = TripCounter(seconds: seconds, maxTrips: maxRoundTrips)
                var got = 0
                outer: repeat {
                    try await connection.sendAll(payload)
                    while got < size {
                        let count = try await connection.receive(into: incoming)
                        if count == 0 { break outer }
                        got += count
                    }
                    got -= size
                } while counter.trip()
                return counter.sample()
                // The connection closes here: the server's receive returns 0 and it ends.
            }
            var result: AsyncSample?
            for try await sample in tasks { if let sample { result = sample } }
            return result!
        }
    }

    /// A loopback TCP connection made with the blocking calls (TCP_NODELAY on both ends): (client, server) descriptors.
    static func connectedPair() throws -> (CInt, CInt) {
        let listener = try StreamListener(bindingTo: .ipv4(.loopback, port: 0))
        let client = try StreamConnection(connectingTo: try listener.localAddress)
        let accepted = try listener.accept()
        let server = accepted.connection
        try client.setOption(.noDelay, true)
        try server.setOption(.noDelay, true)
        return (client.release(), server.release())
    }

    // MARK: A3/A4 servers (in the server process; they never return)

    static func serve(onLoop: Bool, tcp: Bool) throws -> Never {
        let loop = try IOLoop()
        try blockOn {
            try await withTaskExecutorPreference(onLoop ? loop : nil) {
                if tcp { try await serveStream(loop: loop) } else { try await serveDatagrams(loop: loop) }
            }
        }
        exit(0)
    }

    static func serveStream(loop: IOLoop) async throws {
        let listener = try StreamListener(bindingTo: .ipv4(.loopback, port: 0), backlog: 4096)
        try listener.register(on: loop)
        guard case .ipv4(_, let port) = try listener.localAddress else {
            throw BenchmarkFailure("not an IPv4 listener")
        }
        cb_announce_port(Int32(port))
        try await listener.serve(maximumConnections: 4096) { connection, _ in
            // Accepted connections are not registered yet: put them on the listener's loop
            // (their first async call would otherwise register them with IOLoop.default).
            try connection.register(on: loop)
            try connection.setOption(.noDelay, true)
            // A buffer per connection (a handler may wait in sendAll while holding it), 1 KiB
            // for 64-byte messages; the C epoll server shares one 4 KiB buffer.
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1024, alignment: 16)
            defer { buffer.deallocate() }
            while true {
                let count = try await connection.receive(into: buffer)
                if count == 0 { break }
                cb_echo_count(1)
                try await connection.sendAll(UnsafeRawBufferPointer(rebasing: buffer[..<count]))
            }
        }
    }

    static func serveDatagrams(loop: IOLoop) async throws {
        let socket = try DatagramSocket(bindingTo: .ipv4(.loopback, port: 0))
        try socket.register(on: loop)
        guard case .ipv4(_, let port) = try socket.localAddress else { throw BenchmarkFailure("not an IPv4 socket") }
        cb_announce_port(Int32(port))
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 2048, alignment: 16)
        defer { buffer.deallocate() }
        while true {
            let datagram = try await socket.receive(into: buffer)
            guard let sender = datagram.sender else { continue }
            cb_echo_count(1)
            _ = try await socket.send(UnsafeRawBufferPointer(rebasing: buffer[..<datagram.count]), to: sender)
        }
    }
}
