#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import NetKit

/// The few file system calls the diary store makes, funnelled like NetKit's own
/// syscall layer: `EINTR` is retried, `errno` is read once, right after the call,
/// and a failure becomes a ``DiaryError/file(_:path:errno:)`` naming the call,
/// the file and the errno. Nothing else in the demo reads `errno`.
enum FileCalls {
    /// Runs `call` until it does not fail with `EINTR`; a failure throws its errno.
    @inline(__always)
    static func retrying<R: FixedWidthInteger>(_ call: () -> R) throws(Errno) -> R {
        while true {
            let result = call()
            if result != -1 { return result }
            let error = Errno(rawValue: errno)
            guard error != .interrupted else { continue }
            throw error
        }
    }

    /// Runs `call` through ``retrying(_:)`` and names the operation and path on failure.
    @inline(__always)
    static func checked<R: FixedWidthInteger>(_ operation: String, _ path: String, _ call: () -> R) throws(DiaryError)
        -> R
    {
        do {
            return try retrying(call)
        } catch {
            throw .file(operation, path: path, errno: error)
        }
    }

    /// `open(2)` with close-on-exec.
    static func system_open(_ path: String, flags: CInt, mode: mode_t = 0o644) throws(DiaryError) -> CInt {
        try checked("open", path) { open(path, flags | O_CLOEXEC, mode) }
    }

    /// `fstat(2)`.
    static func system_fstat(_ descriptor: CInt, path: String) throws(DiaryError) -> stat {
        var status = stat()
        _ = try checked("fstat", path) { fstat(descriptor, &status) }
        return status
    }

    /// `stat(2)` on the path (follows symbolic links); `nil` when nothing is there.
    static func system_stat(_ path: String) throws(DiaryError) -> stat? {
        var status = stat()
        do {
            _ = try retrying { stat(path, &status) }
        } catch {
            if error == .noSuchFileOrDirectory { return nil }
            throw .file("stat", path: path, errno: error)
        }
        return status
    }

    /// `pread(2)` into the first `count` bytes of `buffer` at `offset`; returns how many bytes were read (0 at the end).
    static func system_pread(
        _ descriptor: CInt, into buffer: inout [UInt8], count: Int, at offset: UInt64, path: String
    ) throws(DiaryError) -> Int {
        precondition(count <= buffer.count)
        guard count > 0 else { return 0 }
        let outcome = buffer.withUnsafeMutableBytes { raw in
            Result { () throws(Errno) -> Int in
                try retrying { pread(descriptor, raw.baseAddress, count, off_t(offset)) }
            }
        }
        switch outcome {
        case .success(let read): return read
        case .failure(let error): throw .file("read", path: path, errno: error)
        }
    }

    /// Writes all of `bytes` with `write(2)` (the descriptor is `O_APPEND`, so each write goes to the end).
    static func system_writeAll(_ descriptor: CInt, _ bytes: [UInt8], path: String) throws(DiaryError) {
        var done = 0
        while done < bytes.count {
            let outcome = bytes.withUnsafeBytes { raw in
                Result { () throws(Errno) -> Int in
                    try retrying { write(descriptor, raw.baseAddress! + done, raw.count - done) }
                }
            }
            switch outcome {
            case .success(let written):
                guard written > 0 else { throw .file("write", path: path, errno: Errno(rawValue: EIO)) }
                done += written
            case .failure(let error):
                throw .file("write", path: path, errno: error)
            }
        }
    }

    /// `fsync(2)`.
    static func system_fsync(_ descriptor: CInt, path: String) throws(DiaryError) {
        _ = try checked("fsync", path) { fsync(descriptor) }
    }

    /// `ftruncate(2)`.
    static func system_ftruncate(_ descriptor: CInt, to size: UInt64, path: String) throws(DiaryError) {
        _ = try checked("truncate", path) { ftruncate(descriptor, off_t(size)) }
    }

    /// The Linux open-file-description lock command (`F_OFD_SETLK`, not exported to Swift).
    static let setOpenFileDescriptionLock: CInt = 37

    /// Takes a write lock on the whole file: an open-file-description lock
    /// (`fcntl(F_OFD_SETLK)`) on Linux, a process lock (`F_SETLK`) elsewhere.
    /// The lock belongs to the inode, so it holds through hard and symbolic links
    /// and across namespaces; taking it needs write access to the file.
    ///
    /// - Returns: `false` when another process holds it.
    static func system_lockForWriting(_ descriptor: CInt, path: String) throws(DiaryError) -> Bool {
        var lock = flock()
        lock.l_type = Int16(F_WRLCK)
        lock.l_whence = Int16(SEEK_SET)
        lock.l_start = 0
        lock.l_len = 0
        #if os(Linux)
        let command = setOpenFileDescriptionLock
        #else
        let command = F_SETLK
        #endif
        do {
            _ = try retrying { fcntl(descriptor, command, &lock) }
        } catch {
            if error == .wouldBlock || error == .permissionDenied { return false }
            throw .file("lock", path: path, errno: error)
        }
        return true
    }

    /// The errno's message and C name, such as `No space left on device (ENOSPC)`,
    /// also for the file errors NetKit's socket-centred table does not name.
    static func describe(_ errno: Errno) -> String {
        if errno.name != nil { return errno.description }
        let names: [CInt: String] = [
            EFBIG: "EFBIG", EDQUOT: "EDQUOT", EISDIR: "EISDIR", ELOOP: "ELOOP",
            ETXTBSY: "ETXTBSY", ESPIPE: "ESPIPE", EOVERFLOW: "EOVERFLOW",
        ]
        if let name = names[errno.rawValue] { return "\(errno.message) (\(name))" }
        return errno.description
    }

    /// `close(2)`, never retried; the error is dropped (the descriptor is gone either way).
    static func system_close(_ descriptor: CInt) {
        _ = close(descriptor)
    }
}
