// `@inlinable`: generic over the integer type; inlined and specialized in the
// caller, a write is a store and a byte swap rather than a generic call per field.

/// Appends fixed-width integers in network byte order (big-endian) to a growing
/// byte array.
///
/// ```swift
/// var writer = NetworkByteWriter(reservingCapacity: 64)
/// writer.write(UInt16(0xFF44))
/// writer.write(requestID)            // a UInt64
/// writer.write(contentsOf: "hello".utf8)
/// try socket.send(writer.bytes, to: server)
/// ```
public struct NetworkByteWriter: Sendable {
    /// The bytes written so far.
    public var bytes: [UInt8]

    /// Starts empty, with room for `capacity` bytes before the array grows.
    @inlinable
    public init(reservingCapacity capacity: Int = 0) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    /// How many bytes have been written.
    @inlinable
    public var count: Int { bytes.count }

    /// Appends `value`, most significant byte first.
    @inlinable
    public mutating func write<T: FixedWidthInteger & UnsignedInteger>(_ value: T) {
        var shift = T.bitWidth
        while shift > 0 {
            shift -= 8
            bytes.append(UInt8(truncatingIfNeeded: value >> shift))
        }
    }

    /// Appends raw bytes unchanged.
    @inlinable
    public mutating func write<S: Sequence<UInt8>>(contentsOf newBytes: S) {
        bytes.append(contentsOf: newBytes)
    }
}
