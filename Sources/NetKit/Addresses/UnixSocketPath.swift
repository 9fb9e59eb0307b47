import CNetKitShims

/// A Unix-domain socket address: a file-system path, or (Linux) an abstract name.
///
/// The `sun_path` length limit (107 bytes of path on Linux, 103 on Darwin) is
/// checked when the value is made, with a clear error.
///
/// The bytes are stored inline (no heap allocation), so the value, and
/// ``SocketAddress`` with it, is a trivial type that copies without reference counting.
public struct UnixSocketPath: Hashable, Sendable, CustomStringConvertible {
    /// Inline room for the name: 112 bytes, at least `sun_path` on every platform (108 on Linux, 104 on Darwin).
    @usableFromInline
    typealias Storage = (
        UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64,
        UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64
    )

    /// The name's bytes, the first `count` in use, the rest zero.
    @usableFromInline
    var storage: Storage
    /// How many bytes of `storage` are in use.
    @usableFromInline
    var count: UInt8
    /// Whether this is a Linux abstract-namespace name (not in the file system).
    public let isAbstract: Bool

    /// The name's bytes, without the leading NUL of an abstract name or a trailing NUL.
    ///
    /// Each read makes a new array; NetKit itself works on the inline bytes.
    public var bytes: [UInt8] { withUnsafeBytes { Array($0) } }

    /// The largest path, in bytes, that fits `sun_path` with its terminating NUL.
    public static var maximumPathLength: Int {
        MemoryLayout.size(ofValue: sockaddr_un().sun_path) - 1
    }

    /// How many bytes the inline storage holds (all of `sun_path`).
    static var capacity: Int {
        Swift.min(MemoryLayout<Storage>.size, MemoryLayout.size(ofValue: sockaddr_un().sun_path))
    }

    /// Creates a file-system path address.
    ///
    /// - Throws: ``SocketError`` with an `invalidArgument` reason when the path is
    ///   empty, contains a NUL byte, or is longer than ``maximumPathLength``.
    public init(_ path: String) throws(SocketError) {
        var path = path
        self = try carryingTypedError(through: { path.withUTF8($0) }) { (bytes) throws(SocketError) -> UnixSocketPath in
            guard !bytes.isEmpty else {
                throw SocketError(.bind, .invalidArgument("a Unix socket path must not be empty"))
            }
            guard !bytes.contains(0) else {
                throw SocketError(.bind, .invalidArgument("a Unix socket path must not contain a NUL byte"))
            }
            guard bytes.count <= Self.maximumPathLength else {
                throw SocketError(
                    .bind,
                    .invalidArgument(
                        "Unix socket path is \(bytes.count) bytes; sun_path holds at most \(Self.maximumPathLength)"))
            }
            return UnixSocketPath(copying: UnsafeRawBufferPointer(bytes), isAbstract: false)
        }
    }

    /// Creates a Linux abstract-namespace address (`sun_path` starting with NUL).
    ///
    /// - Throws: ``SocketError`` when the name is longer than ``maximumPathLength``.
    public init(abstractName name: String) throws(SocketError) {
        var name = name
        self = try carryingTypedError(through: { name.withUTF8($0) }) { (bytes) throws(SocketError) -> UnixSocketPath in
            guard bytes.count <= Self.maximumPathLength else {
                throw SocketError(
                    .bind,
                    .invalidArgument(
                        "abstract name is \(bytes.count) bytes; sun_path holds at most \(Self.maximumPathLength)"))
            }
            return UnixSocketPath(copying: UnsafeRawBufferPointer(bytes), isAbstract: true)
        }
    }

    /// Copies `bytes` (at most ``capacity``; callers check, the rest is cut off) without checks.
    init(copying bytes: UnsafeRawBufferPointer, isAbstract: Bool) {
        let used = Swift.min(bytes.count, Self.capacity)
        storage = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        count = UInt8(truncatingIfNeeded: used)
        self.isAbstract = isAbstract
        if used > 0, let source = bytes.baseAddress {
            Swift.withUnsafeMutableBytes(of: &storage) { $0.baseAddress?.copyMemory(from: source, byteCount: used) }
        }
    }

    /// Copies `rawBytes` without checks (for tests and rare paths; see ``init(copying:isAbstract:)``).
    init(rawBytes: [UInt8], isAbstract: Bool) {
        self = rawBytes.withUnsafeBytes { UnixSocketPath(copying: $0, isAbstract: isAbstract) }
    }

    /// Lends the bytes in use (no leading or trailing NUL) for the duration of `body`.
    // `@inlinable`: generic over the body; the inline storage makes the address a
    // trivial value (Benchmarks/RESULTS.md: sendto ping-pong 628 -> 542 instructions).
    @inlinable
    func withUnsafeBytes<R, E: Error>(_ body: (UnsafeRawBufferPointer) throws(E) -> R) throws(E) -> R {
        let used = Int(count)
        return try Swift.withUnsafeBytes(of: storage) { (raw) throws(E) -> R in
            try body(UnsafeRawBufferPointer(rebasing: raw[0..<used]))
        }
    }

    /// The path, or `@name` for an abstract name (the notation `ss` and `netstat` use).
    public var description: String {
        let text = withUnsafeBytes { String(decoding: $0, as: UTF8.self) }
        return isAbstract ? "@" + text : text
    }

    /// The file-system path, or `nil` for an abstract name.
    public var path: String? { isAbstract ? nil : withUnsafeBytes { String(decoding: $0, as: UTF8.self) } }

    // MARK: - Equality and hashing, on the bytes in use

    /// Whether both are the same kind of name with the same bytes.
    public static func == (lhs: UnixSocketPath, rhs: UnixSocketPath) -> Bool {
        guard lhs.isAbstract == rhs.isAbstract, lhs.count == rhs.count else { return false }
        return lhs.withUnsafeBytes { a in rhs.withUnsafeBytes { b in a.elementsEqual(b) } }
    }

    /// Hashes the kind of name and the bytes in use.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(isAbstract)
        hasher.combine(count)
        withUnsafeBytes { hasher.combine(bytes: $0) }
    }
}
