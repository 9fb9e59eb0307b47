import CNetKitShims
import Testing
@testable import NetKit

@Suite("DatagramBatch: many datagrams per call")
struct BatchTests {
    static let families: [SocketAddress] = [.ipv4(.loopback, port: 0), .ipv6(.loopback, port: 0)]

    @Test("a staged batch goes out in one call and arrives with per-datagram lengths and senders", arguments: families)
    func sendAndReceive(any: SocketAddress) throws {
        let server = try DatagramSocket(bindingTo: any)
        let client = try DatagramSocket(bindingTo: any)
        try server.setOption(.receiveTimeout, .seconds(5))
        let destination = try server.localAddress
        var outgoing = try DatagramBatch(capacity: 8, bufferSize: 64)
        for index in 0..<5 {
            let payload = [UInt8](repeating: UInt8(index), count: index * 3)
            let staged = payload.withUnsafeBytes { outgoing.append($0, to: destination) }
            #expect(staged)
        }
        #expect(outgoing.count == 5)
        let sentCount = try client.send(outgoing)
        #expect(sentCount == 5)

        var incoming = try DatagramBatch(capacity: 8, bufferSize: 64)
        var lengths: [Int] = []
        let clientAddress = try client.localAddress
        // Loopback delivers at once, but a receive may return before all five are queued.
        for _ in 0..<5 where lengths.count < 5 {
            let received = try server.receive(into: &incoming)
            let batchCount = incoming.count
            #expect(received == batchCount)
            for index in 0..<received {
                let (sender, truncated) = (incoming.sender(at: index), incoming.isTruncated(at: index))
                #expect(sender == clientAddress)
                #expect(!truncated)
                let length = incoming.length(at: index)
                let expected = [UInt8](repeating: UInt8(lengths.count), count: length)
                incoming.withBytes(at: index) { #expect(Array($0) == expected) }
                lengths.append(length)
            }
        }
        #expect(lengths == [0, 3, 6, 9, 12])
    }

    @Test("a datagram longer than a slot is truncated and keeps its full length")
    func truncation() throws {
        let server = try DatagramSocket(bindingTo: .ipv4(.loopback, port: 0))
        let client = try DatagramSocket(family: .ipv4)
        try client.send([UInt8](repeating: 9, count: 300), to: try server.localAddress)
        var batch = try DatagramBatch(capacity: 4, bufferSize: 100)
        let received = try server.receive(into: &batch)
        let (truncated, length, kept) = (batch.isTruncated(at: 0), batch.length(at: 0), batch.count(at: 0))
        #expect(received == 1)
        #expect(truncated)
        #expect(length == 300)
        #expect(kept == 100)
    }

    @Test("tryReceive returns nil on an empty queue, and a batch is reusable across receives")
    func tryReceiveAndReuse() throws {
        let server = try DatagramSocket(bindingTo: .ipv4(.loopback, port: 0))
        let client = try DatagramSocket(family: .ipv4)
        var batch = try DatagramBatch(capacity: 4, bufferSize: 32)
        let nothing = try server.tryReceive(into: &batch)
        #expect(nothing == nil)
        let destination = try server.localAddress
        try server.setOption(.receiveTimeout, .seconds(5))
        for round in 0..<3 {
            try client.send([UInt8(round)], to: destination)
            let received = try server.receive(into: &batch)
            #expect(received == 1)
            batch.withBytes(at: 0) { #expect(Array($0) == [UInt8(round)]) }
        }
    }

    @Test("a connected socket sends a batch without addresses")
    func connectedBatch() throws {
        let server = try DatagramSocket(bindingTo: .ipv4(.loopback, port: 0))
        let client = try DatagramSocket(family: .ipv4)
        try client.connect(to: try server.localAddress)
        var batch = try DatagramBatch(capacity: 3, bufferSize: 16)
        for _ in 0..<3 {
            batch.append(to: nil) { buffer in
                buffer[0] = 42; return 1
            }
        }
        let refused = !batch.append(to: nil) { _ in 1 }
        #expect(refused, "a full batch refuses more")
        let noAddress = batch.sender(at: 0)
        #expect(noAddress == nil)
        let sent = try client.send(batch)
        #expect(sent == 3)
        var incoming = try DatagramBatch(capacity: 3, bufferSize: 16)
        try server.setOption(.receiveTimeout, .seconds(5))
        var total = 0
        for _ in 0..<3 where total < 3 { total += try server.receive(into: &incoming) }
        #expect(total == 3)
    }

    @Test("append refuses bytes longer than a slot")
    func oversizedAppend() throws {
        var batch = try DatagramBatch(capacity: 2, bufferSize: 4)
        let staged = [UInt8](repeating: 0, count: 5).withUnsafeBytes { batch.append($0, to: nil) }
        #expect(!staged)
        let count = batch.count
        #expect(count == 0)
    }

    #if DEBUG  // MockingDriver (the syscall mocking seam) exists in debug builds only
    @Test("errors: sending on an unconnected socket without addresses, a receive timeout, and a mocked EINTR")
    func failures() throws {
        let socket = try DatagramSocket(bindingTo: .ipv4(.loopback, port: 0))
        var batch = try DatagramBatch(capacity: 2, bufferSize: 8)
        batch.append(to: nil) { _ in 1 }
        do {
            _ = try socket.send(batch)
            Issue.record("sendmmsg without addresses on an unconnected socket succeeded")
        } catch {
            #expect(error.errno == .destinationAddressRequired)
        }
        try socket.setOption(.receiveTimeout, .milliseconds(20))
        var incoming = try DatagramBatch(capacity: 2, bufferSize: 8)
        do {
            _ = try socket.receive(into: &incoming)
            Issue.record("a receive with nothing queued returned")
        } catch {
            #expect(error.isTimeout)
        }

        let driver = MockingDriver()
        driver.failNext("recvmmsg", with: [.interrupted, .badFileDescriptor])
        let failure: SocketError? = MockingDriver.$current.withValue(driver) { () -> SocketError? in
            do throws(SocketError) {
                _ = try socket.receive(into: &incoming)
                return nil
            } catch {
                return error
            }
        }
        #expect(failure?.errno == .badFileDescriptor)
        #expect(failure?.operation == .receiveMultipleMessages)
        #expect(driver.calls == ["recvmmsg", "recvmmsg"])
    }
    #endif
}
