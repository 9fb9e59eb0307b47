import CNetKitShims

/// A reusable set of datagram slots for receiving or sending many datagrams per system call.
///
/// ```swift
/// var batch = try DatagramBatch(capacity: 32, bufferSize: 2048)
/// let received = try socket.receive(into: &batch)      // recvmmsg
/// for index in 0..<received {
///     let sender = batch.sender(at: index)
///     batch.withBytes(at: index) { bytes in handle(bytes, from: sender) }
/// }
/// ```
///
/// The batch allocates its message headers, I/O vectors, address storage and
/// data buffers once, in `init`; receiving and sending then allocate nothing.
/// On Linux one call of ``DatagramSocket/receive(into:)-(DatagramBatch)`` is
/// one `recvmmsg(2)` and ``DatagramSocket/send(_:)-(DatagramBatch)`` is one
/// `sendmmsg(2)`; elsewhere both loop over `recvmsg`/`sendmsg`.
///
/// Each slot holds one datagram: its bytes, its length, its address (the sender
/// after a receive, the destination for a send) and whether it was truncated.
public struct DatagramBatch: ~Copyable, @unchecked Sendable {
    /// The number of slots: the most datagrams one call receives or sends.
    public let capacity: Int
    /// The size of each slot's buffer in bytes; longer datagrams are truncated on receive.
    public let bufferSize: Int
    /// The number of slots in use: datagrams received by the last receive, or staged for sending.
    public private(set) var count: Int = 0
    /// Whether slots past the last receive still hold receive settings (no send was staged since).
    var readyForReceive = false

    @usableFromInline
    let messages: UnsafeMutablePointer<cnk_mmsghdr>
    let vectors: UnsafeMutablePointer<iovec>
    let addresses: UnsafeMutablePointer<sockaddr_storage>
    let buffers: UnsafeMutableRawPointer
    /// Per-slot room for one control message (a GSO segment size on send).
    let controls: UnsafeMutableRawPointer

    /// The control room per slot: `CMSG_SPACE(sizeof(uint16_t))`.
    static var slotControlSize: Int { ControlMessageLayout.space(MemoryLayout<UInt16>.size) }

    /// Creates a batch of `capacity` slots of `bufferSize` bytes each, allocating all storage now.
    ///
    /// - Parameters:
    ///   - capacity: the most datagrams per call, at least 1 (Linux caps one call at 1024).
    ///   - bufferSize: bytes per slot, at least 1; 65535 holds any UDP datagram (or a GRO super-datagram).
    /// - Throws: ``SocketError`` with `invalidArgument` when `capacity × bufferSize`
    ///   bytes cannot be counted in an `Int`, or `.noMemory` when the allocation fails.
    public init(capacity: Int, bufferSize: Int) throws(SocketError) {
        let capacity = Swift.max(1, Swift.min(capacity, 1024))
        let bufferSize = Swift.max(1, bufferSize)
        let slots = try Self.allocateSlots(capacity: capacity, bufferSize: bufferSize)
        self.capacity = capacity
        self.bufferSize = bufferSize
        messages = slots.messages
        vectors = slots.vectors
        addresses = slots.addresses
        buffers = slots.buffers
        controls = slots.controls
    }

    deinit {
        Self.freeSlots(messages: messages, vectors: vectors, addresses: addresses, buffers: buffers, controls: controls)
    }

    // MARK: - Reading slots

    /// Whether the datagram in slot `index` was longer than ``bufferSize`` and cut.
    /// The corresponding C flag is `MSG_TRUNC`.
    public func isTruncated(at index: Int) -> Bool {
        length(at: index) > bufferSize || slotWasTruncated(index)
    }

    /// The address of slot `index`: the sender after a receive, the destination when staged for sending.
    ///
    /// Decoded on demand, so a caller that doesn't ask pays nothing for it.
    /// `nil` when there is none (a connected send, or an unnamed Unix-domain sender).
    public func sender(at index: Int) -> SocketAddress? {
        precondition(index >= 0 && index < count, "DatagramBatch index out of range")
        return slotAddress(index)
    }

    @usableFromInline
    func _buffer(_ index: Int) -> UnsafeMutableRawPointer { buffers + index * bufferSize }

    // MARK: - Staging datagrams to send

    /// Empties the batch (``count`` becomes 0), keeping its storage.
    public mutating func removeAll() {
        count = 0
    }

    /// Copies `bytes` into the next free slot, to be sent to `address` (or to the
    /// connected peer when `address` is `nil`).
    ///
    /// The address is encoded once, here; sending the same batch again costs no
    /// further encoding.
    /// - Returns: `false` when the batch is full or `bytes` is longer than ``bufferSize``; nothing is staged then.
    @discardableResult
    public mutating func append(_ bytes: UnsafeRawBufferPointer, to address: SocketAddress?) -> Bool {
        guard count < capacity, bytes.count <= bufferSize else { return false }
        let index = count
        if let base = bytes.baseAddress, bytes.count > 0 {
            _buffer(index).copyMemory(from: base, byteCount: bytes.count)
        }
        stage(index, length: bytes.count, to: address)
        count += 1
        return true
    }

    #if os(Linux)
    /// Copies `bytes` into the next free slot as a GSO super-datagram: sent, the
    /// kernel splits it into datagrams of `segmentSize` bytes (the last may be
    /// shorter), so one `sendmmsg` carries many segments per slot.
    /// The corresponding C control message is `UDP_SEGMENT`.
    ///
    /// - Returns: `false` when the batch is full or `bytes` is longer than ``bufferSize``.
    @discardableResult
    public mutating func append(_ bytes: UnsafeRawBufferPointer, to address: SocketAddress?, segmentSize: Int) -> Bool {
        guard append(bytes, to: address) else { return false }
        setSegmentSize(segmentSize, slot: count - 1)
        return true
    }
    #endif

    /// Fills the next free slot in place: `body` writes into the slot's buffer and returns the byte count.
    ///
    /// - Returns: `false` when the batch is full; `body` is not called then.
    @discardableResult
    public mutating func append(
        to address: SocketAddress?, _ body: (UnsafeMutableRawBufferPointer) -> Int
    ) -> Bool {
        guard count < capacity else { return false }
        let index = count
        let written = body(UnsafeMutableRawBufferPointer(start: _buffer(index), count: bufferSize))
        stage(index, length: Swift.max(0, Swift.min(written, bufferSize)), to: address)
        count += 1
        return true
    }

    /// Records how many slots a receive filled (`count` is settable only in this file).
    @inline(__always)
    mutating func setReceived(_ received: Int) {
        count = received
    }
}
