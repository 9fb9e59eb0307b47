import CNetKitShims

// The file transfer behind `StreamConnection.sendFile`, blocking and async: the
// only code that touches `stat`, `off_t` and the file calls.

// MARK: - The transfer, shared by the blocking and async forms

/// One file transfer's progress: where in the file, how much is left, and
/// whether `sendfile` has been refused (then the portable path runs).
struct FileTransfer {
    let socket: CInt
    let file: CInt
    var position: Int64
    var remaining: Int64
    var usePortablePath: Bool

    init(socket: CInt, file: CInt, position: Int64, remaining: Int64) {
        self.socket = socket
        self.file = file
        self.position = position
        self.remaining = remaining
        #if os(Linux)
        usePortablePath = false
        #else
        usePortablePath = true
        #endif
    }

    /// Checks the arguments and works out how many bytes to send.
    static func byteCount(file: CInt, offset: Int64, count: Int64?) throws(SocketError) -> Int64 {
        guard offset >= 0 else {
            throw SocketError(.sendFile, .invalidArgument("a file offset must not be negative (\(offset))"))
        }
        if let count {
            guard count >= 0 else {
                throw SocketError(.sendFile, .invalidArgument("a byte count must not be negative (\(count))"))
            }
            return count
        }
        var info = stat()
        _ = try syscall(.fileStatus) { system_fstat(file, &info) }
        return max(0, Int64(info.st_size) - offset)
    }

    /// The portable path's scratch buffer, allocated on first use; see ``finish()``.
    var buffer: UnsafeMutableRawBufferPointer? = nil

    /// Frees the scratch buffer. Call once, when the transfer ends either way.
    mutating func finish() {
        buffer?.deallocate()
        buffer = nil
    }

    /// One attempt: sends what the socket takes now. Returns `true` after progress
    /// (or a switch to the portable path), `nil` when the socket would block.
    mutating func step() throws(SocketError) -> Bool? {
        let sent: Int?
        if usePortablePath {
            if buffer == nil { buffer = .allocate(byteCount: StreamConnection.fileCopyBufferSize, alignment: 16) }
            sent = try copyChunk(through: buffer!)
        } else {
            sent = try sendChunk()
        }
        guard let sent else { return nil }
        position += Int64(sent)
        remaining -= Int64(sent)
        return true
    }

    /// One `sendfile` call; `nil` when the socket's buffer is full. Switches to the
    /// portable path (and returns 0) when `sendfile` cannot read this file.
    private mutating func sendChunk() throws(SocketError) -> Int? {
        #if os(Linux)
        // Linux sends at most 0x7ffff000 bytes per call; ask for no more.
        let chunk = Int(min(remaining, 0x7fff_f000))
        var offset = off_t(position)
        let socket = self.socket, file = self.file
        let sent: Int?
        do {
            sent = try nonBlockingSyscall(.sendFile) { system_sendfile(socket, file, &offset, chunk) }
        } catch let error where error.errno == .invalidArgument || error.errno == Errno(rawValue: ENOSYS) {
            usePortablePath = true  // not a file sendfile can map (or no sendfile): read and send instead
            return 0
        }
        if sent == 0 { throw endOfFile() }
        return sent
        #else
        usePortablePath = true
        return 0
        #endif
    }

    /// One `pread` into `buffer`, then one `send` of what was read (it may take
    /// only part: the rest is read again next time, which keeps the buffer a plain
    /// scratch area). `nil` when the socket would block.
    private func copyChunk(through buffer: UnsafeMutableRawBufferPointer) throws(SocketError) -> Int? {
        let wanted = Int(min(remaining, Int64(buffer.count)))
        let file = self.file, position = self.position
        let read = try syscall(.readFile) { system_pread(file, buffer.baseAddress, wanted, off_t(position)) }
        if read == 0 { throw endOfFile() }
        let socket = self.socket
        return try nonBlockingSyscall(.sendFile) {
            system_send(socket, buffer.baseAddress, read, SocketCalls.sendFlags)
        }
    }

    private func endOfFile() -> SocketError {
        SocketError(
            .sendFile,
            .invalidArgument(
                "the file ended at byte \(position), \(remaining) bytes short of what was asked for"))
    }

    /// Waits for room in the send buffer of a non-blocking socket; on a blocking
    /// one, "would block" means its send timeout passed.
    static func waitUntilWritable(_ socket: CInt) throws(SocketError) {
        guard try SocketCalls.isNonBlocking(socket) else { throw SocketError(.sendFile, errno: .timedOut) }
        var item = PollItem(descriptor: socket, interest: .writable)
        _ = try withUnsafeMutablePointer(to: &item) { (pointer) throws(SocketError) in
            try poll(UnsafeMutableBufferPointer(start: pointer, count: 1), timeout: nil)
        }
    }
}
