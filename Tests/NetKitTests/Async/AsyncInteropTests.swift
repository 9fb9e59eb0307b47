import Testing
@testable import NetKit

/// An asyncio TCP server that echoes lines; prints its port.
let asyncioLineEchoServer = """
    import asyncio, sys
    async def handle(reader, writer):
        while True:
            line = await reader.readline()
            if not line:
                break
            writer.write(line.upper())
            await writer.drain()
        writer.close()
    async def main():
        server = await asyncio.start_server(handle, '127.0.0.1', 0)
        print(server.sockets[0].getsockname()[1], flush=True)
        async with server:
            await asyncio.wait_for(server.serve_forever(), 120)
    try:
        asyncio.run(main())
    except (asyncio.TimeoutError, asyncio.CancelledError):
        pass
    """

/// An asyncio client: 50 concurrent connections, each sends 20 lines and checks the echo.
let asyncioConcurrentClient = """
    import asyncio, sys
    port = int(sys.argv[1])
    async def one(index):
        reader, writer = await asyncio.open_connection('127.0.0.1', port)
        for line in range(20):
            message = f'client {index} line {line}\\n'.encode()
            writer.write(message)
            await writer.drain()
            echo = await reader.readexactly(len(message))
            assert echo == message, (echo, message)
        writer.close()
        await writer.wait_closed()
        return 1
    async def main():
        results = await asyncio.wait_for(asyncio.gather(*(one(i) for i in range(50))), 120)
        print(sum(results), flush=True)
    asyncio.run(main())
    """

/// An asyncio UDP endpoint that echoes datagrams reversed; prints its port.
let asyncioDatagramEcho = """
    import asyncio
    class Echo(asyncio.DatagramProtocol):
        def connection_made(self, transport):
            self.transport = transport
        def datagram_received(self, data, addr):
            self.transport.sendto(data[::-1], addr)
    async def main():
        loop = asyncio.get_running_loop()
        transport, _ = await loop.create_datagram_endpoint(Echo, local_addr=('127.0.0.1', 0))
        print(transport.get_extra_info('sockname')[1], flush=True)
        await asyncio.sleep(120)
    asyncio.run(main())
    """

@Suite("Async sockets: interop with Python asyncio peers", .usesManyDescriptors)
struct AsyncInteropTests {
    @Test("NetKit async client reads lines from an asyncio server with BufferedReader")
    func clientOfAsyncioServer() async throws {
        let peer = PeerBox(try ExternalPeer.python(asyncioLineEchoServer))
        let line = await offPool { peer.peer.readLine() }
        let port = try #require(line.flatMap { UInt16($0) }, "python printed no port")
        let connection = try await StreamConnection(
            connectingTo: .ipv4(.loopback, port: port), deadline: .after(.seconds(60)))
        var reader = BufferedReader(maximumLength: 256)
        for index in 0..<100 {
            try await connection.sendAll(Array("line \(index)\n".utf8))
            let echo = try await reader.readLine(from: connection, deadline: .after(.seconds(60)))
            #expect(echo == Array("LINE \(index)".utf8))
        }
        // Many lines in one send, read back one by one.
        try await connection.sendAll(Array((0..<50).map { "b\($0)\n" }.joined().utf8))
        for index in 0..<50 {
            #expect(
                try await reader.readLine(from: connection, deadline: .after(.seconds(60))) == Array("B\(index)".utf8))
        }
    }

    @Test("50 concurrent asyncio clients are served by StreamListener.serve")
    func asyncioClientsOfServe() async throws {
        let listener = ListenerBox(try StreamListener(bindingTo: .ipv4(.loopback, port: 0)))
        let port = try #require(try listener.listener.localAddress.port)
        let server = Task {
            try await listener.listener.serve { connection, _ in
                var reader = BufferedReader(maximumLength: 1024)
                while let line = try await reader.readLine(from: connection) {
                    try await connection.sendAll(line + [UInt8(ascii: "\n")])
                }
            }
        }
        let peer = PeerBox(try ExternalPeer.python(asyncioConcurrentClient, String(port)))
        let output = await offPool { peer.peer.readLine() }
        #expect(output == "50")
        #expect(await offPool { peer.peer.exitStatus() } == 0)
        server.cancel()
        try await server.value
    }

    @Test("NetKit async UDP talks to an asyncio datagram endpoint")
    func datagramsWithAsyncio() async throws {
        let peer = PeerBox(try ExternalPeer.python(asyncioDatagramEcho))
        let line = await offPool { peer.peer.readLine() }
        let port = try #require(line.flatMap { UInt16($0) }, "python printed no port")
        let server = SocketAddress.ipv4(.loopback, port: port)
        let socket = try DatagramSocket(bindingTo: .ipv4(.loopback, port: 0))
        var buffer = [UInt8](repeating: 0, count: 2048)
        for payload in [Array("hello asyncio".utf8), [UInt8](repeating: 7, count: 1400) + [1]] {
            try await socket.send(payload, to: server)
            let echo = try await socket.receive(into: &buffer, deadline: .after(.seconds(60)))
            #expect(Array(buffer[..<echo.count]) == payload.reversed())
            #expect(echo.sender == server)
        }
    }
}
