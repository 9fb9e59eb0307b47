import Foundation
import Testing
@testable import NetKit
import CNetKitShims
import NetKitTestSupport

/// An abstract name no other test (or process) uses.
func uniqueAbstractName(_ tag: String) throws -> SocketAddress {
    .unix(try UnixSocketPath(abstractName: "netkit-test-\(tag)-\(getpid())-\(UUID().uuidString.prefix(8))"))
}

@Suite("Unix-domain sockets: paths, abstract names, socketpair")
struct UnixDomainTests {
    static func stream(listeningAt address: SocketAddress) throws {
        let listener = try StreamListener(bindingTo: address)
        #expect(try listener.localAddress == address)
        let client = try StreamConnection(connectingTo: address)
        #expect(try client.remoteAddress == address)
        let accepted = try listener.accept()
        // The client did not bind: its address is unnamed.
        #expect(accepted.peer == .unix(UnixSocketPath(rawBytes: [], isAbstract: false)))
        let server = accepted.connection
        try client.sendAll(Array("over unix".utf8))
        var buffer = [UInt8](repeating: 0, count: 64)
        let count = try server.receive(into: &buffer)
        #expect(Array(buffer[..<count]) == Array("over unix".utf8))
        try server.sendAll(buffer[..<count])
        #expect(try client.receive(into: &buffer) == count)
        try client.shutdown(.write)
        #expect(try server.receive(into: &buffer) == 0)
    }

    static func datagram(server serverAddress: SocketAddress, client clientAddress: SocketAddress) throws {
        let server = try DatagramSocket(bindingTo: serverAddress)
        let client = try DatagramSocket(bindingTo: clientAddress)
        try client.send(Array("one".utf8), to: serverAddress)
        try client.send(Array("second".utf8), to: serverAddress)
        var buffer = [UInt8](repeating: 0, count: 64)
        let first = try server.receive(into: &buffer)
        #expect(first.count == 3)
        #expect(first.sender == clientAddress)
        let second = try server.receive(into: &buffer)
        #expect(second.count == 6)  // datagram boundaries are kept
        try server.send(Array("reply".utf8), to: try #require(second.sender))
        let reply = try client.receive(into: &buffer)
        #expect(Array(buffer[..<reply.count]) == Array("reply".utf8))
        #expect(reply.sender == serverAddress)
    }

    @Test("stream over a file-system path")
    func streamPath() throws {
        let directory = try TemporaryDirectory()
        let address = try directory.socketAddress("stream.sock")
        try Self.stream(listeningAt: address)
        // The socket file stays until it is removed; binding it again is .addressInUse.
        let error = #expect(throws: SocketError.self) { _ = try StreamListener(bindingTo: address) }
        #expect(error?.errno == .addressInUse)
        #expect(error?.description.contains(directory.path + "/stream.sock") == true)
    }

    @Test("datagrams over file-system paths, with the sender's path")
    func datagramPath() throws {
        let directory = try TemporaryDirectory()
        try Self.datagram(
            server: try directory.socketAddress("server.sock"), client: try directory.socketAddress("client.sock"))
    }

    #if os(Linux)
    @Test("stream over a Linux abstract name (no file)")
    func streamAbstract() throws {
        try Self.stream(listeningAt: try uniqueAbstractName("stream"))
    }

    @Test("datagrams over Linux abstract names")
    func datagramAbstract() throws {
        try Self.datagram(server: try uniqueAbstractName("server"), client: try uniqueAbstractName("client"))
    }
    #endif

    @Test("an unbound datagram sender is unnamed, and gets no reply address")
    func unnamedSender() throws {
        let directory = try TemporaryDirectory()
        let address = try directory.socketAddress("server.sock")
        let server = try DatagramSocket(bindingTo: address)
        let client = try DatagramSocket(family: .unix)
        try client.send([UInt8](), to: address)  // zero-length is data here too
        var buffer = [UInt8](repeating: 0, count: 8)
        let datagram = try server.receive(into: &buffer)
        #expect(datagram.count == 0)
        #expect(datagram.sender == nil)  // Linux reports an address length of 0
    }

    @Test("connecting to a missing path is ENOENT, to a path nobody listens on is ECONNREFUSED")
    func connectFailures() throws {
        let directory = try TemporaryDirectory()
        let missing = try directory.socketAddress("missing.sock")
        let error = #expect(throws: SocketError.self) { _ = try StreamConnection(connectingTo: missing) }
        #expect(error?.errno == .noSuchFileOrDirectory)
        #expect(error?.address == missing)

        let stale = try directory.socketAddress("stale.sock")
        do { _ = try StreamListener(bindingTo: stale) }  // closed at once; the file remains
        let refused = #expect(throws: SocketError.self) { _ = try StreamConnection(connectingTo: stale) }
        #expect(refused?.errno == .connectionRefused)
    }

    @Test("an overlong sun_path is a clear typed error before any system call")
    func overlongPath() throws {
        let limit = UnixSocketPath.maximumPathLength
        #expect(limit == MemoryLayout.size(ofValue: sockaddr_un().sun_path) - 1)
        _ = try UnixSocketPath(String(repeating: "a", count: limit))
        let error = #expect(throws: SocketError.self) {
            _ = try UnixSocketPath("/tmp/" + String(repeating: "a", count: limit))
        }
        #expect(error?.errno == nil)
        #expect(error?.description.contains("sun_path holds at most \(limit)") == true)
        let abstract = #expect(throws: SocketError.self) {
            _ = try UnixSocketPath(abstractName: String(repeating: "b", count: limit + 1))
        }
        #expect(abstract?.description.contains("sun_path holds at most") == true)
        #expect(throws: SocketError.self) { _ = try UnixSocketPath("") }
    }

    @Test("socketpair: two connected stream ends, both ways, end of stream")
    func streamPair() throws {
        let pair = try StreamConnection.pair()
        let a = pair.first
        let b = pair.second
        try a.sendAll(Array("ping".utf8))
        var buffer = [UInt8](repeating: 0, count: 16)
        #expect(try b.receive(into: &buffer) == 4)
        try b.sendAll(Array("pong!".utf8))
        #expect(try a.receive(into: &buffer) == 5)
        #expect(try a.socketType == .stream)
        try b.close()
        #expect(try a.receive(into: &buffer) == 0)
    }

    @Test("socketpair: datagram ends keep message boundaries")
    func datagramPair() throws {
        let pair = try DatagramSocket.pair()
        let a = pair.first
        let b = pair.second
        try a.send(Array("12".utf8))
        try a.send(Array("345".utf8))
        var buffer = [UInt8](repeating: 0, count: 16)
        #expect(try buffer.withUnsafeMutableBytes { try b.receiveFromPeer(into: $0) }.count == 2)
        #expect(try buffer.withUnsafeMutableBytes { try b.receiveFromPeer(into: $0) }.count == 3)
        #expect(try b.socketType == .datagram)
    }
}
