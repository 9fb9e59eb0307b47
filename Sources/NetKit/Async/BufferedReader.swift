import CNetKitShims

/// Reads lines or length-prefixed frames from a stream connection, never holding
/// more than a fixed maximum.
///
/// ```swift
/// var reader = BufferedReader(maximumLength: 8192)
/// while let line = try await reader.readLine(from: connection) {
///     try await connection.sendAll(line + [UInt8(ascii: "\n")])
/// }
/// ```
///
/// The buffer starts small and grows up to `maximumLength` plus a few bytes; a
/// line or frame longer than `maximumLength` throws
/// ``BufferedReaderError/tooLong(limit:)`` instead of growing further.
///
/// Cancel safe, as long as you keep the reader: the bytes received so far stay
/// in it (a throwing `mutating` call keeps its changes), so the next call picks up
/// where the cancelled one stopped. Dropping a reader drops what it buffered.
/// Each line or frame is returned as a new array (one allocation per message).
public struct BufferedReader: Sendable {
    /// The longest line (without its `\n`) or frame payload accepted.
    public let maximumLength: Int

    private var storage: [UInt8] = []
    private var start = 0
    private var end = 0
    private var atEnd = false
    /// Where the search for `\n` resumes (bytes before it were searched already).
    private var scanned = 0
    /// Whether the rest of a too-long line is still to be skipped, up to its `\n`.
    private var isSkippingLine = false

    /// Creates an empty reader.
    ///
    /// - Parameter maximumLength: the longest line or frame accepted (at least 1).
    public init(maximumLength: Int = 64 * 1024) {
        self.maximumLength = Swift.max(1, maximumLength)
    }

    /// How many bytes are buffered and not yet returned.
    public var bufferedCount: Int { end - start }

    /// The most bytes the buffer ever holds.
    var capacityLimit: Int { maximumLength + 8 }

    /// The bytes allocated for the buffer now (for tests).
    var storageSize: Int { storage.count }

    /// The length prefix of a frame, read big-endian (network byte order).
    public enum FramePrefix: Sendable, Hashable {
        /// One byte.
        case uint8
        /// Two bytes, big-endian.
        case uint16
        /// Four bytes, big-endian.
        case uint32

        var size: Int {
            switch self {
            case .uint8: 1
            case .uint16: 2
            case .uint32: 4
            }
        }
    }

    // MARK: - Public reads

    /// Reads one line, without its `\n` (and without a `\r` before it).
    ///
    /// - Returns: the line; `nil` at end of stream with nothing buffered. A last line
    ///   without `\n` is returned as it is.
    /// - Throws: ``BufferedReaderError/tooLong(limit:)`` for a line longer than
    ///   ``maximumLength``: the line is dropped, and the next call skips the rest of it
    ///   (in bounded memory) and returns the line after it; the connection's errors;
    ///   `CancellationError`.
    public mutating func readLine(from connection: borrowing StreamConnection, deadline: IODeadline? = nil) async throws
        -> [UInt8]?
    {
        try await readLine(connection.owner, deadline: deadline)
    }

    /// Reads one line from a split connection's reader; see ``readLine(from:deadline:)-(StreamConnection,_)``.
    ///
    /// - Throws: as ``readLine(from:deadline:)-(StreamConnection,_)``.
    public mutating func readLine(from reader: borrowing StreamConnection.ReadHalf, deadline: IODeadline? = nil)
        async throws -> [UInt8]?
    {
        try await readLine(reader.owner, deadline: deadline)
    }

    /// Reads one frame: a big-endian length prefix, then that many bytes.
    ///
    /// - Returns: the payload; `nil` at end of stream between frames.
    /// - Throws: ``BufferedReaderError/tooLong(limit:)`` when the prefix announces more
    ///   than ``maximumLength`` (nothing more is read); ``BufferedReaderError/truncated(expected:received:)``
    ///   when the stream ends inside a frame; the connection's errors; `CancellationError`.
    public mutating func readFrame(
        from connection: borrowing StreamConnection, prefix: FramePrefix = .uint32, deadline: IODeadline? = nil
    ) async throws -> [UInt8]? {
        try await readFrame(connection.owner, prefix: prefix, deadline: deadline)
    }

    /// Reads one frame from a split connection's reader; see ``readFrame(from:prefix:deadline:)-(StreamConnection,_,_)``.
    ///
    /// - Throws: as ``readFrame(from:prefix:deadline:)-(StreamConnection,_,_)``.
    public mutating func readFrame(
        from reader: borrowing StreamConnection.ReadHalf, prefix: FramePrefix = .uint32, deadline: IODeadline? = nil
    ) async throws -> [UInt8]? {
        try await readFrame(reader.owner, prefix: prefix, deadline: deadline)
    }

    /// Reads exactly `count` bytes.
    ///
    /// - Returns: the bytes; `nil` at end of stream with nothing buffered.
    /// - Throws: ``BufferedReaderError/tooLong(limit:)`` when `count` exceeds
    ///   ``maximumLength``; ``BufferedReaderError/truncated(expected:received:)`` when
    ///   the stream ends first; the connection's errors; `CancellationError`.
    public mutating func read(count: Int, from connection: borrowing StreamConnection, deadline: IODeadline? = nil)
        async throws -> [UInt8]?
    {
        try await read(count: count, connection.owner, deadline: deadline)
    }

    /// Reads exactly `count` bytes from a split connection's reader.
    ///
    /// - Throws: as ``read(count:from:deadline:)-(_,StreamConnection,_)``.
    public mutating func read(count: Int, from reader: borrowing StreamConnection.ReadHalf, deadline: IODeadline? = nil)
        async throws -> [UInt8]?
    {
        try await read(count: count, reader.owner, deadline: deadline)
    }

