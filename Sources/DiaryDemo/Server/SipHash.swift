/// SipHash-2-4 (Aumasson and Bernstein, 2012): a keyed 64-bit pseudorandom
/// function for short messages, written from the paper's description.
enum SipHash {
    static func hash(_ message: [UInt8], key: (UInt64, UInt64)) -> UInt64 {
        var v0: UInt64 = 0x736F_6D65_7073_6575 ^ key.0
        var v1: UInt64 = 0x646F_7261_6E64_6F6D ^ key.1
        var v2: UInt64 = 0x6C79_6765_6E65_7261 ^ key.0
        var v3: UInt64 = 0x7465_6462_7974_6573 ^ key.1
        func round() {
            v0 &+= v1; v1 = v1.rotatedLeft(13); v1 ^= v0; v0 = v0.rotatedLeft(32)
            v2 &+= v3; v3 = v3.rotatedLeft(16); v3 ^= v2
            v0 &+= v3; v3 = v3.rotatedLeft(21); v3 ^= v0
            v2 &+= v1; v1 = v1.rotatedLeft(17); v1 ^= v2; v2 = v2.rotatedLeft(32)
        }
        let whole = message.count / 8 * 8
        var index = 0
        while index < whole {
            var word: UInt64 = 0
            for byte in 0..<8 { word |= UInt64(message[index + byte]) << (8 * byte) }
            v3 ^= word; round(); round(); v0 ^= word
            index += 8
        }
        var last = UInt64(truncatingIfNeeded: message.count) << 56
        for byte in 0..<(message.count - whole) { last |= UInt64(message[whole + byte]) << (8 * byte) }
        v3 ^= last; round(); round(); v0 ^= last
        v2 ^= 0xFF
        round(); round(); round(); round()
        return v0 ^ v1 ^ v2 ^ v3
    }
}

extension UInt64 {
    fileprivate func rotatedLeft(_ count: UInt64) -> UInt64 { self << count | self >> (64 - count) }
}
