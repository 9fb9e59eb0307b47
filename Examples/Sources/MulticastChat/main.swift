// multicast-chat: chat over IPv4 multicast, after SwiftNIO's NIOMulticastChat.
// Everyone joins one group on one interface; each line typed is sent to the
// group, and every datagram the group gets is printed with its sender. No server.
import ExampleSupport
import NetKit

let options = Options(
    help: """
        usage: multicast-chat [--group ADDRESS] [--port PORT] [--interface NAME]

        Joins the IPv4 multicast group (default 224.1.0.26) on port 7654 over the
        interface NAME (default lo, so it stays on this machine), sends each line of
        standard input to the group, and prints "sender: line" for every message the
        group gets, this program's own included. Run it in two terminals.
        """)
Termination.exitOnSignal("multicast-chat")

runOrExit("multicast-chat") {
    let groupText = options.string("--group", default: "224.1.0.26")
    guard let group = IPv4Address(groupText) else { throw ExampleError("not an IPv4 address: \(groupText)") }
    let port = options.port(default: 7654)
    let interface = try Resolver.interfaceIndex(named: options.string("--interface", default: "lo"))

    let socket = try DatagramSocket(family: .ipv4)
    try socket.setOption(.reuseAddress, true)  // several chatters on one machine share the port
    try socket.bind(to: .ipv4(group, port: port))  // only this group's datagrams, not all of the port's
    try socket.joinMulticastGroup(.v4(group), interfaceIndex: interface)
    try socket.setMulticastInterface(index: interface)
    try socket.setOption(.ipv4MulticastLoop, true)  // hear ourselves and the others on this machine
    let shared = SharedDatagramSocket(socket)
    let destination = SocketAddress.ipv4(group, port: port)
    print(
        "multicast-chat: joined \(group) on \(options.string("--interface", default: "lo")), listening on udp \(destination)"
    )

    startThread {  // standard input -> group
        while let line = readLine() { _ = try? shared.socket.send(Array(line.utf8), to: destination) }
    }
    var buffer = [UInt8](repeating: 0, count: 65_536)  // group -> standard output
    while true {
        let datagram = try shared.socket.receive(into: &buffer)
        print(
            "\(datagram.sender.map { "\($0)" } ?? "?"): \(String(decoding: buffer[..<datagram.count], as: UTF8.self))")
    }
}
