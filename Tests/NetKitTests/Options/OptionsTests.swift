import CNetKitShims
import Testing
@testable import NetKit

/// Which socket an option applies to: UDP or TCP, over IPv4 or IPv6.
enum OptionSocketKind: String, Sendable, CaseIterable, CustomTestStringConvertible {
    case udp4, udp6, tcp4, tcp6

    var family: AddressFamily { self == .udp4 || self == .tcp4 ? .ipv4 : .ipv6 }
    var isStream: Bool { self == .tcp4 || self == .tcp6 }
    var testDescription: String { rawValue }

    /// Runs `body` on a fresh, unconnected socket of this kind.
    func withSocket<R>(_ body: (CInt) throws -> R) throws -> R {
        if isStream {
            // An unconnected TCP socket: the options apply before connect or listen.
            let raw = try SocketCalls.open(family: family, type: SocketType.stream.rawValue, protocol: 0)
            let socket = StreamConnection(unsafeAdopting: raw)
            return try socket.withUnsafeDescriptor { try body($0) }
        }
        let socket = try DatagramSocket(family: family)
        return try socket.withUnsafeDescriptor { try body($0) }
    }

    static let ip: [OptionSocketKind] = [.udp4, .tcp4]
    static let ipv6: [OptionSocketKind] = [.udp6, .tcp6]
    static let tcp: [OptionSocketKind] = [.tcp4, .tcp6]
}

/// One round trip: set `value`, read it back, and compare as the option's semantics say.
struct OptionCase<Value: SocketOptionValue & Equatable>: Sendable, CustomTestStringConvertible {
    let name: String
    let option: SocketOption<Value>
    let values: [Value]
    let kinds: [OptionSocketKind]

    var testDescription: String { name }

    func run() throws {
        for kind in kinds {
            try kind.withSocket { fd in
                for value in values {
                    try option.set(fd, value)
                    let back = try option.get(fd)
                    #expect(back == value, "\(name) on \(kind): set \(value), read \(back)")
                }
            }
        }
    }
}

@Suite("Socket options: a round trip for every option")
struct OptionsTests {
    static let all = OptionSocketKind.allCases

    static let flags: [OptionCase<Bool>] = [
        OptionCase(name: "reuseAddress", option: .reuseAddress, values: [true, false], kinds: all),
        OptionCase(name: "reusePort", option: .reusePort, values: [true, false], kinds: all),
        OptionCase(name: "keepAlive", option: .keepAlive, values: [true, false], kinds: OptionSocketKind.tcp),
        OptionCase(name: "broadcast", option: .broadcast, values: [true, false], kinds: [.udp4, .udp6]),
        OptionCase(name: "ipv4MulticastLoop", option: .ipv4MulticastLoop, values: [false, true], kinds: [.udp4]),
        OptionCase(name: "ipv6Only", option: .ipv6Only, values: [true, false], kinds: OptionSocketKind.ipv6),
        OptionCase(name: "ipv6MulticastLoop", option: .ipv6MulticastLoop, values: [false, true], kinds: [.udp6]),
        OptionCase(name: "noDelay", option: .noDelay, values: [true, false], kinds: OptionSocketKind.tcp),
    ]

    static let integers: [OptionCase<Int>] = [
        OptionCase(name: "ipv4TimeToLive", option: .ipv4TimeToLive, values: [1, 42, 255], kinds: OptionSocketKind.ip),
        OptionCase(
            name: "ipv4TypeOfService", option: .ipv4TypeOfService, values: [0x20, 0x00], kinds: OptionSocketKind.ip),
        OptionCase(
            name: "ipv4MulticastTimeToLive", option: .ipv4MulticastTimeToLive, values: [0, 7, 255], kinds: [.udp4]),
        OptionCase(name: "ipv6HopLimit", option: .ipv6HopLimit, values: [1, 17, 255], kinds: OptionSocketKind.ipv6),
        OptionCase(name: "ipv6MulticastHopLimit", option: .ipv6MulticastHopLimit, values: [0, 5, 255], kinds: [.udp6]),
        OptionCase(
            name: "ipv6TrafficClass", option: .ipv6TrafficClass, values: [0x20, 0x00], kinds: OptionSocketKind.ipv6),
        OptionCase(name: "keepAliveIdle", option: .keepAliveIdle, values: [30, 7200], kinds: OptionSocketKind.tcp),
        OptionCase(
            name: "keepAliveInterval", option: .keepAliveInterval, values: [7, 75], kinds: OptionSocketKind.tcp),
        OptionCase(name: "keepAliveCount", option: .keepAliveCount, values: [4, 9], kinds: OptionSocketKind.tcp),
        OptionCase(
            name: "maximumSegmentSize", option: .maximumSegmentSize, values: [1000, 1200], kinds: OptionSocketKind.tcp),
    ]

