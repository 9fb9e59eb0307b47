import CNetKitShims

/// Which direction(s) of a connection to shut down.
public enum ShutdownKind: Sendable {
    /// No more receiving. The corresponding C constant is `SHUT_RD`.
    case read
    /// No more sending; the peer sees end-of-stream. The corresponding C constant is `SHUT_WR`.
    case write
    /// Both directions. The corresponding C constant is `SHUT_RDWR`.
    case both

    var rawValue: CInt {
        switch self {
        case .read: CNK_SHUT_RD
        case .write: CNK_SHUT_WR
        case .both: CNK_SHUT_RDWR
        }
    }
}
