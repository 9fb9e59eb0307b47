import CNetKitShims

/// Readiness events for ``poll(_:timeout:)-([PollItem],_)``.
public struct Readiness: OptionSet, Hashable, Sendable {
    /// The raw C `poll` events.
    public var rawValue: Int16
    /// Creates events from raw C `poll` events.
    public init(rawValue: Int16) { self.rawValue = rawValue }

    /// Data can be read, a connection accepted, or the peer closed. The corresponding C constant is `POLLIN`.
    public static let readable = Readiness(rawValue: Int16(POLLIN))
    /// Data can be written. The corresponding C constant is `POLLOUT`.
    public static let writable = Readiness(rawValue: Int16(POLLOUT))
    /// An error is pending (reported, never asked for). The corresponding C constant is `POLLERR`.
    public static let error = Readiness(rawValue: Int16(POLLERR))
    /// The peer hung up (reported, never asked for). The corresponding C constant is `POLLHUP`.
    public static let hangup = Readiness(rawValue: Int16(POLLHUP))
    /// The descriptor is not open (reported, never asked for). The corresponding C constant is `POLLNVAL`.
    public static let invalid = Readiness(rawValue: Int16(POLLNVAL))
}
