import CNetKitShims
import Testing
import NetKitTestSupport
@testable import NetKit

// MARK: - The reference: glibc's inet_pton / inet_ntop, called directly

/// `inet_pton(AF_INET)`: the host-order value, or `nil` when glibc rejects the text.
func referenceIPv4(_ text: String) -> UInt32? {
    var address = in_addr()
    guard inet_pton(AF_INET, text, &address) == 1 else { return nil }
    return UInt32(bigEndian: address.s_addr)
}

/// `inet_pton(AF_INET6)`: the two host-order halves, or `nil` when glibc rejects the text.
func referenceIPv6(_ text: String) -> IPv6Address? {
    var address = in6_addr()
    guard inet_pton(AF_INET6, text, &address) == 1 else { return nil }
    return IPv6Address(address)
}

/// `inet_ntop(AF_INET6)`.
func referenceText(_ address: IPv6Address) -> String {
    var raw = address.in6Addr
    var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
    _ = inet_ntop(AF_INET6, &raw, &buffer, socklen_t(buffer.count))
    return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

/// `inet_ntop(AF_INET)`.
func referenceText(_ address: IPv4Address) -> String {
    var raw = address.inAddr
    var buffer = [CChar](repeating: 0, count: Int(INET_ADDRSTRLEN))
    _ = inet_ntop(AF_INET, &raw, &buffer, socklen_t(buffer.count))
    return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

/// NetKit's IPv6 parser without zone handling, so it can be compared with `inet_pton` byte for byte.
func netKitIPv6WithoutZone(_ text: String) -> IPv6Address? {
    text.withAddressBytes { bytes -> IPv6Address? in
        do throws(AddressParseFailure) {
            let (high, low) = try AddressText.parseIPv6(bytes, from: 0, to: bytes.count)
            return IPv6Address(high: high, low: low)
        } catch {
            return nil
        }
    }
}

/// Random text and mutations of valid addresses, for the differential tests.
enum AddressInputs {
    static let alphabet = Array("0123456789abcdefABCDEF:.%x ")
    static let ipv4Alphabet = Array("0123456789.")
    static let ipv6Alphabet = Array("0123456789abcdefABCDEF:.")

    static func randomText(from alphabet: [Character], maxLength: Int, using rng: inout SeededGenerator) -> String {
        let length = Int.random(in: 0...maxLength, using: &rng)
        return String((0..<length).map { _ in alphabet.randomElement(using: &rng)! })
    }

    /// An IPv6 address with many zero groups, so compression runs and ties come up often.
    static func randomIPv6(using rng: inout SeededGenerator) -> IPv6Address {
        var groups = [UInt16](repeating: 0, count: 8)
        for index in 0..<8 {
            switch Int.random(in: 0..<4, using: &rng) {
            case 0, 1: groups[index] = 0
            case 2: groups[index] = UInt16.random(in: 0...0xF, using: &rng)
            default: groups[index] = UInt16.random(in: 0...0xFFFF, using: &rng)
            }
        }
        if Int.random(in: 0..<10, using: &rng) == 0 { groups[0...4] = [0, 0, 0, 0, 0]; groups[5] = 0xFFFF }
        return IPv6Address(groups[0], groups[1], groups[2], groups[3], groups[4], groups[5], groups[6], groups[7])
    }

    static func randomIPv4(using rng: inout SeededGenerator) -> IPv4Address {
        switch Int.random(in: 0..<3, using: &rng) {
        case 0: IPv4Address(UInt32.random(in: 0...UInt32.max, using: &rng))
        default:
            IPv4Address(
                (0..<4).reduce(UInt32(0)) { value, _ in
                    value << 8 | [0, 1, 9, 10, 99, 100, 199, 200, 249, 250, 255].randomElement(using: &rng)!
                })
        }
    }

    /// Valid IPv6 text in many spellings: canonical, full, upper case, leading zeros, mixed with a dotted quad.
    static func validIPv6Text(using rng: inout SeededGenerator) -> String {
        let address = randomIPv6(using: &rng)
        let groups = (0..<8).map { address.group($0) }
        switch Int.random(in: 0..<5, using: &rng) {
        case 0: return address.description
        case 1: return groups.map { String($0, radix: 16) }.joined(separator: ":")
        case 2: return groups.map { hex4($0) }.joined(separator: ":").uppercased()
        case 3:
            let v4 = IPv4Address(UInt32(address.low & 0xFFFF_FFFF))
            return groups[0..<6].map { String($0, radix: 16) }.joined(separator: ":") + ":" + v4.description
        default:
            let text = address.description
            return Bool.random(using: &rng) ? text.uppercased() : text
        }
    }

    static func hex4(_ value: UInt16) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 4 - digits.count) + digits
    }

    /// Groups, gaps and dotted quads put together at random: valid and nearly valid text.
    static func structuredIPv6Text(using rng: inout SeededGenerator) -> String {
        var parts: [String] = []
        let count = Int.random(in: 0...10, using: &rng)
        for _ in 0..<count {
            let digits = Int.random(in: 0...5, using: &rng)
            parts.append(String((0..<digits).map { _ in Array("0123456789abcdefABCDEF").randomElement(using: &rng)! }))
        }
        if !parts.isEmpty && Int.random(in: 0..<3, using: &rng) == 0 {
            let quad = (0..<Int.random(in: 3...5, using: &rng)).map { _ in
                String([0, 1, 7, 10, 255, 256, 0o1].randomElement(using: &rng)!)
            }.joined(separator: ".")
            parts[Int.random(in: 0..<parts.count, using: &rng)] = quad
        }
        var text = parts.joined(separator: ":")
        for _ in 0..<Int.random(in: 0...2, using: &rng) {
            let offsets = Array(text.indices) + [text.endIndex]
            text.insert(contentsOf: "::", at: offsets.randomElement(using: &rng)!)
        }
        return text
    }

    /// One to three random edits: insert, delete, replace, duplicate.
    static func mutate(_ text: String, using rng: inout SeededGenerator) -> String {
        var bytes = Array(text)
        for _ in 0..<Int.random(in: 1...3, using: &rng) {
            let position = Int.random(in: 0...bytes.count, using: &rng)
            switch Int.random(in: 0..<4, using: &rng) {
            case 0: bytes.insert(alphabet.randomElement(using: &rng)!, at: position)
            case 1 where position < bytes.count: bytes.remove(at: position)
            case 2 where position < bytes.count: bytes[position] = alphabet.randomElement(using: &rng)!
            default:
                let end = min(bytes.count, position + Int.random(in: 1...4, using: &rng))
                bytes.insert(contentsOf: bytes[position..<end], at: position)
            }
        }
        return String(bytes)
    }
}

