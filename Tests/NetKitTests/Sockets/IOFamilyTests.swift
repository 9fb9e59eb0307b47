import CNetKitShims
import Testing
@testable import NetKit

/// The send/receive family: blocking calls and their `try` twins, buffers, flags,
/// and what "would block" is reported as.
@Suite("Send and receive: one family, would-block apart from timeouts")
struct IOFamilyTests {
    // MARK: Would block is not a timeout

    @Test("a non-blocking datagram socket with nothing queued: receive throws .wouldBlock, tryReceive returns nil")
    func nonBlockingDatagramWouldBlock() throws {
        let socket = try DatagramSocket(bindingTo: .ipv4(.loopback, port: 0))
        try socket.setNonBlocking()
        var buffer = [UInt8](repeating: 0, count: 16)
        let error = #expect(throws: SocketError.self) { _ = try socket.receive(into: &buffer) }
        #expect(error?.errno == .wouldBlock)
        #expect(error?.isWouldBlock == true && error?.isTimeout == false)
        #expect(try socket.tryReceive(into: &buffer) == nil)
    }

    @Test("a blocking socket with .dontWait: .wouldBlock, not .timedOut")
    func dontWaitIsWouldBlock() throws {
        let socket = try DatagramSocket(bindingTo: .ipv4(.loopback, port: 0))
        var buffer = [UInt8](repeating: 0, count: 16)
        let error = #expect(throws: SocketError.self) { _ = try socket.receive(into: &buffer, flags: .dontWait) }
        #expect(error?.errno == .wouldBlock)
        let pair = try StreamConnection.pair()
        let a = pair.first
        let streamError = #expect(throws: SocketError.self) { _ = try a.receive(into: &buffer, flags: .dontWait) }
        #expect(streamError?.errno == .wouldBlock)
    }

    @Test("an expired receive timeout on a blocking socket is .timedOut")
    func realTimeoutIsTimedOut() throws {
        let socket = try DatagramSocket(bindingTo: .ipv4(.loopback, port: 0))
        try socket.setOption(.receiveTimeout, .milliseconds(20))
        var buffer = [UInt8](repeating: 0, count: 16)
        let error = #expect(throws: SocketError.self) { _ = try socket.receive(into: &buffer) }
        #expect(error?.errno == .timedOut)
        #expect(error?.isTimeout == true)
    }

    @Test("accept on a non-blocking listener with no one waiting is .wouldBlock")
    func nonBlockingAcceptWouldBlock() throws {
        let listener = try StreamListener(bindingTo: .ipv4(.loopback, port: 0))
        try listener.setNonBlocking()
        let error = #expect(throws: SocketError.self) { _ = try listener.accept() }
        #expect(error?.errno == .wouldBlock)
        #expect(try listener.tryAccept() == nil)
    }

    @Test("a full send buffer on a non-blocking stream: send throws .wouldBlock, trySend returns nil")
    func fullSendBufferWouldBlock() throws {
        let pair = try StreamConnection.pair()
        let a = pair.first
        try a.setNonBlocking()
        let chunk = [UInt8](repeating: 7, count: 65536)
        // Bounded: a Unix stream buffer is a few hundred KiB at most.
        var filled = false
        for _ in 0..<1000 where !filled {
            if try a.trySend(chunk) == nil { filled = true }
        }
        #expect(filled)
        let error = #expect(throws: SocketError.self) { _ = try a.send(chunk) }
        #expect(error?.errno == .wouldBlock)
    }

    // MARK: Empty buffers

    @Test("receiving a datagram into an empty array is an error, and the datagram is still there")
    func emptyDatagramBuffer() throws {
        let server = try DatagramSocket(bindingTo: .ipv4(.loopback, port: 0))
        let client = try DatagramSocket(bindingTo: .ipv4(.loopback, port: 0))
        try client.send([1, 2, 3, 4], to: server.localAddress)
        var empty: [UInt8] = []
        let error = #expect(throws: SocketError.self) { _ = try server.receive(into: &empty) }
        if case .invalidArgument(let text)? = error?.reason {
            #expect(text.contains("empty buffer"))
        } else {
            Issue.record("expected invalidArgument, got \(String(describing: error))")
        }
        #expect(throws: SocketError.self) { _ = try server.tryReceive(into: &empty) }
        // With .peek nothing is lost: the kernel reports the length.
        let peeked = try server.receive(into: &empty, flags: .peek)
        #expect(peeked.count == 0 && peeked.length == 4)
        let datagram = try server.receive(maxCount: 16)
        #expect(datagram.bytes == [1, 2, 3, 4])
        #expect(datagram.sender == (try client.localAddress))
        #expect(!datagram.isTruncated)
    }

