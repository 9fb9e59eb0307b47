import CNetKitShims
import Testing
@testable import NetKit

@Suite("Resolver: getnameinfo")
struct ResolverNameInfoTests {
    @Test(arguments: [
        (SocketAddress.ipv4(.loopback, port: 80), "127.0.0.1", "80"),
        (SocketAddress.ipv6(.loopback, port: 80), "::1", "80"),
        (SocketAddress.ipv4(IPv4Address(192, 0, 2, 1), port: 65_535), "192.0.2.1", "65535"),
        (SocketAddress.ipv6(IPv6Address(0x2001, 0xdb8, 0, 0, 0, 0, 0, 1), port: 0), "2001:db8::1", "0"),
    ])
    func numericNamesAreTheAddressAndPort(address: SocketAddress, host: String, service: String) throws {
        let name = try Resolver.name(of: address, flags: [.numericHost, .numericService])
        #expect(name.host == host)
        #expect(name.service == service)
    }

    @Test func loopbackHasAName() throws {
        // /etc/hosts maps 127.0.0.1 to localhost on every system NetKit runs on.
        let name = try Resolver.name(of: .ipv4(.loopback, port: 9), flags: [.numericService, .nameRequired])
        #expect(!name.host.isEmpty)
        #expect(IPAddress(name.host) == nil, "a name, not \(name.host)")
        #expect(name.service == "9")
    }

    @Test(.enabled(if: servicesDatabaseExists, "needs /etc/services (package netbase)"))
    func portsAreNamedFromTheServicesDatabase() throws {
        let tcp = try Resolver.name(of: .ipv4(.loopback, port: 80), flags: .numericHost)
        #expect(tcp == (host: "127.0.0.1", service: "http"))
        let udp = try Resolver.name(of: .ipv6(.loopback, port: 53), flags: [.numericHost, .datagram])
        #expect(udp.service == "domain")
    }

    #if DEBUG  // MockingDriver (the syscall mocking seam) exists in debug builds only
    @Test func unixAddressesAreAFamilyError() {
        let address = SocketAddress.unix(UnixSocketPath(rawBytes: Array("/tmp/x".utf8), isAbstract: false))
        let driver = MockingDriver()
        let error = MockingDriver.$current.withValue(driver) {
            #expect(throws: SocketError.self) { try Resolver.name(of: address) }
        }
        #expect(driver.calls.isEmpty)
        #expect(error?.operation == .getnameinfo)
        #expect(error?.resolverError == .familyNotSupported)
        #expect(error?.address == address)
    }
    #endif

    #if DEBUG  // MockingDriver (the syscall mocking seam) exists in debug builds only
    @Test func systemErrorsCarryErrnoAndTheAddress() {
        let driver = MockingDriver()
        driver.failNext("getnameinfo", with: [.interrupted, .noMemory])
        let error = MockingDriver.$current.withValue(driver) {
            #expect(throws: SocketError.self) {
                try Resolver.name(of: .ipv4(.loopback, port: 80), flags: [.numericHost, .numericService])
            }
        }
        #expect(driver.calls == ["getnameinfo", "getnameinfo"])
        #expect(error?.resolverError == .system)
        #expect(error?.resolverError?.systemError == .noMemory)
        #expect(error?.description.hasPrefix("getnameinfo(127.0.0.1:80) failed: ") == true)
    }
    #endif
}