// MARK: - Tests

@Suite("Address parsing agrees with inet_pton")
struct AddressParsingTests {
    static let edgeCases: [String] = [
        "", " ", "0.0.0.0", "255.255.255.255", "1.2.3.4", "01.2.3.4", "1.02.3.4", "1.2.3.00", "00.0.0.0",
        "0.0.0.01", "1.2.3", "1.2.3.4.5", "256.1.1.1", "1.1.1.256", "1000.1.1.1", "1.2.3.", ".1.2.3.4", "1..2.3",
        "1.2.3.4 ", " 1.2.3.4", "1.2.3.4\n", "1.2.3.-4", "+1.2.3.4", "0x1.2.3.4", "1.2.3.4%lo", "127.1",
        "::", "::1", "1::", "::ffff:1.2.3.4", "::FFFF:1.2.3.4", "1:2:3:4:5:6:7::", "::2:3:4:5:6:7:8",
        "1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7:8::", "::1:2:3:4:5:6:7:8", "1:2:3:4::5:6:7:8",
        ":::", "::::", "1:::2", "1::2::3", ":1::", "::1:", "1:", ":", "1", "12345::", "01234::", "0000::",
        "fffff::", "g::", "1.2.3.4::", "1.2.3.4:1::", "::1.2.3.4:1", "1:2:3:4:5:6:1.2.3.4",
        "1:2:3:4:5:6:7:1.2.3.4", "1:2:3:4:5::1.2.3.4", "1:2:3:4:5:6::1.2.3.4", "::1.2.3", "::1.2.3.4.5",
        "::01.2.3.4", "::256.2.3.4", "::1a.2.3.4", "::1.2.3.4x", "::ffff:1.2.3.4%", "1.2.3.4::ffff",
        "::.", "::1.", "2001:db8::1", "2001:DB8::1", "2001:0db8:0000:0000:0000:0000:0000:0001",
        "fe80::1%lo", "::1 ", " ::1", "::1\t", ":: 1",
        // Non-ASCII digits: Arabic-Indic, fullwidth, and a superscript.
        "١٢٧.٠.٠.١", "１２７.０.０.１", "1.2.3.²", "::١", "::１", "２００１:db8::1",
    ]

