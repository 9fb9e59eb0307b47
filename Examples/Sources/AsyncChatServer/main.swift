// async-chat-server: chat-server's room on the async layer. Each client is a
// child task of `serve`; its connection is split: the handler reads lines
// (BufferedReader, with a maximum length) and a writer task sends what the room
// queues for it. The queue is an AsyncStream holding at most --max-queue lines;
// when it is full the client has stopped reading, and the room drops it.
import ExampleSupport
import NetKit
import Synchronization

let options = Options(
    help: """
        usage: async-chat-server [--host ADDRESS] [--port PORT] [--max-line BYTES] [--max-queue LINES] [--send-buffer BYTES]

        The chat room of chat-server (same protocol: your name first, then lines;
        try it with chat-client), written with tasks: a child task per client reads its
        lines, a writer task per client sends what the room queues for it. Lines longer
        than --max-line bytes (default 1024) are refused with a "!" reply; a client with
        --max-queue lines (default 1000) waiting for it is dropped. --send-buffer sets
        each connection's SO_SNDBUF.
        Listens on 127.0.0.1:7010 unless told otherwise; --port 0 picks a free port.
        """)
Termination.exitOnSignal("async-chat-server")

let maximumLine = max(1, options.int("--max-line", default: 1024))
let maximumQueue = max(1, options.int("--max-queue", default: 1000))
let sendBufferSize = options.int("--send-buffer", default: 0)

/// A client's sending half in a class box, so the room can close it (which also
/// wakes the client's reader) when it drops the client.
final class Outbox: Sendable {
    let writer: StreamConnection.WriteHalf
    let queue: AsyncStream<[UInt8]>.Continuation
    init(_ writer: consuming StreamConnection.WriteHalf, queue: AsyncStream<[UInt8]>.Continuation) {
        self.writer = writer
        self.queue = queue
    }
}

/// Who is here, by name; every change and broadcast under one lock.
final class Room: Sendable {
    private let members = Mutex<[String: Outbox]>([:])

    /// Adds `name` unless taken, and queues its welcome first of all its lines.
    /// - Returns: whether `name` was free.
    func join(_ name: String, _ outbox: Outbox) -> Bool {
        let joined = members.withLock { members in
            guard members[name] == nil else { return false }
            let others = members.keys.sorted()
            members[name] = outbox
            outbox.queue.yield(
                Array(
                    "* welcome \(name); here: \(others.isEmpty ? "nobody else" : others.joined(separator: ", "))\n".utf8
                ))
            return true
        }
        if joined { broadcast("* \(name) joined", except: name) }
        return joined
    }

    /// Removes `name` and tells the others why.
    func leave(_ name: String, because reason: String) {
        guard let outbox = members.withLock({ $0.removeValue(forKey: name) }) else { return }
        outbox.queue.finish()
        broadcast("* \(name) left (\(reason))")
    }

    /// Queues `text` for everyone but `sender`; drops whoever's queue is full.
    func broadcast(_ text: String, except sender: String? = nil) {
        let line = Array((text + "\n").utf8)
        let full: [(String, Outbox)] = members.withLock { members in
            members.filter { name, outbox in
                guard name != sender else { return false }
                if case .dropped = outbox.queue.yield(line) { return true }
                return false
            }.map { ($0.key, $0.value) }
        }
        for (name, outbox) in full {
            outbox.writer.close()  // ends its pending send and its reader
            leave(name, because: "dropped: not reading")
        }
    }
}

/// Serves one chatter: reads its name, then its lines, until it goes.
func chat(_ connection: consuming StreamConnection, in room: Room) async throws {
    if sendBufferSize > 0 { try connection.setOption(.sendBufferSize, sendBufferSize) }
    let halves = connection.split()
    let reader = halves.reader
    let (queue, queueInput) = AsyncStream.makeStream(of: [UInt8].self, bufferingPolicy: .bufferingOldest(maximumQueue))
    let outbox = Outbox(halves.writer, queue: queueInput)
    var lines = BufferedReader(maximumLength: maximumLine)

    try await withThrowingDiscardingTaskGroup { group in
        group.addTask {  // the writer: the room's lines -> this client
            for await line in queue { try await outbox.writer.sendAll(line) }
        }
        defer { queueInput.finish() }  // the writer sends what is queued, then ends

        var name: String? = nil
        do {
            while true {
                let bytes: [UInt8]?
                do {
                    bytes = try await lines.readLine(from: reader)
                } catch BufferedReaderError.tooLong {
                    // The reader skips the rest of the refused line by itself.
                    queueInput.yield(Array("! line refused: longer than \(maximumLine) bytes\n".utf8))
                    continue
                }
                guard let bytes else { break }  // end of stream: the client left
                let text = String(decoding: bytes, as: UTF8.self)
                if let name {
                    room.broadcast("\(name): \(text)", except: name)
                    // A line already buffered is returned without suspending: without
                    // this, a chatty client's task could run on and starve the writers.
                    await Task.yield()
                    continue
                }
                let wanted = text.trimmingPrefixAndSuffix(" ")
                if wanted.isEmpty || wanted.hasPrefix("*") || wanted.hasPrefix("!") {
                    queueInput.yield(Array("! say your name first (not empty, not starting with * or !)\n".utf8))
                } else if room.join(wanted, outbox) {
                    name = wanted
                } else {
                    queueInput.yield(Array("! the name \(wanted) is taken; try another\n".utf8))
                }
            }
        } catch {
            if let name { room.leave(name, because: "connection lost") }  // (a no-op when the room dropped it)
            throw error
        }
        if let name { room.leave(name, because: "quit") }
    }
}

extension String {
    func trimmingPrefixAndSuffix(_ character: Character) -> String {
        String(drop { $0 == character }.reversed().drop { $0 == character }.reversed())
    }
}

await runOrExit("async-chat-server") {
    let listener = try StreamListener(bindingTo: options.address(defaultPort: 7010))
    print("async-chat-server: listening on tcp \(try listener.localAddress)")
    let room = Room()
    try await listener.serve { connection, _ in
        try await chat(connection, in: room)  // an error ends this client only; the room has said so
    }
}
