import Foundation
import Testing
@testable import NetKit

/// An IPv6 loopback address that never answers a SYN: a listener with a backlog
/// of 0 whose one queue place is taken by a connection nobody accepts. The kernel
/// then drops further SYNs, as a black-holed route would.
struct BlackHole: ~Copyable {
    let listener: StreamListener
    let filler: StreamConnection
    let address: SocketAddress
    var port: UInt16 { address.port ?? 0 }

    init() throws {
        let listener = try StreamListener(bindingTo: .ipv6(.loopback, port: 0), backlog: 0)
        let address = try listener.localAddress
        let filler = try StreamConnection(connectingTo: address)
        self.listener = listener
        self.filler = filler
        self.address = address
    }
}

/// How many of this machine's TCP sockets are still trying to reach `port` on
/// `::1` (state SYN_SENT in `/proc/net/tcp6`): a losing attempt that was closed
/// is gone from there at once, whatever other tests are doing meanwhile.
func connectingSocketCount(toIPv6Port port: UInt16) throws -> Int {
    let table = try String(contentsOfFile: "/proc/net/tcp6", encoding: .utf8)
    let remote = String(format: "00000000000000000000000001000000:%04X", port)
    return table.split(separator: "\n").count { line in
        let fields = line.split(separator: " ")
        return fields.count > 3 && fields[2] == Substring(remote) && fields[3] == "02"
    }
}

/// A TCP port on loopback that refuses connections and that no other test can
/// take while this value lives: a socket bound to it that never listens.
final class RefusingPort: Sendable {
    let socket: StreamConnection
    let address: SocketAddress

    init(_ family: AddressFamily) throws {
        let socket = try StreamConnection(family: family)
        try socket.bind(to: family == .ipv6 ? .ipv6(.loopback, port: 0) : .ipv4(.loopback, port: 0))
        address = try socket.localAddress
        self.socket = socket
    }
}

@Suite("Happy Eyeballs: connect by name (RFC 8305)")
struct HappyEyeballsTests {
    @Test(
        "falls back from a black-holed IPv6 address to IPv4 after the attempt delay, and closes the loser",
        .usesManyDescriptors)
    func fallsBackToIPv4() async throws {
        try await withLoop(.platformDefault) { loop in
            let hole = try BlackHole()
            let working = try StreamListener(bindingTo: .ipv4(.loopback, port: 0))
            let workingAddress = try working.localAddress
            let start = ContinuousClock.now
            let connection = try await StreamConnection(
                connectingToAnyOf: [hole.address, workingAddress], timeout: .seconds(60), loop: loop)
            let elapsed = ContinuousClock.now - start
            #expect(try connection.remoteAddress == workingAddress)
            // The IPv6 attempt had its 250 ms head start, and the whole connect took far less than the timeout.
            #expect(elapsed >= .milliseconds(240))
            #expect(elapsed < .seconds(30))
            // The black-holed attempt was cancelled and closed.
            #expect(try connectingSocketCount(toIPv6Port: hole.port) == 0)
            let accepted = try blocking { try working.accept() }
            try blocking { try connection.sendAll(Array("ok".utf8)) }
            var buffer = [UInt8](repeating: 0, count: 2)
            let server = accepted.connection
            #expect(try blocking { try server.receive(into: &buffer) } == 2)
        }
    }

    @Test("prefers IPv6 when it answers", .usesManyDescriptors)
    func prefersIPv6() async throws {
        try await withLoop(.platformDefault) { loop in
            let v6 = try StreamListener(bindingTo: .ipv6(.loopback, port: 0))
            let v4 = try StreamListener(bindingTo: .ipv4(.loopback, port: 0))
            let connection = try await StreamConnection(
                connectingToAnyOf: [try v4.localAddress, try v6.localAddress], loop: loop)
            #expect(try connection.remoteAddress.family == .ipv6)
        }
    }

    @Test(
        "a refused attempt starts the next one at once, and the error lists every attempt in order",
        .usesManyDescriptors)
    func everyAttemptListed() async throws {
        try await withLoop(.platformDefault) { loop in
            let ports = [try RefusingPort(.ipv4), try RefusingPort(.ipv4), try RefusingPort(.ipv6)]
            let addresses = ports.map(\.address)
            do {
                // With a 60 s attempt delay and a 20 s timeout, three attempts fit only
                // if each refusal starts the next one at once.
                _ = try await StreamConnection(
                    connectingToAnyOf: addresses, timeout: .seconds(20), attemptDelay: .seconds(60), loop: loop)
                Issue.record("connected to a closed port")
            } catch let error as ConnectAttemptsError {
                // Families interleave, IPv6 first: v6, v4, v4.
                #expect(error.attempts.map(\.address) == [addresses[2], addresses[0], addresses[1]])
                #expect(error.attempts.allSatisfy { $0.error.errno == .connectionRefused })
                #expect(!error.timedOut)
                #expect(error.description.contains("Connection refused"))
            }
            withExtendedLifetime(ports) {}  // the ports stay taken until the race is over
        }
    }

    @Test("the overall timeout ends a race that never connects", .usesManyDescriptors)
    func overallTimeout() async throws {
        try await withLoop(.platformDefault) { loop in
            let hole = try BlackHole()
            do {
                _ = try await StreamConnection(
                    connectingToAnyOf: [hole.address], timeout: .milliseconds(300), loop: loop)
                Issue.record("connected to a black hole")
            } catch let error as ConnectAttemptsError {
                #expect(error.timedOut)
            }
            #expect(try connectingSocketCount(toIPv6Port: hole.port) == 0)
        }
    }

    @Test("cancelling the connecting task closes every attempt", .usesManyDescriptors)
    func cancellation() async throws {
        try await withLoop(.platformDefault) { loop in
            let hole = try BlackHole()
            let address = hole.address
            let task = Task {
                try await StreamConnection(connectingToAnyOf: [address], timeout: .seconds(30), loop: loop).release()
            }
            await eventually("the attempt is under way") { (try? connectingSocketCount(toIPv6Port: hole.port)) == 1 }
            task.cancel()
            let result = await task.result
            #expect(throws: CancellationError.self) { try result.get() }
            #expect(try connectingSocketCount(toIPv6Port: hole.port) == 0)
        }
    }

    @Test("connects to localhost by name, and to a numeric IPv6 host", .usesManyDescriptors)
    func byName() async throws {
        try await withLoop(.platformDefault) { loop in
            let v4 = try StreamListener(bindingTo: .ipv4(.loopback, port: 0))
            let port = try v4.localAddress.port ?? 0
            let connection = try await StreamConnection(connectingToHost: "localhost", port: port, loop: loop)
            #expect(try connection.remoteAddress == v4.localAddress)

            let v6 = try StreamListener(bindingTo: .ipv6(.loopback, port: 0))
            let literal = try await StreamConnection(
                connectingToHost: "::1", port: try v6.localAddress.port ?? 0, loop: loop)
            #expect(try literal.remoteAddress == v6.localAddress)
        }
    }

    @Test("a name that does not resolve reports the resolver's errors and no attempts", .usesManyDescriptors)
    func unresolvable() async throws {
        try await withLoop(.platformDefault) { loop in
            do {
                _ = try await StreamConnection(
                    connectingToHost: "no-such-host.invalid", port: 80, timeout: .seconds(60), loop: loop)
                Issue.record("resolved an .invalid name")
            } catch let error as ConnectAttemptsError {
                #expect(error.attempts.isEmpty)
                #expect(!error.resolutionErrors.isEmpty)
                #expect(error.resolutionErrors.allSatisfy { $0.resolverError != nil })
            }
        }
    }
}
