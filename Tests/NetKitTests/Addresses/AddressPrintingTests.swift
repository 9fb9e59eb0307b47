import CNetKitShims
import Testing
import NetKitTestSupport
@testable import NetKit

@Suite("Address printing: dotted quad and RFC 5952")
struct AddressPrintingTests {
    @Test(
        "RFC 5952 canonical text",
        arguments: [
            (IPv6Address.any, "::"),
            (.loopback, "::1"),
            (IPv6Address(1, 0, 0, 0, 0, 0, 0, 0), "1::"),
            (IPv6Address(0x2001, 0xDB8, 0, 0, 0, 0, 0, 1), "2001:db8::1"),
            // A single zero group is not compressed (RFC 5952 4.2.2).
            (IPv6Address(0x2001, 0xDB8, 0, 1, 1, 1, 1, 1), "2001:db8:0:1:1:1:1:1"),
            // The longest run wins; the first one on a tie (4.2.3).
            (IPv6Address(0x2001, 0, 0, 1, 0, 0, 0, 1), "2001:0:0:1::1"),
            (IPv6Address(0x2001, 0xDB8, 0, 0, 1, 0, 0, 1), "2001:db8::1:0:0:1"),
            (IPv6Address(1, 2, 3, 4, 5, 6, 7, 0), "1:2:3:4:5:6:7:0"),
            (IPv6Address(1, 2, 3, 4, 5, 6, 0, 0), "1:2:3:4:5:6::"),
            (IPv6Address(0, 0, 3, 4, 5, 6, 7, 8), "::3:4:5:6:7:8"),
            (IPv6Address(0, 2, 3, 4, 5, 6, 7, 8), "0:2:3:4:5:6:7:8"),
            // Lower case, no leading zeros (4.1, 4.3).
            (
                IPv6Address(0xABCD, 0x0EF0, 0x00A0, 0x000B, 0xFFFF, 0x1000, 0x0100, 0x0010),
                "abcd:ef0:a0:b:ffff:1000:100:10"
            ),
            // IPv4-mapped in mixed notation (5).
            (IPv6Address(ipv4Mapped: IPv4Address(192, 0, 2, 1)), "::ffff:192.0.2.1"),
            (IPv6Address(ipv4Mapped: .any), "::ffff:0.0.0.0"),
            // Other embedded-IPv4 forms are plain hex (glibc prints some of these differently, see below).
            (IPv6Address(high: 0, low: 0x0102_0304), "::102:304"),
            (IPv6Address(high: 0, low: 2), "::2"),
            (IPv6Address(0, 0, 0, 0, 0xFFFF, 0, 0x0102, 0x0304), "::ffff:0:102:304"),
            (IPv6Address(0x64, 0xFF9B, 0, 0, 0, 0, 0x0102, 0x0304), "64:ff9b::102:304"),
        ])
    func canonical(address: IPv6Address, text: String) {
        #expect(address.description == text)
        #expect(IPv6Address(text) == address)
    }

    @Test func ipv4IsDottedDecimal() {
        #expect(IPv4Address.any.description == "0.0.0.0")
        #expect(IPv4Address.loopback.description == "127.0.0.1")
        #expect(IPv4Address.broadcast.description == "255.255.255.255")
        #expect(IPv4Address(10, 0, 200, 9).description == "10.0.200.9")
        #expect(IPAddress.v4(.loopback).description == "127.0.0.1")
        #expect(IPAddress.v6(.loopback).description == "::1")
    }

    @Test func ipv4AgreesWithInetNtop() {
        var rng = SeededGenerator(seed: 11)
        for _ in 0..<5_000 {
            let address = AddressInputs.randomIPv4(using: &rng)
            #expect(address.description == referenceText(address))
            #expect(IPv4Address(address.description) == address)
        }
    }

    /// glibc's `inet_ntop` prints addresses whose first 96 bits are zero and whose
    /// seventh group is not in mixed notation (`::1.2.3.4`): the deprecated
    /// "IPv4-compatible" form. RFC 5952 keeps mixed notation for IPv4-mapped
    /// addresses only, so NetKit prints `::102:304`. (Both print `::2` and `::1`.)
    /// Everywhere else the two agree.
    @Test func ipv6AgreesWithInetNtopWhereRFC5952Does() {
        var rng = SeededGenerator(seed: 12)
        var differences = 0
        for round in 0..<10_000 {
            var address = AddressInputs.randomIPv6(using: &rng)
            if round % 10 == 0 { address.high = 0; address.low &= 0xFFFF_FFFF }  // the IPv4-compatible range
            let glibcDiffers = address.high == 0 && address.low >> 32 == 0 && address.low >> 16 != 0
            if glibcDiffers {
                differences += 1
                #expect(referenceText(address).contains("."), "glibc uses mixed notation for \(address)")
                #expect(!address.description.contains("."))
            } else {
                #expect(address.description == referenceText(address))
            }
        }
        #expect(differences > 500)
        #expect(referenceText(IPv6Address(high: 0, low: 2)) == "::2")
        #expect(referenceText(IPv6Address(high: 0, low: 0x0102_0304)) == "::1.2.3.4")
        #expect(IPv6Address(high: 0, low: 0x0102_0304).description == "::102:304")
    }

