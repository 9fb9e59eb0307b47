import Testing
import CNetKitShims
@testable import NetKit

@Suite("Async sockets: send, receive, accept, connect", .usesManyDescriptors)
struct AsyncSocketTests {
    @Test("UDP round trip on the default loop, with no set-up")
    func udpOnTheDefaultLoop() async throws {
        let server = try DatagramSocket(bindingTo: .ipv4(.loopback, port: 0))
        let client = try DatagramSocket(bindingTo: .ipv4(.loopback, port: 0))
        let serverAddress = try server.localAddress
        try await client.send(Array("ping".utf8), to: serverAddress)
        var buffer = [UInt8](repeating: 0, count: 64)
        let datagram = try await server.receive(into: &buffer)
        #expect(Array(buffer[..<datagram.count]) == Array("ping".utf8))
        #expect(datagram.sender == (try client.localAddress))
        try await server.send(buffer[..<datagram.count], to: datagram.sender!)
        let echo = try await client.receive(into: &buffer)
        #expect(echo.count == 4)
    }

    @Test("UDP waits for a datagram sent later, on each backend", arguments: allBackends)
    func udpWaitsForLateDatagram(backend: IOLoopBackend) async throws {
        try await withLoop(backend) { loop in
            let server = DatagramBox(try DatagramSocket(bindingTo: .ipv4(.loopback, port: 0)))
            try server.socket.register(on: loop)
            let address = try server.socket.localAddress
            async let received: (Int, SocketAddress?) = {
                var buffer = [UInt8](repeating: 0, count: 64)
                let datagram = try await server.socket.receive(into: &buffer)
                return (datagram.count, datagram.sender)
            }()
            await eventually("the receive is waiting") { server.socket.asyncWaiterCount == 1 }
            let client = try DatagramSocket(family: .ipv4)
            _ = try blocking { try client.send(Array("late".utf8), to: address) }
            let (count, sender) = try await received
            #expect(count == 4)
            #expect(sender != nil)
        }
    }

    @Test("connected UDP send and receiveFromPeer", arguments: allBackends)
    func connectedUDP(backend: IOLoopBackend) async throws {
        try await withLoop(backend) { loop in
            let a = try DatagramSocket(bindingTo: .ipv4(.loopback, port: 0))
            let b = try DatagramSocket(bindingTo: .ipv4(.loopback, port: 0))
            try a.register(on: loop)
            try b.register(on: loop)
            try a.connect(to: try b.localAddress)
            try b.connect(to: try a.localAddress)
            try await a.send(Array("hello".utf8))
            let raw = UnsafeMutableRawBufferPointer.allocate(byteCount: 3, alignment: 1)
            defer { raw.deallocate() }
            let receipt = try await b.receiveFromPeer(into: raw)
            #expect(receipt.count == 3)
            #expect(receipt.length == 5)
            #expect(receipt.isTruncated)
        }
    }

    @Test("TCP accept, connect, sendAll and receive, on each backend", arguments: allBackends)
    func tcpEcho(backend: IOLoopBackend) async throws {
        try await withLoop(backend) { loop in
            let listener = ListenerBox(try StreamListener(bindingTo: .ipv4(.loopback, port: 0)))
            try listener.listener.register(on: loop)
            let address = try listener.listener.localAddress
            let payload = (0..<200_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
            async let served: Int = {
                let accepted = try await listener.listener.accept()
                let connection = accepted.connection
                var buffer = [UInt8](repeating: 0, count: 8192)
                var total = 0
                while true {
                    let count = try await connection.receive(into: &buffer)
                    if count == 0 { break }
                    try await connection.sendAll(buffer[..<count])
                    total += count
                }
                return total
            }()
            let client = try await StreamConnection(connectingTo: address, loop: loop)
            #expect(try client.isNonBlocking == false)
            async let sent: Void = {
                try await client.sendAll(payload)
                try client.shutdown(.write)
            }()
            var echoed: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 65536)
            while true {
                let count = try await client.receive(into: &buffer)
                if count == 0 { break }
                echoed += buffer[..<count]
            }
            try await sent
            #expect(try await served == payload.count)
            #expect(echoed == payload)
        }
    }

