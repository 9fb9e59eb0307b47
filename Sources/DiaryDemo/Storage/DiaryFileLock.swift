import Foundation
import NetKit

/// Makes sure only one server process uses a diary file.
///
/// On Linux the lock is a Unix datagram socket bound to an abstract name made
/// from the file's real path. Only one socket can hold a name, and the kernel
/// releases it when the process ends in any way (even `SIGKILL`), so there is no
/// stale lock file to clean up. On other systems no lock is taken.
struct DiaryFileLock: ~Copyable {
    #if os(Linux)
    private let socket: DatagramSocket
    #endif

    /// Takes the lock for the file at `realPath`.
    ///
    /// - Throws: ``DiaryError/fileLocked(path:)`` when another process holds it.
    init(realPath: String) throws(DiaryError) {
        #if os(Linux)
        do {
            let name = try UnixSocketPath(abstractName: Self.lockName(for: realPath))
            let socket = try DatagramSocket(family: .unix)
            do {
                try socket.bind(to: .unix(name))
            } catch {
                if error.errno == .addressInUse { throw DiaryError.fileLocked(path: realPath) }
                throw DiaryError.socket(error)
            }
            self.socket = socket
        } catch let error as DiaryError {
            throw error
        } catch {
            throw DiaryError.storage("cannot lock \(realPath): \(error)")
        }
        #endif
    }

    /// `netkit-diary/` and a 64-bit FNV-1a hash of the path, in hex: short enough for any path.
    static func lockName(for realPath: String) -> String {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in realPath.utf8 {
            hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3
        }
        let hex = String(hash, radix: 16)
        return "netkit-diary/" + String(repeating: "0", count: 16 - hex.count) + hex
    }
}
