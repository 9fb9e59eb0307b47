import CNetKitShims

/// A name-resolution failure: the `EAI_*` code `getaddrinfo` or `getnameinfo` returned.
public struct ResolverError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The raw `EAI_*` code.
    public var code: CInt
    /// The `errno` captured when the code is `EAI_SYSTEM`.
    public var systemError: Errno?

    /// Creates a resolver error from its raw code.
    public init(code: CInt, systemError: Errno? = nil) {
        self.code = code
        self.systemError = systemError
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
        default: "EAI(\(code))"
        }
    }

    /// The `gai_strerror` text, such as `Name or service not known`.
    public var message: String {
        if code == EAI_SYSTEM, let systemError { return systemError.message }
        return String(cString: gai_strerror(code))
    }

    /// The message followed by the C name: `Name or service not known (EAI_NONAME)`.
    public var description: String { "\(message) (\(name))" }
}
