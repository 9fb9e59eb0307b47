/// The value types of NetKit's socket options: `Bool` (a C `int` flag), `Int`
/// (a C `int`), `Duration?` (a `timeval` timeout, `nil` for none) and ``Linger``.
///
/// The protocol has no requirements: how each value travels through
/// `getsockopt`/`setsockopt` is NetKit's business, so `Bool`, `Int` and `Duration`
/// gain no public methods. Conforming a type of your own has no effect, since
/// options are only made for these value types; for a C option NetKit does not
/// name use `SocketOption(level:name:)` with a `Bool` or `Int` value, or
/// call `setsockopt` on ``Socket/unsafeDescriptor``.
public protocol SocketOptionValue: Sendable {}

extension Bool: SocketOptionValue {}
extension Int: SocketOptionValue {}
extension Optional: SocketOptionValue where Wrapped == Duration {}
