import CNetKitShims

/// A system error number, as set by a failed system call.
///
/// `Errno` wraps the raw C value. The constants socket code meets most often
/// have Swift names; any other value can be made with ``init(rawValue:)``.
/// `EAGAIN` and `EWOULDBLOCK` are the same value on the platforms NetKit
/// supports and are both ``wouldBlock``.
public struct Errno: RawRepresentable, Error, Hashable, Sendable, CustomStringConvertible {
    /// The raw C error number.
    public var rawValue: CInt

    /// Creates an error number from its raw C value.
    public init(rawValue: CInt) { self.rawValue = rawValue }

    /// The error number the current thread's last failed call left in `errno`.
    ///
    /// Internal: only the syscall funnel reads `errno`.
    @inline(__always)
    static var current: Errno { Errno(rawValue: cnk_errno()) }

    /// The system's message for this error, as `strerror` gives it.
    public var message: String {
        errorMessage(rawValue) ?? "Unknown error \(rawValue)"
    }

    /// The C name of the constant, such as `EADDRINUSE`, when NetKit knows it.
    public var name: String? { Errno.names[rawValue] }

    /// The message followed by the C name, such as `Address already in use (EADDRINUSE)`.
    public var description: String {
        if let name { return "\(message) (\(name))" }
        return "\(message) (errno \(rawValue))"
    }

    /// Matches an `Errno` in a `catch` or `switch` pattern against a ``SocketError``.
    public static func ~= (pattern: Errno, error: any Error) -> Bool {
        if let errno = error as? Errno { return errno == pattern }
        if let socketError = error as? SocketError { return socketError.errno == pattern }
        return false
    }
}

// MARK: - Constants

extension Errno {
    /// Operation not permitted. The corresponding C constant is `EPERM`.
    public static var notPermitted: Errno { Errno(rawValue: EPERM) }
    /// No such file or directory. The corresponding C constant is `ENOENT`.
    public static var noSuchFileOrDirectory: Errno { Errno(rawValue: ENOENT) }
    /// The call was interrupted by a signal. The corresponding C constant is `EINTR`.
    public static var interrupted: Errno { Errno(rawValue: EINTR) }
    /// Input/output error. The corresponding C constant is `EIO`.
    public static var ioError: Errno { Errno(rawValue: EIO) }
    /// Bad file descriptor. The corresponding C constant is `EBADF`.
    public static var badFileDescriptor: Errno { Errno(rawValue: EBADF) }
    /// Out of memory. The corresponding C constant is `ENOMEM`.
    public static var noMemory: Errno { Errno(rawValue: ENOMEM) }
    /// Permission denied. The corresponding C constant is `EACCES`.
    public static var permissionDenied: Errno { Errno(rawValue: EACCES) }
    /// Bad address. The corresponding C constant is `EFAULT`.
    public static var badAddress: Errno { Errno(rawValue: EFAULT) }
    /// Invalid argument. The corresponding C constant is `EINVAL`.
    public static var invalidArgument: Errno { Errno(rawValue: EINVAL) }
    /// Too many open files in this process. The corresponding C constant is `EMFILE`.
    public static var tooManyOpenFiles: Errno { Errno(rawValue: EMFILE) }
    /// Broken pipe: the peer closed its end. The corresponding C constant is `EPIPE`.
    public static var brokenPipe: Errno { Errno(rawValue: EPIPE) }
    /// The call would block on a non-blocking socket. The corresponding C constants are `EAGAIN` and `EWOULDBLOCK`.
    public static var wouldBlock: Errno { Errno(rawValue: EAGAIN) }
    /// A non-blocking connect is under way. The corresponding C constant is `EINPROGRESS`.
    public static var inProgress: Errno { Errno(rawValue: EINPROGRESS) }
    /// An operation is already under way. The corresponding C constant is `EALREADY`.
    public static var alreadyInProgress: Errno { Errno(rawValue: EALREADY) }
    /// The descriptor is not a socket. The corresponding C constant is `ENOTSOCK`.
    public static var notSocket: Errno { Errno(rawValue: ENOTSOCK) }
    /// A destination address is required. The corresponding C constant is `EDESTADDRREQ`.
    public static var destinationAddressRequired: Errno { Errno(rawValue: EDESTADDRREQ) }
    /// The message is too long for the socket. The corresponding C constant is `EMSGSIZE`.
    public static var messageTooLong: Errno { Errno(rawValue: EMSGSIZE) }
    /// Protocol not available (an unknown option). The corresponding C constant is `ENOPROTOOPT`.
    public static var protocolNotAvailable: Errno { Errno(rawValue: ENOPROTOOPT) }
    /// Protocol not supported. The corresponding C constant is `EPROTONOSUPPORT`.
    public static var protocolNotSupported: Errno { Errno(rawValue: EPROTONOSUPPORT) }
    /// Operation not supported on this socket. The corresponding C constant is `EOPNOTSUPP`.
    public static var notSupported: Errno { Errno(rawValue: EOPNOTSUPP) }
    /// Address family not supported. The corresponding C constant is `EAFNOSUPPORT`.
    public static var addressFamilyNotSupported: Errno { Errno(rawValue: EAFNOSUPPORT) }
    /// The address is already in use. The corresponding C constant is `EADDRINUSE`.
    public static var addressInUse: Errno { Errno(rawValue: EADDRINUSE) }
    /// The address is not available on this machine. The corresponding C constant is `EADDRNOTAVAIL`.
    public static var addressNotAvailable: Errno { Errno(rawValue: EADDRNOTAVAIL) }
    /// The network is down. The corresponding C constant is `ENETDOWN`.
    public static var networkDown: Errno { Errno(rawValue: ENETDOWN) }
    /// The network is unreachable. The corresponding C constant is `ENETUNREACH`.
    public static var networkUnreachable: Errno { Errno(rawValue: ENETUNREACH) }
    /// The connection was aborted. The corresponding C constant is `ECONNABORTED`.
    public static var connectionAborted: Errno { Errno(rawValue: ECONNABORTED) }
    /// The peer reset the connection. The corresponding C constant is `ECONNRESET`.
    public static var connectionReset: Errno { Errno(rawValue: ECONNRESET) }
    /// No buffer space available. The corresponding C constant is `ENOBUFS`.
    public static var noBufferSpace: Errno { Errno(rawValue: ENOBUFS) }
    /// The socket is already connected. The corresponding C constant is `EISCONN`.
    public static var isConnected: Errno { Errno(rawValue: EISCONN) }
    /// The socket is not connected. The corresponding C constant is `ENOTCONN`.
    public static var notConnected: Errno { Errno(rawValue: ENOTCONN) }
    /// The operation timed out. The corresponding C constant is `ETIMEDOUT`.
    public static var timedOut: Errno { Errno(rawValue: ETIMEDOUT) }
    /// The connection was refused, or an ICMP port-unreachable arrived. The corresponding C constant is `ECONNREFUSED`.
    public static var connectionRefused: Errno { Errno(rawValue: ECONNREFUSED) }
    /// The host is unreachable. The corresponding C constant is `EHOSTUNREACH`.
    public static var hostUnreachable: Errno { Errno(rawValue: EHOSTUNREACH) }
    /// The file name is too long. The corresponding C constant is `ENAMETOOLONG`.
    public static var nameTooLong: Errno { Errno(rawValue: ENAMETOOLONG) }
}

