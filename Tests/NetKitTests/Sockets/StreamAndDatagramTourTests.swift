import Foundation
import Testing
import NetKit
import NetKitTestSupport

// The README's tour snippets, copied here so they are proven to compile and work.
// Only the port (ephemeral instead of 9999/7777), the endless server loops (one
// round instead of `while true`) and the Unix path (a temporary one) differ.

@Suite("README tour snippets")
struct StreamAndDatagramTourTests {
    @Test("UDP echo server and client")
    func udpTour() throws {
        let ports = Handoff<UInt16>()
        let serverThread = BackgroundThread("udp tour server") {
            let server = try DatagramSocket(bindingTo: .ipv4(.loopback, port: 0))
            ports.put(try server.localAddress.port ?? 0)
            var buffer = [UInt8](repeating: 0, count: 2048)
            for _ in 0..<1 {
                let datagram = try server.receive(into: &buffer)  // count, length, sender
                try server.send(buffer[..<datagram.count], to: datagram.sender!)
            }
        }

        let port = try #require(ports.take())
        let client = try DatagramSocket(family: .ipv4)
        try client.setOption(.receiveTimeout, .seconds(2))
        try client.send(Array("hello".utf8), to: .ipv4(.loopback, port: port))
        var reply = [UInt8](repeating: 0, count: 2048)
        let datagram = try client.receive(into: &reply)
        #expect(String(decoding: reply[..<datagram.count], as: UTF8.self) == "hello")
        try serverThread.join()
    }

    @Test("TCP echo server and client")
    func tcpTour() throws {
        let ports = Handoff<UInt16>()
        let serverThread = BackgroundThread("tcp tour server") {
            let listener = try StreamListener(bindingTo: .ipv4(.loopback, port: 0))
            ports.put(try listener.localAddress.port ?? 0)
            for _ in 0..<1 {
                let accepted = try listener.accept()
                let connection = accepted.connection
                var buffer = [UInt8](repeating: 0, count: 4096)
                while case let count = try connection.receive(into: &buffer), count > 0 {
                    try connection.sendAll(buffer[..<count])
                }
            }
        }

        let port = try #require(ports.take())
        do {
            let connection = try StreamConnection(connectingTo: .ipv4(.loopback, port: port), timeout: .seconds(2))
            try connection.sendAll(Array("hello\n".utf8))
            var buffer = [UInt8](repeating: 0, count: 4096)
            let count = try connection.receive(into: &buffer)  // 0 means the peer closed
            #expect(Array(buffer[..<count]) == Array("hello\n".utf8))
        }  // the connection closes here, so the server's loop sees end of stream
        try serverThread.join()
    }

    @Test("options, readiness and Unix sockets")
    func optionsTour() throws {
        let directory = try TemporaryDirectory()
        let udp = try DatagramSocket(bindingTo: .ipv4(.any, port: 0))
        let listener = try StreamListener(bindingTo: .ipv4(.loopback, port: 0))
        let connection = try StreamConnection(connectingTo: try listener.localAddress)

        try connection.setOption(.noDelay, true)  // typed: level, name and value type together
        try connection.setOption(.keepAliveIdle, 30)  // seconds (TCP_KEEPIDLE)
        try connection.setOption(.linger, Linger(timeout: .seconds(5)))
        try udp.setOption(.ipv4TimeToLive, 16)
        try udp.joinMulticastGroup(
            .v4(IPv4Address(239, 1, 2, 3)), interfaceIndex: try Resolver.interfaceIndex(named: "lo"))

        var items = [PollItem(udp, interest: .readable), PollItem(listener, interest: .readable)]
        try poll(&items, timeout: .seconds(1))  // portable; items[i].ready says what happened
        #expect(items[1].ready.contains(.readable))

        #if os(Linux)
        let poller = try EventPoller()  // Linux epoll: register once, wait often
        try poller.register(listener, interest: .readable, token: 1)
        var events = [EventPoller.Event](repeating: .init(), count: 64)
        let count = try poller.wait(into: &events, timeout: .seconds(1))  // no allocation per wait
        #expect(count == 1 && events[0].token == 1)
        #endif

        let unix = try StreamListener(bindingTo: .unix(try UnixSocketPath(directory.path + "/app.sock")))
        let pair = try StreamConnection.pair()  // socketpair(AF_UNIX, SOCK_STREAM)
        #expect(try unix.socketType == .stream && pair.first.socketType == .stream)
    }
}
