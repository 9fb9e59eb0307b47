import CNetKitShims
import Testing
@testable import NetKit

@Suite("Resolver: getaddrinfo")
struct ResolverTests {
    @Test func localhostResolvesToLoopbackOnly() throws {
        let results = try Resolver.resolve(
            host: "localhost", service: "9999",
            hints: AddressInfoHints(socketType: .datagram))
        #expect(!results.isEmpty)
        for info in results {
            #expect(info.address.port == 9999)
            #expect(info.socketType == .datagram)
            #expect(info.protocol == .udp)
            switch info.address {
            case .ipv4(let address, _): #expect(address.isLoopback)
            case .ipv6(let address, _, _): #expect(address.isLoopback)
            case .unix: Issue.record("unexpected Unix address \(info.address)")
            }
        }
    }

    @Test(arguments: [
        ("127.0.0.1", SocketAddress.ipv4(.loopback, port: 80)),
        ("::1", SocketAddress.ipv6(.loopback, port: 80)),
        ("192.0.2.7", SocketAddress.ipv4(IPv4Address(192, 0, 2, 7), port: 80)),
    ])
    func numericHostResolvesToExactlyThatAddress(host: String, expected: SocketAddress) throws {
        let results = try Resolver.resolve(
            host: host, service: "80",
            hints: AddressInfoHints(socketType: .stream, flags: [.numericHost, .numericService]))
        #expect(results == [AddressInfo(address: expected, socketType: .stream, protocol: .tcp)])
    }

