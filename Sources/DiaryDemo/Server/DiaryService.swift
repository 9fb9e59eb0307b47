import NetKit

/// The diary's request handling, independent of sockets: framed and plain-text
/// datagrams and TCP lines in, replies out.
///
/// Replies go to ``outbox``. Answers to appends wait in a second queue until
/// ``commit()`` has made the entries durable; the server loop commits once per
/// round of received requests (group commit), then sends everything.
final class DiaryService {
    /// Where a reply goes.
    enum Destination: Hashable {
        case datagram(SocketAddress)
        case stream(Int)
    }

    /// What to send.
    enum Payload: Equatable {
        case bytes([UInt8])
        /// Stream these committed entries (indices into ``DiaryStore/entries``) as lines (TCP sync).
        case entries(Range<Int>)
    }

    struct Outgoing: Equatable {
        var destination: Destination
        var payload: Payload
    }

    /// The most datagrams one plain-text `sync` datagram is answered with.
    static let maximumPlainReplies = 8

    let store: DiaryStore
    private(set) var retryCache: RetryCache
    /// A failed commit inside request handling; the server stops on it.
    var storageFailure: DiaryError?
    /// Replies ready to send.
    var outbox: [Outgoing] = []
    /// Replies to send once the staged entries are committed.
    private var awaitingCommit: [Outgoing] = []

    init(store: DiaryStore, retryCacheCapacity: Int = 10_000, retriesPerSource: Int = 8) {
        self.store = store
        retryCache = RetryCache(capacity: retryCacheCapacity, perSource: retriesPerSource)
        // The file keeps each framed append's id: a retry that reaches a restarted server is still answered.
        for entry in store.entries {
            guard let id = entry.requestID else { continue }
            retryCache.insert(RetryCache.Answer(sequence: entry.sequence, time: entry.time),
                              for: RetryCache.Key(source: entry.address, id: id))
        }
    }

    /// Whether appends wait for ``commit()``.
    var hasUncommitted: Bool { !store.staged.isEmpty || !awaitingCommit.isEmpty }

    /// Commits the staged entries and releases the replies that waited for them.
    ///
    /// - Throws: ``DiaryError/storage(_:)`` when the write or `fsync` fails; the
    ///   waiting replies are then dropped (never acknowledge what is not on disk).
    func commit() throws(DiaryError) {
        do {
            try store.commit()
        } catch {
            awaitingCommit.removeAll()
            throw error
        }
        outbox.append(contentsOf: awaitingCommit)
        awaitingCommit.removeAll(keepingCapacity: true)
    }

    /// How an address is written in entries: IPv4-mapped IPv6 addresses (a server
    /// bound to `::` sees IPv4 clients that way) are shown as plain IPv4.
    static func display(_ address: SocketAddress) -> String {
        if case .ipv6(let v6, let port, _) = address, let v4 = v6.ipv4Mapped {
            return SocketAddress.ipv4(v4, port: port).description
        }
        return address.description
    }

    // MARK: - Datagrams

    /// Handles one UDP datagram from `source`.
    func handleDatagram<Bytes: RandomAccessCollection<UInt8>>(_ bytes: Bytes, from source: SocketAddress) {
        if WireFormat.isFramed(bytes) {
            handleFrame(bytes, from: source)
        } else {
            handlePlainDatagram(bytes, from: source)
        }
    }

