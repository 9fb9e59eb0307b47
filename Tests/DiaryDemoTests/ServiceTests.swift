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
    func withService(appendRate: Double = 0, _ body: (DiaryService, String) throws -> Void) throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let service = DiaryService(
            store: try DiaryStore(path: directory.file()), appendBytesPerSecond: appendRate, requestsPerSecond: 0)
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
            service.commit()
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
            service.handleDatagram(appendFrame(id: 77, text: "once"), from: Self.alice)  // retry before commit
            service.commit()
            service.handleDatagram(appendFrame(id: 77, text: "once"), from: Self.alice)  // retry after commit
            service.handleDatagram(appendFrame(id: 77, text: "other client"), from: Self.bob)  // same id, other source
            service.commit()
            let answers = try takeReplies(service).map { try WireFormat.decodeResponse($0) }
            #expect(answers.count == 4)
            let sequences = answers.compactMap { if case .appended(let s, _) = $0.response { s } else { nil } }
            #expect(sequences == [1, 1, 1, 2])
            #expect(service.store.entries.map(\.text) == ["once", "other client"])
        }
    }

    @Test func retryIsRecognisedAfterManyOtherAppends() throws {
        try withService { service, _ in
            for id in 1...1000 { service.handleDatagram(appendFrame(id: UInt64(id), text: "e\(id)"), from: Self.alice) }
            service.commit()
            // Other clients' traffic, however much, does not push alice's ids out: they are in the file.
            for id in 1...20_000 {
                service.handleDatagram(appendFrame(id: UInt64(100_000 + id), text: "b\(id)"), from: Self.bob)
            }
            service.commit()
            service.outbox.removeAll()
            service.handleDatagram(appendFrame(id: 1, text: "e1"), from: Self.alice)
            service.handleDatagram(appendFrame(id: 1000, text: "e1000"), from: Self.alice)
            service.commit()
            let sequences = try takeReplies(service).compactMap {
                if case .appended(let sequence, _) = try WireFormat.decodeResponse($0).response {
                    sequence
                } else {
                    nil
                }
            }
            #expect(sequences == [1, 1000], "the first answers again, not new entries")
            #expect(service.store.count == 21_000)
        }
    }

    @Test func retryAfterARestartIsStillRecognised() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        do {
            let service = DiaryService(store: try DiaryStore(path: directory.file()), appendBytesPerSecond: 0)
            service.handleDatagram(appendFrame(id: 0xABCD, text: "stored, answer lost"), from: Self.alice)
            service.handleDatagram(Array("plain".utf8), from: Self.alice)
            service.commit()
        }
        let file = try readFile(directory.file())
        #expect(file.contains(" - stored, answer lost\t#000000000000abcd\n"))
        let restarted = DiaryService(store: try DiaryStore(path: directory.file()))
        #expect(restarted.store.entries.map(\.requestID) == [0xABCD, nil])
        restarted.handleDatagram(appendFrame(id: 0xABCD, text: "stored, answer lost"), from: Self.alice)
        restarted.commit()
        guard case .appended(let sequence, _) = try WireFormat.decodeResponse(takeReplies(restarted)[0]).response else {
            Issue.record("no answer"); return
        }
        #expect(sequence == 1)
        #expect(restarted.store.entries.count == 2)
        // Sync shows the entry without the id.
        restarted.handleDatagram(Self.padded("sync"), from: Self.bob)
        let text = String(decoding: takeReplies(restarted)[0], as: UTF8.self)
        #expect(!text.contains("\t") && !text.contains("#"))
    }

    /// Issue 12.10: 10,001 appends from fresh source addresses used to flush the
    /// retry cache, so the victim's retry was appended a second time.
    @Test func retryIsRecognisedAfterTwelveThousandNewSources() throws {
        try withService { service, _ in
            service.handleDatagram(appendFrame(id: 0xD00D, text: "victim"), from: Self.alice)
            service.commit()
            for port in 1...12_000 {
                service.handleDatagram(
                    appendFrame(id: 1, text: "from \(port)"),
                    from: .ipv4(IPv4Address(10, 0, UInt8(port >> 8), UInt8(port & 255)), port: UInt16(port)))
            }
            service.commit()
            service.outbox.removeAll()
            service.handleDatagram(appendFrame(id: 0xD00D, text: "victim"), from: Self.alice)
            service.commit()
            guard case .appended(let sequence, _) = try WireFormat.decodeResponse(takeReplies(service)[0]).response
            else {
                Issue.record("no answer"); return
            }
            #expect(sequence == 1)
            #expect(service.store.count == 12_001)
            #expect(service.store.entries.filter { $0.text == "victim" }.count == 1)
        }
    }

    @Test func badRequestsAreAnsweredOrDroppedNeverStored() throws {
        try withService { service, path in
            var version2 = appendFrame(id: 5, text: "x"); version2[2] = 2
            service.handleDatagram(version2, from: Self.alice)
            service.handleDatagram([0xFF], from: Self.alice)  // dropped
            service.handleDatagram([0xFF, 0x44, 1, 1, 0, 0], from: Self.alice)  // dropped (no id)
            service.handleDatagram(appendFrame(id: 6, text: "x") + [9], from: Self.alice)
            service.handleDatagram(appendFrame(id: 7, text: ""), from: Self.alice)
            service.handleDatagram(appendFrame(id: 8, text: String(repeating: "x", count: 4097)), from: Self.alice)
            service.handleDatagram(appendFrame(id: 9, text: "x", name: "has space"), from: Self.alice)
            service.commit()
            let answers = try takeReplies(service).map { try WireFormat.decodeResponse($0) }
            let codes = answers.compactMap { if case .error(let code, _) = $0.response { code } else { nil } }
            #expect(answers.map(\.id) == [5, 6, 7, 8, 9])
            #expect(codes == [.unsupportedVersion, .badRequest, .invalidText, .entryTooLong, .invalidName])
            #expect(service.store.entries.isEmpty)
            #expect(try readFileBytes(path).isEmpty)
        }
    }

    /// A plain-text request padded with spaces to the length that earns a full page.
    static func padded(_ text: String) -> [UInt8] {
        Array(text.utf8)
            + [UInt8](repeating: UInt8(ascii: " "), count: max(0, DiaryService.paddedSyncBytes - text.utf8.count))
    }

    @Test func plainTextAppendAndSync() throws {
        try withService { service, _ in
            service.handleDatagram(Array("hello\n".utf8), from: Self.alice)
            service.handleDatagram(Array("second one\r\n".utf8), from: Self.bob)
            service.commit()
            #expect(takeReplies(service).map { String(decoding: $0, as: UTF8.self) } == ["ok 1\n", "ok 2\n"])
            service.handleDatagram(Self.padded("sync"), from: Self.alice)
            service.handleDatagram(Self.padded("r 1"), from: Self.alice)
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
            service.commit()
            let replies = takeReplies(service).map { String(decoding: $0, as: UTF8.self) }
            // The empty datagram earns no answer (3 × 0 bytes); the 2-byte one a short one.
            #expect(replies == ["error\n", "error entry too long (60000 bytes; at most 4096)\n"])
            #expect(service.store.entries.isEmpty)
        }
    }

    @Test func plainSyncIsBoundedAndPaged() throws {
        try withService { service, _ in
            for number in 1...500 {
                service.store.stage(address: "127.0.0.1:1", name: "", text: "entry number \(number)")
            }
            try service.store.commit()
            var after: UInt64 = 0
            var seen: [UInt64] = []
            for _ in 0..<100 {
                service.handleDatagram(Self.padded("sync \(after)"), from: Self.alice)
                let replies = takeReplies(service)
                #expect(replies.count == 1)
                #expect(replies.allSatisfy { $0.count <= DiaryLimits.maximumPageBytes })
                let lines = replies.flatMap { String(decoding: $0, as: UTF8.self).split(separator: "\n") }
                if lines == ["none"] { break }
                var next: UInt64?
                for line in lines {
                    if line.hasPrefix("more ") {
                        next = UInt64(line.dropFirst(5))
                    } else {
                        seen.append(UInt64(line.prefix { $0 != " " })!)
                    }
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
                service.handleDatagram(
                    WireFormat.encode(
                        RequestFrame(
                            id: UInt64(pages),
                            request: .sync(
                                from: cursor.sequence, offset: cursor.offset, token: service.token(for: Self.alice)))),
                    from: Self.alice)
                let replies = takeReplies(service)
                #expect(replies.count == 1)
                #expect(replies[0].count <= DiaryLimits.maximumPageBytes)
                guard case .page(let page) = try WireFormat.decodeResponse(replies[0]).response else {
                    Issue.record("no page"); return
                }
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
            // The sync waits behind the append, so its "ok" precedes the stream.
            #expect(service.outbox.isEmpty)
            service.commit()
            #expect(
                service.outbox == [
                    DiaryService.Outgoing(destination: .stream(3), payload: .bytes(Array("ok 1\n".utf8))),
                    DiaryService.Outgoing(destination: .stream(3), payload: .entries(after: 0, through: 1)),
                ])
            service.outbox.removeAll()
            service.handleLine(Array("sync 1".utf8), connection: 4, peer: Self.bob)
            #expect(
                service.outbox == [
                    DiaryService.Outgoing(destination: .stream(4), payload: .entries(after: 1, through: 1))
                ])
        }
    }

    @Test func randomDatagramsNeverCorruptTheFile() throws {
        try withService { service, path in
            var generator = SeededGenerator(seed: 42)
            for round in 0..<3000 {
                let count = Int.random(in: 0..<300, using: &generator)
                var bytes = (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
                if round % 3 == 0, count >= 4 {
                    bytes[0] = 0xFF; bytes[1] = 0x44; bytes[2] = 1;
                    bytes[3] = UInt8.random(in: 1...2, using: &generator)
                }
                service.handleDatagram(bytes, from: Self.alice)
                if round % 50 == 0 { service.commit(); service.outbox.removeAll() }
            }
            service.commit()
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

@Suite("Per-host rate limits (UDP)")
struct HostRateLimitTests {
    static let flooder = SocketAddress.ipv4(IPv4Address(127, 0, 1, 1), port: 5000)

    /// A host whose bucket is not the flooder's (hosts sharing a bucket share its rate).
    static func otherHost(_ index: Int = 0) -> SocketAddress {
        (2...255).lazy.map { SocketAddress.ipv4(IPv4Address(127, 0, 2, UInt8($0)), port: 6000) }
            .filter { HostRateLimiter.bucket(of: $0) != HostRateLimiter.bucket(of: flooder) }
            .dropFirst(index).first!
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) * 1e-18
    }

    @Test func aBucketHoldsItsBurstAndRefillsAtItsRate() {
        let start = ContinuousClock.now
        var limiter = HostRateLimiter(perHostPerSecond: 100, burstSeconds: 0.25, now: start)
        let burst = (0..<30).count { _ in limiter.allow(Self.flooder, now: start) }
        let halfToken = limiter.allow(Self.flooder, now: start + .milliseconds(5))
        let oneToken = limiter.allow(Self.flooder, now: start + .milliseconds(10))
        let otherHost = limiter.allow(Self.otherHost(), now: start + .milliseconds(10))
        let later = start + .seconds(60)  // A long pause refills no more than the burst.
        let afterPause = (0..<30).count { _ in limiter.allow(Self.flooder, now: later) }
        #expect(burst == 25 && afterPause == 25)
        #expect(!halfToken && oneToken)
        #expect(otherHost, "another host has its own bucket")
        // The other port of the same host shares the bucket; an IPv4-mapped IPv6 address too.
        guard case .ipv4(let host, _) = Self.flooder else { return }
        let otherPort = limiter.allow(.ipv4(host, port: 1), now: later)
        let mapped = limiter.allow(.ipv6(IPv6Address(ipv4Mapped: host), port: 2), now: later)
        #expect(!otherPort && !mapped)
    }

    @Test func theCommonBucketLimitsAllHostsTogether() {
        let start = ContinuousClock.now
        var limiter = HostRateLimiter(perHostPerSecond: 100, totalPerSecond: 40, burstSeconds: 1, now: start)
        let first = (0..<100).count { _ in limiter.allow(Self.otherHost(0), now: start) }
        let second = (0..<100).count { _ in limiter.allow(Self.otherHost(1), now: start) }
        let refilled = limiter.allow(Self.otherHost(1), now: start + .milliseconds(25))
        #expect(first == 40 && second == 0 && refilled)
    }

    @Test func noLimitMeansEverything() {
        var limiter = HostRateLimiter(perHostPerSecond: 0, burstSeconds: 1, now: .now)
        let allowed = (0..<100_000).count { _ in limiter.allow(Self.flooder, now: .now) }
        #expect(allowed == 100_000)
    }

    @Test func aFloodOfBadDatagramsGetsBoundedErrors() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let service = DiaryService(store: try DiaryStore(path: directory.file()), requestsPerSecond: 0)
        let badFrame: [UInt8] = [0xFF, 0x44, 0x01, 0x09, 0, 0, 0, 0, 0, 0, 0, 1]  // an unknown request kind
        let start = ContinuousClock.now
        for _ in 0..<5000 { service.handleDatagram(badFrame, from: Self.flooder) }
        for _ in 0..<5000 { service.handleDatagram([0xC3, 0x28], from: Self.flooder) }  // not UTF-8
        let elapsed = Self.seconds(start.duration(to: .now))
        let rate = HostRateLimiter.errorsPerHostPerSecond
        // The burst, and what the bucket refilled while the loop ran.
        #expect(service.outbox.count >= Int(2 * rate))
        #expect(service.outbox.count <= Int(2 * rate + rate * elapsed) + 1)
        #expect(service.droppedErrorReplies == 10_000 - service.outbox.count)
        service.outbox.removeAll()

        // Another host still gets its errors, and the flooder still gets what is not an error.
        let other = Self.otherHost()
        service.handleDatagram(badFrame, from: other)
        service.handleDatagram([0xC3, 0x28], from: other)
        #expect(service.outbox.map(\.destination) == [.datagram(other), .datagram(other)])
        service.outbox.removeAll()
        service.handleDatagram(Array("sync".utf8), from: Self.flooder)
        #expect(service.outbox.map(\.payload) == [.bytes(Array("none\n".utf8))])
    }

    @Test func aFloodOfValidRequestsIsHeldToTheHostsRateWhileTheServerIsBehind() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let service = DiaryService(store: try DiaryStore(path: directory.file()), requestsPerSecond: 1000)
        // While the server keeps up, a busy host is served in full (one host with many clients).
        for _ in 0..<5000 { service.handleDatagram(Array("sync".utf8), from: Self.flooder) }
        #expect(service.outbox.count == 5000 && service.droppedRequests == 0)
        service.outbox.removeAll()
        // Once the loop sees a backlog, the host is held to its rate at once: it used up its bucket,
        // so only what refilled since then is handled.
        let emptied = ContinuousClock.now
        service.noteDatagramBacklog()
        for _ in 0..<100 { service.handleDatagram(Array("sync".utf8), from: Self.flooder) }
        let refill = 1000 * Self.seconds(emptied.duration(to: .now))
        #expect(service.outbox.count <= Int(refill) + 2, "\(service.outbox.count) of 100 handled")
        service.outbox.removeAll()

        let fresh = DiaryService(store: try DiaryStore(path: directory.file() + ".2"), requestsPerSecond: 1000)
        fresh.noteDatagramBacklog()
        let start = ContinuousClock.now
        for _ in 0..<10_000 { fresh.handleDatagram(Array("sync".utf8), from: Self.flooder) }
        let elapsed = Self.seconds(start.duration(to: .now))
        let handled = fresh.outbox.count
        #expect(handled >= 250, "the burst (a quarter of a second's worth)")
        #expect(handled <= 250 + Int(1000 * elapsed) + 1)
        #expect(fresh.droppedRequests == 10_000 - handled)
        fresh.outbox.removeAll()
        // Another host is served at once.
        fresh.handleDatagram(Array("sync".utf8), from: Self.otherHost())
        #expect(fresh.outbox.map(\.destination) == [.datagram(Self.otherHost())])
    }

    @Test func streamErrorsAreNeverDropped() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let service = DiaryService(store: try DiaryStore(path: directory.file()))
        for _ in 0..<2000 { service.handleLine([0xC3, 0x28], connection: 1, peer: Self.flooder) }
        #expect(service.outbox.count == 2000)
    }
}
