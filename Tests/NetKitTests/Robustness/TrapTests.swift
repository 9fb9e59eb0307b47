import CNetKitShims
import Testing
@testable import NetKit

/// Inputs that used to trap (issue 12) and are now typed errors. Each test crashed
/// the test process, or passed silently with the wrong meaning, before its fix.
@Suite("Inputs that used to trap are typed errors")
struct TrapTests {
    // MARK: DatagramBatch

    @Test("a batch whose capacity × bufferSize overflows Int is an invalidArgument error")
    func batchSizeOverflow() {
        let error = #expect(throws: SocketError.self) { _ = try DatagramBatch(capacity: 1024, bufferSize: Int.max / 2) }
        #expect(error?.operation == .allocate)
        if case .invalidArgument(let text)? = error?.reason {
            #expect(text.contains("overflows"))
        } else {
            Issue.record("expected invalidArgument, got \(String(describing: error))")
        }
    }

    #if DEBUG  // the mocking seam exists in debug builds only
    @Test("a batch whose allocation fails is .noMemory, and nothing leaks")
    func batchAllocationFailure() {
        let driver = MockingDriver()
        driver.failNext("calloc", with: [.noMemory])
        let error = MockingDriver.$current.withValue(driver) {
            #expect(throws: SocketError.self) { _ = try DatagramBatch(capacity: 4, bufferSize: 64) }
        }
        #expect(error?.errno == .noMemory)
        #expect(driver.calls.filter { $0 == "calloc" }.count == 5)
    }
    #endif

    // MARK: Wait timeouts

    @Test("a poll timeout just above Int64.max milliseconds waits the longest poll can, without trapping")
    func pollTimeoutNearInt64Max() throws {
        // Int64.max / 1000 seconds is Int64.max - 807 ms; the part second then overflowed.
        let timeout = Duration.seconds(Int64.max / 1000) + .milliseconds(999)
        #expect(try timeoutMilliseconds(timeout, for: .poll) == CInt.max)
        #expect(try timeoutMilliseconds(.seconds(Int64.max), for: .poll) == CInt.max)
        // A ready socket returns at once even with that timeout.
        let pair = try DatagramSocket.pair()
        let a = pair.first, b = pair.second
        try a.send([1])
        var items = [PollItem(b, interest: .readable)]
        #expect(try poll(&items, timeout: timeout) == 1)
    }

    #if os(Linux)
    @Test("an epoll wait timeout just above Int64.max milliseconds does not trap")
    func epollTimeoutNearInt64Max() throws {
        let poller = try EventPoller()
        let pair = try DatagramSocket.pair()
        let a = pair.first, b = pair.second
        try poller.register(b, interest: .readable, token: 7)
        try a.send([1])
        var events = [EventPoller.Event](repeating: .init(), count: 4)
        #expect(try poller.wait(into: &events, timeout: .seconds(Int64.max / 1000) + .milliseconds(999)) == 1)
        #expect(events[0].token == 7)
    }
    #endif

    @Test("poll with no items waits out the timeout instead of trapping on a nil base address")
    func pollWithNoItems() throws {
        var items: [PollItem] = []
        #expect(try poll(&items, timeout: .zero) == 0)
        #expect(try poll(UnsafeMutableBufferPointer(start: nil, count: 0), timeout: .milliseconds(1)) == 0)
    }

    // MARK: Options