    @Test("hand-picked edge cases", arguments: edgeCases)
    func edgeCase(text: String) {
        #expect(IPv4Address(text).map(\.value) == referenceIPv4(text))
        #expect(netKitIPv6WithoutZone(text) == referenceIPv6(text))
        if !text.contains("%") {
            #expect(IPv6Address(text) == referenceIPv6(text))
        }
    }

    @Test func knownValues() throws {
        #expect(IPv4Address("1.2.3.4") == IPv4Address(1, 2, 3, 4))
        #expect(IPv4Address("255.255.255.255") == .broadcast)
        #expect(IPv6Address("::") == .any)
        #expect(IPv6Address("::1") == .loopback)
        #expect(IPv6Address("1::") == IPv6Address(1, 0, 0, 0, 0, 0, 0, 0))
        #expect(IPv6Address("1:2:3:4:5:6:7::") == IPv6Address(1, 2, 3, 4, 5, 6, 7, 0))
        #expect(IPv6Address("::2:3:4:5:6:7:8") == IPv6Address(0, 2, 3, 4, 5, 6, 7, 8))
        #expect(IPv6Address("::ffff:1.2.3.4") == IPv6Address(ipv4Mapped: IPv4Address(1, 2, 3, 4)))
        #expect(IPv6Address("2001:DB8::a:B") == IPv6Address(0x2001, 0xDB8, 0, 0, 0, 0, 0xA, 0xB))
        #expect(try IPAddress(parsing: "1.2.3.4") == .v4(IPv4Address(1, 2, 3, 4)))
        #expect(try IPAddress(parsing: "::1") == .v6(.loopback))
        #expect(IPAddress("1.2.3.4.5") == nil)
    }

    @Test(
        "random text from a small alphabet",
        arguments: [
            (String(AddressInputs.alphabet), UInt64(1)), (String(AddressInputs.ipv4Alphabet), UInt64(2)),
            (String(AddressInputs.ipv6Alphabet), UInt64(3)),
        ])
    func randomText(alphabetText: String, seed: UInt64) {
        let alphabet = Array(alphabetText)
        var rng = SeededGenerator(seed: seed)
        var accepted = 0
        for _ in 0..<8_000 {
            let text = AddressInputs.randomText(
                from: alphabet, maxLength: Int.random(in: 1...40, using: &rng), using: &rng)
            let v4 = referenceIPv4(text), v6 = referenceIPv6(text)
            #expect(IPv4Address(text).map(\.value) == v4, "\(text.debugDescription)")
            #expect(netKitIPv6WithoutZone(text) == v6, "\(text.debugDescription)")
            if v4 != nil || v6 != nil { accepted += 1 }
        }
        #expect(accepted >= 0)
    }

    @Test func structuredIPv6Text() {
        var rng = SeededGenerator(seed: 4)
        var accepted = 0
        for _ in 0..<10_000 {
            let text = AddressInputs.structuredIPv6Text(using: &rng)
            let expected = referenceIPv6(text)
            #expect(netKitIPv6WithoutZone(text) == expected, "\(text.debugDescription)")
            #expect(IPv6Address(text) == expected, "\(text.debugDescription)")
            if expected != nil { accepted += 1 }
        }
        #expect(accepted > 500, "the generator should make plenty of valid text")
    }

