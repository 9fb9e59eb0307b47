// udp-concurrent-server: the course's concurrent UDP server template. The master
// receives each request with its sender's address and hands both to a slave (a
// child task), which works out the reply and sends it to that address.
// A request "sleep MS text" makes its slave wait MS milliseconds first, to show
// that a slow request does not hold up the others.
import ExampleSupport
import NetKit
import Synchronization

let options = Options(
    help: """
        usage: udp-concurrent-server [--host ADDRESS] [--port PORT] [--max-tasks N]

        Concurrent UDP echo server: one child task per datagram answers it, to the
        address it came from. A datagram "sleep MS text" is answered with "text" after
        MS milliseconds (at most 10000), while other requests are answered meanwhile.
        At most N requests (default 1000) are worked on at once; more are dropped, as
        UDP may. Listens on 127.0.0.1:7007 unless told otherwise; --port 0 picks a free port.
        """)
Termination.exitOnSignal("udp-concurrent-server")

let maximumTasks = max(1, options.int("--max-tasks", default: 1000))
let inFlight = Atomic<Int>(0)

/// The slave's work: the reply to one request.
func reply(to request: [UInt8]) async throws -> [UInt8] {
    let text = String(decoding: request, as: UTF8.self)
    let words = text.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: false)
    guard words.count == 3, words[0] == "sleep", let milliseconds = Int(words[1]) else { return request }
    try await Task.sleep(for: .milliseconds(min(max(0, milliseconds), 10_000)))
    return Array(words[2].utf8)
}

await runOrExit("udp-concurrent-server") {
    // A datagram socket is ~Copyable: the slaves share it through a class box.
    let server = SharedDatagramSocket(try DatagramSocket(bindingTo: options.address(defaultPort: 7007)))
    print("udp-concurrent-server: listening on udp \(try server.socket.localAddress)")
    try await withThrowingDiscardingTaskGroup { slaves in
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let datagram = try await server.socket.receive(into: &buffer)  // the master: recvfrom
            guard let client = datagram.sender,
                inFlight.add(1, ordering: .relaxed).newValue <= maximumTasks
            else {
                inFlight.subtract(1, ordering: .relaxed)
                continue
            }
            let request = Array(buffer[..<datagram.count])
            slaves.addTask {  // a slave per request
                defer { inFlight.subtract(1, ordering: .relaxed) }
                _ = try? await server.socket.send(try await reply(to: request), to: client)  // sendto the requester
            }
        }
    }
}
