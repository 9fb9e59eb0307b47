// unix-datagram-pair: socketpair(AF_UNIX, SOCK_DGRAM): two connected datagram
// sockets with no file and no address, the usual channel between two threads or
// a parent and child. Datagrams keep their boundaries, empty ones included.
import ExampleSupport
import NetKit

let options = Options(
    help: """
        usage: unix-datagram-pair [MESSAGE ...]

        Makes a Unix-domain datagram socket pair, starts a thread that answers every
        datagram on one end with its upper-case form, sends each MESSAGE (default:
        "hello", "", "datagrams keep their boundaries") from the other end, and
        prints each reply with its length. An empty message stays one empty datagram.
        """)
Termination.exitOnSignal("unix-datagram-pair")

runOrExit("unix-datagram-pair") {
    let pair = try DatagramSocket.pair()
    let here = pair.first
    let there = SharedDatagramSocket(pair.second)
    print("unix-datagram-pair: socketpair(AF_UNIX, SOCK_DGRAM) made")

    startThread {  // the other end: upper-case echo
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while let datagram = try? there.socket.receive(into: &buffer) {
            let upper = String(decoding: buffer[..<datagram.count], as: UTF8.self).uppercased()
            _ = try? there.socket.send(Array(upper.utf8))
        }
    }

    let messages = options.arguments.isEmpty ? ["hello", "", "datagrams keep their boundaries"] : options.arguments
    var buffer = [UInt8](repeating: 0, count: 65_536)
    for message in messages {
        try here.send(Array(message.utf8))  // one send, one datagram
        let reply = try here.receive(into: &buffer)
        print("\(reply.count) bytes: \"\(String(decoding: buffer[..<reply.count], as: UTF8.self))\"")
    }
}
