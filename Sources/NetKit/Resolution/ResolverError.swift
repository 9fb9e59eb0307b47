import CNetKitShims

/// A name-resolution failure: the `EAI_*` code `getaddrinfo` or `getnameinfo` returned.
///
/// Errors compare and hash by ``code`` alone, so `error == .noName` matches whatever
/// the captured ``systemError``, ``host`` and ``service``.
public struct ResolverError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The raw `EAI_*` code.
    public var code: CInt
    /// The `errno` captured when the code is `EAI_SYSTEM`.
    public var systemError: Errno?
    /// The host name that was being resolved, if any; shown in ``description``, ignored by `==`.
    public var host: String?
    /// The service name or port that was being resolved, if any; shown in ``description``, ignored by `==`.
    public var service: String?

    /// Creates a resolver error from its raw code and, optionally, the query that failed.
    public init(code: CInt, systemError: Errno? = nil, host: String? = nil, service: String? = nil) {
        self.code = code
        self.systemError = systemError
        self.host = host
        self.service = service
    }

    /// The host or service is not known. The corresponding C constant is `EAI_NONAME`.
    public static let noName = ResolverError(code: EAI_NONAME)
    /// A temporary failure; try again later. The corresponding C constant is `EAI_AGAIN`.
    public static let tryAgain = ResolverError(code: EAI_AGAIN)
    /// A permanent failure. The corresponding C constant is `EAI_FAIL`.
    public static let failed = ResolverError(code: EAI_FAIL)
    /// The family is not supported. The corresponding C constant is `EAI_FAMILY`.
    public static let familyNotSupported = ResolverError(code: EAI_FAMILY)
    /// The socket type is not supported. The corresponding C constant is `EAI_SOCKTYPE`.
    public static let socketTypeNotSupported = ResolverError(code: EAI_SOCKTYPE)
    /// The service is not available for the socket type. The corresponding C constant is `EAI_SERVICE`.
    public static let serviceNotSupported = ResolverError(code: EAI_SERVICE)
    /// The flags are invalid. The corresponding C constant is `EAI_BADFLAGS`.
    public static let badFlags = ResolverError(code: EAI_BADFLAGS)
    /// Out of memory. The corresponding C constant is `EAI_MEMORY`.
    public static let memory = ResolverError(code: EAI_MEMORY)
    /// A system error; see ``systemError``. The corresponding C constant is `EAI_SYSTEM`.
    public static let system = ResolverError(code: EAI_SYSTEM)

    /// Equal codes match whatever the captured system error.
    public static func == (lhs: ResolverError, rhs: ResolverError) -> Bool { lhs.code == rhs.code }
    /// Hashes the code.
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }

    /// The C name of the code, such as `EAI_NONAME`.
    public var name: String {
        switch code {
        case EAI_NONAME: "EAI_NONAME"
        case EAI_AGAIN: "EAI_AGAIN"
        case EAI_FAIL: "EAI_FAIL"
        case EAI_FAMILY: "EAI_FAMILY"
        case EAI_SOCKTYPE: "EAI_SOCKTYPE"
        case EAI_SERVICE: "EAI_SERVICE"
        case EAI_BADFLAGS: "EAI_BADFLAGS"
        case EAI_MEMORY: "EAI_MEMORY"
        case EAI_SYSTEM: "EAI_SYSTEM"
        case EAI_OVERFLOW: "EAI_OVERFLOW"
        #if os(Linux)
        // glibc declares these only under _GNU_SOURCE, which the shim must not set.
        case -9: "EAI_ADDRFAMILY"
        case -5: "EAI_NODATA"
        #endif
        default: "EAI(\(code))"
        }
    }

    /// The `gai_strerror` text, such as `Name or service not known`.
    public var message: String {
        if code == EAI_SYSTEM, let systemError { return systemError.message }
        return resolverMessage(code)
    }

    /// Whether NetKit abandoned the query because its task was cancelled: `EAI_SYSTEM` with `ECANCELED`.
    public var isCancellation: Bool { code == EAI_SYSTEM && systemError?.rawValue == ECANCELED }

    /// The query as text: `example.com:http`, `[::1]:80`, `example.com`, `:80`, or `nil` when neither is known.
    public var query: String? {
        switch (host, service) {
        case (nil, nil): return nil
        case (let host?, nil): return host
        case (nil, let service?): return ":\(service)"
        case (let host?, let service?):
            return host.contains(":") ? "[\(host)]:\(service)" : "\(host):\(service)"
        }
    }

    /// The message, the C name and the query:
    /// `Name or service not known (EAI_NONAME) for no-such-host.invalid:80`.
    public var description: String {
        let base = "\(message) (\(name))"
        guard let query else { return base }
        return "\(base) for \(query)"
    }
}
