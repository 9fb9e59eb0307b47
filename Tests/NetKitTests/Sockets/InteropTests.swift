import Foundation
import Testing
import NetKitTestSupport
@testable import NetKit

// Peers NetKit did not write: Python's `socket` module and socat. Python is
// always installed; socat tests are cancelled with a reason when it is missing.

private let pythonUDPEchoServer = """
    import socket, sys
    family = socket.AF_INET6 if sys.argv[1] == '6' else socket.AF_INET
    s = socket.socket(family, socket.SOCK_DGRAM)
    s.bind(('::1' if sys.argv[1] == '6' else '127.0.0.1', 0))
    s.settimeout(10)
    print(s.getsockname()[1], flush=True)
    for _ in range(int(sys.argv[2])):
        data, peer = s.recvfrom(65535)
        s.sendto(data, peer)
    """

private let pythonUDPByteOrderClient = """
    import socket, struct, sys
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(10)
    s.sendto(struct.pack('!HI', 9999, 0x01020304), ('127.0.0.1', int(sys.argv[1])))
    data, peer = s.recvfrom(100)
    short, long = struct.unpack('!HI', data)
    print(short, hex(long), flush=True)
    """

private let pythonTCPEchoServer = """
    import socket, sys
    family = socket.AF_INET6 if sys.argv[1] == '6' else socket.AF_INET
    l = socket.socket(family, socket.SOCK_STREAM)
    l.bind(('::1' if sys.argv[1] == '6' else '127.0.0.1', 0))
    l.listen(1)
    l.settimeout(10)
    print(l.getsockname()[1], flush=True)
    c, _ = l.accept()
    c.settimeout(10)
    while True:
        data = c.recv(65536)
        if not data:
            break
        c.sendall(data)
    c.close()
    """

private let pythonTCPClient = """
    import socket, struct, sys
    c = socket.create_connection(('127.0.0.1', int(sys.argv[1])), timeout=10)
    payload = bytes(range(256)) * 1000
    c.sendall(struct.pack('!I', len(payload)) + payload)
    c.shutdown(socket.SHUT_WR)
    got = b''
    while True:
        data = c.recv(65536)
        if not data:
            break
        got += data
    print('ok' if got == payload else 'mismatch %d' % len(got), flush=True)
    """

/// Reads exactly `count` bytes, or fewer at end of stream.
private func receiveExactly(_ count: Int, from connection: borrowing StreamConnection) throws -> [UInt8] {
    var result: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 65536)
    while result.count < count {
        let n = try buffer.withUnsafeMutableBytes { raw in
            try connection.receive(
                into: UnsafeMutableRawBufferPointer(rebasing: raw[..<min(raw.count, count - result.count)]))
        }
        if n == 0 { break }
        result += buffer[..<n]
    }
    return result
}

@Suite("Interoperability with Python and socat")
struct InteropTests {
    @Test("NetKit UDP client, Python UDP echo server", arguments: ["4", "6"])
    func udpClientPythonServer(version: String) throws {
        let peer = try ExternalPeer.python(pythonUDPEchoServer, version, "3")
        let port = try #require(peer.readLine().flatMap { UInt16($0) }, "python printed no port")
        let server: SocketAddress = version == "6" ? .ipv6(.loopback, port: port) : .ipv4(.loopback, port: port)
        let client = try DatagramSocket(family: server.family)
        try client.setOption(.receiveTimeout, .seconds(10))
        var buffer = [UInt8](repeating: 0, count: 2048)
        for payload in [Array("hello, python".utf8), [], [UInt8](repeating: 0xA5, count: 1200)] {
            try client.send(payload, to: server)
            let echo = try client.receive(into: &buffer)
            #expect(Array(buffer[..<echo.count]) == payload)
            #expect(echo.sender == server)
        }
        #expect(peer.exitStatus() == 0)
    }