    @Test("connect to a closed port fails with connectionRefused", arguments: allBackends)
    func connectRefused(backend: IOLoopBackend) async throws {
        try await withLoop(backend) { loop in
            let port: SocketAddress
            do {
                let listener = try StreamListener(bindingTo: .ipv4(.loopback, port: 0))
                port = try listener.localAddress
            }
            await #expect(throws: SocketError.self) {
                _ = try await StreamConnection(connectingTo: port, loop: loop)
            }
            do {
                _ = try await StreamConnection(connectingTo: port, loop: loop)
            } catch let error as SocketError {
                #expect(error.errno == .connectionRefused)
                #expect(error.operation == .connect)
            }
        }
    }

    @Test("a blocking call on a socket async code used still blocks")
    func blockingStillBlocks() async throws {
        let listener = ListenerBox(try StreamListener(bindingTo: .ipv4(.loopback, port: 0)))
        let address = try listener.listener.localAddress
        // One async accept (switches the listener to non-blocking mode)...
        async let first: SocketAddress = { try await listener.listener.accept().peer }()
        let c1 = try blocking { try StreamConnection(connectingTo: address) }
        _ = try await first
        // ...then a blocking accept on another thread waits for the next connection.
        let thread = BackgroundThread { _ = try listener.listener.accept() }
        let c2 = try blocking { try StreamConnection(connectingTo: address) }
        try thread.join()
        // Datagram and stream sockets stay in blocking mode after async calls.
        let udp = try DatagramSocket(bindingTo: .ipv4(.loopback, port: 0))
        try await udp.send(Array("x".utf8), to: try udp.localAddress)
        var buffer = [UInt8](repeating: 0, count: 8)
        _ = try await udp.receive(into: &buffer)
        #expect(try udp.isNonBlocking == false)
        #expect(try c1.isNonBlocking == false)
        _ = c2
    }
}

@Suite("Async sockets: messages with control data, and batches", .usesManyDescriptors)
struct AsyncMessageTests {
    @Test("receiveMessage delivers packet info; send with control reaches the peer", arguments: allBackends)
    func messages(backend: IOLoopBackend) async throws {
        try await withLoop(backend) { loop in
            let server = DatagramBox(try DatagramSocket(bindingTo: .ipv4(.loopback, port: 0)))
            try server.socket.register(on: loop)
            try server.socket.setOption(.ipv4ReceivePacketInfo, true)
            let address = try server.socket.localAddress
            let client = try DatagramSocket(bindingTo: .ipv4(.loopback, port: 0))
            try client.register(on: loop)
            async let message: (Int, Bool) = {
                let raw = UnsafeMutableRawBufferPointer.allocate(byteCount: 64, alignment: 1)
                defer { raw.deallocate() }
                let message = try await server.socket.receiveMessage(into: raw, deadline: .after(.seconds(60)))
                return (message.count, message.control.packetInfo != nil)
            }()
            await eventually("the receive is waiting") { server.socket.asyncWaiterCount == 1 }
            let payload: [UInt8] = Array("with control".utf8)
            let sent = try await client.send(payload, to: address, control: ControlMessages())
            #expect(sent == payload.count)
            let (count, hasPacketInfo) = try await message
            #expect(count == payload.count)
            #expect(hasPacketInfo)
        }
    }

    @Test(
        "batches: one async receive takes every queued datagram; one async send sends them all", arguments: allBackends)
    func batches(backend: IOLoopBackend) async throws {
        try await withLoop(backend) { loop in
            let receiver = try DatagramSocket(bindingTo: .ipv4(.loopback, port: 0))
            let sender = try DatagramSocket(bindingTo: .ipv4(.loopback, port: 0))
            try receiver.register(on: loop)
            try sender.register(on: loop)
            let address = try receiver.localAddress
            var outgoing = try DatagramBatch(capacity: 8, bufferSize: 32)
            for index in 0..<8 {
                let bytes = Array("datagram \(index)".utf8)
                let appended = bytes.withUnsafeBytes { outgoing.append($0, to: address) }
                #expect(appended)
            }
            #expect(try await sender.send(outgoing) == 8)
            var incoming = try DatagramBatch(capacity: 16, bufferSize: 32)
            var total = 0
            while total < 8 {
                total += try await receiver.receive(into: &incoming, deadline: .after(.seconds(60)))
                #expect(incoming.sender(at: 0) == (try sender.localAddress))
            }
            #expect(total == 8)
            // Nothing more queued: the next receive waits until its deadline.
            await #expect(throws: SocketError.self) {
                _ = try await receiver.receive(into: &incoming, deadline: .after(.milliseconds(10)))
            }
        }
    }
}
