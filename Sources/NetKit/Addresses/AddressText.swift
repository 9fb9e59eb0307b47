import CNetKitShims

/// The address parsers and printers, over raw UTF-8 bytes.
///
/// Parsers accept exactly what glibc's `inet_pton` accepts (checked by the
/// differential tests and the fuzz target in `Fuzz/`) and report the first
/// problem with its byte offset. Nothing here allocates: parsers read a borrowed
/// buffer, printers write into a caller's stack buffer.
enum AddressText {
    // MARK: - Bytes

    static let colon = UInt8(ascii: ":")
    static let dot = UInt8(ascii: ".")
    static let percent = UInt8(ascii: "%")
    static let zero = UInt8(ascii: "0")

    /// The value of an ASCII hex digit, or `nil`.
    @inline(__always)
    static func hexValue(_ byte: UInt8) -> UInt32? {
        let decimal = byte &- zero
        if decimal < 10 { return UInt32(decimal) }
        let letter = (byte | 0x20) &- UInt8(ascii: "a")  // folds A-F onto a-f
        if letter < 6 { return UInt32(letter) &+ 10 }
        return nil
    }

    /// Whether `byte` is an ASCII decimal digit.
    @inline(__always)
    static func isDigit(_ byte: UInt8) -> Bool { byte &- zero < 10 }

    // MARK: - Parsing

    /// Parses a dotted quad (`192.0.2.1`) from `bytes[start..<end]`, exactly as `inet_pton(AF_INET)`:
    /// four decimal parts from 0 to 255, no leading zeros, nothing else.
    static func parseIPv4(
        _ bytes: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int
    ) throws(AddressParseFailure) -> UInt32 {
        guard start < end else { throw AddressParseFailure(.empty, at: start) }
        var index = start
        var value: UInt32 = 0
        var parts = 0
        while true {
            guard index < end else { throw AddressParseFailure(.unexpectedEnd, at: index) }
            let partStart = index
            var part: UInt32 = 0
            var digits = 0
            while index < end, isDigit(bytes[index]) {
                if digits > 0 && part == 0 { throw AddressParseFailure(.leadingZero, at: partStart) }
                part = part &* 10 &+ UInt32(bytes[index] &- zero)
                if part > 255 { throw AddressParseFailure(.partTooLarge, at: partStart) }
                digits &+= 1
                index &+= 1
            }
            guard digits > 0 else { throw AddressParseFailure(.unexpectedCharacter, at: index) }
            value = value << 8 | part
            parts &+= 1
            if index == end {
                guard parts == 4 else { throw AddressParseFailure(.tooFewParts, at: index) }
                return value
            }
            guard bytes[index] == dot else { throw AddressParseFailure(.unexpectedCharacter, at: index) }
            guard parts < 4 else { throw AddressParseFailure(.tooManyParts, at: index) }
            index &+= 1
        }
    }

