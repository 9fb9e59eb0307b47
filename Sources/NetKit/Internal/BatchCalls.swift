import CNetKitShims

// recvmmsg / sendmmsg over a DatagramBatch (a recvmsg / sendmsg loop elsewhere):
// the only code that calls them.

extension SocketCalls {
    /// Receives into `batch`, waiting for the first datagram (unless the socket is non-blocking).
    static func receiveBatch(_ fd: CInt, _ batch: inout DatagramBatch, flags: CInt) throws(SocketError) -> Int {
        try receiveBatch(fd, &batch, flags: flags, blocking: true)!
    }

    /// Receives into `batch` without waiting: `nil` when nothing is queued.
    static func tryReceiveBatch(_ fd: CInt, _ batch: inout DatagramBatch, flags: CInt) throws(SocketError) -> Int? {
        try receiveBatch(fd, &batch, flags: flags | dontWait, blocking: false)
    }

    // One body for both forms: the `recvmsg` loop elsewhere differs in whether its
    // first call waits. The blocking caller above never sees `nil`: its funnel
    // throws instead.
    @inline(__always)
    private static func receiveBatch(_ fd: CInt, _ batch: inout DatagramBatch, flags: CInt, blocking: Bool) throws(SocketError) -> Int? {
        batch.prepareForReceive()
        #if os(Linux)
        let messages = batch.messages
        let capacity = CUnsignedInt(batch.capacity)
        let flags = flags | CInt(MSG_WAITFORONE) | CInt(MSG_TRUNC)
        let received: CInt?
        if blocking {
            received = try blockingSyscall(.receiveMultipleMessages, descriptor: fd, flags: flags) {
                system_recvmmsg(fd, messages, capacity, flags, nil)
            }
        } else {
            received = try nonBlockingSyscall(.receiveMultipleMessages) { system_recvmmsg(fd, messages, capacity, flags, nil) }
        }
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
            let callFlags = flags | (wait ? 0 : dontWait)
            let length: Int?
            if received == 0 {
                length = wait
                    ? try blockingSyscall(.receiveMessage, descriptor: fd, flags: callFlags) { system_recvmsg(fd, header, callFlags) }
                    : try nonBlockingSyscall(.receiveMessage) { system_recvmsg(fd, header, callFlags) }
            } else {
                // A later error is reported by the next call, after these datagrams are handed over.
                do { length = try nonBlockingSyscall(.receiveMessage) { system_recvmsg(fd, header, callFlags) } } catch { break }
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
    static func sendBatch(_ fd: CInt, _ messages: UnsafeMutablePointer<cnk_mmsghdr>, _ count: Int) throws(SocketError) -> Int {
        let flags = sendFlags
        #if os(Linux)
        let n = CUnsignedInt(Swift.min(count, 1024))
        return Int(try blockingSyscall(.sendMultipleMessages, descriptor: fd, flags: flags) { system_sendmmsg(fd, messages, n, flags) })
        #else
        let header = UnsafeMutableRawPointer(messages).assumingMemoryBound(to: msghdr.self)
        _ = try blockingSyscall(.sendMessage, descriptor: fd, flags: flags) { system_sendmsg(fd, header, flags) }
        return 1
        #endif
    }
}
