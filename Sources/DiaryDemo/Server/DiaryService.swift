import NetKit

/// The diary's request handling, independent of sockets: framed and plain-text
/// datagrams and TCP lines in, replies out.
///
/// Replies go to ``outbox`` in the order their requests came. While an append
/// waits for ``commit()`` to make it durable, every later reply waits behind it,
/// so a connection's replies never overtake each other; the server loop commits
/// once per round of received requests (group commit), then sends everything.
///
/// Until a UDP source has shown that it receives at its address (a framed sync
/// carrying a token from a `retry` frame), no reply to it is longer than three
/// times the datagram it answers, so the server is useless for reflection.
final class DiaryService {
    /// Where a reply goes.
    enum Destination: Hashable {
        case datagram(SocketAddress)
        case stream(Int)
    }

    /// What to send.
    enum Payload: Equatable {
        case bytes([UInt8])
        /// Stream the committed entries numbered `after + 1 ... through` as lines (TCP sync).
        case entries(after: UInt64, through: UInt64)
    }

    struct Outgoing: Equatable {
        var destination: Destination
        var payload: Payload
    }

    /// An acknowledgement waiting for the commit, and what to say instead if it fails.
    private enum Waiting {
        case reply(Outgoing)
        case acknowledgement(Outgoing, failed: FailedAcknowledgement)
    }

    private struct FailedAcknowledgement {
        var destination: Destination
        var framedID: UInt64?
        var budget: Int
    }

    /// The most a reply may be, in multiples of its request, before the source's address is validated.
    static let amplificationLimit = 3
    /// A plain-text UDP `sync` this long gets a full page (1,400 bytes): ⌈1400 / 3⌉.
    static let paddedSyncBytes = (DiaryLimits.maximumPageBytes + amplificationLimit - 1) / amplificationLimit

    let store: DiaryStore
    /// Replies ready to send.
    var outbox: [Outgoing] = []
    private var waiting: [Waiting] = []
    private let validator: AddressValidator
    private(set) var limiter: AppendLimiter
    private var errorLimiter: HostRateLimiter
    private var requestLimiter: HostRateLimiter
    /// Error replies to UDP sources left unsent because their host was over its rate.
    private(set) var droppedErrorReplies = 0
    /// Datagrams dropped unread because their host sent more than its request rate.
    private(set) var droppedRequests = 0
    private let clock = ContinuousClock()

    /// - Parameters:
    ///   - appendBytesPerSecond: how many bytes of entries each source host may
    ///     append per second (bursts of twice that); 0 for no limit.
    ///   - requestsPerSecond: while the server is behind on UDP (``noteDatagramBacklog()``),
    ///     how many datagrams from each source host are handled per second (bursts of a
    ///     quarter of that); the rest are dropped unread. 0 for no limit.
    init(
        store: DiaryStore, appendBytesPerSecond: Double = DiaryService.defaultAppendBytesPerSecond,
        requestsPerSecond: Double = DiaryService.defaultRequestsPerSecond
    ) {
        self.store = store
        validator = AddressValidator()
        limiter = AppendLimiter(bytesPerSecond: appendBytesPerSecond)
        errorLimiter = HostRateLimiter.errors(now: ContinuousClock.now)
        requestLimiter = HostRateLimiter.requests(perSecond: requestsPerSecond, now: ContinuousClock.now)
    }

    /// The default per-host rate of UDP requests handled while the server is behind: 8,192
    /// a second (bursts of 2,048). A client waits for each answer, so a host comes near it
    /// only with many clients at once (a UDP sync of a large diary asks for about 6,000 pages
    /// a second here), and then it is held back only while the server is behind.
    static let defaultRequestsPerSecond: Double = 8192

    /// How long the server counts as behind after its UDP queue last had a backlog.
    static let backlogMemory: Duration = .seconds(5)

    /// Until when each host is held to the request rate (see ``noteDatagramBacklog()``).
    private var behindUntil: ContinuousClock.Instant?

    /// Tells the service that the UDP receive queue had a backlog (one `recvmmsg` found
    /// more datagrams than it takes at once). For ``backlogMemory`` from now, each
    /// host is held to the request rate: a flood from one host is dropped unread and cannot
    /// keep the loop so busy that the shared queue overflows and other hosts' requests are
    /// lost. When the server keeps up, nothing is dropped, however busy one host is.
    func noteDatagramBacklog() {
        behindUntil = clock.now + Self.backlogMemory
    }

