// gethost-echo-client: the course's UDP echo client given a numeric address
// (its gethostbyname variant): no resolver, just sendto and recvfrom.
import ExampleSupport
import NetKit

let options = Options(
    help: """
        usage: gethost-echo-client [--host ADDRESS] [--port PORT] [--timeout SECONDS] [MESSAGE ...]

        Sends each MESSAGE (or each line of standard input) as one UDP datagram to the
        numeric ADDRESS:PORT (default 127.0.0.1:7007; IPv6 such as ::1 works too) and
        prints the reply. Exits 1 when no reply comes within the timeout (default 2 s).
        """)
Termination.exitOnSignal("gethost-echo-client")

runOrExit("gethost-echo-client") {
    let server = options.address(defaultPort: 7007)  // inet_pton, no name lookup
    let client = try DatagramSocket(family: server.family)
    try client.setOption(.receiveTimeout, .seconds(options.int("--timeout", default: 2)))

    var reply = [UInt8](repeating: 0, count: 65_536)
    let messages =
        options.arguments.isEmpty ? AnyIterator { readLine() } : AnyIterator(options.arguments.makeIterator())
    for message in messages {
        try client.send(Array(message.utf8), to: server)
        var datagram = try client.receive(into: &reply)
        while datagram.sender != server { datagram = try client.receive(into: &reply) }
        print(String(decoding: reply[..<datagram.count], as: UTF8.self))
    }
}