    private func handleFrame<Bytes: RandomAccessCollection<UInt8>>(_ bytes: Bytes, from source: SocketAddress) {
        let destination = Destination.datagram(source)
        let frame: RequestFrame
        do {
            frame = try WireFormat.decodeRequest(bytes)
        } catch {
            // Answer only what carries a request id; drop the rest silently.
            guard let header = try? WireFormat.decodeHeader(bytes) else { return }
            let code: ErrorCode = if case .unsupportedVersion = error { .unsupportedVersion } else { .badRequest }
            send(.error(code, error.description), id: header.id, to: destination)
            return
        }
        switch frame.request {
        case .append(let name, let text):
            let address = Self.display(source)
            let key = RetryCache.Key(source: address, id: frame.id)
            if let answer = retryCache.answer(for: key) {
                let reply = Outgoing(destination: destination, payload: .bytes(WireFormat.encode(
                    ResponseFrame(id: frame.id, response: .appended(sequence: answer.sequence, time: answer.time)))))
                if answer.sequence > (store.entries.last?.sequence ?? 0) { awaitingCommit.append(reply) } else { outbox.append(reply) }
                return
            }
            if let problem = DiaryLimits.problem(withName: name) {
                send(.error(.invalidName, problem), id: frame.id, to: destination)
                return
            }
            if let problem = DiaryLimits.problem(withText: text) {
                let code: ErrorCode = text.utf8.count > DiaryLimits.maximumTextBytes ? .entryTooLong : .invalidText
                send(.error(code, problem), id: frame.id, to: destination)
                return
            }
            let entry = store.stage(address: address, name: name, text: text, requestID: frame.id)
            retryCache.insert(RetryCache.Answer(sequence: entry.sequence, time: entry.time), for: key)
            awaitingCommit.append(Outgoing(destination: destination, payload: .bytes(WireFormat.encode(
                ResponseFrame(id: frame.id, response: .appended(sequence: entry.sequence, time: entry.time))))))
        case .sync(let from, let offset):
            let page = makePage(from: SyncCursor(sequence: from, offset: offset), clientAddress: Self.display(source))
            send(.page(page), id: frame.id, to: destination)
        }
    }

    private func send(_ response: ResponseFrame.Response, id: UInt64, to destination: Destination) {
        outbox.append(Outgoing(destination: destination,
                               payload: .bytes(WireFormat.encode(ResponseFrame(id: id, response: response)))))
    }

    /// One sync page of at most ``DiaryLimits/maximumPageBytes`` bytes, from `cursor`.
    func makePage(from cursor: SyncCursor, clientAddress: String) -> SyncPage {
        let entries = store.entries
        var index = store.index(ofFirstFrom: cursor.sequence)
        var offset = index < entries.count && entries[index].sequence == cursor.sequence ? Int(cursor.offset) : 0
        var used = WireFormat.pageHeaderSize(clientAddress: clientAddress)
        var chunks: [EntryChunk] = []
        var next = cursor
        while index < entries.count {
            let entry = entries[index]
            let text = entry.text.utf8
            if offset >= text.count { offset = 0 }   // A cursor past the text's end starts the entry over.
            let room = DiaryLimits.maximumPageBytes - used - WireFormat.chunkHeaderSize(address: entry.address, name: entry.name)
            guard room > 0 else { break }
            let remaining = text.count - offset
            let take = min(room, remaining)
            let start = text.index(text.startIndex, offsetBy: offset)
            chunks.append(EntryChunk(sequence: entry.sequence, time: entry.time, address: entry.address,
                                     name: entry.name, textLength: UInt16(text.count), offset: UInt16(offset),
                                     bytes: Array(text[start..<text.index(start, offsetBy: take)])))
            used += WireFormat.chunkHeaderSize(address: entry.address, name: entry.name) + take
            if take < remaining {
                next = SyncCursor(sequence: entry.sequence, offset: UInt16(offset + take))
                break
            }
            next = SyncCursor(sequence: entry.sequence + 1, offset: 0)
            index += 1
            offset = 0
        }
        if chunks.isEmpty, let last = entries.last, cursor.sequence > last.sequence + 1 {
            next = SyncCursor(sequence: last.sequence + 1, offset: 0)
        }
        let complete = next.offset == 0 && store.index(ofFirstFrom: next.sequence) >= entries.count
        return SyncPage(lastSequence: entries.last?.sequence ?? 0, clientAddress: clientAddress,
                        isComplete: complete, next: next, chunks: chunks)
    }

    // MARK: - Plain text

    private func handlePlainDatagram<Bytes: RandomAccessCollection<UInt8>>(_ bytes: Bytes, from source: SocketAddress) {
        let destination = Destination.datagram(source)
        // Trim one "\n" or "\r\n" as bytes ("\r\n" is a single Character in Swift).
        var end = bytes.endIndex
        if end > bytes.startIndex, bytes[bytes.index(before: end)] == UInt8(ascii: "\n") {
            end = bytes.index(before: end)
            if end > bytes.startIndex, bytes[bytes.index(before: end)] == UInt8(ascii: "\r") { end = bytes.index(before: end) }
        }
        guard let text = String(validating: bytes[..<end], as: UTF8.self) else {
            reply("error the text is not valid UTF-8\n", to: destination)
            return
        }
        let line = Substring(text)
        if let after = Self.syncCommand(line) {
            plainSync(after: after, to: destination)
        } else {
            plainAppend(String(line), address: Self.display(source), to: destination)
        }
    }

