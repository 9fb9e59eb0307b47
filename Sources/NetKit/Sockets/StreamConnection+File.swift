import CNetKitShims

// MARK: - Sending a file

extension StreamConnection {
    /// The size of the buffer the portable path copies through: the memory a
    /// file transfer uses, whatever the file's size.
    static let fileCopyBufferSize = 64 * 1024

    /// Sends `count` bytes of an open file, from `offset`, without copying them
    /// through user space where the system allows it. The corresponding C call is
    /// `sendfile(2)` on Linux; elsewhere, and where `sendfile` refuses the file
    /// (`EINVAL`, `ENOSYS`), `pread(2)` and `send(2)` through one 64 KiB buffer.
    ///
    /// ```swift
    /// let file = open(path, O_RDONLY | O_CLOEXEC)
    /// defer { close(file) }
    /// try connection.sendFile(file)          // the whole file, in constant memory
    /// ```
    ///
    /// The file's own offset is not used or moved (both paths read at explicit
    /// offsets), so one open file can be sent on several connections at once. As
    /// with ``sendAll(_:)-(UnsafeRawBufferPointer)``, a full send buffer on a
    /// non-blocking socket is waited out with `poll`, and a blocking socket with a
    /// ``SocketOption/sendTimeout`` fails with `.timedOut` when the peer stops reading.
    /// - Parameters:
    ///   - file: A descriptor open for reading on a regular (seekable) file. It is
    ///     borrowed: NetKit neither closes it nor keeps it.
    ///   - offset: Where in the file to start; not negative.
    ///   - count: How many bytes to send; `nil` sends from `offset` to the end of
    ///     the file as `fstat(2)` reports its size when the call starts.
    /// - Returns: The number of bytes sent: `count`, or the rest of the file.
    /// - Throws: ``SocketError`` with operation ``SocketError/Operation/sendFile``
    ///   (`sendfile` or `send` failed, such as `.brokenPipe` or `.connectionReset`;
    ///   or the file ended before `count` bytes, a reason saying where),
    ///   ``SocketError/Operation/readFile`` (`pread` failed, such as `.ioError`),
    ///   ``SocketError/Operation/fileStatus`` (`fstat` failed, such as
    ///   `.badFileDescriptor`), or ``SocketError/Reason/invalidArgument(_:)`` for a
    ///   negative offset or count. Some bytes may have been sent before an error.
    @discardableResult
    public func sendFile(_ file: CInt, offset: Int64 = 0, count: Int64? = nil) throws(SocketError) -> Int64 {
        let total = try FileTransfer.byteCount(file: file, offset: offset, count: count)
        let socket = descriptor
        var transfer = FileTransfer(socket: socket, file: file, position: offset, remaining: total)
        defer { transfer.finish() }
        while transfer.remaining > 0 {
            if try transfer.step() == nil { try FileTransfer.waitUntilWritable(socket) }
        }
        return total
    }
}

// MARK: - Sending a file without blocking a thread

extension StreamConnection {
    /// Sends `count` bytes of an open file, from `offset`, waiting on the connection's
    /// ``IOLoop`` while the send buffer is full. The corresponding C call is
    /// `sendfile(2)` on Linux, with the `pread(2)`/`send(2)` fallback of
    /// ``sendFile(_:offset:count:)``.
    ///
    /// `sendfile` has no per-call "don't wait" flag (`MSG_DONTWAIT`), so for the
    /// duration of the call the socket is put in non-blocking mode
    /// (`fcntl(O_NONBLOCK)`) and its mode is restored afterwards: don't make
    /// blocking calls on the same connection from another thread meanwhile.
    ///
    /// Not cancel safe: when cancelled (or past its deadline) part of the file may
    /// have been sent, and the call cannot say how much.
    /// - Parameters:
    ///   - file: A descriptor open for reading on a regular file; borrowed, not closed.
    ///   - offset: Where in the file to start; not negative.
    ///   - count: How many bytes; `nil` sends to the end of the file.
    ///   - deadline: When to give up; `nil` waits as long as it takes.
    /// - Returns: The number of bytes sent.
    /// - Throws: as ``sendFile(_:offset:count:)``; ``SocketError`` with `.timedOut`,
    ///   ``SocketError/Reason/closed`` or ``SocketError/Reason/loopShutDown``; `CancellationError`.
    @discardableResult
    public func sendFile(_ file: CInt, offset: Int64 = 0, count: Int64? = nil, deadline: IODeadline? = nil) async throws
        -> Int64
    {
        let total = try FileTransfer.byteCount(file: file, offset: offset, count: count)
        let registration = try owner.registration()
        let socket = descriptor
        let wasNonBlocking = try SocketCalls.isNonBlocking(socket)
        if !wasNonBlocking { try SocketCalls.setNonBlocking(socket, true) }
        var transfer = FileTransfer(socket: socket, file: file, position: offset, remaining: total)
        defer {
            transfer.finish()
            if !wasNonBlocking { try? SocketCalls.setNonBlocking(socket, false) }
        }
        while transfer.remaining > 0 {
            _ = try await registration.perform(.write, .sendFile, deadline: deadline) { () throws(SocketError) in
                try transfer.step()
            }
        }
        return total
    }
}

// MARK: - Error names

extension SocketError.Operation {
    /// `sendfile(2)`, or the `send(2)` of the portable path, while sending a file.
    public static let sendFile = Self(rawValue: "sendfile")
    /// `pread(2)`: reading the file to send on the portable path.
    public static let readFile = Self(rawValue: "pread")
    /// `fstat(2)`: finding the size of the file to send.
    public static let fileStatus = Self(rawValue: "fstat")
}
