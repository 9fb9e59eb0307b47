import CNetKitShims

// MARK: - Many datagrams per system call

extension DatagramSocket {
    /// Receives up to `batch.capacity` datagrams in one call, each with its sender,
    /// length and truncation flag. The corresponding C call is `recvmmsg(2)` with
    /// `MSG_WAITFORONE` (elsewhere a `recvmsg` loop).
    ///
    /// Waits for the first datagram (unless the socket is non-blocking), then takes
    /// whatever else is already queued, without waiting for more. Allocates nothing.
    /// - Returns: the number of datagrams received, also ``DatagramBatch/count``; at least 1.
    /// - Throws: ``SocketError`` from `recvmmsg`; `.timedOut` when a receive timeout passes.
    @discardableResult
    public func receive(into batch: inout DatagramBatch) throws(SocketError) -> Int {
        try receiveBatch(&batch, flags: 0, blocking: true)!
    }

    /// Receives up to `batch.capacity` queued datagrams without waiting; `nil` when none is queued.
    ///
    /// - Throws: ``SocketError`` from `recvmmsg` for anything but "would block".
    public func tryReceive(into batch: inout DatagramBatch) throws(SocketError) -> Int? {
        try receiveBatch(&batch, flags: CInt(MSG_DONTWAIT), blocking: false)
    }

    /// Sends the datagrams staged in `batch`, each to its own address (or to the
    /// connected peer). The corresponding C call is `sendmmsg(2)` (elsewhere a `sendmsg` loop).
    ///
    /// The batch is not emptied: sending it again sends the same datagrams.
    /// - Returns: the number sent: all of them, or fewer when an error stopped the
    ///   batch part-way (the error then repeats on the next call).
    /// - Throws: ``SocketError`` when not even the first datagram could be sent.
    @discardableResult
    public func send(_ batch: borrowing DatagramBatch) throws(SocketError) -> Int {
        let fd = descriptor
        var sent = 0
        // Each pass sends at least one datagram or throws or returns: bounded by batch.count.
        while sent < batch.count {
            do {
                let count = try sendMessages(fd, batch.messages + sent, batch.count - sent)
                sent += count
            } catch {
                if sent > 0 { return sent }
                throw error
            }
        }
        return sent
    }

    @inline(__always)
    func receiveBatch(_ batch: inout DatagramBatch, flags: CInt, blocking: Bool) throws(SocketError) -> Int? {
        batch.prepareForReceive()
        let fd = descriptor
        #if os(Linux)
        let messages = batch.messages
        let capacity = CUnsignedInt(batch.capacity)
        let call = { system_recvmmsg(fd, messages, capacity, flags | CInt(MSG_WAITFORONE) | CInt(MSG_TRUNC), nil) }
        let received = blocking
            ? try blockingResult(.receiveMultipleMessages, call)
            : try nonBlockingSyscall(.receiveMultipleMessages, call)
        guard let received else { return nil }
        batch.setReceived(Int(received))
        return Int(received)
        #else
        var received = 0
        while received < batch.capacity {
            // msg_hdr is the first field of the slot.
            let header = UnsafeMutableRawPointer(batch.messages + received).assumingMemoryBound(to: msghdr.self)
            // The first waits (when blocking); the rest only take what is queued.
            let wait = received == 0 && blocking
            let call = { system_recvmsg(fd, header, flags | (wait ? 0 : CInt(MSG_DONTWAIT))) }
            let length: Int?
            if received == 0 {
                length = wait ? try blockingResult(.receiveMessage, call) : try nonBlockingSyscall(.receiveMessage, call)
            } else {
                // A later error is reported by the next call, after these datagrams are handed over.
                do { length = try nonBlockingSyscall(.receiveMessage, call) } catch { break }
            }
            guard let length else { break }
            batch.messages[received].msg_len = CUnsignedInt(length)
            received += 1
        }
        guard received > 0 else { return nil }
        batch.setReceived(received)
        return received
        #endif
    }

    /// One `sendmmsg` (or, elsewhere, one `sendmsg`); returns how many went.
    @inline(__always)
    func sendMessages(_ fd: CInt, _ messages: UnsafeMutablePointer<cnk_mmsghdr>, _ count: Int) throws(SocketError) -> Int {
        #if os(Linux)
        let n = CUnsignedInt(Swift.min(count, 1024))
        return Int(try blockingResult(.sendMultipleMessages) { system_sendmmsg(fd, messages, n, SocketCalls.sendFlags) })
        #else
        let header = UnsafeMutableRawPointer(messages).assumingMemoryBound(to: msghdr.self)
        _ = try blockingResult(.sendMessage) { system_sendmsg(fd, header, SocketCalls.sendFlags) }
        return 1
        #endif
    }
}
