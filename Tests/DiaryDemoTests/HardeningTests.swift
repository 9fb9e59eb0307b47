import Foundation
import NetKit
import Testing
@testable import DiaryDemo

/// Issue 12, the parts below the sockets: the store, the service, entries and the client.
@Suite("Hardening (issue 12)")
struct HardeningTests {
    static let alice = SocketAddress.ipv4(.loopback, port: 40001)
    static let bob = SocketAddress.ipv4(IPv4Address(127, 0, 0, 2), port: 40002)

    func appendFrame(id: UInt64, text: String) -> [UInt8] {
        WireFormat.encode(RequestFrame(id: id, request: .append(name: "", text: text)))
    }

    func responses(_ service: DiaryService) throws -> [ResponseFrame.Response] {
        defer { service.outbox.removeAll() }
        return try service.outbox.compactMap { if case .bytes(let bytes) = $0.payload { bytes } else { nil } }
            .map { try WireFormat.decodeResponse($0).response }
    }

    // MARK: - 12.2 amplification

    @Test func noUnvalidatedReplyIsLongerThanThreeTimesItsRequest() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let service = DiaryService(store: try DiaryStore(path: directory.file()), appendBytesPerSecond: 0)
        // Entries of control bytes, which escaping makes four times longer.
        for _ in 0..<50 {
            service.store.stage(address: "127.0.0.1:1", name: "", text: String(repeating: "\u{01}", count: 4000))
        }
        try service.store.commit()
        var requests: [[UInt8]] = ["r", "sync", "sync 0", "r 1", "sync 18446744073709551615", "\u{01}"].map {
            Array($0.utf8)
        }
        requests += [[0xC3], [0xFF, 0x44, 1, 2, 0, 0, 0, 0, 0, 0, 0, 9], [0xFF, 0x44, 9, 2, 0, 0, 0, 0, 0, 0, 0, 9]]
        requests.append(WireFormat.encode(RequestFrame(id: 5, request: .sync(from: 1, offset: 0))))
        requests.append(WireFormat.encode(RequestFrame(id: 6, request: .sync(from: 1, offset: 0, token: [1, 2, 3]))))
        requests.append(appendFrame(id: 7, text: "x"))
        for request in requests {
            service.handleDatagram(request, from: Self.alice)
            service.commit()
            let sent = service.outbox.reduce(0) { total, outgoing in
                if case .bytes(let bytes) = outgoing.payload { total + bytes.count } else { total }
            }
            #expect(service.outbox.count <= 1)
            #expect(sent <= 3 * request.count, "\(request.count)-byte request got \(sent) bytes")
            service.outbox.removeAll()
        }
    }

    @Test func framedSyncPagesOnlyWithTheTokenOfItsOwnAddress() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let service = DiaryService(store: try DiaryStore(path: directory.file()), appendBytesPerSecond: 0)
        service.store.stage(address: "127.0.0.1:1", name: "", text: "hello")
        try service.store.commit()
        service.handleDatagram(
            WireFormat.encode(RequestFrame(id: 1, request: .sync(from: 1, offset: 0))), from: Self.alice)
        guard case .retry(let token) = try responses(service).first else { Issue.record("no retry frame"); return }
        #expect(token.count == AddressValidator.tokenBytes)
        service.handleDatagram(
            WireFormat.encode(RequestFrame(id: 2, request: .sync(from: 1, offset: 0, token: token))), from: Self.alice)
        guard case .page(let page) = try responses(service).first else {
            Issue.record("no page with the token"); return
        }
        #expect(page.chunks.count == 1)
        // Alice's token is no good from Bob's address.
        service.handleDatagram(
            WireFormat.encode(RequestFrame(id: 3, request: .sync(from: 1, offset: 0, token: token))), from: Self.bob)
        guard case .retry = try responses(service).first else { Issue.record("another address used the token"); return }
    }

    @Test func tokensExpireAndAreBoundToTheAddress() {
        let validator = AddressValidator()
        let now: Int64 = 1_800_000_000_000
        let token = validator.token(for: "127.0.0.1:5", at: now)
        #expect(validator.isValid(token, for: "127.0.0.1:5", at: now))
        #expect(validator.isValid(token, for: "127.0.0.1:5", at: now + 60_000))
        #expect(!validator.isValid(token, for: "127.0.0.1:5", at: now + 180_000))
        #expect(!validator.isValid(token, for: "127.0.0.1:6", at: now))
        var forged = token
        forged[15] ^= 1
        #expect(!validator.isValid(forged, for: "127.0.0.1:5", at: now))
        #expect(!AddressValidator().isValid(token, for: "127.0.0.1:5", at: now), "another process's key")
        // SipHash-2-4 test vector from the paper (key 00..0f, message 00..0e).
        let key = (UInt64(0x0706_0504_0302_0100), UInt64(0x0F0E_0D0C_0B0A_0908))
        #expect(SipHash.hash(Array(0..<15), key: key) == 0xA129_CA61_49BE_45E5)
    }

    // MARK: - 12.3 size, rate and disk limits

    @Test func aFullDiaryRefusesAppendsWithAClearErrorAndStillSyncs() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let service = DiaryService(
            store: try DiaryStore(path: directory.file(), maximumBytes: 1000), appendBytesPerSecond: 0)
        for id in 1...20 {
            service.handleDatagram(
                appendFrame(id: UInt64(id), text: String(repeating: "x", count: 100)), from: Self.alice)
        }
        service.commit()
        let answers = try responses(service)
        let stored = answers.filter { if case .appended = $0 { true } else { false } }.count
        #expect(stored >= 5 && stored < 20)
        guard case .error(.refused, let message) = answers.last else { Issue.record("not refused: \(answers)"); return }
        #expect(message.contains("diary is full"))
        #expect(try readFileBytes(directory.file()).count <= 1000)
        let page = try service.makePage(from: .start, clientAddress: "x")
        #expect(page.chunks.count == stored)
    }

    @Test func appendsArePacedPerHost() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let service = DiaryService(store: try DiaryStore(path: directory.file()), appendBytesPerSecond: 10_000)
        for id in 1...200 {
            service.handleDatagram(
                appendFrame(id: UInt64(id), text: String(repeating: "y", count: 1000)), from: Self.alice)
        }
        service.handleDatagram(appendFrame(id: 1, text: "bob is another host"), from: Self.bob)
        service.commit()
        let answers = try responses(service)
        let refused = answers.compactMap { if case .error(.refused, let message) = $0 { message } else { nil } }
        #expect(!refused.isEmpty && refused.allSatisfy { $0.contains("too many appends from 127.0.0.1") })
        #expect(refused.count < 200)
        guard case .appended = answers.last else { Issue.record("bob was refused too"); return }
    }

    // MARK: - 12.4 and 12.5 the file

    @Test func theLockHoldsThroughAHardLink() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let first = try DiaryStore(path: directory.file())
        let link = directory.file("hard.log")
        try FileManager.default.linkItem(atPath: directory.file(), toPath: link)
        do {
            _ = try DiaryStore(path: link)
            Issue.record("a second store opened the file through a hard link")
        } catch {
            guard case .fileLocked = error else { Issue.record("unexpected \(error)"); return }
        }
        _ = first
    }

    enum Tampering: String, CaseIterable { case deleted, replaced, truncated, appended, overwritten }

    @Test(arguments: Tampering.allCases)
    func aChangedFileIsNeverAcknowledged(_ tampering: Tampering) throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.file()
        let service = DiaryService(store: try DiaryStore(path: path), appendBytesPerSecond: 0)
        service.handleDatagram(appendFrame(id: 1, text: "before"), from: Self.alice)
        service.commit()
        guard case .appended(1, _) = try responses(service).first else { Issue.record("first append failed"); return }
        switch tampering {
        case .deleted:
            try FileManager.default.removeItem(atPath: path)
        case .replaced:
            try Data("other\n".utf8).write(to: URL(fileURLWithPath: path + ".new"))
            #expect(rename(path + ".new", path) == 0)
        case .truncated:
            #expect(truncate(path, 0) == 0)
        case .appended:
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
            try handle.seekToEnd()
            try handle.write(contentsOf: Data("2 2026-01-01T00:00:00.000Z x - another program\n".utf8))
            try handle.close()
        case .overwritten:
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
            try handle.write(contentsOf: Data("9".utf8))
            try handle.close()
        }
        service.handleDatagram(appendFrame(id: 2, text: "after"), from: Self.alice)
        service.commit()
        let answers = try responses(service)
        if tampering == .overwritten {
            // An overwrite of old bytes is invisible to a size check; the next append goes on.
            guard case .appended = answers.first else { Issue.record("\(answers)"); return }
            return
        }
        guard case .error(_, let message) = answers.first else {
            Issue.record("acknowledged after the file was \(tampering)"); return
        }
        // The reply is cut to 3× its request; the keyword comes first.
        let keyword = "file " + (tampering == .appended ? "appended to" : tampering.rawValue)
        #expect(message.hasPrefix(keyword), "\(message)")
        #expect(service.store.fileChanged?.hasPrefix(keyword) == true)
        // And it stays refused.
        service.handleDatagram(appendFrame(id: 3, text: "later"), from: Self.alice)
        service.commit()
        guard case .error = try responses(service).first else { Issue.record("acknowledged later"); return }
    }

    @Test func storageErrorsNameTheCallThePathAndTheErrno() {
        do {
            _ = try DiaryStore(path: "/nonexistent-dir/diary.log")
            Issue.record("opened a file in a missing directory")
        } catch {
            #expect(error.description == "cannot open /nonexistent-dir/diary.log: No such file or directory (ENOENT)")
        }
    }

    // MARK: - 12.11 text and times

    static let forgingTexts = [
        "line\u{2028}separator", "para\u{2029}graph", "next\u{85}line", "csi\u{9B}31m", "c1\u{80}\u{9F}",
        "right\u{202E}to left", "isolate\u{2066}x\u{2069}", "marks\u{200E}\u{200F}\u{61C}", "bom\u{FEFF}",
        "esc\u{1B}[2J", "vt\u{0B}ff\u{0C}", "literal \\u{2028} text",
        "all\u{2028}\u{85}\u{202A}\u{202B}\u{202C}\u{202D}\u{2067}\u{2068}",
    ]

    @Test(arguments: forgingTexts)
    func lineBreaksAndControlsAreEscaped(_ text: String) throws {
        let entry = DiaryEntry(sequence: 1, time: 0, address: "127.0.0.1:1", name: "", text: text)
        let line = entry.line
        #expect(!line.unicodeScalars.contains { DiaryEntry.needsEscaping($0) }, "\(line.debugDescription)")
        #expect(line.split(whereSeparator: \.isNewline).count == 1)
        #expect(DiaryEntry(line: Substring(line)) == entry)
        #expect(
            DiaryLimits.problem(
                withName: "n"
                    + String(
                        text.unicodeScalars.first { DiaryEntry.needsEscaping($0) }.map(Character.init) ?? "\u{2028}"))
                != nil)
    }

    @Test(arguments: [Int64.min, Int64.max, 253_402_300_800_000, 3_093_527_980_800_000, -1, -62_167_219_200_001, 0])
    func everyTimeRoundTrips(_ milliseconds: Int64) {
        let text = Timestamp.format(milliseconds)
        #expect(Timestamp.parse(text) == milliseconds, "\(text)")
        let entry = DiaryEntry(sequence: 3, time: milliseconds, address: "a", name: "", text: "t")
        #expect(DiaryEntry(line: Substring(entry.line)) == entry)
    }

    @Test func theLoaderKeepsEveryEntryAndNeverReusesASequenceNumber() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.file()
        let future = DiaryEntry(sequence: 1, time: 253_402_300_800_000, address: "a", name: "", text: "year 10000")
        var bytes = Array((future.fileLine + "\n").utf8)
        bytes += Array("5 not a readable entry\n".utf8)
        bytes += [UInt8](repeating: 0x61, count: (1 << 20) + 10) + [0x0A]  // a huge garbage line, skipped
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let store = try DiaryStore(path: path)
        #expect(store.entries == [future])
        #expect(store.stage(address: "a", name: "", text: "next").sequence == 6)
        try store.commit()
        #expect(store.warnings.count == 2)
        #expect(
            try readFileBytes(path).count == bytes.count + Array((store.entries.last!.fileLine + "\n").utf8).count,
            "nothing cut away")
    }

    // MARK: - 12.9 and 12.12 the client

    @Test func theClientSpreadsItsRetriesWhenRefused() throws {
        let port: UInt16 = try {
            let socket = try DatagramSocket(bindingTo: .ipv4(.loopback, port: 0))
            return try socket.localAddress.port ?? 0
        }()
        let client = try DiaryClient(
            configuration: .init(host: "127.0.0.1", port: port, timeout: .milliseconds(50), retries: 3))
        let clock = ContinuousClock()
        let start = clock.now
        #expect(throws: DiaryError.self) { _ = try client.append("nobody listens") }
        // Slots of 50, 100, 200 and 400 ms: the last attempt starts 350 ms after the first.
        #expect(clock.now - start >= .milliseconds(350))
    }

    /// A server that answers every request with `answer(request)`, until stopped.
    final class FakeServer: @unchecked Sendable {
        let socket: DatagramSocket
        let port: UInt16
        private let stopped = NSLock()
        private var isStopped = false

        init(answer: @escaping @Sendable (RequestFrame) -> ResponseFrame.Response) throws {
            socket = try DatagramSocket(bindingTo: .ipv4(.loopback, port: 0))
            port = try socket.localAddress.port ?? 0
            try socket.setOption(.receiveTimeout, .milliseconds(100))
            let box = UncheckedBox(self)
            Thread {
                var buffer = [UInt8](repeating: 0, count: 2048)
                while !box.value.stoppedNow {
                    guard let received = try? box.value.socket.receive(into: &buffer), let sender = received.sender,
                        let request = try? WireFormat.decodeRequest(buffer[..<received.count])
                    else { continue }
                    let reply = WireFormat.encode(ResponseFrame(id: request.id, response: answer(request)))
                    _ = try? box.value.socket.send(reply, to: sender)
                }
            }.start()
        }

        var stoppedNow: Bool { stopped.lock(); defer { stopped.unlock() }; return isStopped }
        func stop() { stopped.lock(); isStopped = true; stopped.unlock() }
    }

    @Test func aHostileServerCannotMakeSyncLoopOrGrow() throws {
        let stuck = try FakeServer { request in
            guard case .sync(let from, let offset, _) = request.request else { return .error(.badRequest, "") }
            let chunk = EntryChunk(
                sequence: from, time: 0, address: "a", name: "", textLength: 1, offset: 0, bytes: [0x61])
            return .page(
                SyncPage(
                    lastSequence: from, clientAddress: "a", isComplete: false,
                    next: SyncCursor(sequence: from, offset: offset), chunks: [chunk]))
        }
        let nagging = try FakeServer { _ in .retry(token: (0..<16).map { _ in UInt8.random(in: 0...255) }) }
        let empty = try FakeServer { request in
            // Advances one entry a page, with no entries, forever.
            guard case .sync(let from, _, _) = request.request else { return .error(.badRequest, "") }
            return .page(
                SyncPage(
                    lastSequence: .max, clientAddress: "a", isComplete: false,
                    next: SyncCursor(sequence: from + 1, offset: 0), chunks: []))
        }
        defer { stuck.stop(); nagging.stop(); empty.stop() }
        for port in [stuck.port, nagging.port, empty.port] {
            let client = try DiaryClient(
                configuration: .init(host: "127.0.0.1", port: port, timeout: .milliseconds(500), retries: 1))
            let done = DispatchSemaphore(value: 0)
            let result = UncheckedBox(ResultBox())
            let box = UncheckedBox(client)
            Thread {
                do { _ = try box.value.sync() } catch let error as DiaryError { result.value.error = error } catch {}
                done.signal()
            }.start()
            #expect(done.wait(timeout: .now() + 20) == .success, "sync never ended")
            guard case .badReply = result.value.error else {
                Issue.record("\(String(describing: result.value.error))"); continue
            }
        }
    }

    final class ResultBox: @unchecked Sendable { var error: DiaryError? }
}
