import NetKit

// NetKit's UDP segmentation and receive offload, as the W2 GSO/GRO mode uses them.
enum Offload {
    static var isSupported: Bool { false }

    static func enableReceiveOffload(on socket: borrowing DatagramSocket) throws {
        throw BenchmarkFailure("GRO not in NetKit yet")
    }

    static func receiveCoalesced(on socket: borrowing DatagramSocket, into buffer: UnsafeMutableRawBufferPointer) throws -> (Int, Int) {
        throw BenchmarkFailure("GRO not in NetKit yet")
    }

    static func send(_ bytes: UnsafeRawBufferPointer, on socket: borrowing DatagramSocket, to address: SocketAddress, segmentSize: Int) throws {
        throw BenchmarkFailure("GSO not in NetKit yet")
    }
}
