import NetKit

// NetKit's UDP segmentation and receive offload, as the W2 GSO/GRO mode uses them.
enum Offload {
    static var isSupported: Bool {
        DatagramSocket.supportsSegmentationOffload && DatagramSocket.supportsReceiveOffload
    }

    static func enableReceiveOffload(on socket: borrowing DatagramSocket) throws {
        try socket.setOption(.udpReceiveOffload, true)
    }

    /// One receive: the bytes received and the segment size they coalesce.
    @inline(__always)
    static func receiveCoalesced(on socket: borrowing DatagramSocket, into buffer: UnsafeMutableRawBufferPointer) throws
        -> (Int, Int)
    {
        let message = try socket.receiveMessage(into: buffer)
        return (message.count, message.control.segmentSize ?? message.count)
    }

    @inline(__always)
    static func send(
        _ bytes: UnsafeRawBufferPointer, on socket: borrowing DatagramSocket, to address: SocketAddress,
        segmentSize: Int
    ) throws {
        try socket.send(bytes, to: address, segmentSize: segmentSize)
    }

    static func append(
        _ bytes: UnsafeRawBufferPointer, to batch: inout DatagramBatch, address: SocketAddress, segmentSize: Int
    ) {
        batch.append(bytes, to: address, segmentSize: segmentSize)
    }
}
