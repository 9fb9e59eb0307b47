// `@inlinable`: one byte swap each; a call across the module boundary would cost
// more than the work.

/// An unsigned integer kept in network byte order (big-endian), so it cannot be
/// mixed up with a host-order value by accident.
///
/// The course's `htons`/`htonl` become ``init(host:)`` followed by
/// ``networkRepresentation``; `ntohs`/`ntohl` become
/// ``init(networkRepresentation:)`` followed by ``host``:
///
/// ```swift
/// let port = NetworkUInt16(host: 9999)
/// port.networkRepresentation   // what htons(9999) returns: bytes 27 0F in memory
/// port.host                    // 9999 again
/// ```
@frozen
public struct NetworkOrdered<Value: FixedWidthInteger & UnsignedInteger & Sendable>: Hashable, Sendable {
    /// The value as it is stored in memory on the wire: big-endian.
    public var networkRepresentation: Value

    /// Wraps a value that is already in network byte order (what `ntohs` takes).
    @inlinable
    public init(networkRepresentation: Value) {
        self.networkRepresentation = networkRepresentation
    }

    /// Converts a host-order value to network order (what `htons`/`htonl` do).
    @inlinable
    public init(host value: Value) {
        self.networkRepresentation = value.bigEndian
    }

    /// The value in host byte order (what `ntohs`/`ntohl` return).
    @inlinable
    public var host: Value {
        get { Value(bigEndian: networkRepresentation) }
        set { networkRepresentation = newValue.bigEndian }
    }

    /// The value's bytes as they appear on the wire, most significant first.
    @inlinable
    public var bytes: [UInt8] {
        withUnsafeBytes(of: networkRepresentation) { Array($0) }
    }
}

/// A 16-bit value in network byte order (a port, for example); see ``NetworkOrdered``.
public typealias NetworkUInt16 = NetworkOrdered<UInt16>
/// A 32-bit value in network byte order (an IPv4 address, for example); see ``NetworkOrdered``.
public typealias NetworkUInt32 = NetworkOrdered<UInt32>
/// A 64-bit value in network byte order; see ``NetworkOrdered``.
public typealias NetworkUInt64 = NetworkOrdered<UInt64>

extension NetworkOrdered: CustomStringConvertible {
    /// The host-order value in decimal.
    public var description: String { host.description }
}
