// chat-server: a TCP chat room. The first line a client sends is its name; every
// later line goes to everyone else as "NAME: line"; joins and leaves are announced.
// One thread, one poll loop, non-blocking sockets: each client has a bounded
// queue of lines to send, and a client whose queue fills (it stopped reading) is
// dropped with a notice instead of slowing anyone else down.
import ExampleSupport
import NetKit

let options = Options(
    help: """
        usage: chat-server [--host ADDRESS] [--port PORT] [--max-line BYTES] [--max-queue LINES] [--send-buffer BYTES]

        A chat room over TCP (try it with chat-client, or nc). Send your name as the
        first line, then chat; each line is sent to everyone else. Lines longer than
        --max-line bytes (default 1024) are refused with a "!" reply. A client that
        does not read while --max-queue lines (default 1000) wait for it is dropped;
        --send-buffer sets each connection's kernel send buffer (SO_SNDBUF), which
        otherwise grows to megabytes before the queue starts to fill.
        Listens on 127.0.0.1:7010 unless told otherwise; --port 0 picks a free port.
        """)
Termination.exitOnSignal("chat-server")

let maximumLine = max(1, options.int("--max-line", default: 1024))
let maximumQueue = max(1, options.int("--max-queue", default: 1000))
let sendBufferSize = options.int("--send-buffer", default: 0)

/// One chatter: its connection, its name once given, the bytes of a line not yet
/// complete, and the lines waiting to be sent to it.
final class Chatter {
    let connection: StreamConnection
    var name: String?
    var partial: [UInt8] = []
    var skippingLongLine = false
    var queue: [[UInt8]] = []
    var sentOfFirst = 0
    init(_ connection: consuming StreamConnection) { self.connection = connection }
}

/// Everyone connected, by descriptor, and what the room does with their lines.
final class Room {
    var chatters: [CInt: Chatter] = [:]

    /// Sends `text` to every named chatter but `sender`, as far as each socket takes it
    /// now; queues the rest; drops the chatters whose queue is full (they stopped reading).
    func broadcast(_ text: String, except sender: CInt? = nil) {
        let line = Array((text + "\n").utf8)
        var gone: [(CInt, String)] = []
        for (descriptor, chatter) in chatters where descriptor != sender && chatter.name != nil {
            chatter.queue.append(line)
            do { try flush(chatter) } catch { gone.append((descriptor, "connection lost")); continue }
            if chatter.queue.count > maximumQueue { gone.append((descriptor, "dropped: not reading")) }
        }
        for (descriptor, reason) in gone { leave(descriptor, because: reason) }
    }

    /// Sends what the socket takes of `chatter`'s queue without blocking.
    func flush(_ chatter: Chatter) throws {
        while let first = chatter.queue.first {
            let sent = try first[chatter.sentOfFirst...].withUnsafeBytes { try chatter.connection.trySend($0) }
            guard let sent else { return }  // the socket is full: later
            chatter.sentOfFirst += sent
            if chatter.sentOfFirst == first.count { chatter.queue.removeFirst(); chatter.sentOfFirst = 0 }
        }
    }

    /// Closes a chatter's connection and tells the others.
    func leave(_ descriptor: CInt, because reason: String) {
        guard let chatter = chatters.removeValue(forKey: descriptor) else { return }
        if let name = chatter.name { broadcast("* \(name) left (\(reason))") }
    }

    /// Acts on one complete line from `chatter`: its name first, then chat.
    func handle(_ line: String, from descriptor: CInt, _ chatter: Chatter) {
        guard let name = chatter.name else {
            let wanted = line.trimmingPrefixAndSuffix(" ")
            if wanted.isEmpty || wanted.hasPrefix("*") || wanted.hasPrefix("!") {
                chatter.queue.append(Array("! say your name first (not empty, not starting with * or !)\n".utf8))
            } else if chatters.values.contains(where: { $0.name == wanted }) {
                chatter.queue.append(Array("! the name \(wanted) is taken; try another\n".utf8))
            } else {
                chatter.name = wanted
                let others = chatters.values.compactMap(\.name).filter { $0 != wanted }.sorted()
                chatter.queue.append(
                    Array(
                        "* welcome \(wanted); here: \(others.isEmpty ? "nobody else" : others.joined(separator: ", "))\n"
                            .utf8))
                broadcast("* \(wanted) joined", except: descriptor)
            }
            return
        }
        broadcast("\(name): \(line)", except: descriptor)
    }

    /// Splits what arrived into lines, refusing the ones longer than `maximumLine`.
    func received(_ bytes: ArraySlice<UInt8>, from descriptor: CInt, _ chatter: Chatter) {
        var rest = bytes
        while !rest.isEmpty {
            let newline = rest.firstIndex(of: UInt8(ascii: "\n"))
            let piece = rest[..<(newline ?? rest.endIndex)]
            if !chatter.skippingLongLine { chatter.partial += piece }
            if chatter.partial.count > maximumLine {
                if !chatter.skippingLongLine {
                    chatter.queue.append(Array("! line refused: longer than \(maximumLine) bytes\n".utf8))
                }
                chatter.partial = []
                chatter.skippingLongLine = true
            }
            guard let newline else { return }
            if !chatter.skippingLongLine {
                var line = chatter.partial
                if line.last == UInt8(ascii: "\r") { line.removeLast() }
                handle(String(decoding: line, as: UTF8.self), from: descriptor, chatter)
            }
            chatter.partial = []
            chatter.skippingLongLine = false
            rest = rest[(newline + 1)...]
        }
    }
}

extension String {
    func trimmingPrefixAndSuffix(_ character: Character) -> String {
        String(drop { $0 == character }.reversed().drop { $0 == character }.reversed())
    }
}

runOrExit("chat-server") {
    let listener = try StreamListener(bindingTo: options.address(defaultPort: 7010))
    try listener.setNonBlocking()
    print("chat-server: listening on tcp \(try listener.localAddress)")

    let room = Room()
    var buffer = [UInt8](repeating: 0, count: 65_536)
    while true {
        var items = [PollItem(listener, interest: .readable)]
        for (descriptor, chatter) in room.chatters {
            items.append(
                PollItem(descriptor: descriptor, interest: chatter.queue.isEmpty ? .readable : [.readable, .writable]))
        }
        try poll(&items, timeout: nil)

        if !items[0].ready.isEmpty {
            while let accepted = try listener.tryAccept() {
                let chatter = Chatter(accepted.connection)
                try chatter.connection.setNonBlocking()
                if sendBufferSize > 0 { try chatter.connection.setOption(.sendBufferSize, sendBufferSize) }
                room.chatters[chatter.connection.withUnsafeDescriptor { $0 }] = chatter
            }
        }
        for item in items.dropFirst() where !item.ready.isEmpty {
            guard let chatter = room.chatters[item.descriptor] else { continue }  // dropped meanwhile
            do {
                if !item.ready.intersection([.readable, .hangup, .error]).isEmpty {
                    let count = try buffer.withUnsafeMutableBytes { try chatter.connection.tryReceive(into: $0) }
                    if count == 0 { room.leave(item.descriptor, because: "quit"); continue }
                    if let count { room.received(buffer[..<count], from: item.descriptor, chatter) }
                }
            } catch {
                room.leave(item.descriptor, because: "connection lost")
            }
        }
        for (descriptor, chatter) in room.chatters where !chatter.queue.isEmpty {  // send what each one can take now
            do { try room.flush(chatter) } catch { room.leave(descriptor, because: "connection lost") }
        }
    }
}
