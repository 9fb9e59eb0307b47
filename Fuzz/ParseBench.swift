// Parse and print throughput: NetKit against glibc's inet_pton / inet_ntop called
// through a String bridge (`withCString`), as Swift code without NetKit would.
// Built with -O against NetKit as a separate module by Fuzz/parsebench.sh.
import BenchSupport
import CNetKitShims
import NetKit

struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Runs `body` over all inputs `rounds` times, 15 times; returns the best nanoseconds per input.
func measure(_ label: String, count: Int, rounds: Int, _ body: () -> UInt64) -> Double {
    let clock = ContinuousClock()
    var best = Double.infinity
    var sink: UInt64 = 0
    for _ in 0..<15 {
        let start = clock.now
        for _ in 0..<rounds { sink &+= body() }
        let elapsed = start.duration(to: clock.now)
        let nanoseconds = Double(elapsed.components.seconds) * 1e9 + Double(elapsed.components.attoseconds) / 1e9
        best = min(best, nanoseconds / Double(count * rounds))
    }
    let padded = label + String(repeating: " ", count: max(0, 46 - label.count))
    print("\(padded) \(format3(best)) ns/op  \(format3(1000 / best)) M/s   (sink \(sink & 1))")
    return best
}

func format3(_ value: Double) -> String {
    let scaled = (value * 100).rounded() / 100
    return "\(scaled)"
}

let quick = CommandLine.arguments.contains("--quick")
let rounds = quick ? 10 : 100
var rng = SplitMix(state: 42)
let count = 1000

let v4Texts: [String] = (0..<count).map { _ in
    IPv4Address(UInt32.random(in: 0...UInt32.max, using: &rng)).description
}
let v6Texts: [String] = (0..<count).map { index in
    var groups = (0..<8).map { _ in Bool.random(using: &rng) ? 0 : UInt16.random(in: 0...0xFFFF, using: &rng) }
    if index % 10 == 0 { groups = [0, 0, 0, 0, 0, 0xFFFF, groups[6], groups[7]] }
    return IPv6Address(groups[0], groups[1], groups[2], groups[3], groups[4], groups[5], groups[6], groups[7]).description
}
let v4Addresses = v4Texts.map { IPv4Address($0)! }
let v6Addresses = v6Texts.map { IPv6Address($0)! }
let invalid: [String] = ["1.2.3", "256.1.1.1", "1::2::3", "::ffff:1.2.3.4.5", "01.2.3.4", "hello", "1:2:3:4:5:6:7:8:9", ""]
let invalidTexts = (0..<count).map { invalid[$0 % invalid.count] }

print("inputs: \(count) random addresses each, best of 15 x \(rounds) rounds")
print("mean text length: IPv4 \(v4Texts.map(\.utf8.count).reduce(0, +) / count), IPv6 \(v6Texts.map(\.utf8.count).reduce(0, +) / count) bytes")

