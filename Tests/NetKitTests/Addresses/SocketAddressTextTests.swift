import CNetKitShims
import Testing
import NetKitTestSupport
@testable import NetKit

@Suite("Socket address text: host:port, [v6]:port, Unix paths")
struct SocketAddressTextTests {
    @Test(
        "parses and prints",
        arguments: [
            ("1.2.3.4:80", SocketAddress.ipv4(IPv4Address(1, 2, 3, 4), port: 80)),
            ("0.0.0.0:0", .ipv4(.any, port: 0)),
            ("255.255.255.255:65535", .ipv4(.broadcast, port: 65535)),
            ("[::1]:80", .ipv6(.loopback, port: 80)),
            ("[::]:0", .ipv6(.any, port: 0)),
            ("[2001:db8::1]:443", .ipv6(IPv6Address(0x2001, 0xDB8, 0, 0, 0, 0, 0, 1), port: 443)),
            ("[::ffff:10.0.0.1]:53", .ipv6(IPv6Address(ipv4Mapped: IPv4Address(10, 0, 0, 1)), port: 53)),
            ("[fe80::1%4000000]:9", .ipv6(IPv6Address(0xFE80, 0, 0, 0, 0, 0, 0, 1, scopeID: 4_000_000), port: 9)),
        ])
    func ipAddresses(text: String, address: SocketAddress) throws {
        #expect(SocketAddress(text) == address)
        #expect(try SocketAddress(parsing: text) == address)
        #expect(address.description == text)
    }

    @Test func linkLocalWithInterfaceName() throws {
        let lo = try Resolver.interfaceIndex(named: "lo")
        let address = try SocketAddress(parsing: "[fe80::1%lo]:80")
        #expect(address == .ipv6(IPv6Address(0xFE80, 0, 0, 0, 0, 0, 0, 1, scopeID: lo), port: 80))
        #expect(address.description == "[fe80::1%lo]:80")
    }

    @Test func nonCanonicalTextPrintsCanonically() {
        #expect(SocketAddress("[2001:DB8:0:0:0:0:0:1]:80")?.description == "[2001:db8::1]:80")
        #expect(SocketAddress("[0:0:0:0:0:ffff:1.2.3.4]:1")?.description == "[::ffff:1.2.3.4]:1")
    }

    @Test(
        "errors",
        arguments: [
            ("", AddressParseError.Reason.empty, 0),
            ("1.2.3.4", .missingPort, 7), ("1.2.3.4:", .missingPort, 8), ("[::1]", .missingPort, 5),
            ("[::1]:", .missingPort, 6),
            ("1.2.3.4:65536", .invalidPort, 8), ("1.2.3.4:99999", .invalidPort, 8), ("1.2.3.4:080", .invalidPort, 8),
            ("1.2.3.4:-1", .invalidPort, 8), ("1.2.3.4:8a", .invalidPort, 9), ("1.2.3.4: 80", .invalidPort, 8),
            ("1.2.3.4:80 ", .invalidPort, 10), ("1.2.3.4:١", .invalidPort, 8),
            ("::1:80", .missingBracket, 0), ("[::1:80", .missingBracket, 7), ("2001:db8::1:80", .missingBracket, 0),
            ("[::1]80", .unexpectedCharacter, 5), ("[::1]:80:1", .invalidPort, 8), ("[1.2.3.4]:80", .tooFewGroups, 8),
            ("256.1.1.1:80", .partTooLarge, 0), ("1.2.3:80", .tooFewParts, 5), (" 1.2.3.4:80", .unexpectedCharacter, 0),
            ("[fe80::1%]:80", .emptyZone, 9), ("[fe80::1%no-such-if0]:80", .unknownInterface, 9),
            ("localhost:80", .unexpectedCharacter, 0),
        ])
    func errors(text: String, reason: AddressParseError.Reason, offset: Int) {
        let error = #expect(throws: AddressParseError.self) { try SocketAddress(parsing: text) }
        #expect(error == AddressParseError(input: text, kind: .socketAddress, reason: reason, offset: offset))
        #expect(SocketAddress(text) == nil)
    }

