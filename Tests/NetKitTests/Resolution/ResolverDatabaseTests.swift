import CNetKitShims
import Testing
@testable import NetKit

@Suite("Resolver: services and protocols")
struct ResolverDatabaseTests {
    @Test(.enabled(if: servicesDatabaseExists, "needs /etc/services (package netbase)"))
    func serviceByName() throws {
        let http = try #require(try Resolver.service(named: "http", protocol: "tcp"))
        #expect(http.name == "http")
        #expect(http.port == 80)
        #expect(http.protocolName == "tcp")
        // Aliases find the same entry.
        for alias in http.aliases {
            #expect(try Resolver.service(named: alias, protocol: "tcp") == http)
        }
        #expect(try Resolver.service(named: "domain", protocol: "udp")?.port == 53)
        #expect(try Resolver.service(named: "ssh")?.port == 22)
    }

    @Test(.enabled(if: servicesDatabaseExists, "needs /etc/services (package netbase)"))
    func serviceByPort() throws {
        let domain = try #require(try Resolver.service(port: 53, protocol: "udp"))
        #expect(domain.name == "domain")
        #expect(domain.port == 53)
        #expect(domain.protocolName == "udp")
        #expect(try Resolver.service(port: 80, protocol: "tcp")?.name == "http")
        // Byte order: 443 is 0x01BB; a swapped lookup would ask for 47873.
        #expect(try Resolver.service(port: 443, protocol: "tcp")?.name == "https")
    }

    @Test func unknownServicesAreNil() throws {
        #expect(try Resolver.service(named: "no-such-service", protocol: "tcp") == nil)
        #expect(try Resolver.service(named: "http", protocol: "no-such-protocol") == nil)
        #expect(try Resolver.service(port: 1, protocol: "no-such-protocol") == nil)
    }

    @Test(.enabled(if: protocolsDatabaseExists, "needs /etc/protocols (package netbase)"))
    func protocolByNameAndNumber() throws {
        let udp = try #require(try Resolver.protocolEntry(named: "udp"))
        #expect(udp.number == 17)
        #expect(udp.ipProtocol == .udp)
        let tcp = try #require(try Resolver.protocolEntry(number: 6))
        #expect(tcp.name == "tcp")
        #expect(tcp.ipProtocol == .tcp)
        #expect(tcp.aliases.contains("TCP"))
        #expect(try Resolver.protocolEntry(named: "TCP") == tcp)
    }

    @Test func unknownProtocolsAreNil() throws {
        #expect(try Resolver.protocolEntry(named: "no-such-protocol") == nil)
        #expect(try Resolver.protocolEntry(number: 254) == nil)  // reserved for experiments, never listed
        #expect(try Resolver.protocolEntry(number: -1) == nil)
    }

    @Test func nulBytesAreRefused() {
        #expect(throws: SocketError.self) { try Resolver.service(named: "ht\0tp") }
        #expect(throws: SocketError.self) { try Resolver.service(port: 80, protocol: "t\0cp") }
        #expect(throws: SocketError.self) { try Resolver.protocolEntry(named: "u\0dp") }
    }

    // MARK: - Buffer growth and errors

    #if DEBUG  // MockingDriver (the syscall mocking seam) exists in debug builds only
    @Test(.enabled(if: servicesDatabaseExists, "needs /etc/services (package netbase)"))
    func aTooSmallBufferGrowsUntilTheEntryFits() throws {
        let driver = MockingDriver()
        let entry = try MockingDriver.$current.withValue(driver) {
            try "http".withCString { name in
                try "tcp".withCString { proto in
                    try ResolverCalls.growingLookup(.getServiceEntry, entry: servent(), initialSize: 4) {
                        entry, buffer, length, result in
                        system_getservbyname_r(name, proto, entry, buffer, length, result)
                    } convert: {
                        ServiceEntry($0)
                    }
                }
            }
        }
        #expect(entry?.port == 80)
        // The real glibc call said ERANGE at least once before the entry fitted.
        #expect(driver.calls.count > 1)
        #expect(driver.calls.allSatisfy { $0 == "getservbyname_r" })
    }
    #endif

    #if DEBUG  // MockingDriver (the syscall mocking seam) exists in debug builds only
    @Test func rangeErrorsGrowTheBufferThenGiveUp() {
        let driver = MockingDriver()
        driver.failNext("getprotobynumber_r", with: Array(repeating: Errno(rawValue: ERANGE), count: 11))
        let error = MockingDriver.$current.withValue(driver) {
            #expect(throws: SocketError.self) { try Resolver.protocolEntry(number: 6) }
        }
        #expect(error?.operation == .getProtocolEntry)
        #expect(error?.errno == Errno(rawValue: ERANGE))
        // 1 KiB, 2 KiB, ... 1 MiB: eleven tries.
        #expect(driver.calls.count == 11)
    }
    #endif

    #if DEBUG  // MockingDriver (the syscall mocking seam) exists in debug builds only
    @Test(.enabled(if: protocolsDatabaseExists, "needs /etc/protocols (package netbase)"))
    func rangeAndInterruptAreRetried() throws {
        let driver = MockingDriver()
        driver.failNext("getprotobyname_r", with: [Errno(rawValue: ERANGE), .interrupted, Errno(rawValue: ERANGE)])
        let entry = try MockingDriver.$current.withValue(driver) { try Resolver.protocolEntry(named: "udp") }
        #expect(entry?.number == 17)
        #expect(driver.calls == Array(repeating: "getprotobyname_r", count: 4))
    }
    #endif

    #if DEBUG  // MockingDriver (the syscall mocking seam) exists in debug builds only
    @Test func otherErrorsAreThrown() {
        let driver = MockingDriver()
        driver.failNext("getservbyport_r", with: [.ioError])
        MockingDriver.$current.withValue(driver) {
            #expect(throws: SocketError(.getServiceEntry, errno: .ioError)) {
                try Resolver.service(port: 80, protocol: "tcp")
            }
        }
    }
    #endif
}
