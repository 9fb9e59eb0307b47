// un-echo-server: the course's iterative UDP echo server, unconnected mode.
// socket + bind, then forever: recvfrom a datagram, sendto it back to its sender.
import ExampleSupport
import NetKit

let options = Options(
    help: """
        usage: un-echo-server [--host ADDRESS] [--port PORT]

        Echoes every UDP datagram back to whoever sent it (recvfrom, then sendto),
        byte for byte, from 0 bytes up to the largest UDP payload (65,507 bytes on IPv4).
        Listens on 127.0.0.1:7007 unless told otherwise; --port 0 picks a free port.
        """)
Termination.exitOnSignal("un-echo-server")

runOrExit("un-echo-server") {
    let server = try DatagramSocket(bindingTo: options.address(defaultPort: 7007))
    print("un-echo-server: listening on udp \(try server.localAddress)")
    var buffer = [UInt8](repeating: 0, count: 65_536)  // room for any datagram
    while true {
        let datagram = try server.receive(into: &buffer)  // recvfrom
        guard let sender = datagram.sender else { continue }
        try server.send(buffer[..<datagram.count], to: sender)  // sendto
    }
}
