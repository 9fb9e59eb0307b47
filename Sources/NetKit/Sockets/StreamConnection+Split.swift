import CNetKitShims
import Synchronization

// MARK: - Split into a reading and a writing half

extension StreamConnection {
    /// A connection split by ``StreamConnection/split()``: take both fields out,
    /// `let reader = halves.reader, writer = halves.writer`, and give each to its own task.
    ///
    /// (A struct rather than a tuple: tuples of `~Copyable` values are not supported.
    /// Frozen, so its fields can be taken out one by one in other modules.)
    @frozen
    public struct Halves: ~Copyable, Sendable {
        /// The half that receives.
        public let reader: ReadHalf
        /// The half that sends.
        public let writer: WriteHalf
    }

    /// Splits the connection into a half that receives and a half that sends, so one
    /// task can read while another writes (full duplex).
    ///
    /// ```swift
    /// let halves = connection.split()
    /// let reader = halves.reader, writer = halves.writer
    /// try await withThrowingDiscardingTaskGroup { group in
    ///     group.addTask { [reader = consume reader] in try await pump(from: reader) }
    ///     try await writer.sendAll(request)
    /// }
    /// ```
    /// Both halves share the one descriptor: it closes when both are gone. Dropping
    /// (or ``WriteHalf/shutdown()``) the writer shuts down the sending side, so the
    /// peer sees end of stream while the reader goes on receiving. ``ReadHalf/close()``
    /// or ``WriteHalf/close()`` closes the connection for both: the other half's
    /// pending and later async calls fail with ``SocketError/Reason/closed``.
    public consuming func split() -> Halves {
        let owner = self.owner
        return Halves(reader: ReadHalf(owner: owner), writer: WriteHalf(owner: owner))
    }

    /// The receiving half of a split ``StreamConnection``.
    public struct ReadHalf: ~Copyable, Sendable {
        let owner: DescriptorOwner

        init(owner: DescriptorOwner) {
            self.owner = owner
        }

        /// Waits for bytes and receives up to `buffer.count` of them; `0` means end of stream.
        /// The corresponding C call is `recv(2)` with `MSG_DONTWAIT`. Cancel safe.
        ///
        /// - Throws: as ``StreamConnection/receive(into:flags:deadline:)-(UnsafeMutableRawBufferPointer,_,_)``.
        public func receive(
            into buffer: UnsafeMutableRawBufferPointer, flags: MessageFlags = [], deadline: IODeadline? = nil
        ) async throws -> Int {
            try await AsyncStreamCalls.receive(owner, buffer, flags: flags, deadline: deadline)
        }

        /// Waits for bytes and receives them into a byte array's existing storage. Cancel safe.
        ///
        /// - Throws: as ``StreamConnection/receive(into:flags:deadline:)-(UnsafeMutableRawBufferPointer,_,_)``.
        public func receive(into buffer: inout [UInt8], flags: MessageFlags = [], deadline: IODeadline? = nil)
            async throws -> Int
        {
            try await AsyncStreamCalls.receive(owner, &buffer, flags: flags, deadline: deadline)
        }

        /// Lends the raw descriptor to `body`. Do not close it or keep it past `body`.
        public func withUnsafeDescriptor<R, E: Error>(_ body: (CInt) throws(E) -> R) throws(E) -> R {
            try body(owner.descriptor)
        }

        /// Closes the connection for both halves: pending async calls on either half
        /// are resumed with ``SocketError/Reason/closed`` (and later ones fail so),
        /// both directions are shut down (`shutdown(SHUT_RDWR)`, which also wakes
        /// blocking calls), and the descriptor itself closes once both halves are gone.
        ///
        /// Not `consuming`, so a task that captured the half can call it.
        public func close() {
            closeSplitConnection(owner)
        }
    }

    /// The sending half of a split ``StreamConnection``.
    public struct WriteHalf: ~Copyable, Sendable {
        let owner: DescriptorOwner
        let writeSide: WriteSide

        init(owner: DescriptorOwner) {
            self.owner = owner
            self.writeSide = WriteSide(owner)
        }

        /// Sends some of `bytes`, waiting while the send buffer is full. Cancel safe.
        ///
        /// - Throws: as ``StreamConnection/send(_:deadline:)``.
        @discardableResult
        public func send(_ bytes: UnsafeRawBufferPointer, deadline: IODeadline? = nil) async throws -> Int {
            try await AsyncStreamCalls.send(owner, bytes, deadline: deadline)
        }

        /// Sends all of `bytes`. Not cancel safe: part may have been sent when cancelled.
        ///
        /// - Throws: as ``StreamConnection/send(_:deadline:)``.
        public func sendAll(_ bytes: UnsafeRawBufferPointer, deadline: IODeadline? = nil) async throws {
            try await AsyncStreamCalls.sendAll(owner, bytes, deadline: deadline)
        }

        /// Sends all of any byte collection. Not cancel safe.
        ///
        /// - Throws: as ``StreamConnection/send(_:deadline:)``.
        public func sendAll<Bytes: Collection<UInt8>>(_ bytes: Bytes, deadline: IODeadline? = nil) async throws {
            try await AsyncStreamCalls.sendAll(owner, bytes, deadline: deadline)
        }

        /// Lends the raw descriptor to `body`. Do not close it or keep it past `body`.
        public func withUnsafeDescriptor<R, E: Error>(_ body: (CInt) throws(E) -> R) throws(E) -> R {
            try body(owner.descriptor)
        }

        /// Shuts down the sending side now (the peer sees end of stream); the reader
        /// goes on. Dropping the writer does the same, silently. Later sends fail
        /// with `.brokenPipe`. The corresponding C call is `shutdown(SHUT_WR)`.
        ///
        /// Not `consuming`, so a task that captured the half can call it.
        /// - Throws: ``SocketError`` from `shutdown`.
        public func shutdown() throws(SocketError) {
            try writeSide.shutdownNow()
        }

        /// Closes the connection for both halves; see ``ReadHalf/close()``.
        public func close() {
            writeSide.markDone()
            closeSplitConnection(owner)
        }
    }
}

/// Shuts a split connection's sending side down once: explicitly, or when the writer goes.
final class WriteSide: Sendable {
    private let owner: DescriptorOwner
    private let done = Atomic<Bool>(false)

    init(_ owner: DescriptorOwner) {
        self.owner = owner
    }

    deinit {
        if !done.exchange(true, ordering: .acquiringAndReleasing) {
            try? SocketCalls.shutdown(owner.descriptor, .write)
        }
    }

    func shutdownNow() throws(SocketError) {
        guard !done.exchange(true, ordering: .acquiringAndReleasing) else { return }
        try SocketCalls.shutdown(owner.descriptor, .write)
    }

    func markDone() {
        done.store(true, ordering: .releasing)
    }
}

/// Ends a split connection for both halves before its descriptor closes.
private func closeSplitConnection(_ owner: DescriptorOwner) {
    owner.closeForAsync()
    // ENOTCONN when the peer is gone already: nothing left to shut down.
    try? SocketCalls.shutdown(owner.descriptor, .both)
}
