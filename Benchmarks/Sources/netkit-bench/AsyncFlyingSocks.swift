import CBaseline
import FlyingSocks
import Foundation

// The async section on FlyingSocks (FlyingFox 0.27.1): AsyncSocket on a
// SocketPool<ePoll> whose run loop is a task; every task on Swift's global pool.
//
// Two paths of its datagram API are avoided, as they fail here: a
// `sockaddr_storage` peer address recurses (`withSockAddr` asks `family`, which
// calls `withSockAddr`) until the stack overflows, and `send(message:to:)`
// (sendmsg) fails with EINVAL. The echo server copies the peer into a
// `sockaddr_in` and replies with `send(_:to:)` (sendto).

enum AsyncFlyingSocks {
    static func loopbackAddress(port: UInt16) throws -> sockaddr_in { try .inet(ip4: "127.0.0.1", port: port) }

    static func port(of socket: Socket) throws -> UInt16 {
        guard case .ip4(_, let port) = try socket.sockname() else {
            throw BenchmarkFailure("FlyingSocks: not an IPv4 socket")
        }
        return port
    }

    /// The peer as a `sockaddr_in` (see the note at the top of the file).
    static func ipv4(_ address: any SocketAddress) throws -> sockaddr_in {
        guard let storage = address as? sockaddr_storage else {
            throw BenchmarkFailure("FlyingSocks: unexpected peer type")
        }
        return withUnsafeBytes(of: storage) { $0.loadUnaligned(as: sockaddr_in.self) }
    }

    static func listener(pool: some AsyncSocketPool) throws -> (AsyncSocket, UInt16) {
        let socket = try Socket(domain: AF_INET, type: .stream)
        try socket.setValue(true, for: .localAddressReuse)
        try socket.bind(to: loopbackAddress(port: 0))
        try socket.listen(maxPendingConnection: 4096)
        return (try AsyncSocket(socket: socket, pool: pool), try port(of: socket))
    }

    static func datagramSocket(pool: some AsyncSocketPool) throws -> (AsyncSocket, UInt16) {
        let socket = try Socket(domain: AF_INET, type: .datagram)
        try socket.bind(to: loopbackAddress(port: 0))
        return (try AsyncSocket(socket: socket, pool: pool), try port(of: socket))
    }

    /// Runs `body` with a running ePoll pool, then stops it.
    static func withPool<T: Sendable>(_ body: @Sendable (SocketPool<ePoll>) async throws -> T) async throws -> T {
        let pool: SocketPool<ePoll> = .ePoll()
        try await pool.prepare()
        let running = Task { try await pool.run() }
        defer { running.cancel() }
        return try await body(pool)
    }

    // MARK: A1/A2 ping-pong

    static func pingPong(tcp: Bool, size: Int, seconds: Double, maxRoundTrips: UInt64) throws -> AsyncSample {
        try blockOn {
            try await withPool { pool in
                tcp
                    ? try await streamPingPong(pool: pool, size: size, seconds: seconds, maxRoundTrips: maxRoundTrips)
                    : try await datagramPingPong(pool: pool, size: size, seconds: seconds, maxRoundTrips: maxRoundTrips)
            }
        }
    }

    static func datagramPingPong(pool: SocketPool<ePoll>, size: Int, seconds: Double, maxRoundTrips: UInt64)
        async throws -> AsyncSample
    {
        let (server, serverPort) = try datagramSocket(pool: pool)
        let (client, _) = try datagramSocket(pool: pool)
        defer { try? server.close(); try? client.close() }
        let serverAddress = try loopbackAddress(port: serverPort)
        return try await withThrowingTaskGroup(of: AsyncSample?.self) { tasks in
            tasks.addTask {
                while true {
                    let (peer, bytes): (any SocketAddress, [UInt8]) = try await server.receive(atMost: 2048)
                    if bytes.count <= 1 { break }
                    try await server.send(bytes, to: try ipv4(peer))
                }
                return nil
            }
            tasks.addTask {
                let payload = [UInt8](repeating: UInt8(ascii: "p"), count: size)
                let counter = TripCounter(seconds: seconds, maxTrips: maxRoundTrips)
                repeat {
                    try await client.send(payload, to: serverAddress)
                    let (_, reply): (any SocketAddress, [UInt8]) = try await client.receive(atMost: 2048)
                    if reply.count != size { break }
                } while counter.trip()
                let sample = counter.sample()
                try await client.send([0], to: serverAddress)
                return sample
            }
            var result: AsyncSample?
            for try await sample in tasks { if let sample { result = sample } }
            return result!
        }
    }

    static func streamPingPong(pool: SocketPool<ePoll>, size: Int, seconds: Double, maxRoundTrips: UInt64) async throws
        -> AsyncSample
    {
        let (listener, port) = try listener(pool: pool)
        defer { try? listener.close() }
        let client = try await AsyncSocket.connected(to: loopbackAddress(port: port), pool: pool)
        cb_set_nodelay(client.socket.file.rawValue)
        let connection = try await listener.accept()
        cb_set_nodelay(connection.socket.file.rawValue)
        return try await withThrowingTaskGroup(of: AsyncSample?.self) { tasks in
            tasks.addTask {
                defer { try? connection.close() }
                while true {
                    guard let bytes = try? await connection.read(atMost: 4096), !bytes.isEmpty else { break }
                    try await connection.write(Data(bytes))
                }
                return nil
            }
            tasks.addTask {
                defer { try? client.close() }
                let payload = Data(repeating: UInt8(ascii: "p"), count: size)
                let counter = TripCounter(seconds: seconds, maxTrips: maxRoundTrips)
                var got = 0
                outer: repeat {
                    try await client.write(payload)
                    while got < size {
                        let bytes = try await client.read(atMost: 4096)
                        if bytes.isEmpty { break outer }
                        got += bytes.count
                    }
                    got -= size
                } while counter.trip()
                return counter.sample()
            }
            var result: AsyncSample?
            for try await sample in tasks { if let sample { result = sample } }
            return result!
        }
    }

    // MARK: A3/A4 servers (in the server process; they never return)

    static func serve(tcp: Bool) throws -> Never {
        try blockOn {
            try await withPool { pool in
                if tcp {
                    let (listener, port) = try listener(pool: pool)
                    cb_announce_port(Int32(port))
                    try await withThrowingDiscardingTaskGroup { tasks in
                        while true {
                            let connection = try await listener.accept()
                            cb_set_nodelay(connection.socket.file.rawValue)
                            tasks.addTask {
                                defer { try? connection.close() }
                                while true {
                                    guard let bytes = try? await connection.read(atMost: 4096), !bytes.isEmpty else {
                                        break
                                    }
                                    cb_echo_count(1)
                                    try await connection.write(Data(bytes))
                                }
                            }
                        }
                    }
                } else {
                    let (socket, port) = try datagramSocket(pool: pool)
                    cb_announce_port(Int32(port))
                    while true {
                        let (peer, bytes): (any SocketAddress, [UInt8]) = try await socket.receive(atMost: 2048)
                        cb_echo_count(1)
                        try await socket.send(bytes, to: try ipv4(peer))
                    }
                }
            }
        }
        exit(0)
    }
}
