// libFuzzer target for NetKit's address parsers and printers.
//
// Compiled by Fuzz/build.sh into one module together with the NetKit sources
// (so it can reach the internal byte-level parsers) and the C shim. Every input
// is checked against glibc:
//   - IPv4: NetKit's parser accepts exactly what inet_pton(AF_INET) accepts, with the same value;
//   - IPv6: the same against inet_pton(AF_INET6) (the zone-free parser);
//   - the String API agrees with the byte parser for valid UTF-8;
//   - whatever parses prints canonically and parses back to the same value, and the
//     text agrees with inet_ntop except the documented IPv4-compatible difference;
//   - SocketAddress text that parses prints and parses back to the same address.
// A disagreement prints the input and aborts, which libFuzzer records as a crash.
import CNetKitShims

@inline(never)
func fail(_ message: String, _ bytes: UnsafeBufferPointer<UInt8>) -> Never {
    fatalError("MISMATCH: \(message) for input \(Array(bytes)) \(String(decoding: bytes, as: UTF8.self).debugDescription)")
}

func referenceIPv4(_ cString: UnsafePointer<CChar>) -> UInt32? {
    var address = in_addr()
    guard inet_pton(AF_INET, cString, &address) == 1 else { return nil }
    return UInt32(bigEndian: address.s_addr)
}

func referenceIPv6(_ cString: UnsafePointer<CChar>) -> IPv6Address? {
    var address = in6_addr()
    guard inet_pton(AF_INET6, cString, &address) == 1 else { return nil }
    return IPv6Address(address)
}

func referenceText(_ address: IPv6Address) -> String {
    var raw = address.in6Addr
    return withUnsafeTemporaryAllocation(of: CChar.self, capacity: 64) { buffer in
        guard inet_ntop(AF_INET6, &raw, buffer.baseAddress!, 64) != nil else { return "" }
        return String(cString: buffer.baseAddress!)
    }
}

func check(_ bytes: UnsafeBufferPointer<UInt8>) {
    let count = bytes.count
    let ours4: UInt32?
    do throws(AddressParseFailure) { ours4 = try AddressText.parseIPv4(bytes, from: 0, to: count) } catch { ours4 = nil }
    let ours6: IPv6Address?
    do throws(AddressParseFailure) {
        let (high, low) = try AddressText.parseIPv6(bytes, from: 0, to: count)
        ours6 = IPv6Address(high: high, low: low)
    } catch { ours6 = nil }

    if bytes.contains(0) {
        // inet_pton would stop at the NUL; NetKit rejects the byte itself.
        if ours4 != nil || ours6 != nil { fail("accepted a NUL byte", bytes) }
    } else {
        withUnsafeTemporaryAllocation(of: CChar.self, capacity: count + 1) { cString in
            for index in 0..<count { cString[index] = CChar(bitPattern: bytes[index]) }
            cString[count] = 0
            let glibc4 = referenceIPv4(cString.baseAddress!)
            let glibc6 = referenceIPv6(cString.baseAddress!)
            if ours4 != glibc4 { fail("IPv4 \(String(describing: ours4)) vs inet_pton \(String(describing: glibc4))", bytes) }
            if ours6 != glibc6 { fail("IPv6 \(String(describing: ours6)) vs inet_pton \(String(describing: glibc6))", bytes) }
        }
    }

    if let value = ours4 {
        let address = IPv4Address(value)
        if IPv4Address(address.description) != address { fail("IPv4 round trip \(address)", bytes) }
    }
    if let address = ours6 {
        let text = address.description
        if IPv6Address(text) != address { fail("IPv6 round trip \(text)", bytes) }
        let glibcDiffers = address.high == 0 && address.low >> 32 == 0 && address.low >> 16 != 0
        if !glibcDiffers && text != referenceText(address) { fail("IPv6 text \(text) vs inet_ntop \(referenceText(address))", bytes) }
    }

    // The String API, for text that is valid UTF-8 (else the String is not these bytes).
    let text = String(decoding: bytes, as: UTF8.self)
    guard text.utf8.elementsEqual(bytes) else { return }
    if IPv4Address(text)?.value != ours4 { fail("IPv4Address(String) differs from the byte parser", bytes) }
    if !bytes.contains(AddressText.percent) && IPv6Address(text) != ours6 {
        fail("IPv6Address(String) differs from the byte parser", bytes)
    }
    if let scoped = IPv6Address(text), IPv6Address(scoped.description) != scoped {
        fail("scoped IPv6 round trip \(scoped)", bytes)
    }
    if let address = SocketAddress(text) {
        if SocketAddress(address.description) != address { fail("SocketAddress round trip \(address)", bytes) }
        if (try? SocketAddress(parsing: text)) != address { fail("SocketAddress(parsing:) differs", bytes) }
    } else if (try? SocketAddress(parsing: text)) != nil {
        fail("SocketAddress(parsing:) accepts what init? rejects", bytes)
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data else { return 0 }
    check(UnsafeBufferPointer(start: data, count: size))
    return 0
}