    @Test("receiving from a stream into an empty buffer is an error, not a fake end of stream")
    func emptyStreamBuffer() throws {
        let pair = try StreamConnection.pair()
        let a = pair.first, b = pair.second
        try a.sendAll([9, 8, 7])
        var empty: [UInt8] = []
        let error = #expect(throws: SocketError.self) { _ = try b.receive(into: &empty) }
        if case .invalidArgument(let text)? = error?.reason {
            #expect(text.contains("end of stream"))
        } else {
            Issue.record("expected invalidArgument, got \(String(describing: error))")
        }
        #expect(throws: SocketError.self) { _ = try b.tryReceive(into: &empty) }
        #expect(throws: SocketError.self) { _ = try b.receive(maxCount: 0) }
        #expect(try b.receive(maxCount: 16) == [9, 8, 7])
        try a.shutdown(.write)
        #expect(try b.receive(maxCount: 16) == [])
    }

    // MARK: The try twins, spans and flags

    @Test("connected datagram sockets have try twins for send and receiveFromPeer")
    func connectedDatagramTwins() throws {
        let pair = try DatagramSocket.pair()
        let a = pair.first, b = pair.second
        var buffer = [UInt8](repeating: 0, count: 8)
        #expect(try b.tryReceiveFromPeer(into: &buffer) == nil)
        #expect(try a.trySend([1, 2]) == 2)
        #expect(try a.trySend([UInt8]([3]).span.bytes) == 1)
        let first = try #require(try b.tryReceiveFromPeer(into: &buffer))
        #expect(first.count == 2 && buffer[..<2] == [1, 2])
        var elements = buffer.mutableSpan
        var span = elements.mutableBytes
        let second = try b.receiveFromPeer(into: &span)
        #expect(second.count == 1)
    }

    @Test("receives fill an OutputRawSpan's free capacity and grow it")
    func outputSpanReceive() throws {
        let pair = try StreamConnection.pair()
        let a = pair.first, b = pair.second
        try a.sendAll([1, 2, 3])
        let bytes = try [UInt8](unsafeUninitializedCapacity: 8) { (buffer, count) throws(SocketError) in
            var output = OutputRawSpan(buffer: UnsafeMutableRawBufferPointer(buffer), initializedCount: 0)
            let received = try b.receive(into: &output)
            #expect(received == 3)
            count = output.finalize(for: UnsafeMutableRawBufferPointer(buffer))
        }
        #expect(bytes == [1, 2, 3])
        // The try twin: nothing there yet is nil, and the span does not grow.
        let none = try [UInt8](unsafeUninitializedCapacity: 4) { (buffer, count) throws(SocketError) in
            var output = OutputRawSpan(buffer: UnsafeMutableRawBufferPointer(buffer), initializedCount: 0)
            #expect(try b.tryReceive(into: &output) == nil)
            count = output.finalize(for: UnsafeMutableRawBufferPointer(buffer))
        }
        #expect(none.isEmpty)
    }

    @Test("send takes flags: out-of-band data on TCP, .dontRoute on loopback UDP")
    func sendFlags() throws {
        let listener = try StreamListener(bindingTo: .ipv4(.loopback, port: 0))
        let client = try StreamConnection(connectingTo: listener.localAddress)
        let accepted = try listener.accept()
        let server = accepted.connection
        try client.send([0x2A], flags: .outOfBand)
        try server.setOption(.receiveTimeout, .seconds(5))
        var urgent = [UInt8](repeating: 0, count: 1)
        // The urgent byte may take a moment to be marked: wait for it with poll.
        var items = [PollItem(server, interest: Readiness(rawValue: Int16(POLLPRI)))]
        #expect(try poll(&items, timeout: .seconds(5)) == 1)
        #expect(try server.receive(into: &urgent, flags: .outOfBand) == 1)
        #expect(urgent == [0x2A])

        let udp = try DatagramSocket(bindingTo: .ipv4(.loopback, port: 0))
        #expect(try udp.send([5], to: udp.localAddress, flags: .dontRoute) == 1)
        #expect(try udp.trySend([6], to: udp.localAddress, flags: .dontRoute) == 1)
        #expect(try udp.receive(maxCount: 4).bytes == [5])
        #expect(try udp.receive(maxCount: 4).bytes == [6])
    }
}
