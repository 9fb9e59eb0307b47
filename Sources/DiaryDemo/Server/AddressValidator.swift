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