    @Test func portsCoverTheWholeRange() {
        for port in [0, 1, 9, 10, 99, 100, 999, 1000, 9999, 10000, 65534, 65535] as [UInt16] {
            let address = SocketAddress.ipv4(.loopback, port: port)
            #expect(address.description == "127.0.0.1:\(port)")
            #expect(SocketAddress(address.description) == address)
        }
    }

    // MARK: - Unix paths

    @Test func unixPaths() throws {
        let path = try SocketAddress(parsing: "/run/app.sock")
        #expect(path == .unix(try UnixSocketPath("/run/app.sock")))
        #expect(path.description == "/run/app.sock")
        #expect(SocketAddress("./app.sock") == .unix(try UnixSocketPath("./app.sock")))
        let abstract = try SocketAddress(parsing: "@netkit-test")
        #expect(abstract == .unix(try UnixSocketPath(abstractName: "netkit-test")))
        #expect(abstract.description == "@netkit-test")
    }

    @Test func unixPathsMustFitSunPath() throws {
        let limit = UnixSocketPath.maximumPathLength
        #if os(Linux)
        #expect(limit == 107)
        #endif
        let longest = "/" + String(repeating: "a", count: limit - 1)
        #expect(SocketAddress(longest) == .unix(try UnixSocketPath(longest)))
        let tooLong = longest + "a"
        let error = #expect(throws: AddressParseError.self) { try SocketAddress(parsing: tooLong) }
        #expect(error?.reason == .pathTooLong)
        #expect(error?.offset == limit)
        #expect(error?.description.contains("sun_path") == true)
        // The same limit as UnixSocketPath's own initialiser.
        #expect(throws: SocketError.self) { try UnixSocketPath(tooLong) }

        let longestName = "@" + String(repeating: "b", count: limit)
        #expect(SocketAddress(longestName) == .unix(try UnixSocketPath(abstractName: String(longestName.dropFirst()))))
        #expect(SocketAddress(longestName + "b") == nil)
    }

    @Test func unixPathsRejectNUL() {
        let error = #expect(throws: AddressParseError.self) { try SocketAddress(parsing: "/tmp/a\u{0}b") }
        #expect(error?.reason == .unexpectedCharacter)
        #expect(error?.offset == 6)
    }

    @Test func parsedUnixAddressesWorkWithRealSockets() throws {
        let name = "@netkit-text-\(UInt32.random(in: 0...UInt32.max))"
        let address = try SocketAddress(parsing: name)
        let server = try DatagramSocket(bindingTo: address)
        #expect(try server.localAddress == address)
        #expect(try server.localAddress.description == name)
    }

    // MARK: - Round trips, order, sockaddr

    @Test func randomAddressesRoundTripThroughTextAndSockaddr() {
        var rng = SeededGenerator(seed: 21)
        for _ in 0..<3_000 {
            let port = UInt16.random(in: 0...UInt16.max, using: &rng)
            var v6 = AddressInputs.randomIPv6(using: &rng)
            if Bool.random(using: &rng) { v6.scopeID = UInt32.random(in: 100_000...UInt32.max, using: &rng) }
            for address in [
                SocketAddress.ipv4(AddressInputs.randomIPv4(using: &rng), port: port), .ipv6(v6, port: port),
            ] {
                #expect(SocketAddress(address.description) == address, "\(address)")
                let (storage, length) = address.storage
                #expect(SocketAddress(storage: storage, length: length) == address)
            }
        }
    }

    @Test func order() throws {
        let texts = ["@b", "/b", "[::1]:2", "[::1]:1", "1.2.3.4:80", "1.2.3.4:8", "[::]:9", "/a", "0.0.0.0:1"]
        let sorted = texts.compactMap(SocketAddress.init).sorted().map(\.description)
        #expect(sorted == ["0.0.0.0:1", "1.2.3.4:8", "1.2.3.4:80", "[::]:9", "[::1]:1", "[::1]:2", "/a", "/b", "@b"])
        #expect(SocketAddress.ipv6(.loopback, port: 1, flowInfo: 1) > .ipv6(.loopback, port: 1))
    }
}
