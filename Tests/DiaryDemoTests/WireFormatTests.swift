import NetKit
import Testing
import NetKitTestSupport
@testable import DiaryDemo

@Suite("Wire format")
struct WireFormatTests {
    static let requests: [RequestFrame] = [
        RequestFrame(id: 0, request: .append(name: "", text: "x")),
        RequestFrame(id: 0xDEAD_BEEF_0123_4567, request: .append(name: "amy", text: "héllo\nworld ✓")),
        RequestFrame(
            id: .max,
            request: .append(name: String(repeating: "n", count: 64), text: String(repeating: "t", count: 4096))),
        RequestFrame(id: 7, request: .sync(from: 1, offset: 0)),
        RequestFrame(id: 8, request: .sync(from: .max, offset: .max)),
    ]

    @Test(arguments: requests)
    func requestRoundTrip(_ frame: RequestFrame) throws {
        let bytes = WireFormat.encode(frame)
        #expect(bytes[0] == 0xFF && bytes[1] == 0x44 && bytes[2] == 1)
        #expect(WireFormat.isFramed(bytes))
        #expect(try WireFormat.decodeRequest(bytes) == frame)
        #expect(try WireFormat.decodeRequest(bytes[...]) == frame)
    }

    static let page = SyncPage(
        lastSequence: 42, clientAddress: "[::1]:5000", isComplete: false, next: SyncCursor(sequence: 3, offset: 10),
        chunks: [
            EntryChunk(
                sequence: 1, time: 1_700_000_000_123, address: "127.0.0.1:1", name: "", textLength: 3, offset: 0,
                bytes: Array("abc".utf8)),
            EntryChunk(
                sequence: 3, time: -5, address: "127.0.0.1:2", name: "bob", textLength: 20, offset: 0,
                bytes: Array("0123456789".utf8)),
        ])

    static let responses: [ResponseFrame] = [
        ResponseFrame(id: 1, response: .appended(sequence: 9, time: 1_764_000_000_000)),
        ResponseFrame(id: 2, response: .error(.entryTooLong, "entry too long")),
        ResponseFrame(id: 3, response: .page(page)),
        ResponseFrame(
            id: 4,
            response: .page(SyncPage(lastSequence: 0, clientAddress: "", isComplete: true, next: .start, chunks: []))),
    ]

    @Test(arguments: responses)
    func responseRoundTrip(_ frame: ResponseFrame) throws {
        #expect(try WireFormat.decodeResponse(WireFormat.encode(frame)) == frame)
    }

    @Test func knownBytes() {
        let bytes = WireFormat.encode(
            RequestFrame(id: 0x0102_0304_0506_0708, request: .sync(from: 0x1122, offset: 0x3344)))
        #expect(bytes == [0xFF, 0x44, 0x01, 0x02, 1, 2, 3, 4, 5, 6, 7, 8, 0, 0, 0, 0, 0, 0, 0x11, 0x22, 0x33, 0x44])
        let append = WireFormat.encode(RequestFrame(id: 1, request: .append(name: "a", text: "hi")))
        #expect(append == [0xFF, 0x44, 0x01, 0x01, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0x61, 0, 2, 0x68, 0x69])
    }

    @Test func plainTextIsNeverFramed() {
        #expect(!WireFormat.isFramed(Array("hello".utf8)))
        #expect(!WireFormat.isFramed(Array("ÿ is U+00FF".utf8)))  // encodes as C3 BF, not FF
        #expect(!WireFormat.isFramed([UInt8]()))
        #expect(throws: WireError.notFramed) { try WireFormat.decodeRequest(Array("sync".utf8)) }
        #expect(throws: WireError.notFramed) { try WireFormat.decodeRequest([UInt8]()) }
    }

    @Test func everyTruncationIsRejected() throws {
        for frame in Self.requests {
            let bytes = WireFormat.encode(frame)
            for length in 0..<bytes.count {
                #expect(throws: WireError.self) { try WireFormat.decodeRequest(bytes[..<length]) }
            }
        }
        for frame in Self.responses {
            let bytes = WireFormat.encode(frame)
            for length in 0..<bytes.count {
                #expect(throws: WireError.self) { try WireFormat.decodeResponse(bytes[..<length]) }
            }
        }
    }

    @Test func malformedFrames() throws {
        let good = WireFormat.encode(RequestFrame(id: 5, request: .append(name: "a", text: "hi")))
        var badMagic = good; badMagic[1] = 0x45
        #expect(throws: WireError.notFramed) { try WireFormat.decodeRequest(badMagic) }
        var badVersion = good; badVersion[2] = 2
        #expect(throws: WireError.unsupportedVersion(2)) { try WireFormat.decodeRequest(badVersion) }
        #expect(try WireFormat.decodeHeader(badVersion) == FrameHeader(version: 2, type: 1, id: 5))
        var badType = good; badType[3] = 0x77
        #expect(throws: WireError.unknownType(0x77)) { try WireFormat.decodeRequest(badType) }
        var responseType = good; responseType[3] = FrameType.appended.rawValue
        #expect(throws: WireError.self) { try WireFormat.decodeRequest(responseType) }
        #expect(throws: WireError.trailingBytes(1)) { try WireFormat.decodeRequest(good + [0]) }
        var badText = good; badText[16] = 0xFF
        #expect(throws: WireError.invalidUTF8(field: "text")) { try WireFormat.decodeRequest(badText) }
        var badName = good; badName[13] = 0xC3
        #expect(throws: WireError.invalidUTF8(field: "name")) { try WireFormat.decodeRequest(badName) }
        #expect(throws: WireError.truncated(needed: 2, available: 1)) { try WireFormat.decodeRequest([0xFF]) }
    }

    @Test func chunkPastItsTextIsRejected() {
        var page = Self.page
        page.chunks[1].offset = 15  // 15 + 10 > 20
        let bytes = WireFormat.encode(ResponseFrame(id: 1, response: .page(page)))
        #expect(throws: WireError.self) { try WireFormat.decodeResponse(bytes) }
    }

    @Test func randomBytesNeverCrashTheDecoder() {
        var generator = SeededGenerator(seed: 1)
        for _ in 0..<20_000 {
            let count = Int.random(in: 0..<64, using: &generator)
            var bytes = (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
            if count >= 3, Bool.random(using: &generator) { bytes[0] = 0xFF; bytes[1] = 0x44; bytes[2] = 1 }
            _ = try? WireFormat.decodeRequest(bytes)
            _ = try? WireFormat.decodeResponse(bytes)
        }
    }
}

// `swift test` prints each argument: keep the 4 KB frames to one short line.
extension RequestFrame: CustomTestStringConvertible {
    public var testDescription: String { shortDescription(of: self, limit: 100) }
}

extension ResponseFrame: CustomTestStringConvertible {
    public var testDescription: String { shortDescription(of: self, limit: 100) }
}