    static let durations: [OptionCase<Duration?>] = [
        OptionCase(
            name: "receiveTimeout", option: .receiveTimeout, values: [.milliseconds(1500), .seconds(3), nil], kinds: all
        ),
        OptionCase(
            name: "sendTimeout", option: .sendTimeout, values: [.milliseconds(500), .seconds(2), nil], kinds: all),
    ]

    static let lingers: [OptionCase<Linger>] = [
        OptionCase(
            name: "linger", option: .linger,
            values: [Linger(timeout: .seconds(3)), .reset, .off], kinds: all)
    ]

    static let datagramFlags: [OptionCase<Bool>] = {
        var cases: [OptionCase<Bool>] = [
            OptionCase(
                name: "ipv4ReceivePacketInfo", option: .ipv4ReceivePacketInfo, values: [true, false], kinds: [.udp4]),
            OptionCase(
                name: "ipv6ReceivePacketInfo", option: .ipv6ReceivePacketInfo, values: [true, false], kinds: [.udp6]),
            OptionCase(
                name: "ipv4ReceiveTypeOfService", option: .ipv4ReceiveTypeOfService, values: [true, false],
                kinds: [.udp4]),
            OptionCase(
                name: "ipv6ReceiveTrafficClass", option: .ipv6ReceiveTrafficClass, values: [true, false], kinds: [.udp6]
            ),
        ]
        #if os(Linux)
        cases += [
            OptionCase(name: "ipv4ReceiveErrors", option: .ipv4ReceiveErrors, values: [true, false], kinds: [.udp4]),
            OptionCase(name: "ipv6ReceiveErrors", option: .ipv6ReceiveErrors, values: [true, false], kinds: [.udp6]),
            OptionCase(
                name: "receiveTimestamp", option: .receiveTimestamp, values: [true, false], kinds: [.udp4, .udp6]),
            OptionCase(
                name: "receiveDropCount", option: .receiveDropCount, values: [true, false], kinds: [.udp4, .udp6]),
            OptionCase(
                name: "udpReceiveOffload", option: .udpReceiveOffload, values: [true, false], kinds: [.udp4, .udp6]),
        ]
        #endif
        return cases
    }()

    #if os(Linux)
    static let datagramIntegers: [OptionCase<Int>] = [
        OptionCase(name: "udpSegment", option: .udpSegment, values: [1200, 0], kinds: [.udp4, .udp6])
    ]

    @Test("Int options of datagram sockets", arguments: datagramIntegers)
    func datagramIntOption(_ option: OptionCase<Int>) throws { try option.run() }
    #endif

    @Test("Bool options of datagram sockets (control messages, offload, error queue)", arguments: datagramFlags)
    func datagramBoolOption(_ option: OptionCase<Bool>) throws { try option.run() }

    @Test("Bool options", arguments: flags)
    func boolOption(_ option: OptionCase<Bool>) throws { try option.run() }

    @Test("Int options", arguments: integers)
    func intOption(_ option: OptionCase<Int>) throws { try option.run() }

    @Test("Duration options (timeouts)", arguments: durations)
    func durationOption(_ option: OptionCase<Duration?>) throws { try option.run() }

    @Test("Linger option", arguments: lingers)
    func lingerOption(_ option: OptionCase<Linger>) throws { try option.run() }

    @Test(
        "buffer sizes: what is set is at least what is read back (Linux doubles it)",
        arguments: OptionSocketKind.allCases)
    func bufferSizes(kind: OptionSocketKind) throws {
        try kind.withSocket { fd in
            for option in [SocketOption<Int>.receiveBufferSize, .sendBufferSize] {
                try option.set(fd, 65536)
                let back = try option.get(fd)
                #expect(back >= 65536 && back <= 2 * 65536, "\(option.name): read \(back)")
            }
        }
    }

    @Test("a linger of part of a second is rounded up to a whole second")
    func lingerRoundsUp() throws {
        let socket = try DatagramSocket(family: .ipv4)
        try socket.setOption(.linger, Linger(timeout: .milliseconds(1500)))
        #expect(try socket.option(.linger) == Linger(timeout: .seconds(2)))
        #expect(Linger.off.description == "off")
        #expect(Linger.reset.description == "reset")
    }

    @Test("read-only options are properties: socketType and pendingError")
    func readOnly() throws {
        let udp = try DatagramSocket(family: .ipv6)
        #expect(try udp.socketType == .datagram)
        #expect(try udp.pendingError == nil)
        let listener = try StreamListener(bindingTo: .ipv4(.loopback, port: 0))
        #expect(try listener.socketType == .stream)
        #expect(try listener.option(.acceptsConnections))
        let connection = try StreamConnection(connectingTo: try listener.localAddress)
        #expect(try connection.option(.acceptsConnections) == false)
    }

    // MARK: - Failures

    @Test("an IPv6 option on an IPv4 socket fails typed, naming setsockopt and the option")
    func wrongFamily() throws {
        let socket = try DatagramSocket(family: .ipv4)
        let error = #expect(throws: SocketError.self) { try socket.setOption(.ipv6HopLimit, 5) }
        #expect(error?.operation == .setSocketOption)
        #expect(error?.errno == .protocolNotAvailable)
        #expect(error?.option == "IPPROTO_IPV6, IPV6_UNICAST_HOPS")
        #expect(
            error?.description
                == "setsockopt(IPPROTO_IPV6, IPV6_UNICAST_HOPS) failed: Protocol not available (ENOPROTOOPT)")