    @Test func printThenParseRoundTrips() {
        var rng = SeededGenerator(seed: 13)
        for _ in 0..<5_000 {
            var v6 = AddressInputs.randomIPv6(using: &rng)
            if Bool.random(using: &rng) { v6.scopeID = UInt32.random(in: 100_000...UInt32.max, using: &rng) }
            #expect(IPv6Address(v6.description) == v6, "\(v6)")
            #expect(IPAddress(IPAddress.v6(v6).description) == .v6(v6))
            let v4 = AddressInputs.randomIPv4(using: &rng)
            #expect(IPv4Address(v4.description) == v4)
            #expect(IPAddress(IPAddress.v4(v4).description) == .v4(v4))
        }
    }

    @Test func longestTextFitsTheBuffer() {
        let widest = IPv6Address(0xFFFF, 0xFFFF, 0xFFFF, 0xFFFF, 0xFFFF, 0xFFFF, 0xFFFF, 0xFFFF, scopeID: UInt32.max)
        #expect(widest.description == String(repeating: "ffff:", count: 7) + "ffff%4294967295")
        let mapped = IPv6Address(ipv4Mapped: .broadcast)
        #expect(mapped.description == "::ffff:255.255.255.255")
        #expect(SocketAddress.ipv6(widest, port: 65535).description == "[\(widest)]:65535")
    }

    // MARK: - Zones

    @Test func zonesPrintAsInterfaceNames() throws {
        let lo = try Resolver.interfaceIndex(named: "lo")
        let address = IPv6Address(0xFE80, 0, 0, 0, 0, 0, 0, 1, scopeID: lo)
        #expect(address.description == "fe80::1%lo")
        #expect(IPv6Address(address.description) == address)
    }

    #if DEBUG  // MockingDriver (the syscall mocking seam) exists in debug builds only
    @Test func unknownZonesPrintAsNumbers() {
        let address = IPv6Address(0xFE80, 0, 0, 0, 0, 0, 0, 1, scopeID: 4_000_000)
        #expect(address.description == "fe80::1%4000000")
        #expect(IPv6Address("fe80::1%4000000") == address)
        let driver = MockingDriver()
        driver.failNext("if_indextoname", with: [.noMemory])
        MockingDriver.$current.withValue(driver) {
            #expect(IPv6Address(high: 0, low: 1, scopeID: 1).description == "::1%1")
        }
    }
    #endif

    // MARK: - Order and constants

    @Test func orderIsNumeric() {
        #expect(IPv4Address(9, 0, 0, 0) < IPv4Address(10, 0, 0, 0))
        #expect(IPv4Address("9.255.255.255")! < IPv4Address("10.0.0.0")!)
        #expect(IPv6Address("::ffff")! < IPv6Address("::1:0")!)
        #expect(IPv6Address("fe80::1%1")! < IPv6Address("fe80::1%2")!)
        #expect(IPAddress("255.255.255.255")! < IPAddress("::")!)
        let sorted = ["10.0.0.1", "9.0.0.1", "::1", "::", "1.0.0.0"].compactMap(IPAddress.init).sorted()
        #expect(sorted.map(\.description) == ["1.0.0.0", "9.0.0.1", "10.0.0.1", "::", "::1"])
    }

    @Test func constants() {
        #expect(IPv4Address.loopback.description == "127.0.0.1")
        #expect(IPv4Address.any.description == "0.0.0.0")
        #expect(IPv6Address.loopback.description == "::1")
        #expect(IPv6Address.any.description == "::")
        #expect(IPAddress.loopback == .v4(.loopback))
        #expect(IPAddress.any == .v4(.any))
        #expect(IPv6Address(ipv4Mapped: .loopback).ipv4Mapped == .loopback)
    }

    @Test func losslessStringConvertibleRoundTrips() {
        func roundTrip<T: LosslessStringConvertible & Equatable>(_ value: T) -> Bool { T(value.description) == value }
        #expect(roundTrip(IPv4Address(192, 0, 2, 1)))
        #expect(roundTrip(IPv6Address(0x2001, 0xDB8, 0, 0, 0, 0, 0, 1)))
        #expect(roundTrip(IPAddress.v6(.loopback)))
        #expect(roundTrip(SocketAddress.ipv6(.loopback, port: 443)))
    }
}