    @Test("Linger with Int64.max seconds plus a fraction is an invalidArgument error, not an overflow trap")
    func lingerOverflow() throws {
        let connection = try StreamConnection(
            unsafeAdopting: SocketCalls.open(family: .ipv4, type: CNK_SOCK_STREAM, protocol: 0))
        for timeout in [Duration.seconds(Int64.max) + .milliseconds(500), .seconds(Int64(CInt.max)) + .milliseconds(1)]
        {
            let error = #expect(throws: SocketError.self) {
                try connection.setOption(.linger, Linger(timeout: timeout))
            }
            #expect(error?.option == "SOL_SOCKET, SO_LINGER")
            if case .invalidArgument? = error?.reason {
            } else {
                Issue.record("expected invalidArgument, got \(String(describing: error))")
            }
        }
        // The largest that fits still works.
        try connection.setOption(.linger, Linger(timeout: .seconds(Int64(CInt.max))))
        #expect(try connection.option(.linger) == Linger(timeout: .seconds(Int64(CInt.max))))
    }

    @Test("a negative buffer size is refused instead of silently setting the maximum")
    func negativeBufferSize() throws {
        let socket = try DatagramSocket(family: .ipv4)
        let before = try socket.option(.receiveBufferSize)
        for option in [SocketOption<Int>.receiveBufferSize, .sendBufferSize] {
            let error = #expect(throws: SocketError.self) { try socket.setOption(option, -1) }
            if case .invalidArgument(let text)? = error?.reason {
                #expect(text.contains("negative"))
            } else {
                Issue.record("expected invalidArgument, got \(String(describing: error))")
            }
        }
        #expect(try socket.option(.receiveBufferSize) == before)
    }

    @Test("Duration.zero means \"don't wait\" everywhere: poll returns at once, a socket timeout of zero is refused")
    func zeroTimeoutHasOneMeaning() throws {
        let socket = try DatagramSocket(bindingTo: .ipv4(.loopback, port: 0))
        var items = [PollItem(socket, interest: .readable)]
        #expect(try poll(&items, timeout: .zero) == 0)
        for option in [SocketOption<Duration?>.receiveTimeout, .sendTimeout] {
            let error = #expect(throws: SocketError.self) { try socket.setOption(option, .zero) }
            if case .invalidArgument(let text)? = error?.reason {
                #expect(text.contains("nil"))
            } else {
                Issue.record("expected invalidArgument, got \(String(describing: error))")
            }
            #expect(try socket.option(option) == nil)
            try socket.setOption(option, .milliseconds(20))
            #expect(try socket.option(option) == .milliseconds(20))
            try socket.setOption(option, nil)
            #expect(try socket.option(option) == nil)
        }
    }

    // MARK: Connect and zone names

    @Test("a refused connect with a tiny timeout reports connectionRefused, not a timeout")
    func refusedConnectWithTinyTimeout() throws {
        // A port nobody listens on: bind one, note it, close it.
        let port = try #require(try StreamListener(bindingTo: .ipv4(.loopback, port: 0)).localAddress.port)
        for timeout in [Duration.nanoseconds(1), .zero] {
            let error = #expect(throws: SocketError.self) {
                _ = try StreamConnection(connectingTo: .ipv4(.loopback, port: port), timeout: timeout)
            }
            #expect(error?.errno == .connectionRefused, "timeout \(timeout): \(String(describing: error))")
        }
    }

    #if DEBUG  // the mocking seam exists in debug builds only
    @Test("a zone name that cannot be looked up for want of a descriptor is a clear error; a known one still parses")
    func zoneNameWithoutAFreeDescriptor() throws {
        let lo = try Resolver.interfaceIndex(named: "lo")  // looked up once: remembered
        let driver = MockingDriver()
        driver.failNext("if_nametoindex", with: [.tooManyOpenFiles, .tooManyOpenFiles])
        try MockingDriver.$current.withValue(driver) { () throws in
            #expect(try IPv6Address(parsing: "fe80::1%lo").scopeID == lo)
            let error = #expect(throws: AddressParseError.self) { try IPv6Address(parsing: "fe80::1%nk-never0") }
            #expect(error?.reason == .interfaceLookupFailed(.tooManyOpenFiles))
        }
        #expect(driver.calls.filter { $0 == "if_nametoindex" }.count == 2)
        // Without the forced failure an unknown name is still "unknown".
        let unknown = #expect(throws: AddressParseError.self) { try IPv6Address(parsing: "fe80::1%nk-never0") }
        #expect(unknown?.reason == .unknownInterface)
    }
    #endif
}