    @Test func mutationsOfValidAddresses() {
        var rng = SeededGenerator(seed: 5)
        var accepted = (v4: 0, v6: 0)
        for _ in 0..<10_000 {
            let v4Text = AddressInputs.mutate(AddressInputs.randomIPv4(using: &rng).description, using: &rng)
            let v6Text = AddressInputs.mutate(AddressInputs.validIPv6Text(using: &rng), using: &rng)
            for text in [v4Text, v6Text] {
                let v4 = referenceIPv4(text), v6 = referenceIPv6(text)
                #expect(IPv4Address(text).map(\.value) == v4, "\(text.debugDescription)")
                #expect(netKitIPv6WithoutZone(text) == v6, "\(text.debugDescription)")
                if v4 != nil { accepted.v4 += 1 }
                if v6 != nil { accepted.v6 += 1 }
            }
        }
        #expect(accepted.v4 > 100 && accepted.v6 > 100, "mutations should keep some text valid")
    }

    @Test func validSpellingsParseToTheSameAddress() {
        var rng = SeededGenerator(seed: 6)
        for _ in 0..<5_000 {
            let text = AddressInputs.validIPv6Text(using: &rng)
            #expect(IPv6Address(text) != nil, "\(text)")
            #expect(IPv6Address(text) == referenceIPv6(text), "\(text)")
        }
    }

    // MARK: - Errors: reason and position

    @Test(
        "IPv4 errors",
        arguments: [
            ("", AddressParseError.Reason.empty, 0), ("1.2.3", .tooFewParts, 5), ("1.2.3.4.5", .tooManyParts, 7),
            ("256.1.1.1", .partTooLarge, 0), ("1.2.3.1000", .partTooLarge, 6), ("01.2.3.4", .leadingZero, 0),
            ("1.2.3.", .unexpectedEnd, 6), ("1..2.3", .unexpectedCharacter, 2), (" 1.2.3.4", .unexpectedCharacter, 0),
            ("1.2.3.4 ", .unexpectedCharacter, 7), ("١.2.3.4", .unexpectedCharacter, 0),
            ("1.2.3.4%lo", .unexpectedCharacter, 7),
        ])
    func ipv4Errors(text: String, reason: AddressParseError.Reason, offset: Int) {
        let error = #expect(throws: AddressParseError.self) { try IPv4Address(parsing: text) }
        #expect(error == AddressParseError(input: text, kind: .ipv4, reason: reason, offset: offset))
    }

    @Test(
        "IPv6 errors",
        arguments: [
            ("", AddressParseError.Reason.empty, 0), (":::", .multipleDoubleColons, 1),
            ("1::2::3", .multipleDoubleColons, 4),
            ("1:2:3:4:5:6:7:8:9", .tooManyGroups, 16), ("1:2:3:4:5:6:7:8::", .tooManyGroups, 17),
            ("1:2:3:4:5:6:7", .tooFewGroups, 13), ("12345::", .groupTooLong, 0), ("1:", .unexpectedEnd, 2),
            (":1::", .unexpectedCharacter, 0), ("1.2.3.4::", .unexpectedCharacter, 7), ("::1.2.3", .tooFewParts, 7),
            ("1:2:3:4:5:6:7:1.2.3.4", .tooManyGroups, 14), ("::1 ", .unexpectedCharacter, 3),
            ("g::", .unexpectedCharacter, 0),
            ("::01.2.3.4", .leadingZero, 2), ("fe80::1%", .emptyZone, 8), ("fe80::1%4294967296", .zoneOutOfRange, 8),
            ("fe80::1%no-such-if0", .unknownInterface, 8), ("fe80::1%a-name-far-too-long", .unknownInterface, 8),
        ])
    func ipv6Errors(text: String, reason: AddressParseError.Reason, offset: Int) {
        let error = #expect(throws: AddressParseError.self) { try IPv6Address(parsing: text) }
        #expect(error == AddressParseError(input: text, kind: .ipv6, reason: reason, offset: offset))
        #expect(IPv6Address(text) == nil)
    }

