import Foundation
import Testing
@testable import NetKit
import CNetKitShims

/// The number of open descriptors in this process.
func openDescriptorCount() throws -> Int {
    try FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").count
}

/// Whether a socket's descriptor has close-on-exec set.
func isCloseOnExec<S: Socket & ~Copyable>(_ socket: borrowing S) -> Bool {
    socket.withUnsafeDescriptor { isCloseOnExec($0) }
}

/// Whether `fd` has close-on-exec set (`FD_CLOEXEC`).
func isCloseOnExec(_ fd: CInt) -> Bool {
    cnk_fcntl(fd, F_GETFD, 0) & FD_CLOEXEC != 0
}

@Suite("Ownership: descriptors are closed exactly once, close-on-exec, no SIGPIPE", .countsDescriptors)
struct OwnershipTests {
    // Swift Testing runs other suites in parallel, which open and close descriptors
    // too, so "unchanged" allows for their noise (a small slack). A leak here would
    // be 100,000 descriptors, and the kernel always hands out the lowest free
    // number, so the highest descriptor seen also stays low when nothing leaks.
    static let slack = 64

    @Test("100,000 sockets opened and closed leave the descriptor count unchanged")
    func manySockets() throws {
        let before = try openDescriptorCount()
        var highest: CInt = 0
        for index in 0..<100_000 {
            let socket = try DatagramSocket(family: index % 2 == 0 ? .ipv4 : .ipv6)
            highest = max(highest, socket.withUnsafeDescriptor { $0 })
            if index % 4 == 0 {
                try socket.close()  // the explicit, error-reporting close
            }  // ...and otherwise deinit closes
        }
        let after = try openDescriptorCount()
        #expect(abs(after - before) < Self.slack, "before \(before), after \(after)")
        #expect(Int(highest) < before + Self.slack, "descriptor numbers kept growing: \(highest)")
    }

    @Test("accepted connections and socket pairs are closed too")
    func manyConnections() throws {
        let listener = try StreamListener(bindingTo: .ipv4(.loopback, port: 0))
        let address = try listener.localAddress
        let before = try openDescriptorCount()
        var highest: CInt = 0
        for _ in 0..<2_000 {
            let client = try StreamConnection(connectingTo: address)
            let accepted = try listener.accept()
            let server = accepted.connection
            highest = max(highest, server.withUnsafeDescriptor { $0 }, client.withUnsafeDescriptor { $0 })
            try server.close()
        }
        for _ in 0..<20_000 {
            let pair = try StreamConnection.pair()
            highest = max(highest, pair.second.withUnsafeDescriptor { $0 })
        }
        let after = try openDescriptorCount()
        #expect(abs(after - before) < Self.slack, "before \(before), after \(after)")
        #expect(Int(highest) < before + Self.slack, "descriptor numbers kept growing: \(highest)")
    }

    @Test("every new descriptor is close-on-exec")
    func closeOnExec() throws {
        let udp = try DatagramSocket(family: .ipv6)
        #expect(isCloseOnExec(udp) == true)
        let listener = try StreamListener(bindingTo: .ipv4(.loopback, port: 0))
        #expect(isCloseOnExec(listener) == true)
        let client = try StreamConnection(connectingTo: try listener.localAddress, timeout: .seconds(5))
        #expect(isCloseOnExec(client) == true)
        let accepted = try listener.accept()
        #expect(isCloseOnExec(accepted.connection) == true)
        let streams = try StreamConnection.pair()
        #expect(isCloseOnExec(streams.first) && isCloseOnExec(streams.second) == true)
        let datagrams = try DatagramSocket.pair()
        #expect(isCloseOnExec(datagrams.first) && isCloseOnExec(datagrams.second) == true)
        #if os(Linux)
        let poller = try EventPoller()
        #expect(poller.withUnsafeDescriptor { isCloseOnExec($0) })
        #endif
    }

    @Test("sending to a closed peer is .brokenPipe, never SIGPIPE")
    func noSigpipe() throws {
        let pair = try StreamConnection.pair()
        let first = pair.first
        let second = pair.second
        try second.close()
        // With SIGPIPE's default action this would kill the test process.
        let error = #expect(throws: SocketError.self) { try first.sendAll(Array("anyone?".utf8)) }
        #expect(error?.errno == .brokenPipe)

        // Over TCP: the first send may be accepted before the reset arrives.
        let listener = try StreamListener(bindingTo: .ipv4(.loopback, port: 0))
        let client = try StreamConnection(connectingTo: try listener.localAddress)
        do {
            let accepted = try listener.accept()
            try accepted.connection.close()
        }
        var failure: SocketError?
        for _ in 0..<100 {
            do { try client.sendAll([UInt8](repeating: 0, count: 1024)) } catch { failure = error; break }
        }
        #expect(failure?.errno == .brokenPipe || failure?.errno == .connectionReset)
    }

    @Test("release hands the descriptor out open; init(unsafeAdopting:) takes it back")
    func releaseAndAdopt() throws {
        let socket = try DatagramSocket(bindingTo: .ipv4(.loopback, port: 0))
        let address = try socket.localAddress
        let raw = socket.release()
        #expect(cnk_fcntl(raw, F_GETFD, 0) != -1)  // still open
        let adopted = DatagramSocket(unsafeAdopting: raw)
        #expect(try adopted.localAddress == address)
        try adopted.close()
    }

    #if DEBUG
    @Test("close() reports the error close gives, and is never retried")
    func closeError() throws {
        let raw = try DatagramSocket(family: .ipv4).release()
        let driver = MockingDriver()
        driver.failNext("close", with: [.interrupted])
        let error = #expect(throws: SocketError.self) {
            try MockingDriver.$current.withValue(driver) { try DatagramSocket(unsafeAdopting: raw).close() }
        }
        #expect(error?.operation == .close)
        #expect(error?.errno == .interrupted)
        #expect(driver.calls == ["close"])  // EINTR from close is not retried
        // The mock never reached the kernel, so the descriptor is still open: close it for real.
        try DatagramSocket(unsafeAdopting: raw).close()
    }
    #endif
}
