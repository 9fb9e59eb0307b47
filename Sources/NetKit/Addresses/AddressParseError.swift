/// The error thrown when text is not a valid address: the input, what was being
/// parsed, why it failed, and the byte offset where it went wrong.
///
/// ```swift
/// do {
///     _ = try IPv6Address(parsing: "1::2::3")
/// } catch {
///     print(error)  // invalid IPv6 address "1::2::3": a second "::" at byte 4
/// }
/// ```
public struct AddressParseError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The text that failed to parse.
    public var input: String
    /// What the text was parsed as.
    public var kind: Kind
    /// Why the text is not a valid address.
    public var reason: Reason
    /// The offset, in UTF-8 bytes from the start of ``input``, where parsing failed.
    public var offset: Int

    /// Creates an error from its parts.
    public init(input: String, kind: Kind, reason: Reason, offset: Int) {
        self.input = input
        self.kind = kind
        self.reason = reason
        self.offset = offset
    }

    /// One line such as `invalid IPv4 address "1.2.3": too few parts at byte 5`.
    public var description: String {
        "invalid \(kind) \(input.debugDescription): \(reason) at byte \(offset)"
    }
}

extension AddressParseError {
    /// What kind of address the text was parsed as.
    public enum Kind: Hashable, Sendable, CustomStringConvertible {
        /// An ``IPv4Address`` (`192.0.2.1`).
        case ipv4
        /// An ``IPv6Address`` (`2001:db8::1`, `fe80::1%eth0`).
        case ipv6
        /// An ``IPAddress`` of either version.
        case ipAddress
        /// A ``SocketAddress`` (`192.0.2.1:80`, `[::1]:80`, `/run/app.sock`, `@name`).
        case socketAddress

        /// `IPv4 address`, `IPv6 address`, `IP address` or `socket address`.
        public var description: String {
            switch self {
            case .ipv4: "IPv4 address"
            case .ipv6: "IPv6 address"
            case .ipAddress: "IP address"
            case .socketAddress: "socket address"
            }
        }
    }

    /// Why text is not a valid address.
    public enum Reason: Hashable, Sendable, CustomStringConvertible {
        /// The text is empty.
        case empty
        /// A character that cannot appear here (including spaces and non-ASCII digits).
        case unexpectedCharacter
        /// The text ends where more was expected (`1.2.3.`, `1::2:`).
        case unexpectedEnd
        /// An IPv4 part has a leading zero (`01.2.3.4`); `inet_pton` rejects these.
        case leadingZero
        /// An IPv4 part is larger than 255.
        case partTooLarge
        /// An IPv4 address has fewer than four parts (`1.2.3`).
        case tooFewParts
        /// An IPv4 address has more than four parts (`1.2.3.4.5`).
        case tooManyParts
        /// An IPv6 group has more than four hex digits.
        case groupTooLong
        /// An IPv6 address has fewer than eight groups and no `::`.
        case tooFewGroups
        /// An IPv6 address has more than eight groups, or eight and a `::`.
        case tooManyGroups
        /// An IPv6 address has a second `::` (`1::2::3`, `:::`).
        case multipleDoubleColons
        /// The zone after `%` is empty (`fe80::1%`).
        case emptyZone
        /// A numeric zone does not fit a 32-bit scope ID.
        case zoneOutOfRange
        /// The zone names no network interface of this machine (`if_nametoindex(3)` failed).
        case unknownInterface
        /// The zone's interface could not be looked up: glibc's `if_nametoindex(3)`
        /// needs a free file descriptor, and there was none (`EMFILE`, `ENFILE`).
        /// A name looked up successfully before is still answered.
        case interfaceLookupFailed(Errno)
        /// A socket address has no `:port` after its IP address.
        case missingPort
        /// A port is not a decimal number from 0 to 65535 without leading zeros.
        case invalidPort
        /// An IPv6 socket address has no brackets (`::1:80` instead of `[::1]:80`), or a `[` without `]`.
        case missingBracket
        /// A Unix socket path is longer than `sun_path` holds (``UnixSocketPath/maximumPathLength``).
        case pathTooLong

        /// A short explanation.
        public var description: String {
            switch self {
            case .empty: "empty text"
            case .unexpectedCharacter: "unexpected character"
            case .unexpectedEnd: "unexpected end"
            case .leadingZero: "a part with a leading zero"
            case .partTooLarge: "a part larger than 255"
            case .tooFewParts: "too few parts (need 4)"
            case .tooManyParts: "too many parts (need 4)"
            case .groupTooLong: "a group of more than 4 hex digits"
            case .tooFewGroups: "too few groups (need 8, or fewer with \"::\")"
            case .tooManyGroups: "too many groups"
            case .multipleDoubleColons: "a second \"::\""
            case .emptyZone: "an empty zone after \"%\""
            case .zoneOutOfRange: "a zone number larger than 4294967295"
            case .unknownInterface: "no network interface of that name"
            case .interfaceLookupFailed(let error): "the interface could not be looked up: \(error)"
            case .missingPort: "no \":port\""
            case .invalidPort: "a port that is not a number from 0 to 65535"
            case .missingBracket: "an IPv6 address needs brackets, as in \"[::1]:80\""
            case .pathTooLong: "a path longer than sun_path holds (\(UnixSocketPath.maximumPathLength) bytes)"
            }
        }
    }
}

/// A parse failure before it is tied to its input: no allocation until a caller wants the error.
struct AddressParseFailure: Error {
    var reason: AddressParseError.Reason
    var offset: Int

    init(_ reason: AddressParseError.Reason, at offset: Int) {
        self.reason = reason
        self.offset = offset
    }

    /// The public error for `input` parsed as `kind`.
    func error(in input: String, as kind: AddressParseError.Kind) -> AddressParseError {
        AddressParseError(input: input, kind: kind, reason: reason, offset: offset)
    }
}
