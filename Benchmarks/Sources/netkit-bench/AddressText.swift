import CBaseline
import NetKit

// Address parse/format throughput: NetKit's text forms against inet_pton/inet_ntop.
enum AddressText {
    static let ipv4Text = "192.168.100.200"
    static let ipv6Text = "2001:db8:85a3::8a2e:370:7334"

    /// Returns operations per second for NetKit and for C.
    static func run(_ kind: String, iterations: UInt64) -> (netkit: Double, c: Double) {
        switch kind {
        case "parse IPv4":
            let c = cb_parse_ipv4(ipv4Text, iterations)
            var total: UInt64 = 0
            let text = ipv4Text
            let start = now()
            for _ in 0..<iterations { if let a = IPv4Address(text) { total &+= UInt64(a.value) } }
            let elapsed = now() - start
            cb_consume(total)
            return (Double(iterations) / elapsed, Double(iterations) / c)
        case "format IPv4":
            let c = cb_format_ipv4(0xC0A8_64C8, iterations)
            var total: UInt64 = 0
            var address = IPv4Address(0xC0A8_64C8)
            let start = now()
            for i in 0..<iterations {
                address.value ^= UInt32(truncatingIfNeeded: i & 1) << 24
                total &+= UInt64(address.description.utf8.count)
            }
            let elapsed = now() - start
            cb_consume(total)
            return (Double(iterations) / elapsed, Double(iterations) / c)
        case "parse IPv6":
            let c = cb_parse_ipv6(ipv6Text, iterations)
            var total: UInt64 = 0
            let text = ipv6Text
            let start = now()
            for _ in 0..<iterations { if let a = IPv6Address(text) { total &+= a.low } }
            let elapsed = now() - start
            cb_consume(total)
            return (Double(iterations) / elapsed, Double(iterations) / c)
        default:  // format IPv6
            let parsed = IPv6Address(ipv6Text)!
            var bytes = [UInt8](repeating: 0, count: 16)
            for i in 0..<8 {
                bytes[i] = UInt8(truncatingIfNeeded: parsed.high >> (56 - 8 * UInt64(i)))
                bytes[8 + i] = UInt8(truncatingIfNeeded: parsed.low >> (56 - 8 * UInt64(i)))
            }
            let c = cb_format_ipv6(bytes, iterations)
            var total: UInt64 = 0
            var address = parsed
            let start = now()
            for i in 0..<iterations {
                address.low ^= UInt64(i & 1)
                total &+= UInt64(address.description.utf8.count)
            }
            let elapsed = now() - start
            cb_consume(total)
            return (Double(iterations) / elapsed, Double(iterations) / c)
        }
    }

    static let kinds = ["parse IPv4", "format IPv4", "parse IPv6", "format IPv6"]
}