extension Errno {
    private static let names: [CInt: String] = [
        EPERM: "EPERM", ENOENT: "ENOENT", EINTR: "EINTR", EIO: "EIO", EBADF: "EBADF",
        ENOMEM: "ENOMEM", EACCES: "EACCES", EFAULT: "EFAULT", EINVAL: "EINVAL",
        EMFILE: "EMFILE", ENFILE: "ENFILE", EPIPE: "EPIPE", EAGAIN: "EAGAIN",
        EINPROGRESS: "EINPROGRESS", EALREADY: "EALREADY", ENOTSOCK: "ENOTSOCK",
        EDESTADDRREQ: "EDESTADDRREQ", EMSGSIZE: "EMSGSIZE", EPROTOTYPE: "EPROTOTYPE",
        ENOPROTOOPT: "ENOPROTOOPT", EPROTONOSUPPORT: "EPROTONOSUPPORT",
        EOPNOTSUPP: "EOPNOTSUPP", EAFNOSUPPORT: "EAFNOSUPPORT", EADDRINUSE: "EADDRINUSE",
        EADDRNOTAVAIL: "EADDRNOTAVAIL", ENETDOWN: "ENETDOWN", ENETUNREACH: "ENETUNREACH",
        ECONNABORTED: "ECONNABORTED", ECONNRESET: "ECONNRESET", ENOBUFS: "ENOBUFS",
        EISCONN: "EISCONN", ENOTCONN: "ENOTCONN", ETIMEDOUT: "ETIMEDOUT",
        ECONNREFUSED: "ECONNREFUSED", EHOSTUNREACH: "EHOSTUNREACH",
        ENAMETOOLONG: "ENAMETOOLONG", EEXIST: "EEXIST", ENOTDIR: "ENOTDIR",
        EROFS: "EROFS", ENOSPC: "ENOSPC", ENODEV: "ENODEV", ENXIO: "ENXIO",
    ]
}