    @Test func errorDescriptionNamesInputReasonAndPosition() {
        let error = AddressParseError(input: "1::2::3", kind: .ipv6, reason: .multipleDoubleColons, offset: 4)
        #expect(error.description == #"invalid IPv6 address "1::2::3": a second "::" at byte 4"#)
        let v4 = AddressParseError(input: "1.2.3", kind: .ipv4, reason: .tooFewParts, offset: 5)
        #expect(v4.description == #"invalid IPv4 address "1.2.3": too few parts (need 4) at byte 5"#)
    }

    @Test func errorOffsetsCountUTF8Bytes() {
        let zone = #expect(throws: AddressParseError.self) { try IPAddress(parsing: "::1%é x") }
        #expect(zone == AddressParseError(input: "::1%é x", kind: .ipAddress, reason: .unknownInterface, offset: 4))
        // "é" is two UTF-8 bytes: the NUL after it is byte 3, not character 2.
        let path = #expect(throws: AddressParseError.self) { try SocketAddress(parsing: "/é\u{0}") }
        #expect(path?.offset == 3)
    }

    // MARK: - Zones

    @Test func numericZonesAreScopeIDs() {
        #expect(IPv6Address("fe80::1%2")?.scopeID == 2)
        #expect(IPv6Address("fe80::1%0")?.scopeID == 0)
        #expect(IPv6Address("fe80::1%4294967295")?.scopeID == UInt32.max)
        #expect(IPv6Address("fe80::1%2") == IPv6Address(0xFE80, 0, 0, 0, 0, 0, 0, 1, scopeID: 2))
    }

    @Test func namedZonesAreInterfaceIndexes() throws {
        let lo = try Resolver.interfaceIndex(named: "lo")
        #expect(IPv6Address("fe80::1%lo")?.scopeID == lo)
        #expect(try IPv6Address(parsing: "::1%lo") == IPv6Address(high: 0, low: 1, scopeID: lo))
        #expect(IPv6Address("fe80::1%lo0") == nil)
        #expect(IPv6Address("fe80::1%lo%lo") == nil)
    }

    #if DEBUG  // MockingDriver (the syscall mocking seam) exists in debug builds only
    @Test func zoneLookupFailuresAreParseErrors() {
        let driver = MockingDriver()
        driver.failNext("if_nametoindex", with: [.noMemory])
        MockingDriver.$current.withValue(driver) {
            let error = #expect(throws: AddressParseError.self) { try IPv6Address(parsing: "fe80::1%lo") }
            #expect(error?.reason == .unknownInterface)
        }
        #expect(driver.calls == ["if_nametoindex"])
    }
    #endif

    #if DEBUG  // MockingDriver (the syscall mocking seam) exists in debug builds only
    @Test func numericZonesAndIPv4NeverCallTheSystem() {
        let driver = MockingDriver()
        MockingDriver.$current.withValue(driver) {
            _ = IPv6Address("fe80::1%7")
            _ = IPv4Address("1.2.3.4")
            _ = IPv6Address("1::2::")
        }
        #expect(driver.calls.isEmpty)
    }
    #endif

    @Test func zonesOnlyBelongToIPv6() {
        #expect(IPv4Address("1.2.3.4%2") == nil)
        #expect(IPAddress("1.2.3.4%2") == nil)
        #expect(IPv6Address("::ffff:1.2.3.4%2")?.scopeID == 2)
    }

    @Test func substringsAndBridgedTextParse() {
        let line = "address=10.0.0.1;"
        let slice = line.split(separator: "=")[1].dropLast()
        #expect(IPv4Address(String(slice)) == IPv4Address(10, 0, 0, 1))
        let long = String(repeating: "0:", count: 7) + "1"  // a heap-allocated native string
        #expect(IPv6Address(long) == .loopback)
    }
}
