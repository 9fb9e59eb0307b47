// tcp-echo-client: the course's TCP echo client. Sends standard input (or the
// arguments) and prints what comes back. A second thread reads the replies while
// the main thread sends, so a large input cannot deadlock with full buffers.
import ExampleSupport
import NetKit
#if canImport(Glibc)
@preconcurrency import Glibc
#endif

let options = Options(
    help: """
        usage: tcp-echo-client [--host NAME] [--port PORT] [MESSAGE ...]

        Connects to a TCP echo server (default localhost:7007), sends MESSAGE (words
        joined by spaces, plus a newline) or all of standard input, shuts down its
        sending side, and copies everything the server sends back to standard output.
        """)
Termination.exitOnSignal("tcp-echo-client")

runOrExit("tcp-echo-client") {
    let host = options.string("--host", default: "localhost")
    let server = try SocketAddress.addresses(host: host, port: options.port(default: 7007))[0]
    let shared = SharedConnection(try StreamConnection(connectingTo: server, timeout: .seconds(5)))

    let done = Completion()
    startThread {  // the reader: server -> standard output
        var buffer = [UInt8](repeating: 0, count: 65_536)
        do {
            while case let count = try shared.connection.receive(into: &buffer), count > 0 {
                _ = buffer.withUnsafeBytes { fwrite($0.baseAddress, 1, count, stdout) }
            }
        } catch {
            printError("tcp-echo-client: \(error)")
        }
        fflush(stdout)
        done.signal()
    }

    if options.arguments.isEmpty {  // the writer: standard input -> server
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while case let count = read(STDIN_FILENO, &chunk, chunk.count), count > 0 {
            try shared.connection.sendAll(chunk[..<count])
        }
    } else {
        try shared.connection.sendAll(Array((options.arguments.joined(separator: " ") + "\n").utf8))
    }
    try shared.connection.shutdown(.write)  // the server sees end of stream, echoes the rest, closes
    done.wait()
}
