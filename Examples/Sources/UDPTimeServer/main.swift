// udp-time-server: the course's UDP time server (RFC 868). Any datagram asks
// for the time; the reply is 4 bytes, seconds since 1900-01-01 in network order.
import ExampleSupport
import NetKit
#if canImport(Glibc)
@preconcurrency import Glibc
#endif

let options = Options(
    help: """
        usage: udp-time-server [--host ADDRESS] [--port PORT]

        Answers every UDP datagram with the time as RFC 868 has it: a 32-bit count of
        seconds since 1900-01-01 00:00 UTC, big-endian (network byte order).
        Listens on 127.0.0.1:7037 unless told otherwise; --port 0 picks a free port.
        """)
Termination.exitOnSignal("udp-time-server")

/// Seconds from 1900-01-01 to 1970-01-01 (the Unix epoch).
let secondsFrom1900To1970: UInt64 = 2_208_988_800

runOrExit("udp-time-server") {
    let server = try DatagramSocket(bindingTo: options.address(defaultPort: 7037))
    print("udp-time-server: listening on udp \(try server.localAddress)")
    var request = [UInt8](repeating: 0, count: 512)
    while true {
        let datagram = try server.receive(into: &request)
        guard let client = datagram.sender else { continue }
        var reply = NetworkByteWriter()
        reply.write(UInt32(truncatingIfNeeded: UInt64(time(nil)) + secondsFrom1900To1970))  // htonl
        try server.send(reply.bytes, to: client)
    }
}
