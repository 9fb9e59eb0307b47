import Testing
@testable import NetKit

@Suite("Async sockets: BufferedReader", .usesManyDescriptors)
struct BufferedReaderTests {
    @Test("lines split across sends, with \\n and \\r\\n, and a last line without one")
    func lines() async throws {
        let pair = try StreamConnection.pair()
        var reader = BufferedReader(maximumLength: 64)
        try await pair.second.sendAll(Array("one\r\ntw".utf8))
        #expect(try await reader.readLine(from: pair.first) == Array("one".utf8))
        try await pair.second.sendAll(Array("o\n\nthree".utf8))
        #expect(try await reader.readLine(from: pair.first) == Array("two".utf8))
        #expect(try await reader.readLine(from: pair.first) == [])
        try pair.second.shutdown(.write)
        #expect(try await reader.readLine(from: pair.first) == Array("three".utf8))
        #expect(try await reader.readLine(from: pair.first) == nil)
    }

    @Test("a line longer than the maximum is a typed error, and the buffer stays bounded")
    func tooLong() async throws {
        let pair = try StreamConnection.pair()
        let first = pair.first
        let second = ConnectionBox(pair.second)
        var reader = BufferedReader(maximumLength: 100)
        let writer = Task {
            // Far more than the limit, with no newline: the reader must not keep it all.
            for _ in 0..<100 { try await second.connection.sendAll([UInt8](repeating: 65, count: 1000)) }
        }
        await #expect(throws: BufferedReaderError.tooLong(limit: 100)) {
            _ = try await reader.readLine(from: first)
        }
        #expect(reader.storageSize <= 108)
        writer.cancel()
        _ = await writer.result
    }

    @Test("after a too-long line, the next read skips its rest and returns the line after it")
    func resynchronisesAfterTooLong() async throws {
        let pair = try StreamConnection.pair()
        let first = pair.first
        let second = ConnectionBox(pair.second)
        var reader = BufferedReader(maximumLength: 16)
        let writer = Task {
            try await second.connection.sendAll(Array("short\n".utf8))
            for _ in 0..<50 { try await second.connection.sendAll([UInt8](repeating: 66, count: 100)) }
            try await second.connection.sendAll(Array("\nnext\n".utf8))
            try second.connection.shutdown(.write)
        }
        #expect(try await reader.readLine(from: first) == Array("short".utf8))
        await #expect(throws: BufferedReaderError.tooLong(limit: 16)) {
            _ = try await reader.readLine(from: first)
        }
        #expect(try await reader.readLine(from: first) == Array("next".utf8))
        #expect(reader.storageSize <= 4096)
        #expect(try await reader.readLine(from: first) == nil)
        try await writer.value
    }

    @Test("length-prefixed frames: 1, 2 and 4 byte prefixes, too long, truncated")
    func frames() async throws {
        let pair = try StreamConnection.pair()
        var reader = BufferedReader(maximumLength: 1000)
        try await pair.second.sendAll([3, 97, 98, 99] + [0, 2, 120, 121] + [0, 0, 0, 1, 122])
        #expect(try await reader.readFrame(from: pair.first, prefix: .uint8) == Array("abc".utf8))
        #expect(try await reader.readFrame(from: pair.first, prefix: .uint16) == Array("xy".utf8))
        #expect(try await reader.readFrame(from: pair.first) == Array("z".utf8))
        // A prefix announcing more than the maximum fails before any payload is read.
        try await pair.second.sendAll([0, 0, 0x10, 0])
        await #expect(throws: BufferedReaderError.tooLong(limit: 1000)) {
            _ = try await reader.readFrame(from: pair.first)
        }
        // The stream ends inside a frame.
        try await pair.second.sendAll([0, 0, 0, 9, 1, 2])
        try pair.second.shutdown(.write)
        await #expect(throws: BufferedReaderError.truncated(expected: 13, received: 6)) {
            _ = try await reader.readFrame(from: pair.first)
        }
    }

    @Test("an interrupted read keeps what it buffered: the next call completes the line")
    func interruptedReadKeepsState() async throws {
        let pair = try StreamConnection.pair()
        var reader = BufferedReader()
        try await pair.second.sendAll(Array("hel".utf8))
        await #expect(throws: SocketError.self) {
            _ = try await reader.readLine(from: pair.first, deadline: .after(.milliseconds(20)))
        }
        #expect(reader.bufferedCount == 3)
        try await pair.second.sendAll(Array("lo\n".utf8))
        #expect(try await reader.readLine(from: pair.first) == Array("hello".utf8))
    }

    @Test("exact reads, and from a split reader half")
    func exactReads() async throws {
        let pair = try StreamConnection.pair()
        let halves = pair.first.split()
        let half = halves.reader
        var reader = BufferedReader(maximumLength: 16)
        try await pair.second.sendAll(Array("abcdefgh".utf8))
        #expect(try await reader.read(count: 3, from: half) == Array("abc".utf8))
        #expect(try await reader.read(count: 5, from: half) == Array("defgh".utf8))
        await #expect(throws: BufferedReaderError.tooLong(limit: 16)) {
            _ = try await reader.read(count: 17, from: half)
        }
        try await pair.second.sendAll(Array("line\n".utf8))
        #expect(try await reader.readLine(from: half) == Array("line".utf8))
    }
}
