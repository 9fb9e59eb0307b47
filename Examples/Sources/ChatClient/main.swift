// chat-client: joins a chat-server room. One thread copies standard input to the
// server line by line; the main thread prints what the server sends.
import ExampleSupport
import NetKit
#if canImport(Glibc)
@preconcurrency import Glibc
#endif

let options = Options(
    help: """
        usage: chat-client --name NAME [--host NAME] [--port PORT]

        Joins the chat-server at HOST:PORT (default localhost:7010) as NAME, sends each
        line typed on standard input, and prints the room's lines ("NAME: text",
        "* joined/left" notices, "!" replies from the server). End of input (Ctrl-D)
        leaves the room.
        """)
Termination.exitOnSignal("chat-client")

runOrExit("chat-client") {
    let name = options.string("--name", default: "")
    guard !name.isEmpty else { Options.usageError("--name is required", help: "see chat-client --help") }
    let host = options.string("--host", default: "localhost")
    let server = try SocketAddress.addresses(host: host, port: options.port(default: 7010))[0]
    let shared = SharedConnection(try StreamConnection(connectingTo: server, timeout: .seconds(5)))
    try shared.connection.sendAll(Array((name + "\n").utf8))

    startThread {  // standard input -> room
        do {
            while let line = readLine() { try shared.connection.sendAll(Array((line + "\n").utf8)) }
            try shared.connection.shutdown(.write)  // we leave; the server closes, the loop below ends
        } catch {
            printError("chat-client: \(error)")
            exit(1)
        }
    }
    var buffer = [UInt8](repeating: 0, count: 65_536)  // room -> standard output
    while case let count = try shared.connection.receive(into: &buffer), count > 0 {
        _ = buffer.withUnsafeBytes { write(STDOUT_FILENO, $0.baseAddress, count) }
    }
}
