import Foundation
import Testing
@testable import NetKit

/// Sets a low `RLIMIT_NOFILE` in a Python child, then execs this test binary there,
/// filtered to the child test below (which runs only under that variable).
let lowLimitLauncher = """
    import os, resource, sys
    limit = int(sys.argv[1])
    resource.setrlimit(resource.RLIMIT_NOFILE, (limit, limit))
    env = dict(os.environ, NETKIT_LOW_RLIMIT_CHILD='1')
    os.dup2(1, 2)  # the test run reports on stderr; read it all from stdout
    exe = sys.argv[2]
    os.execve(exe, [exe, '--testing-library', 'swift-testing', '--filter', 'AsyncDescriptorLimitChild'], env)
    """

@Suite("Async sockets: serve under a low RLIMIT_NOFILE (in a child process)")
struct AsyncDescriptorLimitTests {
    @Test("accept hits EMFILE, serve backs off, the open connection is still served, then the waiting one is accepted")
    func serveUnderLowLimit() async throws {
        guard ProcessInfo.processInfo.environment["NETKIT_LOW_RLIMIT_CHILD"] == nil else { return }
        let executable = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
        let peer = PeerBox(try ExternalPeer.python(lowLimitLauncher, "96", executable))
        let output = await offPool { () -> [String] in
            var lines: [String] = []
            while let line = peer.peer.readLine() { lines.append(line) }
            return lines
        }
        let status = await offPool { peer.peer.exitStatus(within: .seconds(60)) }
        let ran = output.contains { $0.contains("serve backs off under EMFILE") && $0.contains("passed") }
        #expect(ran, "the child did not run and pass the test: \(output.suffix(20).joined(separator: "\n"))")
        #expect(status == 0)
    }
}

@Suite(
    "Async sockets: the low-RLIMIT child",
    .enabled(if: ProcessInfo.processInfo.environment["NETKIT_LOW_RLIMIT_CHILD"] == "1"))
struct AsyncDescriptorLimitChild {
    @Test("serve backs off under EMFILE")
    func serveBacksOff() async throws {
        let listener = ListenerBox(try StreamListener(bindingTo: .ipv4(.loopback, port: 0)))
        let address = try listener.listener.localAddress
        let server = Task { try await listener.listener.serve(echoOrFail) }

        // An open connection, served.
        let first = try await StreamConnection(connectingTo: address, deadline: .after(.seconds(60)))
        var buffer = [UInt8](repeating: 0, count: 16)
        try await first.sendAll(Array("one".utf8))
        #expect(try await first.receive(into: &buffer, deadline: .after(.seconds(60))) == 3)

        // Use up every descriptor, then free exactly one for the next client.
        var filler: [DatagramBox] = []
        while let box = makeFiller() {
            filler.append(box)
            if filler.count > 10_000 { Issue.record("no EMFILE: the limit was not applied"); return }
        }
        filler.removeLast()
        let second = try await StreamConnection(connectingTo: address, deadline: .after(.seconds(60)))
        // The server's accept now fails with EMFILE and backs off; the open
        // connection goes on being served meanwhile.
        for round in 0..<5 {
            try await first.sendAll(Array("r\(round)".utf8))
            #expect(try await first.receive(into: &buffer, deadline: .after(.seconds(60))) == 2)
        }
        try await second.sendAll(Array("two".utf8))
        await #expect(throws: SocketError.self, "not accepted while no descriptor is free") {
            _ = try await second.receive(into: &buffer, deadline: .after(.milliseconds(100)))
        }
        // Descriptors come back: the waiting connection is accepted and served.
        filler.removeAll()
        #expect(try await second.receive(into: &buffer, deadline: .after(.seconds(60))) == 3)
        server.cancel()
        try await server.value
    }
}

/// A socket to use up a descriptor; `nil` once none is left (EMFILE).
func makeFiller() -> DatagramBox? {
    do {
        return DatagramBox(try DatagramSocket(family: .ipv4))
    } catch {
        return nil
    }
}
