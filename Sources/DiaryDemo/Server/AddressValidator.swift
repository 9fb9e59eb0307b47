/// Address-validation tokens for the framed protocol (the idea of QUIC's Retry
/// token, RFC 9000 §8.1): before a source has shown that it receives datagrams
/// at its address, nothing it sends is answered with more than three times its
/// own bytes; a `retry` frame hands it a token that only that address can echo.
///
/// A token is 16 bytes: the time window it was made in (8 bytes, one window per
/// ``windowSeconds``) and a SipHash-2-4 of the source address and that window
/// under a random key made when the process starts. It is valid in its own
/// window and the next one, and for no other address; a restarted server has a
/// new key, and the client simply gets a new token.
struct AddressValidator {
    /// How long a time window lasts.
    static let windowSeconds: Int64 = 60
    /// The size of a token.
    static let tokenBytes = 16

    private let key: (UInt64, UInt64)

    init<Generator: RandomNumberGenerator>(using generator: inout Generator) {
        key = (generator.next(), generator.next())
    }

    init() {
        var generator = SystemRandomNumberGenerator()
        self.init(using: &generator)
    }

    private static func window(at milliseconds: Int64) -> UInt64 {
        UInt64(bitPattern: milliseconds / 1000 / windowSeconds)
    }

    /// A token for `address`, made at `milliseconds` since the epoch.
    func token(for address: String, at milliseconds: Int64 = Timestamp.now()) -> [UInt8] {
        let window = Self.window(at: milliseconds)
        var bytes = [UInt8](repeating: 0, count: Self.tokenBytes)
        for index in 0..<8 { bytes[index] = UInt8(truncatingIfNeeded: window >> (56 - 8 * index)) }
        let tag = mac(address, window)
        for index in 0..<8 { bytes[8 + index] = UInt8(truncatingIfNeeded: tag >> (56 - 8 * index)) }
        return bytes
    }

    /// Whether `token` was made for `address` in this window or the one before.
    func isValid(_ token: [UInt8], for address: String, at milliseconds: Int64 = Timestamp.now()) -> Bool {
        guard token.count == Self.tokenBytes else { return false }
        var window: UInt64 = 0, tag: UInt64 = 0
        for index in 0..<8 {
            window = window << 8 | UInt64(token[index])
            tag = tag << 8 | UInt64(token[8 + index])
        }
        let now = Self.window(at: milliseconds)
        guard window == now || window &+ 1 == now else { return false }
        // Compare without an early exit.
        return (mac(address, window) ^ tag) == 0
    }

    private func mac(_ address: String, _ window: UInt64) -> UInt64 {
        var message = Array(address.utf8)
        for index in 0..<8 { message.append(UInt8(truncatingIfNeeded: window >> (8 * index))) }
        return SipHash.hash(message, key: key)
    }
}

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

