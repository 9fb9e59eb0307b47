import CNetKitShims

/// A Unix-domain socket address: a file-system path, or (Linux) an abstract name.
///
/// The `sun_path` length limit (107 bytes of path on Linux, 103 on Darwin) is
/// checked when the value is made, with a clear error.
public struct UnixSocketPath: Hashable, Sendable, CustomStringConvertible {
    /// The name's bytes, without the leading NUL of an abstract name or a trailing NUL.
    public let bytes: [UInt8]
    /// Whether this is a Linux abstract-namespace name (not in the file system).
    public let isAbstract: Bool

    /// The largest path, in bytes, that fits `sun_path` with its terminating NUL.
    public static var maximumPathLength: Int {
        MemoryLayout.size(ofValue: sockaddr_un().sun_path) - 1
    }

    /// Creates a file-system path address.
    ///
    /// - Throws: ``SocketError`` with an `invalidArgument` reason when the path is
    ///   empty, contains a NUL byte, or is longer than ``maximumPathLength``.
    public init(_ path: String) throws(SocketError) {
        let bytes = Array(path.utf8)
        guard !bytes.isEmpty else {
            throw SocketError(.bind, .invalidArgument("a Unix socket path must not be empty"))
        }
        guard !bytes.contains(0) else {
            throw SocketError(.bind, .invalidArgument("a Unix socket path must not contain a NUL byte"))
        }
        guard bytes.count <= Self.maximumPathLength else {
            throw SocketError(.bind, .invalidArgument(
                "Unix socket path is \(bytes.count) bytes; sun_path holds at most \(Self.maximumPathLength)"))
        }
        self.bytes = bytes
        self.isAbstract = false
    }

    /// Creates a Linux abstract-namespace address (`sun_path` starting with NUL).
    ///
    /// - Throws: ``SocketError`` when the name is longer than ``maximumPathLength``.
    public init(abstractName name: String) throws(SocketError) {
        let bytes = Array(name.utf8)
        guard bytes.count <= Self.maximumPathLength else {
            throw SocketError(.bind, .invalidArgument(
                "abstract name is \(bytes.count) bytes; sun_path holds at most \(Self.maximumPathLength)"))
        }
        self.bytes = bytes
        self.isAbstract = true
    }

    init(rawBytes: [UInt8], isAbstract: Bool) {
        self.bytes = rawBytes
        self.isAbstract = isAbstract
    }

    /// The path, or `@name` for an abstract name (the notation `ss` and `netstat` use).
    public var description: String {
        let text = String(decoding: bytes, as: UTF8.self)
        return isAbstract ? "@" + text : text
    }

    /// The file-system path, or `nil` for an abstract name.
    public var path: String? { isAbstract ? nil : String(decoding: bytes, as: UTF8.self) }
}
