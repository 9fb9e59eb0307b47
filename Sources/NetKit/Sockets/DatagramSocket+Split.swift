// MARK: - Split into a receiving and a sending half

extension DatagramSocket {
    /// A datagram socket split by ``DatagramSocket/split()``: take both fields out,
    /// `let receiver = halves.receiver, sender = halves.sender`, one per task.
    @frozen
    public struct Halves: ~Copyable, Sendable {
        /// The half that receives.
        public let receiver: ReceiveHalf
        /// The half that sends.
        public let sender: SendHalf
    }

    /// Splits the socket so one task can receive while another sends, with no box.
    ///
    /// Both halves share the descriptor; it closes when both are gone.
    /// ``ReceiveHalf/close()`` or ``SendHalf/close()`` ends async use for both: the
    /// other half's pending and later async calls fail with ``SocketError/Reason/closed``.
    public consuming func split() -> Halves {
        let owner = self.owner
        return Halves(
            receiver: ReceiveHalf(DatagramSocket(sharing: owner)), sender: SendHalf(DatagramSocket(sharing: owner)))
    }

    /// A second handle on the same owner, only ever kept inside a half (which cannot close it).
    init(sharing owner: DescriptorOwner) {
        self.owner = owner
    }

    /// The receiving half of a split ``DatagramSocket``.
    public struct ReceiveHalf: ~Copyable, Sendable {
        let socket: DatagramSocket

        init(_ socket: consuming DatagramSocket) {
            self.socket = socket
        }

        /// Waits for a datagram and receives it with its sender. Cancel safe.
        ///
        /// - Throws: as ``DatagramSocket/receive(into:flags:deadline:)-(UnsafeMutableRawBufferPointer,_,_)``.
        public func receive(
            into buffer: UnsafeMutableRawBufferPointer, flags: MessageFlags = [], deadline: IODeadline? = nil
        ) async throws -> ReceivedDatagram {
            try await socket.receive(into: buffer, flags: flags, deadline: deadline)
        }

        /// Waits for a datagram and receives it into a byte array's existing storage. Cancel safe.
        ///
        /// - Throws: as ``DatagramSocket/receive(into:flags:deadline:)-(UnsafeMutableRawBufferPointer,_,_)``.
        public func receive(into buffer: inout [UInt8], flags: MessageFlags = [], deadline: IODeadline? = nil)
            async throws -> ReceivedDatagram
        {
            try await socket.receive(into: &buffer, flags: flags, deadline: deadline)
        }

        /// Waits for a datagram with its control messages. Cancel safe.
        ///
        /// - Throws: as ``DatagramSocket/receiveMessage(into:flags:deadline:)``.
        public func receiveMessage(
            into buffer: UnsafeMutableRawBufferPointer, flags: MessageFlags = [], deadline: IODeadline? = nil
        ) async throws -> ReceivedMessage {
            try await socket.receiveMessage(into: buffer, flags: flags, deadline: deadline)
        }

        /// Waits for datagrams and takes up to the batch's capacity. Cancel safe.
        ///
        /// - Throws: as ``DatagramSocket/receive(into:deadline:)``.
        @discardableResult
        public func receive(into batch: inout DatagramBatch, deadline: IODeadline? = nil) async throws -> Int {
            try await socket.receive(into: &batch, deadline: deadline)
        }

        /// Lends the raw descriptor to `body`. Do not close it or keep it past `body`.
        public func withUnsafeDescriptor<R, E: Error>(_ body: (CInt) throws(E) -> R) throws(E) -> R {
            try body(socket.descriptor)
        }

        /// Ends async use of the socket for both halves (pending calls fail with
        /// ``SocketError/Reason/closed``); the descriptor closes once both halves are gone.
        public func close() {
            socket.owner.closeForAsync()
        }
    }

    /// The sending half of a split ``DatagramSocket``.
    public struct SendHalf: ~Copyable, Sendable {
        let socket: DatagramSocket

        init(_ socket: consuming DatagramSocket) {
            self.socket = socket
        }

        /// Sends one datagram to `address`. Cancel safe.
        ///
        /// - Throws: as ``DatagramSocket/send(_:to:deadline:)-(UnsafeRawBufferPointer,_,_)``.
        @discardableResult
        public func send(_ bytes: UnsafeRawBufferPointer, to address: SocketAddress, deadline: IODeadline? = nil)
            async throws -> Int
        {
            try await socket.send(bytes, to: address, deadline: deadline)
        }

        /// Sends one datagram from any byte sequence to `address`. Cancel safe.
        ///
        /// - Throws: as ``DatagramSocket/send(_:to:deadline:)-(UnsafeRawBufferPointer,_,_)``.
        @discardableResult
        public func send<Bytes: Sequence<UInt8>>(_ bytes: Bytes, to address: SocketAddress, deadline: IODeadline? = nil)
            async throws -> Int
        {
            try await socket.send(bytes, to: address, deadline: deadline)
        }

        /// Sends one datagram to the connected peer. Cancel safe.
        ///
        /// - Throws: as ``DatagramSocket/send(_:deadline:)-(UnsafeRawBufferPointer,_)``.
        @discardableResult
        public func send<Bytes: Sequence<UInt8>>(_ bytes: Bytes, deadline: IODeadline? = nil) async throws -> Int {
            try await socket.send(bytes, deadline: deadline)
        }

        /// Sends a batch of staged datagrams. Cancel safe.
        ///
        /// - Throws: as ``DatagramSocket/send(_:deadline:)-(DatagramBatch,_)``.
        @discardableResult
        public func send(_ batch: borrowing DatagramBatch, deadline: IODeadline? = nil) async throws -> Int {
            try await socket.send(batch, deadline: deadline)
        }

        /// Lends the raw descriptor to `body`. Do not close it or keep it past `body`.
        public func withUnsafeDescriptor<R, E: Error>(_ body: (CInt) throws(E) -> R) throws(E) -> R {
            try body(socket.descriptor)
        }

        /// Ends async use of the socket for both halves; see ``ReceiveHalf/close()``.
        public func close() {
            socket.owner.closeForAsync()
        }
    }
}
