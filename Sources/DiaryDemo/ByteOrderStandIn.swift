// TEMPORARY stand-in for NetKit's ByteOrder.swift (same API). Deleted when it lands on main.

enum ByteBufferError: Error, Sendable, Equatable {
    case endOfBuffer(needed: Int, available: Int)
}

struct NetworkByteReader<Bytes: RandomAccessCollection<UInt8>> {
    private let bytes: Bytes
    private var index: Bytes.Index

    init(_ bytes: Bytes) {
        self.bytes = bytes
        self.index = bytes.startIndex
    }

    var remainingCount: Int { bytes.distance(from: index, to: bytes.endIndex) }
    var isAtEnd: Bool { index == bytes.endIndex }

    mutating func read<T: FixedWidthInteger & UnsignedInteger>(_ type: T.Type = T.self) throws(ByteBufferError) -> T {
        let size = MemoryLayout<T>.size
        guard remainingCount >= size else { throw .endOfBuffer(needed: size, available: remainingCount) }
        var value: T = 0
        for _ in 0..<size {
            value = value << 8 | T(bytes[index])
            bytes.formIndex(after: &index)
        }
        return value
    }

    mutating func readBytes(count: Int) throws(ByteBufferError) -> Bytes.SubSequence {
        guard count >= 0, remainingCount >= count else { throw .endOfBuffer(needed: count, available: remainingCount) }
        let end = bytes.index(index, offsetBy: count)
        defer { index = end }
        return bytes[index..<end]
    }

    mutating func readRemaining() -> Bytes.SubSequence {
        defer { index = bytes.endIndex }
        return bytes[index...]
    }
}

struct NetworkByteWriter {
    var bytes: [UInt8]

    init(reservingCapacity: Int = 0) {
        bytes = []
        bytes.reserveCapacity(reservingCapacity)
    }

    mutating func write<T: FixedWidthInteger & UnsignedInteger>(_ value: T) {
        var big = value.bigEndian
        withUnsafeBytes(of: &big) { bytes.append(contentsOf: $0) }
    }

    mutating func write<S: Sequence<UInt8>>(contentsOf bytes: S) {
        self.bytes.append(contentsOf: bytes)
    }
}