    /// Parses IPv6 text without a zone from `bytes[start..<end]`, exactly as `inet_pton(AF_INET6)`:
    /// groups of 1 to 4 hex digits, at most one `::` standing for at least one zero
    /// group, and optionally a dotted quad as the last 32 bits.
    static func parseIPv6(
        _ bytes: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int
    ) throws(AddressParseFailure) -> (high: UInt64, low: UInt64) {
        guard start < end else { throw AddressParseFailure(.empty, at: start) }
        var bits: UInt128 = 0  // the groups seen so far, the last one lowest
        var groups = 0
        var groupsBeforeGap = -1  // where `::` stands, in groups; -1 when there is none
        var index = start
        if bytes[index] == colon {
            guard index &+ 1 < end, bytes[index &+ 1] == colon else {
                throw AddressParseFailure(.unexpectedCharacter, at: index)
            }
            groupsBeforeGap = 0
            index &+= 2
        }
        // At the top of the loop `index` is the start of a group (or of the second `:` of a `::`).
        while index < end {
            let groupStart = index
            var group: UInt32 = 0
            var digits = 0
            while index < end, let digit = hexValue(bytes[index]) {
                guard digits < 4 else { throw AddressParseFailure(.groupTooLong, at: groupStart) }
                group = group << 4 | digit
                digits &+= 1
                index &+= 1
            }
            if index < end && bytes[index] == dot {
                // A dotted quad: the rest of the text, and the last 32 bits.
                guard groups <= 6 else { throw AddressParseFailure(.tooManyGroups, at: groupStart) }
                let v4 = try parseIPv4(bytes, from: groupStart, to: end)
                bits = bits << 32 | UInt128(v4)
                groups &+= 2
                break
            }
            if digits == 0 {
                guard index < end else { throw AddressParseFailure(.unexpectedEnd, at: index) }
                guard bytes[index] == colon else { throw AddressParseFailure(.unexpectedCharacter, at: index) }
                guard groupsBeforeGap < 0 else { throw AddressParseFailure(.multipleDoubleColons, at: index &- 1) }
                groupsBeforeGap = groups
                index &+= 1
                continue
            }
            guard groups < 8 else { throw AddressParseFailure(.tooManyGroups, at: groupStart) }
            bits = bits << 16 | UInt128(group)
            groups &+= 1
            if index == end { break }
            guard bytes[index] == colon else { throw AddressParseFailure(.unexpectedCharacter, at: index) }
            index &+= 1
            guard index < end else { throw AddressParseFailure(.unexpectedEnd, at: index) }
        }
        if groupsBeforeGap >= 0 {
            // `::` must stand for at least one zero group.
            guard groups < 8 else { throw AddressParseFailure(.tooManyGroups, at: end) }
            let tailBits = (groups &- groupsBeforeGap) &* 16
            let tail = tailBits == 0 ? 0 : bits & (UInt128.max >> (128 &- tailBits))
            let head = tailBits == 128 ? 0 : bits >> tailBits
            let headShift = (8 &- groupsBeforeGap) &* 16
            bits = (headShift >= 128 ? 0 : head << headShift) | tail
        } else {
            guard groups == 8 else { throw AddressParseFailure(.tooFewGroups, at: end) }
        }
        return (UInt64(truncatingIfNeeded: bits >> 64), UInt64(truncatingIfNeeded: bits))
    }

    /// Parses IPv6 text with an optional zone (`fe80::1%eth0`, `fe80::1%2`) from `bytes[start..<end]`.
    ///
    /// A numeric zone is the scope ID; a name is looked up with `if_nametoindex(3)`.
    static func parseScopedIPv6(
        _ bytes: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int
    ) throws(AddressParseFailure) -> IPv6Address {
        var addressEnd = start
        while addressEnd < end && bytes[addressEnd] != percent { addressEnd &+= 1 }
        let (high, low) = try parseIPv6(bytes, from: start, to: addressEnd)
        guard addressEnd < end else { return IPv6Address(high: high, low: low) }
        let scope = try parseZone(bytes, from: addressEnd &+ 1, to: end)
        return IPv6Address(high: high, low: low, scopeID: scope)
    }

