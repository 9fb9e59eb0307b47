import Testing
@testable import NetKit
import CNetKitShims

@Suite("Multicast on the loopback interface")
struct MulticastTests {
    /// A group per test, so parallel tests don't hear each other.
    static func ipv4Group(_ last: UInt8) -> IPv4Address { IPv4Address(239, 255, 77, last) }

    @Test("IPv4: join on lo by index, receive a datagram sent to the group, leave", arguments: [false, true])
    func ipv4JoinReceiveLeave(byAddress: Bool) throws {
        let loopback = try Resolver.interfaceIndex(named: "lo")
        let group = Self.ipv4Group(byAddress ? 2 : 1)
        let receiver = try DatagramSocket(bindingTo: .ipv4(.any, port: 0))
        let port = try #require(try receiver.localAddress.port)
        if byAddress {
            try receiver.joinMulticastGroup(group, interfaceAddress: .loopback)
        } else {
            try receiver.joinMulticastGroup(.v4(group), interfaceIndex: loopback)
        }

        let sender = try DatagramSocket(family: .ipv4)
        if byAddress {
            try sender.setMulticastInterface(address: .loopback)
        } else {
            try sender.bind(to: .ipv4(.any, port: 0))
            try sender.setMulticastInterface(index: loopback)
        }
        try sender.setOption(.multicastLoop, true)
        try sender.setOption(.multicastTimeToLive, 1)
        do {
            try sender.send(Array("to the group".utf8), to: .ipv4(group, port: port))
        } catch {
            try Test.cancel("the kernel refused multicast on lo: \(error)")
        }
        try receiver.setOption(.receiveTimeout, .seconds(5))
        var buffer = [UInt8](repeating: 0, count: 64)
        let datagram = try receiver.receive(into: &buffer)
        #expect(Array(buffer[..<datagram.count]) == Array("to the group".utf8))

        if byAddress {
            try receiver.leaveMulticastGroup(group, interfaceAddress: .loopback)
        } else {
            try receiver.leaveMulticastGroup(.v4(group), interfaceIndex: loopback)
        }
        // No longer a member: leaving again is refused, and group traffic no longer arrives.
        let again = #expect(throws: SocketError.self) {
            try receiver.leaveMulticastGroup(.v4(group), interfaceIndex: loopback)
        }
        #expect(again?.errno == .addressNotAvailable)
        #expect(again?.option == "IPPROTO_IP, IP_DROP_MEMBERSHIP")
        try sender.send(Array("after leaving".utf8), to: .ipv4(group, port: port))
        try receiver.setOption(.receiveTimeout, .milliseconds(200))
        let silence = #expect(throws: SocketError.self) { _ = try receiver.receive(into: &buffer) }
        #expect(silence?.isTimeout == true)
    }

    @Test("IPv6: join and leave on lo by index; delivery where lo carries IPv6 multicast")
    func ipv6JoinReceiveLeave() throws {
        let loopback = try Resolver.interfaceIndex(named: "lo")
        let group = try #require(IPv6Address("ff12::4e4b:1"))
        let receiver = try DatagramSocket(bindingTo: .ipv6(.any, port: 0))
        let port = try #require(try receiver.localAddress.port)
        try receiver.joinMulticastGroup(.v6(group), interfaceIndex: loopback)
        defer { _ = try? receiver.leaveMulticastGroup(.v6(group), interfaceIndex: loopback) }

        let sender = try DatagramSocket(bindingTo: .ipv6(.any, port: 0))
        try sender.setMulticastInterface(index: loopback)
        try sender.setOption(.ipv6MulticastLoop, true)
        try sender.setOption(.multicastHopLimit, 1)
        do {
            var scoped = group
            scoped.scopeID = loopback
            try sender.send(Array("six".utf8), to: .ipv6(scoped, port: port))
        } catch {
            // Linux's lo has no MULTICAST flag by default, so IPv6 has no multicast route on it.
            try Test.cancel("IPv6 multicast on lo is not routable here (lo lacks MULTICAST?): \(error)")
        }
        try receiver.setOption(.receiveTimeout, .seconds(5))
        var buffer = [UInt8](repeating: 0, count: 64)
        let datagram = try receiver.receive(into: &buffer)
        #expect(Array(buffer[..<datagram.count]) == Array("six".utf8))
    }

    @Test("IPv6 leave without membership, and non-multicast groups, are typed errors")
    func failures() throws {
        let six = try DatagramSocket(family: .ipv6)
        let group = try #require(IPv6Address("ff12::4e4b:2"))
        let loopback = try Resolver.interfaceIndex(named: "lo")
        try six.joinMulticastGroup(.v6(group), interfaceIndex: loopback)
        try six.leaveMulticastGroup(.v6(group), interfaceIndex: loopback)
        let notMember = #expect(throws: SocketError.self) {
            try six.leaveMulticastGroup(.v6(group), interfaceIndex: loopback)
        }
        #expect(notMember?.errno == .addressNotAvailable)
        #expect(notMember?.option == "IPPROTO_IPV6, IPV6_LEAVE_GROUP")

        let unicast = #expect(throws: SocketError.self) { try six.joinMulticastGroup(.v6(.loopback)) }
        #expect(unicast?.errno == nil)
        #expect(unicast?.description == "setsockopt(IPPROTO_IPV6, IPV6_JOIN_GROUP) failed: ::1 is not a multicast address")

        let four = try DatagramSocket(family: .ipv4)
        let v4 = #expect(throws: SocketError.self) { try four.joinMulticastGroup(.v4(.loopback)) }
        #expect(v4?.description == "setsockopt(IPPROTO_IP, IP_ADD_MEMBERSHIP) failed: 127.0.0.1 is not a multicast address")

        let noSuchInterface = #expect(throws: SocketError.self) {
            try four.joinMulticastGroup(.v4(Self.ipv4Group(3)), interfaceIndex: 999_999)
        }
        #expect(noSuchInterface?.errno == Errno(rawValue: ENODEV) || noSuchInterface?.errno == .addressNotAvailable)
    }
}
