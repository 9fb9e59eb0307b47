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
        try SocketCalls.receiveBatch(descriptor, &batch, flags: 0)
    }

    /// Receives up to `batch.capacity` queued datagrams without waiting; `nil` when none is queued.
    ///
    /// - Throws: ``SocketError`` from `recvmmsg` for anything but "would block".
    public func tryReceive(into batch: inout DatagramBatch) throws(SocketError) -> Int? {
        try SocketCalls.tryReceiveBatch(descriptor, &batch, flags: 0)
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
                let count = try SocketCalls.sendBatch(fd, batch.messages + sent, batch.count - sent)
                sent += count
            } catch {
                if sent > 0 { return sent }
                throw error
            }
        }
        return sent
    }
}