        let read = #expect(throws: SocketError.self) { _ = try socket.option(.ipv6Only) }
        #expect(read?.operation == .getSocketOption)
        #expect(read?.description.hasPrefix("getsockopt(IPPROTO_IPV6, IPV6_V6ONLY) failed: ") == true)
    }

    @Test("a TCP option on a UDP socket fails typed")
    func wrongProtocol() throws {
        let socket = try DatagramSocket(family: .ipv6)
        let error = #expect(throws: SocketError.self) { try socket.setOption(.noDelay, true) }
        #expect(error?.errno == .protocolNotAvailable)
        #expect(error?.description.hasPrefix("setsockopt(IPPROTO_TCP, TCP_NODELAY) failed: ") == true)
    }

    @Test("values the kernel or NetKit refuse are typed errors")
    func refusedValues() throws {
        let socket = try DatagramSocket(family: .ipv4)
        let ttl = #expect(throws: SocketError.self) { try socket.setOption(.ipv4TimeToLive, 300) }
        #expect(ttl?.errno == .invalidArgument)
        #expect(ttl?.option == "IPPROTO_IP, IP_TTL")

        let huge = #expect(throws: SocketError.self) { try socket.setOption(.ipv4TimeToLive, Int(Int32.max) + 1) }
        #expect(huge?.errno == nil)
        #expect(huge?.description.contains("does not fit a C int") == true)

        let negative = #expect(throws: SocketError.self) { try socket.setOption(.receiveTimeout, .seconds(-1)) }
        #expect(
            negative?.description.hasPrefix(
                "setsockopt(SOL_SOCKET, SO_RCVTIMEO) failed: a timeout must not be negative") == true)

        let linger = #expect(throws: SocketError.self) { try socket.setOption(.linger, Linger(timeout: .seconds(-2))) }
        #expect(linger?.option == "SOL_SOCKET, SO_LINGER")
    }

    #if os(Linux)
    @Test("options of other levels are named too (UDP_SEGMENT on a TCP socket)")
    func udpLevelName() throws {
        try OptionSocketKind.tcp4.withSocket { fd in
            let error = #expect(throws: SocketError.self) { try SocketOption<Int>.udpSegment.set(fd, 1200) }
            #expect(error?.option == "IPPROTO_UDP, UDP_SEGMENT")
        }
    }
    #endif

    @Test("an option NetKit does not name is described by number")
    func unnamedOption() throws {
        let socket = try DatagramSocket(family: .ipv4)
        let error = #expect(throws: SocketError.self) {
            try socket.setOption(SocketOption<Int>(level: 9999, name: 12345), 1)
        }
        #expect(error?.option == "level 9999, option 12345")
    }

    #if DEBUG
    @Test("EINTR in setsockopt is retried; other errors keep the option name")
    func mockedFailures() throws {
        let socket = try DatagramSocket(family: .ipv4)
        let driver = MockingDriver()
        driver.failNext("setsockopt", with: [.interrupted, .noMemory])
        let error = #expect(throws: SocketError.self) {
            try MockingDriver.$current.withValue(driver) { try socket.setOption(.broadcast, true) }
        }
        #expect(error?.errno == .noMemory)
        #expect(error?.option == "SOL_SOCKET, SO_BROADCAST")
        #expect(driver.calls == ["setsockopt", "setsockopt"])
    }
    #endif

    @Test("read-only options are properties: isListening, socketType, pendingError")
    func readOnlyProperties() throws {
        let listener = try StreamListener(bindingTo: .ipv4(.loopback, port: 0))
        #expect(try listener.isListening)
        #expect(try listener.socketType == .stream)
        #expect(try listener.pendingError == nil)
        let client = try StreamConnection(connectingTo: listener.localAddress)
        #expect(try !client.isListening)
        let udp = try DatagramSocket(family: .ipv6)
        #expect(try !udp.isListening)
        #expect(try udp.socketType == .datagram)
    }

    @Test("each option carries its C names; a raw option prints numbers")
    func optionsNameThemselves() {
        #expect(SocketOption<Int>.receiveBufferSize.description == "SOL_SOCKET, SO_RCVBUF")
        #expect(SocketOption<Int>.ipv6HopLimit.description == "IPPROTO_IPV6, IPV6_UNICAST_HOPS")
        #expect(SocketOption<Bool>.ipv4MulticastLoop.description == "IPPROTO_IP, IP_MULTICAST_LOOP")
        #expect(SocketOption<Int>(level: 9999, name: 12345).description == "level 9999, option 12345")
        #expect(SocketOption<Bool>(level: SOL_SOCKET, name: SO_REUSEADDR) == .reuseAddress)
    }
}