let v4NetKit = measure("parse IPv4  NetKit IPv4Address(_:)", count: count, rounds: rounds) {
    var sum: UInt64 = 0
    for text in v4Texts { sum &+= UInt64(IPv4Address(text)?.value ?? 0) }
    return sum
}
let v4Glibc = measure("parse IPv4  inet_pton via withCString", count: count, rounds: rounds) {
    var sum: UInt64 = 0
    for text in v4Texts {
        var address = in_addr()
        let ok = text.withCString { inet_pton(AF_INET, $0, &address) }
        if ok == 1 { sum &+= UInt64(address.s_addr) }
    }
    return sum
}
let v6NetKit = measure("parse IPv6  NetKit IPv6Address(_:)", count: count, rounds: rounds) {
    var sum: UInt64 = 0
    for text in v6Texts { sum &+= IPv6Address(text)?.low ?? 0 }
    return sum
}
let v6Glibc = measure("parse IPv6  inet_pton via withCString", count: count, rounds: rounds) {
    var sum: UInt64 = 0
    for text in v6Texts {
        var address = in6_addr()
        let ok = text.withCString { inet_pton(AF_INET6, $0, &address) }
        if ok == 1 { sum &+= UInt64(address.__in6_u.__u6_addr8.15) }
    }
    return sum
}
let badNetKit = measure("reject bad text  NetKit IPAddress(_:)", count: count, rounds: rounds) {
    var sum: UInt64 = 0
    for text in invalidTexts where IPAddress(text) == nil { sum &+= 1 }
    return sum
}
let badGlibc = measure("reject bad text  inet_pton x2 via withCString", count: count, rounds: rounds) {
    var sum: UInt64 = 0
    for text in invalidTexts {
        var address = in6_addr()
        let ok = text.withCString { inet_pton(AF_INET, $0, &address) == 1 || inet_pton(AF_INET6, $0, &address) == 1 }
        if !ok { sum &+= 1 }
    }
    return sum
}
let printV4NetKit = measure("print IPv4  NetKit description", count: count, rounds: rounds) {
    var sum: UInt64 = 0
    for address in v4Addresses { sum &+= UInt64(address.description.utf8.count) }
    return sum
}
let printV4Glibc = measure("print IPv4  inet_ntop + String(cString:)", count: count, rounds: rounds) {
    var sum: UInt64 = 0
    for address in v4Addresses {
        var raw = in_addr(s_addr: address.value.bigEndian)
        let text = withUnsafeTemporaryAllocation(of: CChar.self, capacity: 16) { buffer in
            inet_ntop(AF_INET, &raw, buffer.baseAddress!, 16).map { String(cString: $0) } ?? ""
        }
        sum &+= UInt64(text.utf8.count)
    }
    return sum
}
let printV6NetKit = measure("print IPv6  NetKit description", count: count, rounds: rounds) {
    var sum: UInt64 = 0
    for address in v6Addresses { sum &+= UInt64(address.description.utf8.count) }
    return sum
}
let printV6Glibc = measure("print IPv6  inet_ntop + String(cString:)", count: count, rounds: rounds) {
    var sum: UInt64 = 0
    for address in v6Addresses {
        var raw = in6_addr()
        withUnsafeMutableBytes(of: &raw) { bytes in
            bytes.storeBytes(of: address.high.bigEndian, toByteOffset: 0, as: UInt64.self)
            bytes.storeBytes(of: address.low.bigEndian, toByteOffset: 8, as: UInt64.self)
        }
        let text = withUnsafeTemporaryAllocation(of: CChar.self, capacity: 46) { buffer in
            inet_ntop(AF_INET6, &raw, buffer.baseAddress!, 46).map { String(cString: $0) } ?? ""
        }
        sum &+= UInt64(text.utf8.count)
    }
    return sum
}
print("speed-up (inet_pton or inet_ntop time / NetKit time):")
print("  parse IPv4 \(format3(v4Glibc / v4NetKit))x, parse IPv6 \(format3(v6Glibc / v6NetKit))x, reject \(format3(badGlibc / badNetKit))x")
print("  print IPv4 \(format3(printV4Glibc / printV4NetKit))x, print IPv6 \(format3(printV6Glibc / printV6NetKit))x")

/// Heap allocations per call of `body` over `inputs`.
func allocations<T>(_ label: String, _ inputs: [T], _ body: (T) -> Bool) {
    var kept = 0
    let before = netkit_bench_allocations()
    for input in inputs where body(input) { kept += 1 }
    let after = netkit_bench_allocations()
    let perCall = Double(after - before) / Double(inputs.count)
    let padded = label + String(repeating: " ", count: max(0, 46 - label.count))
    print("\(padded) \(format3(perCall)) allocations/op  (\(kept) ok)")
}

print("heap allocations (malloc, calloc, realloc, memalign counted):")
allocations("parse IPv4  NetKit IPv4Address(_:)", v4Texts) { IPv4Address($0) != nil }
allocations("parse IPv6  NetKit IPv6Address(_:)", v6Texts) { IPv6Address($0) != nil }
allocations("parse IPv6 + zone  \"fe80::1%lo\"", Array(repeating: "fe80::1%lo", count: 1000)) { IPv6Address($0) != nil }
allocations("parse bad text  NetKit IPAddress(_:)", invalidTexts) { IPAddress($0) != nil }
allocations("parse  SocketAddress(\"[2001:db8::1]:443\")", Array(repeating: "[2001:db8::1]:443", count: 1000)) { SocketAddress($0) != nil }
allocations("parse  inet_pton(AF_INET6) via withCString", v6Texts) { text in
    var address = in6_addr()
    return text.withCString { inet_pton(AF_INET6, $0, &address) } == 1
}
allocations("print IPv4  (results <= 15 bytes)", v4Addresses) { !$0.description.isEmpty }
allocations("print IPv6  (1 per result > 15 bytes)", v6Addresses) { $0.description.utf8.count > 15 }