    @Test("Python UDP client, NetKit UDP server; byte order on the wire both ways")
    func udpServerPythonClientByteOrder() throws {
        let server = try DatagramSocket(bindingTo: .ipv4(.loopback, port: 0))
        try server.setOption(.receiveTimeout, .seconds(10))
        let port = try #require(try server.localAddress.port)
        let peer = try ExternalPeer.python(pythonUDPByteOrderClient, String(port))
        var buffer = [UInt8](repeating: 0, count: 64)
        let datagram = try server.receive(into: &buffer)
        #expect(datagram.count == 6)
        // struct.pack('!HI', 9999, 0x01020304): big-endian, most significant byte first.
        let short = UInt16(buffer[0]) << 8 | UInt16(buffer[1])
        let long = UInt32(buffer[2]) << 24 | UInt32(buffer[3]) << 16 | UInt32(buffer[4]) << 8 | UInt32(buffer[5])
        #expect(short == 9999)
        #expect(long == 0x0102_0304)
        #expect(Array(buffer[2..<6]) == [1, 2, 3, 4])
        // And back: NetKit writes big-endian by hand, Python unpacks with '!HI'.
        let replyShort: UInt16 = 4242
        let replyLong: UInt32 = 0xCAFE_BABE
        let reply: [UInt8] = [
            UInt8(replyShort >> 8), UInt8(replyShort & 0xFF),
            UInt8(replyLong >> 24), UInt8(replyLong >> 16 & 0xFF), UInt8(replyLong >> 8 & 0xFF),
            UInt8(replyLong & 0xFF),
        ]
        try server.send(reply, to: try #require(datagram.sender))
        #expect(peer.readLine() == "4242 0xcafebabe")
        #expect(peer.exitStatus() == 0)
    }

    @Test("NetKit TCP client, Python TCP echo server", arguments: ["4", "6"])
    func tcpClientPythonServer(version: String) throws {
        let peer = try ExternalPeer.python(pythonTCPEchoServer, version)
        let port = try #require(peer.readLine().flatMap { UInt16($0) }, "python printed no port")
        let server: SocketAddress = version == "6" ? .ipv6(.loopback, port: port) : .ipv4(.loopback, port: port)
        let box = ConnectionBox(try StreamConnection(connectingTo: server, timeout: .seconds(10)))
        try box.connection.setOption(.receiveTimeout, .seconds(10))
        let payload = (0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        // Send from another thread while this one reads, so neither side's buffers fill up.
        let sender = BackgroundThread("sender") {
            try box.connection.sendAll(payload)
            try box.connection.shutdown(.write)
        }
        let echoed = try receiveExactly(payload.count + 1, from: box.connection)
        try sender.join()
        #expect(echoed.count == payload.count)
        #expect(echoed == payload)
        #expect(peer.exitStatus() == 0)
    }

    @Test("Python TCP client, NetKit TCP server, with a big-endian length prefix")
    func tcpServerPythonClient() throws {
        let listener = try StreamListener(bindingTo: .ipv4(.loopback, port: 0))
        try listener.setOption(.receiveTimeout, .seconds(10))
        let port = try #require(try listener.localAddress.port)
        let peer = try ExternalPeer.python(pythonTCPClient, String(port))
        let accepted = try listener.accept()
        let connection = accepted.connection
        try connection.setOption(.receiveTimeout, .seconds(10))
        let prefix = try receiveExactly(4, from: connection)
        try #require(prefix.count == 4)
        let length = Int(UInt32(prefix[0]) << 24 | UInt32(prefix[1]) << 16 | UInt32(prefix[2]) << 8 | UInt32(prefix[3]))
        #expect(length == 256_000)
        let payload = try receiveExactly(length, from: connection)
        #expect(payload.count == length)
        #expect(payload.prefix(256) == ArraySlice((0...255).map { UInt8($0) }))
        #expect(try receiveExactly(1, from: connection).isEmpty)  // the client shut down its side
        try connection.sendAll(payload)
        try connection.shutdown(.write)
        #expect(peer.readLine() == "ok")
        #expect(peer.exitStatus() == 0)
    }

    // MARK: - socat

    static func requireSocat() throws {
        if ExternalPeer.which("socat") == nil {
            try Test.cancel("socat is not installed (`.ci/run` installs it with apt-get)")
        }
    }

    @Test("NetKit TCP client, socat TCP echo server (PIPE)")
    func tcpClientSocatServer() throws {
        try Self.requireSocat()
        let peer = try ExternalPeer(["socat", "-d", "-d", "-T", "10", "TCP-LISTEN:0,bind=127.0.0.1", "PIPE"])
        // socat logs "listening on AF=2 127.0.0.1:PORT" on standard error.
        let line = try #require(peer.readLine(containing: "listening on", fromErrors: true), "socat printed no port")
        let port = try #require(line.split(separator: ":").last.flatMap { UInt16($0) })
        let connection = try StreamConnection(connectingTo: .ipv4(.loopback, port: port), timeout: .seconds(10))
        try connection.setOption(.receiveTimeout, .seconds(10))
        let message = Array("through socat\n".utf8)
        try connection.sendAll(message)
        #expect(try receiveExactly(message.count, from: connection) == message)
        try connection.shutdown(.write)
        #expect(try receiveExactly(1, from: connection).isEmpty)
        #expect(peer.exitStatus() == 0)
    }

    @Test("socat UDP client, NetKit UDP echo server")
    func udpServerSocatClient() throws {
        try Self.requireSocat()
        let server = try DatagramSocket(bindingTo: .ipv4(.loopback, port: 0))
        try server.setOption(.receiveTimeout, .seconds(10))
        let port = try #require(try server.localAddress.port)
        let peer = try ExternalPeer(["socat", "-t", "0.2", "-T", "10", "-", "UDP:127.0.0.1:\(port)"])
        peer.write("ping from socat\n")
        var buffer = [UInt8](repeating: 0, count: 256)
        let datagram = try server.receive(into: &buffer)
        #expect(Array(buffer[..<datagram.count]) == Array("ping from socat\n".utf8))
        try server.send(Array("pong from NetKit\n".utf8), to: try #require(datagram.sender))
        #expect(peer.readLine() == "pong from NetKit")
        try peer.input.fileHandleForWriting.close()  // end of input: socat exits after its short -t wait
        #expect(peer.exitStatus() == 0)
    }

    @Test("socat TCP client, NetKit TCP echo server")
    func tcpServerSocatClient() throws {
        try Self.requireSocat()
        let listener = try StreamListener(bindingTo: .ipv6(.loopback, port: 0))
        try listener.setOption(.receiveTimeout, .seconds(10))
        let port = try #require(try listener.localAddress.port)
        let peer = try ExternalPeer(["socat", "-T", "10", "-", "TCP6:[::1]:\(port)"])
        let accepted = try listener.accept()
        let connection = accepted.connection
        try connection.setOption(.receiveTimeout, .seconds(10))
        peer.write("echo me\n")
        let line = try receiveExactly(8, from: connection)
        #expect(line == Array("echo me\n".utf8))
        try connection.sendAll(line)
        #expect(peer.readLine() == "echo me")
        try peer.input.fileHandleForWriting.close()  // socat's stdin at EOF: it shuts down its side
        #expect(try receiveExactly(1, from: connection).isEmpty)
        try connection.close()
        #expect(peer.exitStatus() == 0)
    }
}
