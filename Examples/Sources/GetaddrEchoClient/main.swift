// getaddr-echo-client: the course's UDP echo client that finds its server with
// getaddrinfo (host and service names), then uses sendto/recvfrom, unconnected.
import ExampleSupport
import NetKit

let options = Options(
    help: """
        usage: getaddr-echo-client [--host NAME] [--service NAME|PORT] [--timeout SECONDS] [MESSAGE ...]

        Resolves HOST and SERVICE with getaddrinfo (default localhost and 7007; a
        service name such as "echo" is looked up in /etc/services), sends each MESSAGE
        (or each line of standard input) as one datagram with sendto, and prints the
        reply recvfrom gets. Replies from anyone but the server are ignored.
        """)
Termination.exitOnSignal("getaddr-echo-client")

let host = options.string("--host", default: "localhost")
let service = options.string("--service", default: "7007")
runOrExit("getaddr-echo-client") {
    let results = try Resolver.resolve(
        host: host, service: service,
        hints: AddressInfoHints(socketType: .datagram))
    let server = results[0].address  // getaddrinfo never returns an empty list
    let client = try DatagramSocket(family: server.family)
    try client.setOption(.receiveTimeout, .seconds(options.int("--timeout", default: 2)))
    print("getaddr-echo-client: \(host) \(service) is \(server)")

    var reply = [UInt8](repeating: 0, count: 65_536)
    let messages =
        options.arguments.isEmpty ? AnyIterator { readLine() } : AnyIterator(options.arguments.makeIterator())
    for message in messages {
        try client.send(Array(message.utf8), to: server)  // sendto
        var datagram = try client.receive(into: &reply)  // recvfrom
        while datagram.sender != server { datagram = try client.receive(into: &reply) }
        print(String(decoding: reply[..<datagram.count], as: UTF8.self))
    }
}
