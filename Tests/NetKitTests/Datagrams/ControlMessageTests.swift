import CNetKitShims
import Testing
@testable import NetKit

@Suite("Control messages: CMSG arithmetic, recvmsg/sendmsg on loopback")
struct ControlMessageTests {
    @Test("the layout helpers agree with the C macros", arguments: [0, 1, 2, 4, 7, 8, 12, 16, 20, 100])
    func layout(length: Int) {
        #expect(ControlMessageLayout.space(length) == Int(cnk_cmsg_space(length)))
        #expect(ControlMessageLayout.length(length) == Int(cnk_cmsg_len(length)))
        #expect(ControlMessageLayout.dataOffset == MemoryLayout<cmsghdr>.size)
        let align = ControlMessageLayout.align(length)
        #expect(align >= length && align < length + MemoryLayout<Int>.size)
        #expect(align % MemoryLayout<Int>.size == 0)
    }

    @Test("the writer and reader walk messages exactly as CMSG_FIRSTHDR/CMSG_NXTHDR do")
    func writeAndRead() throws {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 256, alignment: 16)
        defer { buffer.deallocate() }
        var writer = ControlMessageWriter(buffer)
        let first = writer.append(level: 1, type: 2, value: UInt8(0xAB))
        let second = writer.append(level: 3, type: 4, value: (UInt64(7), UInt32(9)))
        let third = writer.append(level: 5, type: 6, value: CInt(-1))
        #expect(first && second && third)
        let messages = Array(ControlMessageReader(UnsafeRawPointer(buffer.baseAddress), length: writer.used))
        #expect(messages.map(\.level) == [1, 3, 5])
        #expect(messages.map(\.type) == [2, 4, 6])
        #expect(messages.map(\.data.count) == [1, 12, 4])
        #expect(messages[0].load(UInt8.self) == 0xAB)
        #expect(messages[2].load(CInt.self) == -1)
        #expect(messages[0].load(UInt64.self) == nil, "a load longer than the data is refused")

