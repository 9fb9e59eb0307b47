// `@inlinable`: generic over the integer type and the byte collection; inlined
// and specialized in the caller, a read is a bounds check, a load and a byte swap.

/// Reads fixed-width integers in network byte order (big-endian) from the front
/// of a byte collection, without copying it.
///
/// ```swift
/// var reader = NetworkByteReader(datagram[..<count])
/// let magic = try reader.read(UInt16.self)
/// let id = try reader.read(UInt64.self)
/// let text = reader.readRemaining()
/// ```
///
/// Every read checks the length first and throws ``ByteBufferError`` rather
/// than reading past the end; a failed read consumes nothing.
public struct NetworkByteReader<Bytes: RandomAccessCollection<UInt8>> {
    /// The bytes being read.
    public let bytes: Bytes
    /// The index of the next unread byte.
    @inlinable
    public var readIndex: Bytes.Index { position }

    @usableFromInline
    var position: Bytes.Index

    /// Starts reading at the first byte of `bytes`.
    @inlinable
    public init(_ bytes: Bytes) {
        self.bytes = bytes
        self.position = bytes.startIndex
    }

    /// How many bytes are left to read.
    @inlinable
    public var remainingCount: Int { bytes.distance(from: readIndex, to: bytes.endIndex) }

    /// Whether every byte has been read.
    @inlinable
    public var isAtEnd: Bool { readIndex == bytes.endIndex }

    /// Reads one big-endian integer of type `T` and moves past it.
    @inlinable
    public mutating func read<T: FixedWidthInteger & UnsignedInteger>(
        _ type: T.Type = T.self
    ) throws(ByteBufferError) -> T {
        let size = MemoryLayout<T>.size
        let available = remainingCount
        guard size <= available else { throw .endOfBuffer(needed: size, available: available) }
        var value: T = 0
        var index = readIndex
        for _ in 0..<size {
            value = (value << 8) | T(bytes[index])
            bytes.formIndex(after: &index)
        }
        position = index
        return value
    }

    /// Reads the next `count` bytes as a slice of the underlying collection (no copy).
    @inlinable
    public mutating func readBytes(count: Int) throws(ByteBufferError) -> Bytes.SubSequence {
        guard count >= 0 else { throw .negativeCount(count) }
        let available = remainingCount
        guard count <= available else { throw .endOfBuffer(needed: count, available: available) }
        let end = bytes.index(readIndex, offsetBy: count)
        defer { position = end }
        return bytes[readIndex..<end]
    }

    /// Reads everything that is left (possibly nothing).
    @inlinable
    public mutating func readRemaining() -> Bytes.SubSequence {
        defer { position = bytes.endIndex }
        return bytes[readIndex...]
    }
}
