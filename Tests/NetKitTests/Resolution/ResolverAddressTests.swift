import CNetKitShims
import Testing
@testable import NetKit

@Suite("Resolver: socket address shortcut and interfaces")
struct ResolverAddressTests {
    @Test(arguments: [
        ("127.0.0.1", [SocketAddress.ipv4(.loopback, port: 9999)]),
        ("::1", [SocketAddress.ipv6(.loopback, port: 9999)]),
    ])
    func numericHostsGiveExactlyOneAddress(host: String, expected: [SocketAddress]) async throws {
        #expect(try addressesBlocking(host: host) == expected)
        #expect(try await SocketAddress.addresses(host: host, port: 9999, type: .datagram) == expected)
    }

    @Test func localhostGivesLoopbackAddressesOnceEach() async throws {
        let addresses = try addressesBlocking(host: "localhost")
        #expect(!addresses.isEmpty)
        #expect(Set(addresses).count == addresses.count)
        #expect(addresses.allSatisfy { $0.port == 9999 && $0.ipAddress.map(isLoopback) == true })
        #expect(try await SocketAddress.addresses(host: "localhost", port: 9999, type: .datagram) == addresses)
    }

    @Test func familyRestrictsTheResults() throws {
        let v4 = try SocketAddress.addresses(host: "localhost", port: 7, family: .ipv4)
        #expect(v4 == [.ipv4(.loopback, port: 7)])
    }

    @Test func failuresAreTheResolversErrors() {
        let error = #expect(throws: SocketError.self) {
            try SocketAddress.addresses(host: "300.1.2.3.4", port: 1, family: .ipv4)
        }
        #expect(error?.operation == .getaddrinfo)
        #expect(error?.resolverError?.query == "300.1.2.3.4:1")
    }

    // MARK: - Interfaces

    @Test func loopbackInterfaceRoundTrips() throws {
        let index = try Resolver.interfaceIndex(named: "lo")
        #expect(index > 0)
        #expect(try Resolver.interfaceName(index: index) == "lo")
    }

    @Test func unknownInterfacesAreSystemErrors() {
        let byName = #expect(throws: SocketError.self) { try Resolver.interfaceIndex(named: "no-such-if0") }
        #expect(byName?.operation == .interfaceIndex)
        let byIndex = #expect(throws: SocketError.self) { try Resolver.interfaceName(index: 0) }
        #expect(byIndex?.operation == .interfaceIndex)
        #if os(Linux)
        #expect(byName?.errno == Errno(rawValue: ENODEV))
        #expect(byIndex?.errno == Errno(rawValue: ENXIO))
        #endif
    }

    #if DEBUG  // MockingDriver (the syscall mocking seam) exists in debug builds only
    @Test func interfaceErrorsComeFromErrno() {
        let driver = MockingDriver()
        driver.failNext("if_nametoindex", with: [.noMemory])
        driver.failNext("if_indextoname", with: [.ioError])
        MockingDriver.$current.withValue(driver) {
            #expect(throws: SocketError(.interfaceIndex, errno: .noMemory)) { try Resolver.interfaceIndex(named: "lo") }
            #expect(throws: SocketError(.interfaceIndex, errno: .ioError)) { try Resolver.interfaceName(index: 1) }
        }
    }
    #endif
}

/// The blocking shortcut, called from a synchronous context so overload resolution picks it.
func addressesBlocking(host: String) throws(SocketError) -> [SocketAddress] {
    try SocketAddress.addresses(host: host, port: 9999, type: .datagram)
}
