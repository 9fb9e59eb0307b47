import Testing
import NetKitTestSupport
@testable import NetKit

@Suite("Stream sockets: connect, sendAll, shutdown, end of stream")
struct StreamSemanticsTests {
    static let families: [SocketAddress] = [.ipv4(.loopback, port: 0), .ipv6(.loopback, port: 0)]

    @Test("local and remote addresses match on both ends", arguments: families)
    func addresses(any: SocketAddress) throws {
        let listener = try StreamListener(bindingTo: any)
        let listening = try listener.localAddress
        #expect(listening.family == any.family)
        let client = try StreamConnection(connectingTo: listening)
        let accepted = try listener.accept()
        let server = accepted.connection
        #expect(try client.remoteAddress == listening)
        #expect(try server.localAddress == listening)
        #expect(try server.remoteAddress == (try client.localAddress))
        #expect(accepted.peer == (try client.localAddress))
        let unconnected = #expect(throws: SocketError.self) {
            _ = try listener.withUnsafeDescriptor { try SocketCalls.remoteAddress($0) }
        }
        #expect(unconnected?.errno == .notConnected)
        #expect(unconnected?.operation == .getPeerName)
    }

    @Test("connect with a timeout: .timedOut when the listener's queue is full, and the connection comes back blocking")
    func connectTimeout() throws {
        // Backlog 0: Linux queues one unaccepted connection and drops further SYNs.
        let listener = try StreamListener(bindingTo: .ipv4(.loopback, port: 0), backlog: 0)
        let address = try listener.localAddress
        var held: [ConnectionBox] = []
        var failure: SocketError?
        let clock = ContinuousClock()
        var elapsed = Duration.zero
        for _ in 0..<16 {
            let start = clock.now
            do {
                let connection = try StreamConnection(connectingTo: address, timeout: .milliseconds(200))
                #expect(try connection.isNonBlocking == false)
                held.append(ConnectionBox(connection))
            } catch {
                failure = error
                elapsed = clock.now - start
                break
            }
        }
        #expect(!held.isEmpty)
        #expect(failure?.errno == .timedOut)
        #expect(failure?.operation == .connect)
        #expect(failure?.address == address)
        #expect(elapsed >= .milliseconds(150) && elapsed < .seconds(5))
    }

    @Test("a negative connect timeout is refused before any system call")
    func negativeTimeout() throws {
        let error = #expect(throws: SocketError.self) {
            _ = try StreamConnection(connectingTo: .ipv4(.loopback, port: 9), timeout: .seconds(-1))
        }
        #expect(error?.errno == nil)
    }

    #if DEBUG
    @Test(
        "a connect interrupted by a signal is finished, not restarted blindly", arguments: [nil, Duration.seconds(5)])
    func connectInterrupted(timeout: Duration?) throws {
        let listener = try StreamListener(bindingTo: .ipv4(.loopback, port: 0))
        let address = try listener.localAddress
        let driver = MockingDriver()
        driver.failNext("connect", with: [.interrupted])
        let box = try MockingDriver.$current.withValue(driver) {
            ConnectionBox(try StreamConnection(connectingTo: address, timeout: timeout))
        }
        #expect(try box.connection.remoteAddress == address)
        #expect(driver.calls.filter { $0 == "connect" }.count == 2)
        #expect(driver.calls.contains("poll"))
        let accepted = try listener.accept()
        #expect(accepted.peer == (try box.connection.localAddress))
    }

    @Test("sendAll loops over short writes on a non-blocking socket with a small send buffer")
    func sendAllShortWrites() throws {
        let listener = try StreamListener(bindingTo: .ipv4(.loopback, port: 0))
        let total = 1 << 19
        let received = Handoff<(count: Int, sum: UInt64)>()
        let reader = BackgroundThread("reader") { [address = try listener.localAddress] in
            let connection = try StreamConnection(connectingTo: address)
            try connection.setOption(.receiveTimeout, .seconds(5))
            var buffer = [UInt8](repeating: 0, count: 65536)
            var count = 0
            var sum: UInt64 = 0
            while true {
                let n = try connection.receive(into: &buffer)
                if n == 0 { break }
                for (offset, byte) in buffer[..<n].enumerated() {
                    sum &+= UInt64(byte) &* UInt64(count + offset + 1)
                }
                count += n
            }
            received.put((count, sum))
        }
        let accepted = try listener.accept()
        let sender = accepted.connection
        try sender.setOption(.sendBufferSize, 4096)
        try sender.setNonBlocking()
        let bytes = (0..<total).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ $0 >> 9) }
        let driver = MockingDriver()
        try MockingDriver.$current.withValue(driver) { try sender.sendAll(bytes) }
        try sender.shutdown(.write)
        try reader.join()
        let result = try #require(received.take())
        var expected: UInt64 = 0
        for (index, byte) in bytes.enumerated() { expected &+= UInt64(byte) &* UInt64(index + 1) }
        #expect(result.count == total)
        #expect(result.sum == expected)
        let sends = driver.calls.filter { $0 == "send" }.count
        #expect(sends > 1, "one send took all \(total) bytes: no short write happened")
        #expect(driver.calls.contains("poll"))
    }
    #endif

    @Test("sendAll on a blocking socket: many megabytes arrive whole")
    func sendAllBlocking() throws {
        let pair = try StreamConnection.pair()
        let total = 4 << 20
        let received = Handoff<Int>()
        let reader = BackgroundThread("reader") { [box = ConnectionBox(pair.second)] in
            var buffer = [UInt8](repeating: 0, count: 65536)
            var count = 0
            while case let n = try box.connection.receive(into: &buffer), n > 0 { count += n }
            received.put(count)
        }
        try pair.first.sendAll([UInt8](repeating: 0x5A, count: total))
        try pair.first.shutdown(.write)
        try reader.join()
        #expect(received.take() == total)
    }

    @Test("sendAll from a RawSpan")
    func sendAllRawSpan() throws {
        let pair = try StreamConnection.pair()
        let bytes: [UInt8] = Array("span".utf8)
        try pair.first.sendAll(bytes.span.bytes)
        var buffer = [UInt8](repeating: 0, count: 8)
        let count = try pair.second.receive(into: &buffer)
        #expect(Array(buffer[..<count]) == bytes)
    }

    @Test("sendAll with a send timeout to a peer that stops reading is .timedOut, not a hang")
    func sendAllTimeout() throws {
        let listener = try StreamListener(bindingTo: .ipv4(.loopback, port: 0))
        let client = try StreamConnection(connectingTo: try listener.localAddress)
        let accepted = try listener.accept()
        let idle = accepted.connection  // never reads
        try client.setOption(.sendBufferSize, 4096)
        try client.setOption(.sendTimeout, .milliseconds(100))
        let error = #expect(throws: SocketError.self) {
            try client.sendAll([UInt8](repeating: 1, count: 16 << 20))
        }
        #expect(error?.isTimeout == true)
        #expect(error?.operation == .send)
        _ = idle
    }

    @Test("shutdown(.write): the peer reads end of stream, and can still answer")
    func shutdownWrite() throws {
        let pair = try StreamConnection.pair()
        try pair.first.sendAll(Array("last words".utf8))
        try pair.first.shutdown(.write)
        var buffer = [UInt8](repeating: 0, count: 64)
        #expect(try pair.second.receive(into: &buffer) == 10)
        #expect(try pair.second.receive(into: &buffer) == 0)
        #expect(try pair.second.receive(into: &buffer) == 0)  // and stays at end of stream
        try pair.second.sendAll(Array("reply".utf8))
        #expect(try pair.first.receive(into: &buffer) == 5)
        let afterShutdown = #expect(throws: SocketError.self) { try pair.first.sendAll([1]) }
        #expect(afterShutdown?.errno == .brokenPipe)
    }

    @Test("shutdown(.read) over TCP: receive returns end of stream at once")
    func shutdownRead() throws {
        let listener = try StreamListener(bindingTo: .ipv4(.loopback, port: 0))
        let client = try StreamConnection(connectingTo: try listener.localAddress)
        let accepted = try listener.accept()
        let server = accepted.connection
        try client.shutdown(.read)
        var buffer = [UInt8](repeating: 0, count: 16)
        #expect(try client.receive(into: &buffer) == 0)
        try client.sendAll(Array("still sending".utf8))  // the other direction is untouched
        #expect(try server.receive(into: &buffer) > 0)
    }

    @Test("shutdown(.both): sends fail with .brokenPipe, the peer reads end of stream")
    func shutdownBoth() throws {
        let listener = try StreamListener(bindingTo: .ipv6(.loopback, port: 0))
        let client = try StreamConnection(connectingTo: try listener.localAddress)
        let accepted = try listener.accept()
        let server = accepted.connection
        try client.shutdown(.both)
        var buffer = [UInt8](repeating: 0, count: 16)
        #expect(try server.receive(into: &buffer) == 0)
        let error = #expect(throws: SocketError.self) {
            _ = try Array("x".utf8).withUnsafeBytes { try client.send($0) }
        }
        #expect(error?.errno == .brokenPipe)
        let unconnected = try DatagramSocket(family: .ipv4)
        let notConnected = #expect(throws: SocketError.self) {
            try unconnected.withUnsafeDescriptor { try SocketCalls.shutdown($0, .both) }
        }
        #expect(notConnected?.errno == .notConnected)
        #expect(notConnected?.operation == .shutdown)
    }

    @Test("a reset is an error (.connectionReset), distinct from end of stream (0)")
    func resetIsNotEndOfStream() throws {
        let listener = try StreamListener(bindingTo: .ipv4(.loopback, port: 0))
        let client = try StreamConnection(connectingTo: try listener.localAddress)
        let accepted = try listener.accept()
        let server = accepted.connection
        try client.setOption(.linger, .reset)
        try client.close()  // linger 0: RST instead of FIN
        try server.setOption(.receiveTimeout, .seconds(5))
        var buffer = [UInt8](repeating: 0, count: 16)
        let error = #expect(throws: SocketError.self) { _ = try server.receive(into: &buffer) }
        #expect(error?.errno == .connectionReset)
        #expect(error?.operation == .receive)
    }

    @Test("tryReceive: nil while nothing is there, 0 at end of stream; tryAccept: nil with nobody waiting")
    func nonBlockingResults() throws {
        let listener = try StreamListener(bindingTo: .ipv4(.loopback, port: 0))
        #expect(try listener.tryAccept() == nil)  // a blocking listener: checked with poll first
        let client = try StreamConnection(connectingTo: try listener.localAddress)
        guard let waiting = try listener.tryAccept() else {
            Issue.record("tryAccept missed a waiting connection")
            return
        }
        #expect(waiting.peer == (try client.localAddress))
        try listener.setNonBlocking()
        #expect(try listener.tryAccept() == nil)
        try listener.setNonBlocking(false)
        try listener.setOption(.receiveTimeout, .milliseconds(50))
        let timedOut = #expect(throws: SocketError.self) { _ = try listener.accept() }
        #expect(timedOut?.isTimeout == true)
        #expect(timedOut?.operation == .accept)

        let pair = try StreamConnection.pair()
        var buffer = [UInt8](repeating: 0, count: 16)
        #expect(try buffer.withUnsafeMutableBytes { try pair.second.tryReceive(into: $0) } == nil)
        try pair.first.shutdown(.write)
        #expect(try buffer.withUnsafeMutableBytes { try pair.second.tryReceive(into: $0) } == 0)
    }
}
