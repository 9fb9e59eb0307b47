import Foundation
import NetKit

/// A fresh temporary directory, removed with everything in it by ``remove()`` or when
/// the last reference goes away.
///
/// Its name is short (`netkit-` and 8 hex digits under the temporary directory), so
/// Unix-domain socket paths inside it stay within `sun_path`.
public final class TemporaryDirectory: Sendable {
    /// The directory.
    public let url: URL

    /// The directory's path.
    public var path: String { url.path }

    /// Creates the directory.
    public init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("netkit-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: false)
    }

    /// The path of `name` inside the directory.
    public func file(_ name: String) -> String { url.appendingPathComponent(name).path }

    /// A Unix-domain socket address for `name` inside the directory.
    public func socketAddress(_ name: String) throws -> SocketAddress {
        .unix(try UnixSocketPath(file(name)))
    }

    /// Removes the directory and everything in it now.
    public func remove() { try? FileManager.default.removeItem(at: url) }

    deinit { remove() }
}
