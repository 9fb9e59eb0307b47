import Foundation
import NetKit
import Testing
import NetKitTestSupport
@testable import DiaryDemo

@Suite("Service")
struct ServiceTests {
    static let alice = SocketAddress.ipv4(.loopback, port: 40001)
    static let bob = SocketAddress.ipv4(.loopback, port: 40002)

    /// A service on a fresh store; `body` runs with it, then the directory is removed.
    func withService(capacity: Int = 10_000, _ body: (DiaryService, String) throws -> Void) throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let service = DiaryService(store: try DiaryStore(path: directory.file()), retryCacheCapacity: capacity)
        try body(service, directory.file())
    }

    func takeReplies(_ service: DiaryService) -> [[UInt8]] {
        defer { service.outbox.removeAll() }
        return service.outbox.compactMap { if case .bytes(let bytes) = $0.payload { bytes } else { nil } }
    }

    func appendFrame(id: UInt64, text: String, name: String = "") -> [UInt8] {
        WireFormat.encode(RequestFrame(id: id, request: .append(name: name, text: text)))
    }

    @Test func appendIsAnsweredOnlyAfterCommit() throws {
        try withService { service, path in
            service.handleDatagram(appendFrame(id: 1, text: "hello", name: "amy"), from: Self.alice)
            #expect(service.outbox.isEmpty, "no acknowledgement before fsync")
            #expect(service.hasUncommitted)
            try service.commit()
            let replies = takeReplies(service)
            #expect(replies.count == 1)
            guard case .appended(let sequence, _) = try WireFormat.decodeResponse(replies[0]).response else {
                Issue.record("not an append answer"); return
            }
            #expect(sequence == 1)
            #expect(try readFile(path).contains("127.0.0.1:40001 amy hello"))
        }
    }

    @Test func mappedAddressesAreShownAsIPv4() {
        let mapped = SocketAddress.ipv6(IPv6Address(ipv4Mapped: IPv4Address(10, 1, 2, 3)), port: 7)
        #expect(DiaryService.display(mapped) == "10.1.2.3:7")
        #expect(DiaryService.display(.ipv6(.loopback, port: 7)) == "[::1]:7")
        #expect(DiaryService.display(Self.alice) == "127.0.0.1:40001")
    }

    @Test func retriedAppendIsStoredOnce() throws {
        try withService { service, _ in
            service.handleDatagram(appendFrame(id: 77, text: "once"), from: Self.alice)
            service.handleDatagram(appendFrame(id: 77, text: "once"), from: Self.alice)   // retry before commit
            try service.commit()
            service.handleDatagram(appendFrame(id: 77, text: "once"), from: Self.alice)   // retry after commit
            service.handleDatagram(appendFrame(id: 77, text: "other client"), from: Self.bob)   // same id, other source
            try service.commit()
            let answers = try takeReplies(service).map { try WireFormat.decodeResponse($0) }
            #expect(answers.count == 4)
            let sequences = answers.compactMap { if case .appended(let s, _) = $0.response { s } else { nil } }
            #expect(sequences == [1, 1, 1, 2])
            #expect(service.store.entries.map(\.text) == ["once", "other client"])
        }
    }

    @Test func retryCacheIsBoundedPerSource() throws {
        try withService { service, _ in
            for id in 1...1000 { service.handleDatagram(appendFrame(id: UInt64(id), text: "e\(id)"), from: Self.alice) }
            try service.commit()
            #expect(service.retryCache.count == 8)
            #expect(service.retryCache.sourceCount == 1)
            // The newest ids are still remembered...
            service.handleDatagram(appendFrame(id: 1000, text: "e1000"), from: Self.alice)
            service.handleDatagram(appendFrame(id: 993, text: "e993"), from: Self.alice)
            try service.commit()
            #expect(service.store.entries.count == 1000)
            // ...and other clients' traffic does not push them out.
            for id in 1...20_000 { service.handleDatagram(appendFrame(id: UInt64(id), text: "b\(id)"), from: Self.bob) }
            service.handleDatagram(appendFrame(id: 1000, text: "e1000"), from: Self.alice)
            try service.commit()
            #expect(service.store.entries.count == 21_000)
            service.outbox.removeAll()
        }
    }

    @Test func retryAfterARestartIsStillRecognised() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        do {
            let service = DiaryService(store: try DiaryStore(path: directory.file()))
            service.handleDatagram(appendFrame(id: 0xABCD, text: "stored, answer lost"), from: Self.alice)
            service.handleDatagram(Array("plain".utf8), from: Self.alice)
            try service.commit()
        }
        let file = try readFile(directory.file())
        #expect(file.contains(" - stored, answer lost\t#000000000000abcd\n"))
        let restarted = DiaryService(store: try DiaryStore(path: directory.file()))
        #expect(restarted.store.entries.map(\.requestID) == [0xABCD, nil])
        restarted.handleDatagram(appendFrame(id: 0xABCD, text: "stored, answer lost"), from: Self.alice)
        try restarted.commit()
        guard case .appended(let sequence, _) = try WireFormat.decodeResponse(takeReplies(restarted)[0]).response else {
            Issue.record("no answer"); return
        }
        #expect(sequence == 1)
        #expect(restarted.store.entries.count == 2)
        // Sync shows the entry without the id.
        restarted.handleDatagram(Array("sync".utf8), from: Self.bob)
        let text = String(decoding: takeReplies(restarted)[0], as: UTF8.self)
        #expect(!text.contains("\t") && !text.contains("#"))
    }

    @Test func retryCacheForgetsTheOldestSource() {
        var cache = RetryCache(capacity: 3, perSource: 2)
        let answer = RetryCache.Answer(sequence: 1, time: 0)
        for port in 1...4 { cache.insert(answer, for: .init(source: "127.0.0.1:\(port)", id: 9)) }
        #expect(cache.sourceCount == 3)
        #expect(cache.answer(for: .init(source: "127.0.0.1:1", id: 9)) == nil)
        #expect(cache.answer(for: .init(source: "127.0.0.1:4", id: 9)) == answer)
        cache.insert(RetryCache.Answer(sequence: 2, time: 0), for: .init(source: "127.0.0.1:4", id: 9))
        #expect(cache.answer(for: .init(source: "127.0.0.1:4", id: 9))?.sequence == 2)
        #expect(cache.count == 3)
    }

    @Test func manyDistinctSourcesKeepTheCacheBounded() throws {
        try withService { service, _ in
            for port in 1...12_000 {
                service.handleDatagram(appendFrame(id: 1, text: "from \(port)"), from: .ipv4(.loopback, port: UInt16(port)))
            }
            try service.commit()
            service.outbox.removeAll()
            #expect(service.retryCache.sourceCount == 10_000)
            #expect(service.retryCache.count == 10_000)
            #expect(service.store.entries.count == 12_000)
        }
    }

    @Test func badRequestsAreAnsweredOrDroppedNeverStored() throws {
        try withService { service, path in
            var version2 = appendFrame(id: 5, text: "x"); version2[2] = 2
            service.handleDatagram(version2, from: Self.alice)
            service.handleDatagram([0xFF], from: Self.alice)                         // dropped
            service.handleDatagram([0xFF, 0x44, 1, 1, 0, 0], from: Self.alice)       // dropped (no id)
            service.handleDatagram(appendFrame(id: 6, text: "x") + [9], from: Self.alice)
            service.handleDatagram(appendFrame(id: 7, text: ""), from: Self.alice)
            service.handleDatagram(appendFrame(id: 8, text: String(repeating: "x", count: 4097)), from: Self.alice)
            service.handleDatagram(appendFrame(id: 9, text: "x", name: "has space"), from: Self.alice)
            try service.commit()
            let answers = try takeReplies(service).map { try WireFormat.decodeResponse($0) }
            let codes = answers.compactMap { if case .error(let code, _) = $0.response { code } else { nil } }
            #expect(answers.map(\.id) == [5, 6, 7, 8, 9])
            #expect(codes == [.unsupportedVersion, .badRequest, .invalidText, .entryTooLong, .invalidName])
            #expect(service.store.entries.isEmpty)
            #expect(try readFileBytes(path).isEmpty)
        }
    }

    @Test func plainTextAppendAndSync() throws {
        try withService { service, _ in
            service.handleDatagram(Array("hello\n".utf8), from: Self.alice)
            service.handleDatagram(Array("second one\r\n".utf8), from: Self.bob)
            try service.commit()
            #expect(takeReplies(service).map { String(decoding: $0, as: UTF8.self) } == ["ok 1\n", "ok 2\n"])
            service.handleDatagram(Array("sync".utf8), from: Self.alice)
            service.handleDatagram(Array("r 1".utf8), from: Self.alice)
            service.handleDatagram(Array("sync 2\n".utf8), from: Self.alice)
            let replies = takeReplies(service).map { String(decoding: $0, as: UTF8.self) }
            let lines = replies[0].split(separator: "\n")
            #expect(lines.count == 2)
            #expect(lines[0].hasSuffix(" 127.0.0.1:40001 - hello"))
            #expect(lines[1].hasPrefix("2 ") && lines[1].hasSuffix(" 127.0.0.1:40002 - second one"))
            #expect(replies[1].hasPrefix("2 ") && replies[1].split(separator: "\n").count == 1)
            #expect(replies[2] == "none\n")
        }
    }

    @Test func plainTextErrors() throws {
        try withService { service, _ in
            service.handleDatagram([UInt8](), from: Self.alice)
            service.handleDatagram([0xC3, 0x28], from: Self.alice)
            service.handleDatagram([UInt8](repeating: 0x61, count: 60_000), from: Self.alice)
            try service.commit()
            let replies = takeReplies(service).map { String(decoding: $0, as: UTF8.self) }
            #expect(replies.count == 3)
            #expect(replies.allSatisfy { $0.hasPrefix("error ") })
            #expect(service.store.entries.isEmpty)
        }
    }

    @Test func plainSyncIsBoundedAndPaged() throws {
        try withService { service, _ in
            for number in 1...500 { _ = service.store.stage(address: "127.0.0.1:1", name: "", text: "entry number \(number)") }
            try service.store.commit()
            var after: UInt64 = 0
            var seen: [UInt64] = []
            for _ in 0..<100 {
                service.handleDatagram(Array("sync \(after)".utf8), from: Self.alice)
                let replies = takeReplies(service)
                #expect(replies.count <= DiaryService.maximumPlainReplies)
                #expect(replies.allSatisfy { $0.count <= DiaryLimits.maximumPageBytes })
                let lines = replies.flatMap { String(decoding: $0, as: UTF8.self).split(separator: "\n") }
                if lines == ["none"] { break }
                var next: UInt64?
                for line in lines {
                    if line.hasPrefix("more ") { next = UInt64(line.dropFirst(5)) } else { seen.append(UInt64(line.prefix { $0 != " " })!) }
                }
                guard let next else { break }
                after = next
            }
            #expect(seen == Array(1...500))
        }
    }

    @Test func framedSyncPagesLongEntries() throws {
        try withService { service, _ in
            var texts: [String] = []
            for number in 1...60 {
                let text = number % 7 == 0 ? String(repeating: "é✓", count: 800) + "\(number)" : "short \(number)"
                texts.append(text)
                _ = service.store.stage(address: "[::1]:5", name: number % 2 == 0 ? "even" : "", text: text)
            }
            try service.store.commit()
            var cursor = SyncCursor.start
            var joined: [UInt64: [UInt8]] = [:]
            var pages = 0
            while pages < 200 {
                pages += 1
                service.handleDatagram(WireFormat.encode(RequestFrame(id: UInt64(pages), request: .sync(from: cursor.sequence, offset: cursor.offset))), from: Self.alice)
                let replies = takeReplies(service)
                #expect(replies.count == 1)
                #expect(replies[0].count <= DiaryLimits.maximumPageBytes)
                guard case .page(let page) = try WireFormat.decodeResponse(replies[0]).response else { Issue.record("no page"); return }
                #expect(page.clientAddress == "127.0.0.1:40001")
                #expect(page.lastSequence == 60)
                for chunk in page.chunks {
                    #expect(Int(chunk.offset) == joined[chunk.sequence, default: []].count)
                    joined[chunk.sequence, default: []] += chunk.bytes
                }
                cursor = page.next
                if page.isComplete { break }
            }
            #expect(joined.count == 60)
            for (index, text) in texts.enumerated() {
                #expect(joined[UInt64(index + 1)].map { String(decoding: $0, as: UTF8.self) } == text)
            }
        }
    }

    @Test func tcpLinesAppendAndSyncInOrder() throws {
        try withService { service, _ in
            service.handleLine(Array("first\r".utf8), connection: 3, peer: Self.alice)
            service.handleLine(Array("sync".utf8), connection: 3, peer: Self.alice)
            // The sync committed the append first, so its "ok" precedes the stream.
            #expect(service.outbox == [
                DiaryService.Outgoing(destination: .stream(3), payload: .bytes(Array("ok 1\n".utf8))),
                DiaryService.Outgoing(destination: .stream(3), payload: .entries(0..<1)),
            ])
            service.outbox.removeAll()
            service.handleLine(Array("sync 1".utf8), connection: 4, peer: Self.bob)
            #expect(service.outbox == [DiaryService.Outgoing(destination: .stream(4), payload: .entries(1..<1))])
        }
    }

    @Test func randomDatagramsNeverCorruptTheFile() throws {
        try withService { service, path in
            var generator = SeededGenerator(seed: 42)
            for round in 0..<3000 {
                let count = Int.random(in: 0..<300, using: &generator)
                var bytes = (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
                if round % 3 == 0, count >= 4 { bytes[0] = 0xFF; bytes[1] = 0x44; bytes[2] = 1; bytes[3] = UInt8.random(in: 1...2, using: &generator) }
                service.handleDatagram(bytes, from: Self.alice)
                if round % 50 == 0 { try service.commit(); service.outbox.removeAll() }
            }
            try service.commit()
            service.outbox.removeAll()
            let reloaded = try DiaryStore(path: path + ".copy", copying: path)
            #expect(reloaded.warnings.isEmpty)
            #expect(reloaded.entries == service.store.entries)
        }
    }
}

extension DiaryStore {
    /// Opens a copy of another store's file (the original stays locked by its store).
    convenience init(path: String, copying original: String) throws {
        try FileManager.default.copyItem(atPath: original, toPath: path)
        try self.init(path: path)
    }
}
