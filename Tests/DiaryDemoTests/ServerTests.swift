import Foundation
import NetKit
import Testing
import NetKitTestSupport
@testable import DiaryDemo

/// The server loop in process, for what is hard to reach from outside.
@Suite("Server loop")
struct ServerTests {
    /// Runs a server on a thread; `body` gets it; then it is stopped and joined.
    func withServer(idleTimeout: Duration = .seconds(300), _ body: (DiaryServer) throws -> Void) throws {
        try withInProcessServer({ $0.idleTimeout = idleTimeout }, body)
    }

    @Test func idleTCPConnectionsAreClosed() throws {
        try withServer(idleTimeout: .milliseconds(200)) { server in
            let idle = try StreamConnection(connectingTo: server.address, timeout: .seconds(5))
            let busy = try StreamConnection(connectingTo: server.address, timeout: .seconds(5))
            try busy.sendAll(Array("hello\n".utf8))
            var buffer = [UInt8](repeating: 0, count: 64)
            try busy.setOption(.receiveTimeout, .seconds(5))
            #expect(try busy.receive(into: &buffer) == 5)  // "ok 1\n"
            try idle.setOption(.receiveTimeout, .seconds(10))
            let clock = ContinuousClock()
            let start = clock.now
            #expect(try idle.receive(into: &buffer) == 0, "the server closes the idle connection")
            #expect(clock.now - start < .seconds(5))
        }
    }

    @Test func bannerNamesAddressAndFile() throws {
        try withServer { server in
            #expect(
                server.banner.hasPrefix(
                    "diary server listening on 127.0.0.1:\(server.address.port ?? 0) (UDP and TCP), file "))
            #expect(server.banner.hasSuffix(", 0 entries"))
        }
    }

    @Test func samePortIsTakenForBothTransports() throws {
        try withServer { server in
            #expect(throws: SocketError.self) { _ = try DatagramSocket(bindingTo: server.address) }
            #expect(throws: SocketError.self) { _ = try StreamListener(bindingTo: server.address) }
        }
    }
}

/// Hands a non-Sendable value to another thread when the test knows it is safe.
struct UncheckedBox<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