    /// Parses a zone: decimal digits are the scope ID itself, anything else an interface name.
    static func parseZone(
        _ bytes: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int
    ) throws(AddressParseFailure) -> UInt32 {
        guard start < end else { throw AddressParseFailure(.emptyZone, at: start) }
        var number: UInt64 = 0
        var index = start
        while index < end, isDigit(bytes[index]) {
            number = number &* 10 &+ UInt64(bytes[index] &- zero)
            guard number <= UInt64(UInt32.max) else { throw AddressParseFailure(.zoneOutOfRange, at: start) }
            index &+= 1
        }
        if index == end { return UInt32(number) }
        // A name: it fits IF_NAMESIZE with its NUL, holds no NUL, and names an interface.
        let length = end &- start
        guard length < ResolverCalls.interfaceNameSize,
            !UnsafeBufferPointer(rebasing: bytes[start..<end]).contains(0)
        else { throw AddressParseFailure(.unknownInterface, at: start) }
        // At most 15 bytes: a small String, so no heap allocation.
        let name = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self)
        do {
            return try Resolver.interfaceIndex(named: name)
        } catch let error where error.errno == .tooManyOpenFiles || error.errno == Errno(rawValue: ENFILE) {
            // glibc needs a descriptor to look a name up: say so, not "unknown".
            throw AddressParseFailure(.interfaceLookupFailed(error.errno ?? .tooManyOpenFiles), at: start)
        } catch {
            throw AddressParseFailure(.unknownInterface, at: start)
        }
    }

    /// Parses a port: 0 to 65535 in decimal, without leading zeros.
    static func parsePort(
        _ bytes: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int
    ) throws(AddressParseFailure) -> UInt16 {
        guard start < end else { throw AddressParseFailure(.missingPort, at: start) }
        guard end &- start == 1 || bytes[start] != zero else { throw AddressParseFailure(.invalidPort, at: start) }
        var value: UInt32 = 0
        for index in start..<end {
            guard isDigit(bytes[index]) else { throw AddressParseFailure(.invalidPort, at: index) }
            value = value &* 10 &+ UInt32(bytes[index] &- zero)
            guard value <= UInt32(UInt16.max) else { throw AddressParseFailure(.invalidPort, at: start) }
        }
        return UInt16(value)
    }

    /// Parses IPv4 or IPv6 text: IPv6 when it holds a `:`, IPv4 otherwise.
    static func parseIPAddress(
        _ bytes: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int
    ) throws(AddressParseFailure) -> IPAddress {
        var index = start
        while index < end && bytes[index] != colon { index &+= 1 }
        if index == end { return .v4(IPv4Address(try parseIPv4(bytes, from: start, to: end))) }
        return .v6(try parseScopedIPv6(bytes, from: start, to: end))
    }

    /// Parses `192.0.2.1:80`, `[2001:db8::1]:80`, `[fe80::1%eth0]:80`, a Unix path
    /// (starting with `/` or `.`) or a Linux abstract name (`@name`).
    static func parseSocketAddress(
        _ bytes: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int
    ) throws(AddressParseFailure) -> SocketAddress {
        guard start < end else { throw AddressParseFailure(.empty, at: start) }
        switch bytes[start] {
        case UInt8(ascii: "/"), UInt8(ascii: "."):
            return .unix(try unixPath(bytes, from: start, to: end, isAbstract: false))
        case UInt8(ascii: "@"):
            return .unix(try unixPath(bytes, from: start &+ 1, to: end, isAbstract: true))
        case UInt8(ascii: "["):
            var close = start &+ 1
            while close < end && bytes[close] != UInt8(ascii: "]") { close &+= 1 }
            guard close < end else { throw AddressParseFailure(.missingBracket, at: end) }
            let address = try parseScopedIPv6(bytes, from: start &+ 1, to: close)
            guard close &+ 1 < end else { throw AddressParseFailure(.missingPort, at: end) }
            guard bytes[close &+ 1] == colon else { throw AddressParseFailure(.unexpectedCharacter, at: close &+ 1) }
            return .ipv6(address, port: try parsePort(bytes, from: close &+ 2, to: end))
        default:
            var firstColon = start
            var sawDot = false
            while firstColon < end && bytes[firstColon] != colon {
                if bytes[firstColon] == dot { sawDot = true }
                firstColon &+= 1
            }
            guard firstColon < end else {
                _ = try parseIPv4(bytes, from: start, to: end)
                throw AddressParseFailure(.missingPort, at: end)
            }
            if !sawDot && UnsafeBufferPointer(rebasing: bytes[(firstColon &+ 1)..<end]).contains(colon) {
                throw AddressParseFailure(.missingBracket, at: start)
            }
            let address = try parseIPv4(bytes, from: start, to: firstColon)
            return .ipv4(IPv4Address(address), port: try parsePort(bytes, from: firstColon &+ 1, to: end))
        }
    }

    /// Checks a Unix path or abstract name against `sun_path` and copies it.
    static func unixPath(
        _ bytes: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int, isAbstract: Bool
    ) throws(AddressParseFailure) -> UnixSocketPath {
        let name = UnsafeBufferPointer(rebasing: bytes[start..<end])
        if let nul = name.firstIndex(of: 0) { throw AddressParseFailure(.unexpectedCharacter, at: start &+ nul) }
        guard name.count <= UnixSocketPath.maximumPathLength else {
            throw AddressParseFailure(.pathTooLong, at: start &+ UnixSocketPath.maximumPathLength)
        }
        return UnixSocketPath(copying: UnsafeRawBufferPointer(name), isAbstract: isAbstract)
    }

    // MARK: - Printing

    /// Room for any text `format` functions write: `[` + 8 groups (39) + `%` + a
    /// 15-byte interface name + `]:65535`, rounded up.
    static let bufferSize = 80

    /// Writes `text` into a stack buffer with `body` and makes a `String` of the bytes written.
    @inline(__always)
    static func string(_ body: (UnsafeMutablePointer<UInt8>) -> Int) -> String {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: bufferSize) { buffer in
            guard let base = buffer.baseAddress else { return "" }
            let count = body(base)
            return String(decoding: UnsafeBufferPointer(start: base, count: count), as: UTF8.self)
        }
    }

    /// Writes `value` in decimal at `out`; returns the number of bytes written.
    @inline(__always)
    static func writeDecimal(_ value: UInt32, to out: UnsafeMutablePointer<UInt8>) -> Int {
        var digits = 1
        var rest = value / 10
        while rest > 0 { digits &+= 1; rest /= 10 }
        var remaining = value
        for position in stride(from: digits &- 1, through: 0, by: -1) {
            out[position] = zero &+ UInt8(truncatingIfNeeded: remaining % 10)
            remaining /= 10
        }
        return digits
    }

    /// Writes `value` in lower-case hex without leading zeros; returns the number of bytes written.
    @inline(__always)
    static func writeHex(_ value: UInt16, to out: UnsafeMutablePointer<UInt8>) -> Int {
        let digits = value == 0 ? 1 : (19 &- value.leadingZeroBitCount) / 4
        for position in 0..<digits {
            let nibble = UInt8(truncatingIfNeeded: value >> UInt16((digits &- 1 &- position) &* 4)) & 0xF
            out[position] = nibble < 10 ? zero &+ nibble : UInt8(ascii: "a") &+ nibble &- 10
        }
        return digits
    }

    /// Writes the dotted quad; returns the number of bytes written (at most 15).
    static func writeIPv4(_ value: UInt32, to out: UnsafeMutablePointer<UInt8>) -> Int {
        var count = 0
        for shift in stride(from: 24, through: 0, by: -8) {
            if shift != 24 { out[count] = dot; count &+= 1 }
            count &+= writeDecimal(value >> UInt32(shift) & 0xFF, to: out + count)
        }
        return count
    }

    /// Writes the RFC 5952 form without zone; returns the number of bytes written (at most 39).
    static func writeIPv6(high: UInt64, low: UInt64, to out: UnsafeMutablePointer<UInt8>) -> Int {
        // IPv4-mapped (::ffff:0:0/96) in mixed notation, as RFC 5952 section 5 recommends.
        if high == 0 && low >> 32 == 0xFFFF {
            let prefix: StaticString = "::ffff:"
            prefix.withUTF8Buffer { text in
                for index in 0..<text.count { out[index] = text[index] }
            }
            return prefix.utf8CodeUnitCount
                &+ writeIPv4(UInt32(truncatingIfNeeded: low), to: out + prefix.utf8CodeUnitCount)
        }
        @inline(__always) func group(_ index: Int) -> UInt16 {
            let half = index < 4 ? high : low
            return UInt16(truncatingIfNeeded: half >> UInt64((3 &- index & 3) &* 16))
        }
        // The longest run of two or more zero groups; the first one on a tie.
        var bestStart = -1, bestLength = 1
        var runStart = -1
        for index in 0...8 {
            if index < 8 && group(index) == 0 {
                if runStart < 0 { runStart = index }
            } else if runStart >= 0 {
                if index &- runStart > bestLength { bestStart = runStart; bestLength = index &- runStart }
                runStart = -1
            }
        }
        var count = 0
        var index = 0
        while index < 8 {
            if index == bestStart {
                out[count] = colon; out[count &+ 1] = colon
                count &+= 2
                index &+= bestLength
                continue
            }
            if index > 0 && index != bestStart &+ bestLength { out[count] = colon; count &+= 1 }
            count &+= writeHex(group(index), to: out + count)
            index &+= 1
        }
        return count
    }

    /// Writes `%zone`: the interface name when `scopeID` names one (`if_indextoname(3)`),
    /// else the number. Returns the number of bytes written (at most 16).
    static func writeZone(_ scopeID: UInt32, to out: UnsafeMutablePointer<UInt8>) -> Int {
        out[0] = percent
        // No such interface (any more): length 0, and the number is printed.
        let length = (out + 1).withMemoryRebound(to: CChar.self, capacity: ResolverCalls.interfaceNameSize) { name in
            ResolverCalls.interfaceName(index: scopeID, into: name)
        }
        if length > 0 { return 1 &+ length }
        return 1 &+ writeDecimal(scopeID, to: out + 1)
    }

    /// Writes the RFC 5952 form with `%zone` when the scope is set; returns the bytes written (at most 56).
    static func writeIPv6(_ address: IPv6Address, to out: UnsafeMutablePointer<UInt8>) -> Int {
        let count = writeIPv6(high: address.high, low: address.low, to: out)
        guard address.scopeID != 0 else { return count }
        return count &+ writeZone(address.scopeID, to: out + count)
    }
    /// Writes `192.0.2.1:80` or `[2001:db8::1%eth0]:80`; returns the bytes written
    /// (at most 64). Unix addresses are not written here.
    static func writeIPSocketAddress(_ address: IPAddress, port: UInt16, to out: UnsafeMutablePointer<UInt8>) -> Int {
        var count: Int
        switch address {
        case .v4(let v4):
            count = writeIPv4(v4.value, to: out)
        case .v6(let v6):
            out[0] = UInt8(ascii: "[")
            count = 1 &+ writeIPv6(v6, to: out + 1)
            out[count] = UInt8(ascii: "]")
            count &+= 1
        }
        out[count] = colon
        count &+= 1
        return count &+ writeDecimal(UInt32(port), to: out + count)
    }
}

// MARK: - Borrowing a String's bytes

extension String {
    /// Lends the UTF-8 bytes to `body`: in place for native strings, through one
    /// contiguous copy otherwise.
    @inline(__always)
    func withAddressBytes<R>(_ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        if let result = utf8.withContiguousStorageIfAvailable(body) { return result }
        var copy = self
        return copy.withUTF8(body)
    }

    /// Runs a whole-text parser (one of `AddressText.parse…`) over the bytes.
    @inline(__always)
    func parseAddress<T>(
        _ parser: (UnsafeBufferPointer<UInt8>, Int, Int) throws(AddressParseFailure) -> T
    ) -> Result<T, AddressParseFailure> {
        withAddressBytes { bytes in
            Result { () throws(AddressParseFailure) in try parser(bytes, 0, bytes.count) }
        }
    }
}
