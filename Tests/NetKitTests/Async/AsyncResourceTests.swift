import Testing
@testable import NetKit

@Suite("Async sockets: loops and registrations free what they hold", .serialized, .usesManyDescriptors)
struct AsyncResourceTests {
    @Test("a loop that was shut down, and its sockets, release their objects and descriptors", arguments: allBackends)
    func loopsAreFreed(backend: IOLoopBackend) async throws {
        weak var weakLoop: IOLoop?
        do {
            let loop = try IOLoop(backend: backend)
            weakLoop = loop
            let socket = try DatagramSocket(bindingTo: .ipv4(.loopback, port: 0))
            try socket.register(on: loop)
            try await socket.send(Array("x".utf8), to: try socket.localAddress)
            var buffer = [UInt8](repeating: 0, count: 4)
            _ = try await socket.receive(into: &buffer, deadline: .after(.seconds(60)))
            await #expect(throws: SocketError.self) {
                _ = try await socket.receive(into: &buffer, deadline: .after(.milliseconds(1)))
            }
            loop.shutdown()
        }
        await eventually("the loop is freed") { weakLoop == nil }
    }
}
