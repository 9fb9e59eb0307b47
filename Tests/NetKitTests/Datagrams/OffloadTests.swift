import CNetKitShims
import Testing
@testable import NetKit

@Suite("UDP segmentation and receive offload (GSO/GRO) on loopback")
struct OffloadTests {
    @Test("the capability probe matches what setsockopt says")
    func capability() throws {
        let socket = try DatagramSocket(family: .ipv4)
        let segmentation = (try? socket.option(.udpSegment)) != nil
        #expect(DatagramSocket.supportsSegmentationOffload == segmentation)
        let receive = (try? socket.setOption(.udpReceiveOffload, true)) != nil
        #expect(DatagramSocket.supportsReceiveOffload == receive)
    }

    @Test("one GSO send arrives as separate datagrams of the segment size, the last one shorter")
    func segmentationWithoutGRO() throws {
        try #require(DatagramSocket.supportsSegmentationOffload)
        let server = try DatagramSocket(bindingTo: .ipv4(.loopback, port: 0))
        try server.setOption(.receiveTimeout, .seconds(5))
        let client = try DatagramSocket(family: .ipv4)
        let payload = (0..<2500).map { UInt8(truncatingIfNeeded: $0) }
        let destination = try server.localAddress
        let sent = try payload.withUnsafeBytes { bytes throws(SocketError) in
            try client.send(bytes, to: destination, segmentSize: 1000)
        }
        #expect(sent == 2500)
        var buffer = [UInt8](repeating: 0, count: 4096)
        var lengths: [Int] = []
        var received: [UInt8] = []
        for _ in 0..<3 {
            let datagram = try server.receive(into: &buffer)
            lengths.append(datagram.count)
            received += buffer[..<datagram.count]
        }
        #expect(lengths == [1000, 1000, 500])
        #expect(received == payload)
    }

    @Test("with GRO on, the segments arrive coalesced and the segment size is reported")
    func receiveOffload() throws {
        try #require(DatagramSocket.supportsSegmentationOffload && DatagramSocket.supportsReceiveOffload)
        let server = try DatagramSocket(bindingTo: .ipv4(.loopback, port: 0))
        try server.setOption(.udpReceiveOffload, true)
        #expect(try server.option(.udpReceiveOffload))
        try server.setOption(.receiveTimeout, .seconds(5))
        let client = try DatagramSocket(family: .ipv4)
        let payload = [UInt8](repeating: 0x5A, count: 1472 * 8)
        let destination = try server.localAddress
        let sent = try payload.withUnsafeBytes { bytes throws(SocketError) -> Int in
            try client.send(bytes, to: destination, segmentSize: 1472)
        }
        #expect(sent == payload.count)
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 65536, alignment: 16)
        defer { buffer.deallocate() }
        var total = 0
        var sizes: Set<Int> = []
        // GRO may hand the eight segments over in one or more pieces.
        for _ in 0..<8 where total < payload.count {
            let message = try server.receiveMessage(into: buffer)
            total += message.count
            if let size = message.control.segmentSize { sizes.insert(size) }
        }
        #expect(total == payload.count)
        #expect(sizes == [1472], "a coalesced receive reports the original segment size")
    }

    @Test("the segment size option round-trips, and a segment size the kernel refuses is a typed error")
    func segmentOptionAndRefusal() throws {
        try #require(DatagramSocket.supportsSegmentationOffload)
        let socket = try DatagramSocket(bindingTo: .ipv4(.loopback, port: 0))
        try socket.setOption(.udpSegment, 1200)
        #expect(try socket.option(.udpSegment) == 1200)
        try socket.setOption(.udpSegment, 0)
        // More segments in one send than the kernel allows (64, or 128 on newer kernels) is refused.
        let payload = UnsafeMutableRawBufferPointer.allocate(byteCount: 200 * 10, alignment: 16)
        defer { payload.deallocate() }
        payload.initializeMemory(as: UInt8.self, repeating: 0)
        let destination = try socket.localAddress
        do {
            _ = try socket.send(UnsafeRawBufferPointer(payload), to: destination, segmentSize: 10)
            Issue.record("a 200-segment GSO send was accepted")
        } catch {
            #expect(error.errno == .invalidArgument)
            #expect(error.operation == .sendMessage)
        }
    }

    @Test("a DatagramBatch carries GSO super-datagrams: one sendmmsg, many segments per slot")
    func batchedSegmentation() throws {
        try #require(DatagramSocket.supportsSegmentationOffload)
        let server = try DatagramSocket(bindingTo: .ipv4(.loopback, port: 0))
        try server.setOption(.receiveTimeout, .seconds(5))
        let client = try DatagramSocket(family: .ipv4)
        let destination = try server.localAddress
        var batch = try DatagramBatch(capacity: 3, bufferSize: 4096)
        let first = [UInt8](repeating: 1, count: 300)
        let second = [UInt8](repeating: 2, count: 250)
        let staged1 = first.withUnsafeBytes { batch.append($0, to: destination, segmentSize: 100) }
        let staged2 = second.withUnsafeBytes { batch.append($0, to: destination, segmentSize: 100) }
        let staged3 = [UInt8](repeating: 3, count: 50).withUnsafeBytes { batch.append($0, to: destination) }
        #expect(staged1 && staged2 && staged3)
        let sent = try client.send(batch)
        #expect(sent == 3)
        var lengths: [Int] = []
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        for _ in 0..<7 {
            let datagram = try server.receive(into: &buffer)
            lengths.append(datagram.count)
            bytes.append(buffer[0])
        }
        #expect(lengths == [100, 100, 100, 100, 100, 50, 50])
        #expect(bytes == [1, 1, 1, 2, 2, 2, 3])
        // The same batch, received into: the control area is cleared for receiving.
        try client.send([9], to: destination)
        var incoming = try DatagramBatch(capacity: 2, bufferSize: 64)
        let received = try server.receive(into: &incoming)
        #expect(received == 1)
    }
}
