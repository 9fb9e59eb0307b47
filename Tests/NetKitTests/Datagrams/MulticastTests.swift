import Testing
@testable import NetKit
import CNetKitShims
import NetKitTestSupport

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
        try sender.setOption(.ipv4MulticastLoop, true)
        try sender.setOption(.ipv4MulticastTimeToLive, 1)
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
        try sender.setOption(.ipv6MulticastHopLimit, 1)
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
        #expect(
            unicast?.description == "setsockopt(IPPROTO_IPV6, IPV6_JOIN_GROUP) failed: ::1 is not a multicast address")

        let four = try DatagramSocket(family: .ipv4)
        let v4 = #expect(throws: SocketError.self) { try four.joinMulticastGroup(.v4(.loopback)) }
        #expect(
            v4?.description == "setsockopt(IPPROTO_IP, IP_ADD_MEMBERSHIP) failed: 127.0.0.1 is not a multicast address")

        let noSuchInterface = #expect(throws: SocketError.self) {
            try four.joinMulticastGroup(.v4(Self.ipv4Group(3)), interfaceIndex: 999_999)
        }
        #expect(noSuchInterface?.errno == Errno(rawValue: ENODEV) || noSuchInterface?.errno == .addressNotAvailable)
    }
}

#if os(Linux)
import Foundation

/// IPv6 multicast delivery where loopback cannot carry it: in a network namespace
/// private to one thread, over a veth interface with a link-local address.
/// Needs `CAP_SYS_ADMIN` and `ip`; cancelled with the reason otherwise.
@Suite("Multicast in a private network namespace")
struct NamespaceMulticastTests {
    typealias Unshare = @convention(c) (CInt) -> CInt
    static let newNetworkNamespace: CInt = 0x4000_0000  // CLONE_NEWNET

    enum Outcome: Sendable {
        case received([UInt8], sender: SocketAddress?, interface: UInt32)
        case unavailable(String)
    }

    /// Runs the `ip` commands, but only in the namespace `expected` (checked in the
    /// child itself, so nothing ever touches the host's interfaces). Returns the exit status.
    ///
    /// Plain `posix_spawn` and `waitpid`, not Foundation's `Process`: the child must be
    /// spawned from this thread (it inherits the thread's namespace), and Foundation's
    /// shared process monitor must not be started from a thread that is about to exit.
    static func configure(_ ip: String, expectedNamespace expected: String) -> CInt? {
        let script = """
            [ "$(readlink /proc/self/ns/net)" = "$1" ] || exit 97
            "$2" link add nk0 type veth peer name nk1 &&
            "$2" link set nk1 up &&
            "$2" link set nk0 up multicast on &&
            "$2" -6 addr add fe80::1/64 dev nk0 nodad
            """
        let words: [String] = ["/bin/sh", "-c", script, "sh", expected, ip]
        var arguments: [UnsafeMutablePointer<CChar>?] = words.map { word in word.withCString { strdup($0) } } + [nil]
        defer { arguments.forEach { free($0) } }
        var pid: pid_t = 0
        guard posix_spawn(&pid, "/bin/sh", nil, nil, &arguments, environ) == 0 else { return nil }
        var status: CInt = 0
        while waitpid(pid, &status, 0) == -1 {
            guard errno == EINTR else { return nil }
        }
        return status & 0x7F == 0 ? (status >> 8) & 0xFF : nil
    }

    @Test("IPv6: join on a veth interface, receive a datagram sent to the group")
    func ipv6InNamespace() throws {
        let outcome = Handoff<Outcome>()
        let thread = BackgroundThread("netns") {
            guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "unshare") else {
                return outcome.put(.unavailable("no unshare(2) in libc"))
            }
            guard unsafeBitCast(symbol, to: Unshare.self)(Self.newNetworkNamespace) == 0 else {
                return outcome.put(.unavailable("unshare(CLONE_NEWNET) refused: not root?"))
            }
            // This thread (and only it) is now in a fresh namespace.
            guard
                let namespace = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/thread-self/ns/net"),
                let ip = ["/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip"].first(
                    where: FileManager.default.isExecutableFile)
            else { return outcome.put(.unavailable("no /proc/thread-self or no ip(8)")) }
            let status = Self.configure(ip, expectedNamespace: namespace)
            guard status == 0 else {
                return outcome.put(
                    .unavailable(
                        "configuring veth in the namespace failed (status \(status.map(String.init) ?? "none"))"))
            }
            let index = try Resolver.interfaceIndex(named: "nk0")
            let group = IPv6Address(0xFF12, 0, 0, 0, 0, 0, 0x4E4B, 0x9, scopeID: index)
            let receiver = try DatagramSocket(bindingTo: .ipv6(.any, port: 0))
            let port = try receiver.localAddress.port ?? 0
            try receiver.joinMulticastGroup(.v6(group), interfaceIndex: index)
            let sender = try DatagramSocket(family: .ipv6)
            try sender.setMulticastInterface(index: index)
            try sender.setOption(.ipv6MulticastLoop, true)
            try sender.send(Array("six in a namespace".utf8), to: .ipv6(group, port: port))
            try receiver.setOption(.receiveTimeout, .seconds(5))
            var buffer = [UInt8](repeating: 0, count: 64)
            let datagram = try receiver.receive(into: &buffer)
            try receiver.leaveMulticastGroup(.v6(group), interfaceIndex: index)
            outcome.put(.received(Array(buffer[..<datagram.count]), sender: datagram.sender, interface: index))
        }
        try thread.join()
        switch outcome.take() {
        case .received(let bytes, let sender, let interface):
            #expect(bytes == Array("six in a namespace".utf8))
            // From the veth's link-local address, scoped to that interface.
            #expect(sender?.ipAddress == .v6(IPv6Address(0xFE80, 0, 0, 0, 0, 0, 0, 1, scopeID: interface)))
        case .unavailable(let reason):
            try Test.cancel("IPv6 multicast namespace test unavailable: \(reason)")
        case nil:
            Issue.record("the namespace thread reported nothing")
        }
    }
}
#endif
