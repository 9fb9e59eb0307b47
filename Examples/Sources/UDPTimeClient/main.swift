// udp-time-client: the course's UDP client in pseudo-connection mode: connect
// fixes the server, then send and recv. Datagrams get lost, so the client waits
// a bounded time for the reply and asks again, a bounded number of times.
import ExampleSupport
import NetKit
#if canImport(Glibc)
@preconcurrency import Glibc
#endif

let options = Options(
    help: """
        usage: udp-time-client [--host NAME] [--port PORT] [--timeout MILLISECONDS] [--tries N]

        Asks an RFC 868 time server (default localhost:7037) for the time and prints it
        as UTC. Connects the UDP socket first (no packet is sent; the kernel then only
        passes on datagrams from the server and reports ICMP "port unreachable").
        Waits --timeout ms (default 1000) for a reply and retries up to --tries times
        (default 3); exits 1 when none comes.
        """)
Termination.exitOnSignal("udp-time-client")

let secondsFrom1900To1970: Int64 = 2_208_988_800
let host = options.string("--host", default: "localhost")
let tries = max(1, options.int("--tries", default: 3))

runOrExit("udp-time-client") {
    let server = try SocketAddress.addresses(host: host, port: options.port(default: 7037), type: .datagram)[0]
    let client = try DatagramSocket(family: server.family)
    try client.connect(to: server)  // pseudo connection
    try client.setOption(.receiveTimeout, .milliseconds(options.int("--timeout", default: 1000)))

    var reply = [UInt8](repeating: 0, count: 64)
    for attempt in 1...tries {
        _ = try client.send([UInt8]())  // any datagram asks
        do {
            let datagram = try client.receive(into: &reply)  // recv: only from the server
            var reader = NetworkByteReader(reply[..<datagram.count])
            var seconds = time_t(Int64(try reader.read(UInt32.self)) - secondsFrom1900To1970)  // ntohl
            var parts = tm()
            gmtime_r(&seconds, &parts)
            var text = [CChar](repeating: 0, count: 32)
            strftime(&text, text.count, "%Y-%m-%d %H:%M:%S UTC", &parts)
            print(String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
            return
        } catch let error as SocketError where error.isTimeout || error.errno == .connectionRefused {
            printError(
                "udp-time-client: no reply from \(server) (try \(attempt) of \(tries): \(error.errno == .connectionRefused ? "port unreachable" : "timed out"))"
            )
        }
    }
    printError("udp-time-client: giving up after \(tries) tries")
    exit(1)
}
