/// The error every NetKit call throws: which call failed, why, and on which address.
///
/// ```swift
/// do {
///     try socket.bind(to: address)
/// } catch let error where error.errno == .addressInUse {
///     print(error)   // bind(127.0.0.1:9999) failed: Address already in use (EADDRINUSE)
/// }
/// ```
public struct SocketError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The call that failed, named after its C function.
    public var operation: Operation
    /// Why it failed.
    public var reason: Reason
    /// The address the call was given or was using, where that helps.
    public var address: SocketAddress?
    /// The socket option a `getsockopt`/`setsockopt` failed on, by its C level and name
    /// (such as `IPPROTO_IPV6, IPV6_UNICAST_HOPS`), where that helps.
    public var option: String? = nil

    /// Creates an error from its parts.
    public init(_ operation: Operation, _ reason: Reason, address: SocketAddress? = nil) {
        self.operation = operation
        self.reason = reason
        self.address = address
    }

    /// Creates an error from a system error number.
    public init(_ operation: Operation, errno: Errno, address: SocketAddress? = nil) {
        self.init(operation, .system(errno), address: address)
    }

    /// The system error number, when the reason is ``Reason/system(_:)``.
    public var errno: Errno? {
        if case .system(let errno) = reason { return errno }
        return nil
    }

    /// The resolver error, when the reason is ``Reason/resolution(_:)``.
    public var resolverError: ResolverError? {
        if case .resolution(let error) = reason { return error }
        return nil
    }

    /// Whether this is a timeout (`.timedOut`): a receive or send timeout passed, or a connect timed out.
    ///
    /// Blocking NetKit calls report the `EAGAIN` a socket timeout produces as `.timedOut`.
    public var isTimeout: Bool { errno == .timedOut }

    /// One line such as `bind(127.0.0.1:9999) failed: Address already in use (EADDRINUSE)`.
    public var description: String {
        let target = address.map { "(\($0))" } ?? option.map { "(\($0))" } ?? "()"
        return "\(operation.rawValue)\(target) failed: \(reason)"
    }
}

extension SocketError {
    /// Why a call failed.
    public enum Reason: Hashable, Sendable, CustomStringConvertible {
        /// The system call failed with this error number.
        case system(Errno)
        /// Name resolution failed with this `EAI_*` code.
        case resolution(ResolverError)
        /// NetKit refused the input before calling the system, with this explanation.
        case invalidArgument(String)
        /// The socket was closed (or released) while an async call waited on it,
        /// or before the call started.
        case closed
        /// The ``IOLoop`` the socket waits on was shut down.
        case loopShutDown

        /// A readable explanation.
        public var description: String {
            switch self {
            case .system(let errno): return errno.description
            case .resolution(let error): return error.description
            case .invalidArgument(let text): return text
            case .closed: return "the socket was closed"
            case .loopShutDown: return "the I/O loop was shut down"
            }
        }
    }

    /// The name of a failed call, spelled like its C function (`bind`, `sendto`, ...).
    public struct Operation: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        /// The call's name.
        public var rawValue: String
        /// Creates an operation name.
        public init(rawValue: String) { self.rawValue = rawValue }
        /// The call's name.
        public var description: String { rawValue }

        /// `socket(2)`.
        public static let socket = Operation(rawValue: "socket")
        /// `socketpair(2)`.
        public static let socketPair = Operation(rawValue: "socketpair")
        /// `bind(2)`.
        public static let bind = Operation(rawValue: "bind")
        /// `connect(2)`.
        public static let connect = Operation(rawValue: "connect")
        /// `listen(2)`.
        public static let listen = Operation(rawValue: "listen")
        /// `accept(2)`.
        public static let accept = Operation(rawValue: "accept")
        /// `send(2)`.
        public static let send = Operation(rawValue: "send")
        /// `sendto(2)`.
        public static let sendTo = Operation(rawValue: "sendto")
        /// `sendmsg(2)`.
        public static let sendMessage = Operation(rawValue: "sendmsg")
        /// `sendmmsg(2)`.
        public static let sendMultipleMessages = Operation(rawValue: "sendmmsg")
        /// `recv(2)`.
        public static let receive = Operation(rawValue: "recv")
        /// `recvfrom(2)`.
        public static let receiveFrom = Operation(rawValue: "recvfrom")
        /// `recvmsg(2)`.
        public static let receiveMessage = Operation(rawValue: "recvmsg")
        /// `recvmmsg(2)`.
        public static let receiveMultipleMessages = Operation(rawValue: "recvmmsg")
        /// `shutdown(2)`.
        public static let shutdown = Operation(rawValue: "shutdown")
        /// `close(2)`.
        public static let close = Operation(rawValue: "close")
        /// `getsockname(2)`.
        public static let getSocketName = Operation(rawValue: "getsockname")
        /// `getpeername(2)`.
        public static let getPeerName = Operation(rawValue: "getpeername")
        /// `getsockopt(2)`.
        public static let getSocketOption = Operation(rawValue: "getsockopt")
        /// `setsockopt(2)`.
        public static let setSocketOption = Operation(rawValue: "setsockopt")
        /// `fcntl(2)`.
        public static let fcntl = Operation(rawValue: "fcntl")
        /// `poll(2)`.
        public static let poll = Operation(rawValue: "poll")
        /// `epoll_create1(2)`, `epoll_ctl(2)` and `epoll_wait(2)`.
        public static let epoll = Operation(rawValue: "epoll")
        /// `getaddrinfo(3)`.
        public static let getaddrinfo = Operation(rawValue: "getaddrinfo")
        /// `getnameinfo(3)`.
        public static let getnameinfo = Operation(rawValue: "getnameinfo")
        /// `getservbyname(3)` and `getservbyport(3)`.
        public static let getServiceEntry = Operation(rawValue: "getservbyname")
        /// `getprotobyname(3)` and `getprotobynumber(3)`.
        public static let getProtocolEntry = Operation(rawValue: "getprotobyname")
        /// `inet_pton(3)`: parsing an address from text.
        public static let parseAddress = Operation(rawValue: "inet_pton")
        /// `if_nametoindex(3)`.
        public static let interfaceIndex = Operation(rawValue: "if_nametoindex")
    }
}