        // The C macros find the same headers at the same places.
        var header = msghdr()
        header.msg_control = buffer.baseAddress
        header.msg_controllen = .init(writer.used)
        var offsets: [Int] = []
        var cmsg = cnk_cmsg_firsthdr(&header)
        while let current = cmsg, offsets.count < 10 {
            offsets.append(UnsafeRawPointer(current) - UnsafeRawPointer(buffer.baseAddress!))
            cmsg = cnk_cmsg_nxthdr(&header, current)
        }
        #expect(
            offsets == [
                0, ControlMessageLayout.space(1), ControlMessageLayout.space(1) + ControlMessageLayout.space(12),
            ])
    }

    @Test("a full writer refuses, and a malformed length ends the walk")
    func bounds() {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 32, alignment: 16)
        defer { buffer.deallocate() }
        var writer = ControlMessageWriter(buffer)
        let first = writer.append(level: 1, type: 1, value: CInt(1))
        let second = writer.append(level: 1, type: 1, value: CInt(1))
        #expect(first)
        #expect(!second, "no room for a second 24-byte message in 32 bytes")
        var bad = cmsghdr()
        bad.cmsg_len = 4096
        buffer.storeBytes(of: bad, as: cmsghdr.self)
        #expect(Array(ControlMessageReader(UnsafeRawPointer(buffer.baseAddress), length: 32)).isEmpty)
        #expect(Array(ControlMessageReader(nil, length: 32)).isEmpty)
    }

    @Test("IPv4 packet info: the destination address and interface arrive, and a source address can be chosen")
    func packetInfoIPv4() throws {
        let server = try DatagramSocket(bindingTo: .ipv4(.any, port: 0))
        try server.setOption(.ipv4ReceivePacketInfo, true)
        try server.setOption(.receiveTimeout, .seconds(5))
        let port = try server.localAddress.port!
        let client = try DatagramSocket(bindingTo: .ipv4(.loopback, port: 0))
        try client.setOption(.receiveTimeout, .seconds(5))
        try client.send(Array("hi".utf8), to: .ipv4(IPv4Address(127, 0, 0, 2), port: port))

        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 64, alignment: 16)
        defer { buffer.deallocate() }
        let message = try server.receiveMessage(into: buffer)
        #expect(message.count == 2)
        #expect(message.control.packetInfo?.address == .v4(IPv4Address(127, 0, 0, 2)))
        #expect(message.control.packetInfo?.interfaceIndex == (try Resolver.interfaceIndex(named: "lo")))
        #expect(!message.isControlTruncated)

        // Reply from the address the client wrote to, though the server is bound to 0.0.0.0.
        let info = PacketInfo(address: .v4(IPv4Address(127, 0, 0, 2)))
        try server.send(
            UnsafeRawBufferPointer(rebasing: buffer[..<2]), to: message.sender!,
            control: ControlMessages(packetInfo: info))
        var reply = [UInt8](repeating: 0, count: 8)
        let received = try client.receive(into: &reply)
        #expect(received.sender == .ipv4(IPv4Address(127, 0, 0, 2), port: port))
    }

    @Test("IPv6 packet info and traffic class arrive")
    func packetInfoIPv6() throws {
        let server = try DatagramSocket(bindingTo: .ipv6(.loopback, port: 0))
        try server.setOption(.ipv6ReceivePacketInfo, true)
        try server.setOption(.ipv6ReceiveTrafficClass, true)
        try server.setOption(.receiveTimeout, .seconds(5))
        let client = try DatagramSocket(family: .ipv6)
        let destination = try server.localAddress
        _ = try [UInt8](repeating: 1, count: 3).withUnsafeBytes { bytes throws(SocketError) in
            try client.send(bytes, to: destination, control: ControlMessages(trafficClass: 0b1010_0001))
        }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 64, alignment: 16)
        defer { buffer.deallocate() }
        let message = try server.receiveMessage(into: buffer)
        #expect(message.count == 3)
        #expect(message.control.packetInfo?.address == .v6(.loopback))
        #expect(message.control.trafficClass == 0b1010_0001)
        #expect(message.control.ecn == .capable1)
    }

    @Test("IPv4 type of service with ECN, a receive timestamp and the drop counter arrive")
    func tosTimestampDrops() throws {
        let server = try DatagramSocket(bindingTo: .ipv4(.loopback, port: 0))
        try server.setOption(.ipv4ReceiveTypeOfService, true)
        try server.setOption(.receiveTimestamp, true)
        try server.setOption(.receiveDropCount, true)
        try server.setOption(.receiveTimeout, .seconds(5))
        let client = try DatagramSocket(family: .ipv4)
        let destination = try server.localAddress
        _ = try [UInt8(9)].withUnsafeBytes { bytes throws(SocketError) in
            try client.send(bytes, to: destination, control: ControlMessages(trafficClass: 0x10 | 0b10))
        }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 64, alignment: 16)
        defer { buffer.deallocate() }
        let message = try server.receiveMessage(into: buffer)
        #expect(message.control.trafficClass == 0x12)
        #expect(message.control.ecn == .capable0)
        let timestamp = try #require(message.control.timestamp)
        #expect(timestamp > .seconds(1_600_000_000), "a CLOCK_REALTIME time after 2020")
        #expect(message.control.dropCount == 0 || message.control.dropCount == nil)
        // No datagram queued: tryReceiveMessage says so without blocking.
        #expect(try server.tryReceiveMessage(into: buffer) == nil)
    }

    @Test("the drop counter counts datagrams a full receive buffer dropped")
    func dropCounter() throws {
        let server = try DatagramSocket(bindingTo: .ipv4(.loopback, port: 0))
        try server.setOption(.receiveBufferSize, 2048)
        try server.setOption(.receiveDropCount, true)
        try server.setOption(.receiveTimeout, .seconds(5))
        let client = try DatagramSocket(family: .ipv4)
        let destination = try server.localAddress
        let payload = [UInt8](repeating: 0, count: 1000)
        for _ in 0..<64 { try client.send(payload, to: destination) }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 2048, alignment: 16)
        defer { buffer.deallocate() }
        // The kernel stamps each queued datagram with the drops so far; drain what was
        // queued before the drops, then one sent after them carries the count.
        var drained = 0
        while try server.tryReceiveMessage(into: buffer) != nil, drained < 64 { drained += 1 }
        #expect(drained < 64, "some of the 64 datagrams were dropped")
        try client.send(payload, to: destination)
        let message = try server.receiveMessage(into: buffer)
        let drops = try #require(message.control.dropCount)
        #expect(drops > 0 && drops <= 64)
    }

    #if DEBUG  // MockingDriver (the syscall mocking seam) exists in debug builds only
    @Test("recvmsg failures are typed; EINTR is retried")
    func failures() throws {
        let socket = try DatagramSocket(bindingTo: .ipv4(.loopback, port: 0))
        try socket.setOption(.receiveTimeout, .milliseconds(20))
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 16, alignment: 16)
        defer { buffer.deallocate() }
        do {
            _ = try socket.receiveMessage(into: buffer)
            Issue.record("a receive with nothing queued returned")
        } catch {
            #expect(error.isTimeout)
            #expect(error.operation == .receiveMessage)
        }
        let driver = MockingDriver()
        driver.failNext("sendmsg", with: [.interrupted, .noBufferSpace])
        let destination = try socket.localAddress
        let failure: SocketError? = MockingDriver.$current.withValue(driver) { () -> SocketError? in
            do throws(SocketError) {
                _ = try socket.send(UnsafeRawBufferPointer(buffer), to: destination, control: ControlMessages())
                return nil
            } catch {
                return error
            }
        }
        #expect(failure?.errno == .noBufferSpace)
        #expect(failure?.address == destination)
        #expect(driver.calls == ["sendmsg", "sendmsg"])
    }
    #endif
}
