import CNetKitShims

// The C side of a DatagramBatch: its mmsghdr, iovec and sockaddr_storage slots,
// allocated once, and the header fields a receive or a staged send sets.

extension DatagramBatch {
    /// The storage of a batch, all zero-filled.
    struct Slots {
        var messages: UnsafeMutablePointer<cnk_mmsghdr>
        var vectors: UnsafeMutablePointer<iovec>
        var addresses: UnsafeMutablePointer<sockaddr_storage>
        var buffers: UnsafeMutableRawPointer
        var controls: UnsafeMutableRawPointer
    }

    /// Allocates and links the slots: each header points at its vector, address and buffer.
    ///
    /// Sizes that overflow `Int` are an `invalidArgument` error; a failed allocation
    /// is `.noMemory` (whatever was allocated is freed). Zero-filled by `calloc`, so
    /// a large buffer costs no page until it is used.
    static func allocateSlots(capacity: Int, bufferSize: Int) throws(SocketError) -> Slots {
        let (bufferBytes, overflow) = capacity.multipliedReportingOverflow(by: bufferSize)
        guard !overflow else {
            throw SocketError(
                .allocate,
                .invalidArgument(
                    "a batch of \(capacity) slots of \(bufferSize) bytes does not fit in memory (the size overflows Int)"
                ))
        }
        let messages = system_calloc(capacity, MemoryLayout<cnk_mmsghdr>.stride)
        let vectors = system_calloc(capacity, MemoryLayout<iovec>.stride)
        let addresses = system_calloc(capacity, MemoryLayout<sockaddr_storage>.stride)
        let buffers = system_calloc(bufferBytes, 1)
        let controls = system_calloc(capacity, slotControlSize)
        guard let messages, let vectors, let addresses, let buffers, let controls else {
            for pointer in [messages, vectors, addresses, buffers, controls] { system_free(pointer) }
            throw SocketError(.allocate, errno: .noMemory)
        }
        let slots = Slots(
            messages: messages.bindMemory(to: cnk_mmsghdr.self, capacity: capacity),
            vectors: vectors.bindMemory(to: iovec.self, capacity: capacity),
            addresses: addresses.bindMemory(to: sockaddr_storage.self, capacity: capacity),
            buffers: buffers,
            controls: controls)
        for index in 0..<capacity {
            slots.vectors[index] = iovec(iov_base: buffers + index * bufferSize, iov_len: bufferSize)
            var header = msghdr()
            header.msg_name = UnsafeMutableRawPointer(slots.addresses + index)
            header.msg_namelen = 0
            header.msg_iov = slots.vectors + index
            header.msg_iovlen = 1
            slots.messages[index] = cnk_mmsghdr(msg_hdr: header, msg_len: 0)
        }
        return slots
    }

    /// Frees what ``allocateSlots(capacity:bufferSize:)`` allocated.
    static func freeSlots(
        messages: UnsafeMutablePointer<cnk_mmsghdr>, vectors: UnsafeMutablePointer<iovec>,
        addresses: UnsafeMutablePointer<sockaddr_storage>, buffers: UnsafeMutableRawPointer,
        controls: UnsafeMutableRawPointer
    ) {
        system_free(messages)
        system_free(vectors)
        system_free(addresses)
        system_free(buffers)
        system_free(controls)
    }

    /// Whether the kernel flagged slot `index` with `MSG_TRUNC`.
    func slotWasTruncated(_ index: Int) -> Bool {
        messages[index].msg_hdr.msg_flags & CInt(MSG_TRUNC) != 0
    }

    /// The address in slot `index`, decoded; `nil` when the slot has none.
    func slotAddress(_ index: Int) -> SocketAddress? {
        let header = messages[index].msg_hdr
        guard header.msg_name != nil else { return nil }
        let address = UnsafeRawPointer(addresses + index).assumingMemoryBound(to: sockaddr.self)
        return SocketAddress.decodeFast(address, length: header.msg_namelen)
    }

    #if os(Linux)
    /// Gives slot `index` a `UDP_SEGMENT` control message.
    func setSegmentSize(_ segmentSize: Int, slot index: Int) {
        var writer = ControlMessageWriter(
            UnsafeMutableRawBufferPointer(start: controls + index * Self.slotControlSize, count: Self.slotControlSize))
        writer.append(level: CNK_IPPROTO_UDP, type: CNK_UDP_SEGMENT, value: UInt16(clamping: segmentSize))
        messages[index].msg_hdr.msg_control = controls + index * Self.slotControlSize
        messages[index].msg_hdr.msg_controllen = .init(writer.used)
    }
    #endif

    /// Sets slot `index` up to send `length` bytes to `address` (or the connected peer).
    mutating func stage(_ index: Int, length: Int, to address: SocketAddress?) {
        readyForReceive = false
        vectors[index].iov_len = length
        messages[index].msg_len = CUnsignedInt(length)
        messages[index].msg_hdr.msg_flags = 0
        messages[index].msg_hdr.msg_control = nil
        messages[index].msg_hdr.msg_controllen = 0
        if let address {
            messages[index].msg_hdr.msg_name = UnsafeMutableRawPointer(addresses + index)
            messages[index].msg_hdr.msg_namelen = address.encode(into: addresses + index)
        } else {
            messages[index].msg_hdr.msg_name = nil
            messages[index].msg_hdr.msg_namelen = 0
        }
    }

    /// Resets slots for a receive: full-size buffers, room for any address, no control data.
    @inline(__always)
    mutating func prepareForReceive() {
        // The kernel changes only the slots it filled: after a receive, reset those.
        let dirty = readyForReceive ? count : capacity
        readyForReceive = true
        setReceived(0)
        let storageSize = socklen_t(MemoryLayout<sockaddr_storage>.size)
        for index in 0..<dirty {
            vectors[index].iov_len = bufferSize
            messages[index].msg_hdr.msg_name = UnsafeMutableRawPointer(addresses + index)
            messages[index].msg_hdr.msg_namelen = storageSize
            messages[index].msg_hdr.msg_flags = 0
            messages[index].msg_hdr.msg_control = nil
            messages[index].msg_hdr.msg_controllen = 0
            messages[index].msg_len = 0
        }
    }
}