    /// What an append costs at least, in bytes of the per-host rate.
    static let minimumAppendCost = 1024

    /// The default per-host append rate: 4 MiB/s (and at most 4,096 appends a second).
    static let defaultAppendBytesPerSecond: Double = 4 * 1024 * 1024

    /// Whether appends wait for ``commit()``.
    var hasUncommitted: Bool { !store.staged.isEmpty || !waiting.isEmpty }

    /// Commits the staged entries and releases the replies that waited for them.
    ///
    /// When the write or `fsync` fails, the appends are answered with an error
    /// that names the call, the file and the errno (never acknowledge what is
    /// not on disk), and the server goes on serving syncs.
    func commit() {
        var failure: DiaryError?
        do {
            try store.commit()
        } catch {
            failure = error
            Console.error("\(error)")
        }
        for item in waiting {
            switch item {
            case .reply(let outgoing):
                outbox.append(outgoing)
            case .acknowledgement(let outgoing, let failed):
                guard let failure else { outbox.append(outgoing); continue }
                guard mayAnswerError(failed.destination) else { continue }
                let reason = "\(failure)"
                if let id = failed.framedID {
                    outbox.append(
                        Outgoing(
                            destination: failed.destination,
                            payload: .bytes(errorFrame(.serverError, reason, id: id, budget: failed.budget))))
                } else if let text = Self.fitting(["error \(reason)\n", "error\n", "err"], budget: failed.budget) {
                    outbox.append(Outgoing(destination: failed.destination, payload: .bytes(Array(text.utf8))))
                }
            }
        }
        waiting.removeAll(keepingCapacity: true)
    }

    /// Sends now, or after the appends that came before it.
    private func emit(_ outgoing: Outgoing) {
        if waiting.isEmpty { outbox.append(outgoing) } else { waiting.append(.reply(outgoing)) }
    }

    /// How an address is written in entries: IPv4-mapped IPv6 addresses (a server
    /// bound to `::` sees IPv4 clients that way) are shown as plain IPv4.
    static func display(_ address: SocketAddress) -> String {
        if case .ipv6(let v6, let port, _) = address, let v4 = v6.ipv4Mapped {
            return SocketAddress.ipv4(v4, port: port).description
        }
        return address.description
    }

    /// The host part of a ``display(_:)`` address (what rate limits count by).
    static func host(ofDisplayed address: String) -> Substring {
        guard let colon = address.lastIndex(of: ":") else { return Substring(address) }
        return address[..<colon]
    }

    /// The first of `options` (longest first) that fits in `budget` bytes, or `nil`.
    static func fitting(_ options: [String], budget: Int) -> String? {
        options.first { $0.utf8.count <= budget }
    }

    /// Why an append of `text` from `address` is refused now, or `nil`.
    private func refusal(text: String, name: String, address: String) -> String? {
        let lineBytes = 64 + address.utf8.count + name.utf8.count + text.utf8.count
        if let problem = store.refusal(forLineOf: lineBytes) { return problem }
        // Each append costs at least 1 KiB, so a host also gets at most rate / 1 KiB appends (and fsyncs) a second.
        if !limiter.allow(
            max(lineBytes, Self.minimumAppendCost), from: String(Self.host(ofDisplayed: address)), now: clock.now)
        {
            return
                "too many appends from \(Self.host(ofDisplayed: address)) (at most \(Int(limiter.bytesPerSecond)) bytes a second); try again later"
        }
        return nil
    }

    // MARK: - Datagrams

    /// Handles one UDP datagram from `source`.
    func handleDatagram<Bytes: RandomAccessCollection<UInt8>>(_ bytes: Bytes, from source: SocketAddress) {
        // Every datagram is counted against its host's rate, so a host that was over it is
        // held back as soon as the server falls behind; it is only enforced while behind.
        let now = clock.now
        if !requestLimiter.allow(source, now: now), let until = behindUntil {
            if now < until {
                droppedRequests += 1
                return
            }
            behindUntil = nil
        }
        if WireFormat.isFramed(bytes) {
            handleFrame(bytes, from: source)
        } else {
            handlePlainDatagram(bytes, from: source)
        }
    }

