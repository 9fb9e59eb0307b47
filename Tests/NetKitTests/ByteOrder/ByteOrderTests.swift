import CNetKitShims
import NetKit
import Testing

@Suite("Byte order")
struct ByteOrderTests {
    @Test("port 9999 is 27 0F on the wire, as htons says")
    func portOnTheWire() {
        let port = NetworkUInt16(host: 9999)
        #expect(port.bytes == [0x27, 0x0F])
        #expect(port.networkRepresentation == htons(9999))
        #expect(port.host == 9999)
        #expect(NetworkUInt16(networkRepresentation: htons(9999)).host == ntohs(htons(9999)))
    }

    @Test("32- and 64-bit values match htonl and the known bytes")
    func wideValues() {
        let address = NetworkUInt32(host: 0x7F00_0001)
        #expect(address.bytes == [127, 0, 0, 1])
        #expect(address.networkRepresentation == htonl(0x7F00_0001))
        #expect(NetworkUInt64(host: 0x0102_0304_0506_0708).bytes == [1, 2, 3, 4, 5, 6, 7, 8])
    }

    @Test("host to network and back is the identity for random values")
    func roundTrips() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<1_000 {
            let a = UInt16.random(in: .min ... .max, using: &generator)
            let b = UInt32.random(in: .min ... .max, using: &generator)
            let c = UInt64.random(in: .min ... .max, using: &generator)
            #expect(NetworkUInt16(host: a).host == a)
            #expect(NetworkUInt32(networkRepresentation: NetworkUInt32(host: b).networkRepresentation).host == b)
            var wrapped = NetworkUInt64(host: 0)
            wrapped.host = c
            #expect(wrapped.host == c)
            #expect(wrapped.networkRepresentation == c.bigEndian)
        }
    }

    @Test("the writer emits big-endian bytes and the reader reads them back")
    func writerReaderRoundTrip() throws {
        var writer = NetworkByteWriter(reservingCapacity: 32)
        writer.write(UInt8(0xFF))
        writer.write(UInt16(9999))
        writer.write(UInt32(0xDEAD_BEEF))
        writer.write(UInt64(0x0102_0304_0506_0708))
        writer.write(contentsOf: "hi".utf8)
        #expect(writer.count == 17)
        #expect(writer.bytes == [0xFF, 0x27, 0x0F, 0xDE, 0xAD, 0xBE, 0xEF, 1, 2, 3, 4, 5, 6, 7, 8, 0x68, 0x69])

        var reader = NetworkByteReader(writer.bytes)
        #expect(try reader.read(UInt8.self) == 0xFF)
        #expect(try reader.read(UInt16.self) == 9999)
        #expect(try reader.read(UInt32.self) == 0xDEAD_BEEF)
        #expect(try reader.read(UInt64.self) == 0x0102_0304_0506_0708)
        #expect(reader.remainingCount == 2)
        #expect(Array(reader.readRemaining()) == [0x68, 0x69])
        #expect(reader.isAtEnd)
        #expect(reader.readRemaining().isEmpty)
    }

    @Test("reading past the end throws and consumes nothing")
    func endOfBuffer() throws {
        var reader = NetworkByteReader([UInt8]([0x01, 0x02, 0x03]))
        #expect(throws: ByteBufferError.endOfBuffer(needed: 4, available: 3)) {
            try reader.read(UInt32.self)
        }
        #expect(reader.remainingCount == 3)
        #expect(try reader.read(UInt16.self) == 0x0102)
        #expect(throws: ByteBufferError.endOfBuffer(needed: 2, available: 1)) {
            try reader.readBytes(count: 2)
        }
        #expect(throws: ByteBufferError.negativeCount(-1)) {
            try reader.readBytes(count: -1)
        }
        #expect(Array(try reader.readBytes(count: 1)) == [0x03])
        #expect(throws: ByteBufferError.endOfBuffer(needed: 1, available: 0)) {
            try reader.read(UInt8.self)
        }
        #expect(ByteBufferError.endOfBuffer(needed: 4, available: 3).description == "needed 4 bytes, only 3 left")
    }

    @Test("a reader over a slice starts at the slice, not at index 0")
    func readsSlices() throws {
        let bytes: [UInt8] = [0xAA, 0xBB, 0x27, 0x0F, 0xCC]
        var reader = NetworkByteReader(bytes[2..<4])
        #expect(try reader.read(UInt16.self) == 9999)
        #expect(reader.isAtEnd)
        var raw = NetworkByteReader(UnsafeRawBufferPointer(start: nil, count: 0))
        #expect(raw.isAtEnd)
        #expect(throws: ByteBufferError.self) { try raw.read(UInt8.self) }
    }
}
