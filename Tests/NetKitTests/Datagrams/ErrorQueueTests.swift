import CNetKitShims
import Testing
@testable import NetKit

@Suite("The error queue: ICMP errors for unconnected UDP")
struct ErrorQueueTests {
    /// A loopback address whose port nobody listens on (bound, read, closed).
    static func closedPort(_ any: SocketAddress) throws -> SocketAddress {
        let placeholder = try DatagramSocket(bindingTo: any)
        return try placeholder.localAddress
    }

    /// Waits (bounded, by poll, not by sleeping) until the socket's error queue has an entry.
    static func waitForError(_ socket: borrowing DatagramSocket) -> Bool {
        socket.withUnsafeDescriptor { fd in
            var item = pollfd(fd: fd, events: 0, revents: 0)
            return poll(&item, 1, 5000) == 1 && item.revents & Int16(POLLERR) != 0
        }
    }

    @Test(
        "sending to a closed loopback port queues an ICMP port unreachable",
        arguments: [
            SocketAddress.ipv4(.loopback, port: 0), SocketAddress.ipv6(.loopback, port: 0),
        ])
    func portUnreachable(any: SocketAddress) throws {
        let target = try Self.closedPort(any)
        let client = try DatagramSocket(bindingTo: any)
        try client.setOption(any.family == .ipv4 ? .ipv4ReceiveErrors : .ipv6ReceiveErrors, true)
        #expect(try client.tryReceiveError() == nil, "the queue starts empty")
        try client.send(Array("knock".utf8), to: target)
        let signalled = Self.waitForError(client)
        #expect(signalled)
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 64, alignment: 16)
        defer { buffer.deallocate() }
        let entry = try #require(try client.tryReceiveError(into: buffer))
        #expect(entry.errno == .connectionRefused)
        #expect(entry.origin == (any.family == .ipv4 ? .icmp : .icmpv6))
        #expect(entry.isPortUnreachable)
        #expect(entry.offender?.ipAddress == any.ipAddress)
        #expect(entry.destination == target)
        #expect(entry.count == 5)
        #expect(Array(UnsafeRawBufferPointer(rebasing: buffer[..<5])) == Array("knock".utf8))
        #expect(try client.tryReceiveError() == nil, "reading the entry removed it")
    }

    @Test("without IP_RECVERR nothing is queued for an unconnected socket")
    func offByDefault() throws {
        let target = try Self.closedPort(.ipv4(.loopback, port: 0))
        let client = try DatagramSocket(bindingTo: .ipv4(.loopback, port: 0))
        try client.send(Array("knock".utf8), to: target)
        // A second datagram to ourselves, received, shows the first was long processed.
        try client.send([1], to: try client.localAddress)
        var buffer = [UInt8](repeating: 0, count: 8)
        try client.setOption(.receiveTimeout, .seconds(5))
        _ = try client.receive(into: &buffer)
        #expect(try client.tryReceiveError() == nil)
    }

    #if DEBUG  // MockingDriver (the syscall mocking seam) exists in debug builds only
    @Test("a failing recvmsg on the error queue is typed")
    func failure() throws {
        let client = try DatagramSocket(bindingTo: .ipv4(.loopback, port: 0))
        let driver = MockingDriver()
        driver.failNext("recvmsg", with: [.badFileDescriptor])
        let failure: SocketError? = MockingDriver.$current.withValue(driver) { () -> SocketError? in
            do throws(SocketError) {
                _ = try client.tryReceiveError()
                return nil
            } catch {
                return error
            }
        }
        #expect(failure?.errno == .badFileDescriptor)
        #expect(failure?.operation == .receiveMessage)
    }
    #endif
}