    private func errorFrame(_ code: ErrorCode, _ message: String, id: UInt64, budget: Int) -> [UInt8] {
        // The frame is 15 bytes and the message; cut the message (at a character) to fit the budget.
        var text = Substring(message)
        while 15 + text.utf8.count > max(budget, 15), !text.isEmpty { text = text.dropLast() }
        return WireFormat.encode(ResponseFrame(id: id, response: .error(code, String(text))))
    }

    private func handleFrame<Bytes: RandomAccessCollection<UInt8>>(_ bytes: Bytes, from source: SocketAddress) {
        let destination = Destination.datagram(source)
        let budget = Self.amplificationLimit * bytes.count
        let frame: RequestFrame
        do {
            frame = try WireFormat.decodeRequest(bytes)
        } catch {
            // Answer only what carries a request id; drop the rest silently.
            guard let header = try? WireFormat.decodeHeader(bytes) else { return }
            let code: ErrorCode = if case .unsupportedVersion = error { .unsupportedVersion } else { .badRequest }
            emitError(to: destination) { errorFrame(code, error.description, id: header.id, budget: budget) }
            return
        }
        let address = Self.display(source)
        switch frame.request {
        case .append(let name, let text):
            if let answer = store.answer(forRequestID: frame.id, from: address) {
                let reply = Outgoing(
                    destination: destination,
                    payload: .bytes(
                        WireFormat.encode(
                            ResponseFrame(
                                id: frame.id, response: .appended(sequence: answer.sequence, time: answer.time)))))
                if answer.sequence > store.lastCommittedSequence {
                    waiting.append(
                        .acknowledgement(
                            reply,
                            failed: FailedAcknowledgement(destination: destination, framedID: frame.id, budget: budget))
                    )
                } else {
                    emit(reply)
                }
                return
            }
            if let problem = DiaryLimits.problem(withName: name) {
                emitError(to: destination) { errorFrame(.invalidName, problem, id: frame.id, budget: budget) }
                return
            }
            if let problem = DiaryLimits.problem(withText: text) {
                let code: ErrorCode = text.utf8.count > DiaryLimits.maximumTextBytes ? .entryTooLong : .invalidText
                emitError(to: destination) { errorFrame(code, problem, id: frame.id, budget: budget) }
                return
            }
            if let problem = refusal(text: text, name: name, address: address) {
                emitError(to: destination) { errorFrame(.refused, problem, id: frame.id, budget: budget) }
                return
            }
            let entry = store.stage(address: address, name: name, text: text, requestID: frame.id)
            let reply = Outgoing(
                destination: destination,
                payload: .bytes(
                    WireFormat.encode(
                        ResponseFrame(id: frame.id, response: .appended(sequence: entry.sequence, time: entry.time)))))
            waiting.append(
                .acknowledgement(
                    reply, failed: FailedAcknowledgement(destination: destination, framedID: frame.id, budget: budget)))
        case .sync(let from, let offset, let token):
            guard validator.isValid(token, for: address) else {
                // Not yet shown to receive at this address: a small retry frame, well under 3× the request.
                emit(
                    Outgoing(
                        destination: destination,
                        payload: .bytes(
                            WireFormat.encode(
                                ResponseFrame(id: frame.id, response: .retry(token: validator.token(for: address)))))))
                return
            }
            do {
                let page = try makePage(from: SyncCursor(sequence: from, offset: offset), clientAddress: address)
                emit(
                    Outgoing(
                        destination: destination,
                        payload: .bytes(WireFormat.encode(ResponseFrame(id: frame.id, response: .page(page))))))
            } catch {
                emitError(to: destination) {
                    errorFrame(.serverError, "\(error)", id: frame.id, budget: DiaryLimits.maximumPageBytes)
                }
            }
        }
    }

    /// A token the framed sync from `address` may carry (what a `retry` frame hands out).
    func token(for address: SocketAddress) -> [UInt8] {
        validator.token(for: Self.display(address))
    }