    /// `sync`, `r`, `sync N`, `r N` → N (0 without one); `nil` for anything else.
    static func syncCommand(_ line: Substring) -> UInt64? {
        let words = line.split(separator: " ", omittingEmptySubsequences: true)
        guard let command = words.first, command == "sync" || command == "r" else { return nil }
        if words.count == 1 { return 0 }
        if words.count == 2, let after = UInt64(words[1]) { return after }
        return nil
    }

    private func plainAppend(_ text: String, address: String, to destination: Destination) {
        if let problem = DiaryLimits.problem(withText: text) {
            reply("error \(problem)\n", to: destination)
            return
        }
        let entry = store.stage(address: address, name: "", text: text)
        awaitingCommit.append(Outgoing(destination: destination, payload: .bytes(Array("ok \(entry.sequence)\n".utf8))))
    }

    /// Entries after `after` as text lines, in at most ``maximumPlainReplies`` datagrams
    /// of at most ``DiaryLimits/maximumPageBytes`` (an entry longer than that goes alone).
    /// When they do not all fit, the last datagram ends with `more <seq>`: send `sync <seq>` next.
    private func plainSync(after: UInt64, to destination: Destination) {
        let entries = store.entries
        var index = after == .max ? entries.count : store.index(ofFirstFrom: after + 1)
        guard index < entries.count else {
            reply("none\n", to: destination)
            return
        }
        var datagrams = 0
        var current: [UInt8] = []
        while index < entries.count {
            var line: [UInt8] = []
            entries[index].appendLine(to: &line)
            let isLast = datagrams == Self.maximumPlainReplies - 1
            // The last datagram keeps room for the `more <seq>` line.
            let budget = DiaryLimits.maximumPageBytes - (isLast ? 32 : 0)
            if !current.isEmpty, current.count + line.count > budget {
                if isLast { break }
                outbox.append(Outgoing(destination: destination, payload: .bytes(current)))
                datagrams += 1
                current = []
                continue
            }
            current += line
            index += 1
        }
        if index < entries.count {
            current += Array("more \(entries[index - 1].sequence)\n".utf8)
        }
        outbox.append(Outgoing(destination: destination, payload: .bytes(current)))
    }

    private func reply(_ text: String, to destination: Destination) {
        outbox.append(Outgoing(destination: destination, payload: .bytes(Array(text.utf8))))
    }

    // MARK: - TCP lines

    /// Handles one line (without its newline) from TCP connection `connection` whose peer is `peer`.
    ///
    /// `sync` / `r` (optionally with a sequence number to start after) streams the
    /// diary; any other line is a new entry, answered `ok <seq>` once on disk.
    func handleLine<Bytes: BidirectionalCollection<UInt8>>(_ bytes: Bytes, connection: Int, peer: SocketAddress) {
        let destination = Destination.stream(connection)
        var end = bytes.endIndex
        if end > bytes.startIndex, bytes[bytes.index(before: end)] == UInt8(ascii: "\r") { end = bytes.index(before: end) }
        guard let text = String(validating: bytes[..<end], as: UTF8.self) else {
            reply("error the text is not valid UTF-8\n", to: destination)
            return
        }
        let line = Substring(text)
        if let after = Self.syncCommand(line) {
            // Keep the connection's replies in order: what it appended comes first.
            if hasUncommitted {
                do { try commit() } catch {
                    storageFailure = error
                    return
                }
            }
            // A snapshot: the entries there are now, streamed in order with the connection's other replies.
            let index = after == .max ? store.entries.count : store.index(ofFirstFrom: after + 1)
            outbox.append(Outgoing(destination: destination, payload: .entries(index..<store.entries.count)))
        } else {
            plainAppend(String(line), address: Self.display(peer), to: destination)
        }
    }
}
