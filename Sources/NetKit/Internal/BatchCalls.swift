import CNetKitShims

// recvmmsg / sendmmsg over a DatagramBatch (a recvmsg / sendmsg loop elsewhere):
// the only code that calls them.

extension SocketCalls {
    /// Receives into `batch`, waiting for the first datagram (unless the socket is non-blocking).
    static func receiveBatch(_ fd: CInt, _ batch: inout DatagramBatch, flags: CInt) throws(SocketError) -> Int {
        batch.prepareForReceive()
        #if os(Linux)
        let messages = batch.messages
        let capacity = CUnsignedInt(batch.capacity)
        let flags = flags | CInt(MSG_WAITFORONE) | CInt(MSG_TRUNC)
        let received = Int(
            try blockingSyscall(.receiveMultipleMessages, descriptor: fd, flags: flags) {
                system_recvmmsg(fd, messages, capacity, flags, nil)
            })
        #else
        let header = firstHeader(batch)
        let length = try blockingSyscall(.receiveMessage, descriptor: fd, flags: flags) {
            system_recvmsg(fd, header, flags)
        }
        let received = takeQueued(fd, &batch, flags: flags, afterFirst: length)
        #endif
        batch.setReceived(received)
        return received
    }

    /// Receives into `batch` without waiting: `nil` when nothing is queued.
    static func tryReceiveBatch(_ fd: CInt, _ batch: inout DatagramBatch, flags: CInt) throws(SocketError) -> Int? {
        batch.prepareForReceive()
        #if os(Linux)
        let messages = batch.messages
        let capacity = CUnsignedInt(batch.capacity)
        let flags = flags | dontWait | CInt(MSG_WAITFORONE) | CInt(MSG_TRUNC)
        guard
            let count = try nonBlockingSyscall(
                .receiveMultipleMessages, { system_recvmmsg(fd, messages, capacity, flags, nil) })
        else { return nil }
        let received = Int(count)
        #else
        let header = firstHeader(batch)
        let flags = flags | dontWait
        guard let length = try nonBlockingSyscall(.receiveMessage, { system_recvmsg(fd, header, flags) }) else {
            return nil
        }
        let received = takeQueued(fd, &batch, flags: flags, afterFirst: length)
        #endif
        batch.setReceived(received)
        return received
    }

    #if !os(Linux)
    /// The first slot's `msghdr` (the first field of the slot).
    private static func firstHeader(_ batch: borrowing DatagramBatch) -> UnsafeMutablePointer<msghdr> {
        UnsafeMutableRawPointer(batch.messages).assumingMemoryBound(to: msghdr.self)
    }

    /// After the first datagram (`length` bytes) is in slot 0, takes what else is
    /// already queued without waiting (the `recvmmsg` loop elsewhere). A later error
    /// is reported by the next call, after these datagrams are handed over.
    private static func takeQueued(_ fd: CInt, _ batch: inout DatagramBatch, flags: CInt, afterFirst length: Int) -> Int
    {
        batch.messages[0].msg_len = CUnsignedInt(length)
        var received = 1
        let flags = flags | dontWait
        while received < batch.capacity {
            let header = UnsafeMutableRawPointer(batch.messages + received).assumingMemoryBound(to: msghdr.self)
            guard let length = try? nonBlockingSyscall(.receiveMessage, { system_recvmsg(fd, header, flags) })
            else { break }
            batch.messages[received].msg_len = CUnsignedInt(length)
            received += 1
        }
        return received
    }
    #endif

    /// One `sendmmsg` (or, elsewhere, one `sendmsg`); returns how many went.
    static func sendBatch(_ fd: CInt, _ messages: UnsafeMutablePointer<cnk_mmsghdr>, _ count: Int) throws(SocketError)
        -> Int
    {
        let flags = sendFlags
        #if os(Linux)
        let n = CUnsignedInt(Swift.min(count, 1024))
        return Int(
            try blockingSyscall(.sendMultipleMessages, descriptor: fd, flags: flags) {
                system_sendmmsg(fd, messages, n, flags)
            })
        #else
        let header = UnsafeMutableRawPointer(messages).assumingMemoryBound(to: msghdr.self)
        _ = try blockingSyscall(.sendMessage, descriptor: fd, flags: flags) { system_sendmsg(fd, header, flags) }
        return 1
        #endif
    }
}