    /// One sync page of at most ``DiaryLimits/maximumPageBytes`` bytes, from `cursor`.
    func makePage(from cursor: SyncCursor, clientAddress: String) throws(DiaryError) -> SyncPage {
        let count = store.count
        var index = store.index(ofFirstFrom: cursor.sequence)
        // One pread for the entries a page can hold (each takes at least a chunk header).
        var batch = try store.entries(from: index, limit: 2 * DiaryLimits.maximumPageBytes, maximumCount: 24)
        var batchStart = index
        var offset = batch.first?.sequence == cursor.sequence ? Int(cursor.offset) : 0
        var used = WireFormat.pageHeaderSize(clientAddress: clientAddress)
        var chunks: [EntryChunk] = []
        var next = cursor
        while index < count {
            if index - batchStart >= batch.count {
                batch = try store.entries(from: index, limit: 2 * DiaryLimits.maximumPageBytes, maximumCount: 24)
                batchStart = index
            }
            let entry = batch[index - batchStart]
            let text = entry.text.utf8
            if offset >= text.count { offset = 0 }  // A cursor past the text's end starts the entry over.
            let room =
                DiaryLimits.maximumPageBytes - used
                - WireFormat.chunkHeaderSize(address: entry.address, name: entry.name)
            guard room > 0 else { break }
            let remaining = text.count - offset
            let take = min(room, remaining)
            let start = text.index(text.startIndex, offsetBy: offset)
            chunks.append(
                EntryChunk(
                    sequence: entry.sequence, time: entry.time, address: entry.address,
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
        let last = store.lastCommittedSequence
        if chunks.isEmpty, count > 0, cursor.sequence > last + 1 {
            next = SyncCursor(sequence: last + 1, offset: 0)
        }
        let complete = next.offset == 0 && store.index(ofFirstFrom: next.sequence) >= count
        return SyncPage(
            lastSequence: last, clientAddress: clientAddress, isComplete: complete, next: next, chunks: chunks)
    }

    // MARK: - Plain text

    private func handlePlainDatagram<Bytes: RandomAccessCollection<UInt8>>(_ bytes: Bytes, from source: SocketAddress) {
        let destination = Destination.datagram(source)
        let budget = min(DiaryLimits.maximumPageBytes, Self.amplificationLimit * bytes.count)
        // Trim one "\n" or "\r\n" as bytes ("\r\n" is a single Character in Swift).
        var end = bytes.endIndex
        if end > bytes.startIndex, bytes[bytes.index(before: end)] == UInt8(ascii: "\n") {
            end = bytes.index(before: end)
            if end > bytes.startIndex, bytes[bytes.index(before: end)] == UInt8(ascii: "\r") {
                end = bytes.index(before: end)
            }
        }
        guard let text = String(validating: bytes[..<end], as: UTF8.self) else {
            replyError(["error the text is not valid UTF-8\n", "error\n", "err"], to: destination, budget: budget)
            return
        }
        let line = Substring(text)
        if let after = Self.syncCommand(line) {
            plainSync(after: after, to: destination, budget: budget)
        } else {
            plainAppend(String(line), address: Self.display(source), to: destination, budget: budget)
        }
    }

    /// `sync`, `r`, `sync N`, `r N` → N (0 without one); `nil` for anything else.
    /// Spaces around the words are ignored (a padded request is still a sync).
    static func syncCommand(_ line: Substring) -> UInt64? {
        let words = line.split(separator: " ", omittingEmptySubsequences: true)
        guard let command = words.first, command == "sync" || command == "r" else { return nil }
        if words.count == 1 { return 0 }
        if words.count == 2, let after = UInt64(words[1]) { return after }
        return nil
    }

    private func plainAppend(_ text: String, address: String, to destination: Destination, budget: Int) {
        if let problem = DiaryLimits.problem(withText: text) {
            replyError(["error \(problem)\n", "error\n", "err"], to: destination, budget: budget)
            return
        }
        if let problem = refusal(text: text, name: "", address: address) {
            replyError(["error \(problem)\n", "error refused\n", "error\n", "err"], to: destination, budget: budget)
            return
        }
        let entry = store.stage(address: address, name: "", text: text)
        guard let answer = Self.fitting(["ok \(entry.sequence)\n", "ok\n", "ok"], budget: budget) else { return }
        waiting.append(
            .acknowledgement(
                Outgoing(destination: destination, payload: .bytes(Array(answer.utf8))),
                failed: FailedAcknowledgement(destination: destination, framedID: nil, budget: budget)))
    }

    /// Entries after `after` as text lines, in one datagram of at most `budget` bytes.
    /// When they do not all fit, it ends with `more <seq>`: send `sync <seq>` next.
    /// When not even one fits, it says how to ask for more: pad the request, or use TCP.
    private func plainSync(after: UInt64, to destination: Destination, budget: Int) {
        let count = store.count
        var index = after == .max ? count : store.index(ofFirstFrom: after + 1)
        guard index < count else {
            reply(["none\n", "none"], to: destination, budget: budget)
            return
        }
        var reply: [UInt8] = []
        var line: [UInt8] = []
        var lastSequence = after
        do {
            while index < count {
                line.removeAll(keepingCapacity: true)
                _ = try store.appendLines(of: index..<(index + 1), to: &line, limit: 0)
                let sequence = lastSequenceOf(line) ?? lastSequence
                let moreRoom = index + 1 < count ? "more \(sequence)\n".utf8.count : 0
                guard reply.count + line.count + moreRoom <= budget else { break }
                reply += line
                lastSequence = sequence
                index += 1
            }
        } catch {
            self.replyError(["error \(error)\n", "error\n", "err"], to: destination, budget: budget)
            return
        }
        if reply.isEmpty {
            self.reply(
                [
                    "more \(after): pad this request to \(Self.paddedSyncBytes) bytes with spaces for a page, or sync over TCP\n",
                    "pad to \(Self.paddedSyncBytes) bytes or use TCP\n", "use TCP\n", "TCP",
                ], to: destination, budget: budget)
            return
        }
        if index < count { reply += Array("more \(lastSequence)\n".utf8) }
        emit(Outgoing(destination: destination, payload: .bytes(reply)))
    }

    /// The sequence number a sync line starts with.
    private func lastSequenceOf(_ line: [UInt8]) -> UInt64? {
        UInt64(String(decoding: line.prefix { $0 != UInt8(ascii: " ") }, as: UTF8.self))
    }

    private func reply(_ options: [String], to destination: Destination, budget: Int) {
        guard let text = Self.fitting(options, budget: budget) else { return }
        emit(Outgoing(destination: destination, payload: .bytes(Array(text.utf8))))
    }

    /// An error reply: to a UDP source, only within the error rate (``HostRateLimiter/errors(now:)``).
    private func replyError(_ options: @autoclosure () -> [String], to destination: Destination, budget: Int) {
        guard mayAnswerError(destination) else { return }
        reply(options(), to: destination, budget: budget)
    }

    /// Emits an error frame: to a UDP source, only within the error rate (``HostRateLimiter/errors(now:)``).
    private func emitError(to destination: Destination, _ frame: () -> [UInt8]) {
        guard mayAnswerError(destination) else { return }
        emit(Outgoing(destination: destination, payload: .bytes(frame())))
    }

    /// Whether an error may go to `destination` now. TCP is flow controlled and
    /// cannot be spoofed, so its errors are never dropped.
    private func mayAnswerError(_ destination: Destination) -> Bool {
        guard case .datagram(let address) = destination else { return true }
        if errorLimiter.allow(address, now: clock.now) { return true }
        droppedErrorReplies += 1
        return false
    }

    // MARK: - TCP lines

    /// Handles one line (without its newline) from TCP connection `connection` whose peer is `peer`.
    ///
    /// `sync` / `r` (optionally with a sequence number to start after) streams the
    /// diary as it is now, after the connection's earlier replies; any other line
    /// is a new entry, answered `ok <seq>` once on disk.
    func handleLine<Bytes: BidirectionalCollection<UInt8>>(_ bytes: Bytes, connection: Int, peer: SocketAddress) {
        let destination = Destination.stream(connection)
        var end = bytes.endIndex
        if end > bytes.startIndex, bytes[bytes.index(before: end)] == UInt8(ascii: "\r") {
            end = bytes.index(before: end)
        }
        guard let text = String(validating: bytes[..<end], as: UTF8.self) else {
            reply(["error the text is not valid UTF-8\n"], to: destination, budget: .max)
            return
        }
        let line = Substring(text)
        if let after = Self.syncCommand(line) {
            // Everything staged so far, once committed: it follows the connection's earlier "ok"s.
            emit(Outgoing(destination: destination, payload: .entries(after: after, through: store.lastSequence)))
        } else {
            plainAppend(String(line), address: Self.display(peer), to: destination, budget: .max)
        }
    }
}