    @Test func familyHintFiltersResults() throws {
        let v4 = try Resolver.resolve(host: "127.0.0.1", service: "7", hints: AddressInfoHints(family: .ipv4))
        #expect(!v4.isEmpty)
        #expect(v4.allSatisfy { $0.family == .ipv4 })
        // Every socket type comes back when none is asked for.
        #expect(Set(v4.map(\.socketType)).isSuperset(of: [.stream, .datagram]))

        #expect(throws: SocketError(.getaddrinfo, .resolution(.familyNotSupported))) {
            try Resolver.resolve(host: "127.0.0.1", service: "7", hints: AddressInfoHints(family: .unix))
        }
        // An IPv4 literal cannot be an IPv6 result (glibc: EAI_ADDRFAMILY).
        let error = #expect(throws: SocketError.self) {
            try Resolver.resolve(
                host: "127.0.0.1", service: "7",
                hints: AddressInfoHints(family: .ipv6, flags: .numericHost))
        }
        #expect(error?.resolverError != nil)
        #if os(Linux)
        #expect(error?.resolverError?.name == "EAI_ADDRFAMILY")
        #endif
    }

    @Test(arguments: [
        (AddressFamily.ipv4, SocketAddress.ipv4(.any, port: 8080)),
        (AddressFamily.ipv6, SocketAddress.ipv6(.any, port: 8080)),
    ])
    func passiveWithoutHostGivesTheWildcard(family: AddressFamily, wildcard: SocketAddress) throws {
        let results = try Resolver.resolve(
            host: nil, service: "8080",
            hints: AddressInfoHints(family: family, socketType: .stream, flags: .passive))
        #expect(results.map(\.address) == [wildcard])
    }

    @Test func noHostWithoutPassiveGivesLoopback() throws {
        let results = try Resolver.resolve(
            host: nil, service: "8080",
            hints: AddressInfoHints(socketType: .stream))
        #expect(!results.isEmpty)
        #expect(results.allSatisfy { $0.address.ipAddress.map(isLoopback) == true })
    }

    @Test func canonicalNameIsOnTheFirstResultOnly() throws {
        let results = try Resolver.resolve(
            host: "localhost", service: nil,
            hints: AddressInfoHints(socketType: .stream, flags: .canonicalName))
        // "localhost", or "localhost.localdomain" where /etc/hosts lists that first.
        #expect(results.first?.canonicalName?.hasPrefix("localhost") == true)
        #expect(results.dropFirst().allSatisfy { $0.canonicalName == nil })
        #expect(results.first?.address.port == 0)
    }

    @Test(.enabled(if: servicesDatabaseExists, "needs /etc/services (package netbase)"))
    func serviceNamesResolveToTheirPort() throws {
        let results = try Resolver.resolve(
            host: "127.0.0.1", service: "http",
            hints: AddressInfoHints(socketType: .stream))
        #expect(results.map(\.address) == [.ipv4(.loopback, port: 80)])
    }

    // MARK: - Failures

    @Test func badNumericLiteralIsNoNameWithoutAskingDNS() {
        let error = #expect(throws: SocketError.self) {
            try Resolver.resolve(
                host: "not-an-address", service: "80",
                hints: AddressInfoHints(flags: .numericHost))
        }
        #expect(error?.operation == .getaddrinfo)
        #expect(error?.resolverError == .noName)
        #expect(error?.resolverError?.host == "not-an-address")
        #expect(
            error?.description
                == "getaddrinfo() failed: \(ResolverError.noName.message) (EAI_NONAME) for not-an-address:80")
    }

    // No test resolves an unknown *name*: that would send a DNS query to the
    // machine's configured nameserver, and tests send traffic to loopback only.
    // `badNumericLiteralIsNoNameWithoutAskingDNS` covers the EAI_NONAME path.

    @Test func unknownServiceIsAServiceError() {
        let error = #expect(throws: SocketError.self) {
            try Resolver.resolve(
                host: "127.0.0.1", service: "no-such-service",
                hints: AddressInfoHints(socketType: .stream))
        }
        #if os(Linux)
        #expect(error?.resolverError == .serviceNotSupported)
        #else
        #expect(error?.resolverError == .serviceNotSupported || error?.resolverError == .noName)
        #endif
        #expect(error?.resolverError?.query == "127.0.0.1:no-such-service")
    }

    @Test func serviceNameWithNumericServiceFlagIsNoName() {
        #expect(throws: SocketError(.getaddrinfo, .resolution(.noName))) {
            try Resolver.resolve(host: "127.0.0.1", service: "http", hints: AddressInfoHints(flags: .numericService))
        }
    }

    #if DEBUG  // MockingDriver (the syscall mocking seam) exists in debug builds only
    @Test func nulBytesAreRefusedBeforeCallingTheSystem() {
        let driver = MockingDriver()
        MockingDriver.$current.withValue(driver) {
            let error = #expect(throws: SocketError.self) {
                try Resolver.resolve(host: "local\0host", service: "80")
            }
            #expect(error?.operation == .getaddrinfo)
            if case .invalidArgument = error?.reason {
            } else {
                Issue.record("wrong reason \(String(describing: error))")
            }
            #expect(throws: SocketError.self) { try Resolver.resolve(host: nil, service: "8\00") }
        }
        #expect(driver.calls.isEmpty)
    }
    #endif

    #if DEBUG  // MockingDriver (the syscall mocking seam) exists in debug builds only
    @Test func systemErrorIsEAISystemWithErrno() {
        let driver = MockingDriver()
        driver.failNext("getaddrinfo", with: [.noMemory])
        let error = MockingDriver.$current.withValue(driver) {
            #expect(throws: SocketError.self) { try Resolver.resolve(host: "::1", service: "80") }
        }
        #expect(error?.resolverError == .system)
        #expect(error?.resolverError?.systemError == .noMemory)
        #expect(error?.description.contains(Errno.noMemory.message) == true)
        #expect(error?.description.hasSuffix("(EAI_SYSTEM) for [::1]:80") == true)
        // A failed call returns no list, so there is nothing to free.
        #expect(driver.calls == ["getaddrinfo"])
    }
    #endif

    #if DEBUG  // MockingDriver (the syscall mocking seam) exists in debug builds only
    @Test func interruptedCallIsRetried() throws {
        let driver = MockingDriver()
        driver.failNext("getaddrinfo", with: [.interrupted, .interrupted])
        let results = try MockingDriver.$current.withValue(driver) {
            try Resolver.resolve(host: "127.0.0.1", service: "80", hints: AddressInfoHints(socketType: .stream))
        }
        #expect(results.map(\.address) == [.ipv4(.loopback, port: 80)])
        #expect(driver.calls == ["getaddrinfo", "getaddrinfo", "getaddrinfo", "freeaddrinfo"])
    }
    #endif

    #if DEBUG  // MockingDriver (the syscall mocking seam) exists in debug builds only
    @Test func everyListIsFreedExactlyOnce() throws {
        let driver = MockingDriver()
        var successes = 0
        MockingDriver.$current.withValue(driver) {
            for round in 0..<2_000 {
                let host = round % 3 == 0 ? "not-an-address" : (round % 3 == 1 ? "127.0.0.1" : "::1")
                if round % 7 == 0 { driver.failNext("getaddrinfo", with: [.ioError]) }
                if let results = try? Resolver.resolve(
                    host: host, service: "\(round % 65_536)",
                    hints: AddressInfoHints(flags: .numericHost))
                {
                    successes += 1
                    #expect(!results.isEmpty)
                }
            }
        }
        let calls = driver.calls
        #expect(calls.count(where: { $0 == "getaddrinfo" }) == 2_000)
        #expect(calls.count(where: { $0 == "freeaddrinfo" }) == successes)
        // Each free follows its own successful call, never a failed one and never twice.
        for (index, call) in calls.enumerated() where call == "freeaddrinfo" {
            #expect(index > 0 && calls[index - 1] == "getaddrinfo")
        }
        #expect(successes > 1_000)
    }
    #endif

    @Test func resolverErrorsCompareByCodeOnly() {
        let detailed = ResolverError(code: EAI_NONAME, host: "a", service: "b")
        #expect(detailed == .noName)
        #expect(detailed.hashValue == ResolverError.noName.hashValue)
        #expect(detailed != .tryAgain)
        #expect(ResolverError.noName.description == "\(ResolverError.noName.message) (EAI_NONAME)")
        #expect(ResolverError(code: EAI_AGAIN, host: "x.example").query == "x.example")
        #expect(ResolverError(code: EAI_AGAIN, service: "80").query == ":80")
    }
}

/// Whether `/etc/services` exists; service tests need it (Debian/Ubuntu package `netbase`).
let servicesDatabaseExists = access("/etc/services", R_OK) == 0
/// Whether `/etc/protocols` exists (also from `netbase`).
let protocolsDatabaseExists = access("/etc/protocols", R_OK) == 0

func isLoopback(_ address: IPAddress) -> Bool {
    switch address {
    case .v4(let v4): v4.isLoopback
    case .v6(let v6): v6.isLoopback
    }
}
