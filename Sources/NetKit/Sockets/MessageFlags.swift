import CNetKitShims

/// Flags for a send or receive call.
public struct MessageFlags: OptionSet, Hashable, Sendable {
    /// The raw C flags.
    public var rawValue: CInt
    /// Creates flags from raw C flags.
    public init(rawValue: CInt) { self.rawValue = rawValue }

    /// Look at the data without removing it from the queue. The corresponding C constant is `MSG_PEEK`.
    public static let peek = MessageFlags(rawValue: CInt(MSG_PEEK))
    /// Wait for the full amount (streams). The corresponding C constant is `MSG_WAITALL`.
    public static let waitAll = MessageFlags(rawValue: CInt(MSG_WAITALL))
    /// Don't block for this call only. The corresponding C constant is `MSG_DONTWAIT`.
    public static let dontWait = MessageFlags(rawValue: CInt(MSG_DONTWAIT))
    /// Send out-of-band data. The corresponding C constant is `MSG_OOB`.
    public static let outOfBand = MessageFlags(rawValue: CInt(MSG_OOB))
    /// Bypass routing; send only to directly connected hosts. The corresponding C constant is `MSG_DONTROUTE`.
    public static let dontRoute = MessageFlags(rawValue: CInt(MSG_DONTROUTE))
}
