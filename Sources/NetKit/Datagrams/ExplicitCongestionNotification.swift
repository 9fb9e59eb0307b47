/// The two ECN bits of an IP header (RFC 3168).
public enum ExplicitCongestionNotification: UInt8, Hashable, Sendable {
    /// Not ECN-capable transport. The corresponding C value is `0b00`.
    case notCapable = 0
    /// ECN-capable transport, codepoint 1. The corresponding C value is `0b01`.
    case capable1 = 1
    /// ECN-capable transport, codepoint 0. The corresponding C value is `0b10`.
    case capable0 = 2
    /// Congestion experienced. The corresponding C value is `0b11`.
    case congestionExperienced = 3
}