    // MARK: - Implementation

    mutating func readLine(_ owner: DescriptorOwner, deadline: IODeadline?) async throws -> [UInt8]? {
        while isSkippingLine {
            if let newline = storage[start..<end].firstIndex(of: UInt8(ascii: "\n")) {
                consume(upTo: newline + 1)
                isSkippingLine = false
            } else {
                dropBuffered()
                if atEnd { return nil }
                try await fill(owner, deadline: deadline)
            }
        }
        while true {
            if let newline = storage[Swift.max(scanned, start)..<end].firstIndex(of: UInt8(ascii: "\n")) {
                var lineEnd = newline
                if lineEnd > start && storage[lineEnd - 1] == UInt8(ascii: "\r") { lineEnd -= 1 }
                let line = Array(storage[start..<lineEnd])
                consume(upTo: newline + 1)
                return line
            }
            scanned = end
            if end - start > maximumLength {
                dropBuffered()
                isSkippingLine = true
                throw BufferedReaderError.tooLong(limit: maximumLength)
            }
            if atEnd {
                guard end > start else { return nil }
                let line = Array(storage[start..<end])
                consume(upTo: end)
                return line
            }
            try await fill(owner, deadline: deadline)
        }
    }

    mutating func readFrame(_ owner: DescriptorOwner, prefix: FramePrefix, deadline: IODeadline?) async throws
        -> [UInt8]?
    {
        while end - start < prefix.size {
            if atEnd {
                guard end > start else { return nil }
                throw BufferedReaderError.truncated(expected: prefix.size, received: end - start)
            }
            try await fill(owner, deadline: deadline)
        }
        var length = 0
        for offset in 0..<prefix.size { length = length << 8 | Int(storage[start + offset]) }
        guard length <= maximumLength else {
            dropBuffered()
            throw BufferedReaderError.tooLong(limit: maximumLength)
        }
        let total = prefix.size + length
        while end - start < total {
            if atEnd { throw BufferedReaderError.truncated(expected: total, received: end - start) }
            try await fill(owner, deadline: deadline)
        }
        let payload = Array(storage[(start + prefix.size)..<(start + total)])
        consume(upTo: start + total)
        return payload
    }

    mutating func read(count: Int, _ owner: DescriptorOwner, deadline: IODeadline?) async throws -> [UInt8]? {
        guard count <= maximumLength else { throw BufferedReaderError.tooLong(limit: maximumLength) }
        while end - start < Swift.max(count, 0) {
            if atEnd {
                guard end > start else { return nil }
                throw BufferedReaderError.truncated(expected: count, received: end - start)
            }
            try await fill(owner, deadline: deadline)
        }
        let bytes = Array(storage[start..<(start + Swift.max(count, 0))])
        consume(upTo: start + Swift.max(count, 0))
        return bytes
    }

    private mutating func consume(upTo index: Int) {
        start = index
        scanned = index
        if start == end {
            start = 0
            end = 0
            scanned = 0
        }
    }

    private mutating func dropBuffered() {
        start = 0
        end = 0
        scanned = 0
    }

    /// Receives more bytes once (waiting if none are there); sets `atEnd` at end of stream.
    private mutating func fill(_ owner: DescriptorOwner, deadline: IODeadline?) async throws {
        makeRoom()
        guard end < storage.count else { throw BufferedReaderError.tooLong(limit: maximumLength) }
        let registration = try owner.registration()
        let fd = owner.descriptor
        let offset = end
        let received = try await registration.perform(.read, .receive, deadline: deadline) {
            () throws(SocketError) -> Int? in
            try storage.withUnsafeMutableBytes { raw in
                Result { () throws(SocketError) -> Int? in
                    let free = UnsafeMutableRawBufferPointer(rebasing: raw[offset...])
                    return try nonBlockingSyscall(.receive) {
                        system_recv(fd, free.baseAddress, free.count, CInt(MSG_DONTWAIT))
                    }
                }
            }.get()
        }
        if received == 0 { atEnd = true } else { end += received }
    }

    /// Moves the buffered bytes to the front and grows the storage (up to the limit),
    /// so there is room to receive into.
    private mutating func makeRoom() {
        if start > 0 && (end == storage.count || start > storage.count / 2) {
            let count = end - start
            storage.withUnsafeMutableBytes { raw in
                guard let base = raw.baseAddress else { return }
                memmove(base, base + start, count)
            }
            scanned = Swift.max(0, scanned - start)
            start = 0
            end = count
        }
        if end == storage.count && storage.count < capacityLimit {
            let grown = Swift.min(capacityLimit, Swift.max(4096, storage.count * 2))
            storage.append(contentsOf: repeatElement(0, count: grown - storage.count))
        }
    }
}

/// Why a ``BufferedReader`` call failed, apart from the connection's own errors.
public enum BufferedReaderError: Error, Hashable, Sendable, CustomStringConvertible {
    /// A line or frame is longer than the reader's maximum length.
    case tooLong(limit: Int)
    /// The stream ended inside a frame: `received` of `expected` bytes came.
    case truncated(expected: Int, received: Int)

    /// A readable explanation.
    public var description: String {
        switch self {
        case .tooLong(let limit): "a line or frame is longer than the limit of \(limit) bytes"
        case .truncated(let expected, let received):
            "the stream ended inside a frame (\(received) of \(expected) bytes)"
        }
    }
}
