/// What a readiness event says a socket may do now.
struct ReadyBits: OptionSet, Sendable {
    var rawValue: UInt64

    /// A receive or accept may succeed (or report end of stream or an error).
    static let readable = ReadyBits(rawValue: 1)
    /// A send or a connect's completion may succeed (or report an error).
    static let writable = ReadyBits(rawValue: 2)
    /// Both directions: hang-ups and errors wake every waiter, so it sees the error.
    static let all: ReadyBits = [.readable, .writable]
    /// The peer closed its side, or the socket failed: a final state that brings no
    /// further edge, so a short stream call must not clear the ready marks after it.
    static let hungUp = ReadyBits(rawValue: 8)
}

/// Which way a waiter waits.
enum Direction: Sendable {
    case read, write

    var bits: ReadyBits { self == .read ? .readable : .writable }
}
