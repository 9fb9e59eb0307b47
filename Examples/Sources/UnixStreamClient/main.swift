// unix-stream-client: sends a message to unix-stream-server and prints the echo.
import ExampleSupport
import NetKit
#if canImport(Glibc)
@preconcurrency import Glibc
#endif

let options = Options(
    help: """
        usage: unix-stream-client [--path PATH] MESSAGE ...

        Connects to the Unix-domain stream socket PATH (default /tmp/netkit-echo.sock),
        sends MESSAGE (words joined by spaces, plus a newline), shuts down its sending
        side and prints everything the server sends back.
        """)
Termination.exitOnSignal("unix-stream-client")

runOrExit("unix-stream-client") {
    let path = options.string("--path", default: "/tmp/netkit-echo.sock")
    let connection = try StreamConnection(connectingTo: .unix(try UnixSocketPath(path)), timeout: .seconds(5))
    try connection.sendAll(Array((options.arguments.joined(separator: " ") + "\n").utf8))
    try connection.shutdown(.write)  // short message: send all, then read all
    var buffer = [UInt8](repeating: 0, count: 65_536)
    while case let count = try connection.receive(into: &buffer), count > 0 {
        _ = buffer.withUnsafeBytes { write(STDOUT_FILENO, $0.baseAddress, count) }
    }
}
