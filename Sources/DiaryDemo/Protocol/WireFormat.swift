import NetKit

/// The framed diary protocol, version 1 (see `PROTOCOL.md`): encoding and decoding.
///
/// Every frame starts with the magic bytes `FF 44`, the version, a type and the
/// client's 64-bit request id, all integers in network byte order. `0xFF` never
/// appears in valid UTF-8, so a framed datagram is never mistaken for plain text.
enum WireFormat {
    /// The first two bytes of every frame: `0xFF` (never valid UTF-8) and `D`.
    static let magic: (UInt8, UInt8) = (0xFF, 0x44)
    /// The version this code speaks.
    static let version: UInt8 = 1
    /// Magic (2), version (1), type (1), request id (8).
    static let headerSize = 12

    /// Whether a datagram is meant as a frame (it starts with `0xFF`), as opposed to plain text.
    static func isFramed<Bytes: Collection<UInt8>>(_ datagram: Bytes) -> Bool {
        datagram.first == magic.0
    }
}

// MARK: - Encoding

extension WireFormat {
    static func encodeHeader(_ type: FrameType, id: UInt64, into writer: inout NetworkByteWriter) {
        writer.write(magic.0)
        writer.write(magic.1)
        writer.write(version)
        writer.write(type.rawValue)
        writer.write(id)
    }

    static func encode(_ frame: RequestFrame) -> [UInt8] {
        var writer = NetworkByteWriter(reservingCapacity: 64)
        switch frame.request {
        case .append(let name, let text):
            encodeHeader(.append, id: frame.id, into: &writer)
            writeShortString(name, into: &writer)
            writer.write(UInt16(clamping: text.utf8.count))
            writer.write(contentsOf: text.utf8)
        case .sync(let from, let offset, let token):
            encodeHeader(.sync, id: frame.id, into: &writer)
            writer.write(from)
            writer.write(offset)
            if !token.isEmpty {
                writer.write(UInt8(clamping: token.count))
                writer.write(contentsOf: token.prefix(255))
            }
        }
        return writer.bytes
    }

    static func encode(_ frame: ResponseFrame) -> [UInt8] {
        var writer = NetworkByteWriter(reservingCapacity: 64)
        switch frame.response {
        case .appended(let sequence, let time):
            encodeHeader(.appended, id: frame.id, into: &writer)
            writer.write(sequence)
            writer.write(UInt64(bitPattern: time))
        case .error(let code, let message):
            encodeHeader(.error, id: frame.id, into: &writer)
            writer.write(code.rawValue)
            let bytes = Array(message.utf8.prefix(1024))
            writer.write(UInt16(bytes.count))
            writer.write(contentsOf: bytes)
        case .retry(let token):
            encodeHeader(.retry, id: frame.id, into: &writer)
            writer.write(UInt8(clamping: token.count))
            writer.write(contentsOf: token.prefix(255))
        case .page(let page):
            encodeHeader(.page, id: frame.id, into: &writer)
            writer.write(page.lastSequence)
            writeShortString(page.clientAddress, into: &writer)
            writer.write(UInt8(page.isComplete ? 1 : 0))
            writer.write(page.next.sequence)
            writer.write(page.next.offset)
            writer.write(UInt16(clamping: page.chunks.count))
            for chunk in page.chunks {
                writer.write(chunk.sequence)
                writer.write(UInt64(bitPattern: chunk.time))
                writeShortString(chunk.address, into: &writer)
                writeShortString(chunk.name, into: &writer)
                writer.write(chunk.textLength)
                writer.write(chunk.offset)
                writer.write(UInt16(clamping: chunk.bytes.count))
                writer.write(contentsOf: chunk.bytes)
            }
        }
        return writer.bytes
    }

    /// The size of a page frame's fixed part for this client address.
    static func pageHeaderSize(clientAddress: String) -> Int {
        headerSize + 8 + 1 + clientAddress.utf8.count + 1 + 8 + 2 + 2
    }

    /// The size of a chunk's fixed part (everything but its text bytes).
    static func chunkHeaderSize(address: String, name: String) -> Int {
        8 + 8 + 1 + address.utf8.count + 1 + name.utf8.count + 2 + 2 + 2
    }

    /// A string of at most 255 bytes with a one-byte length (names, addresses).
    private static func writeShortString(_ string: String, into writer: inout NetworkByteWriter) {
        let bytes = string.utf8.prefix(255)
        writer.write(UInt8(bytes.count))
        writer.write(contentsOf: bytes)
    }
}

// MARK: - Decoding

extension WireFormat {
    /// Reads the fixed header; checks the magic but not the version.
    static func decodeHeader<Bytes: RandomAccessCollection<UInt8>>(_ bytes: Bytes) throws(WireError) -> FrameHeader {
        var reader = NetworkByteReader(bytes)
        return try readHeader(&reader)
    }

    static func decodeRequest<Bytes: RandomAccessCollection<UInt8>>(_ bytes: Bytes) throws(WireError) -> RequestFrame {
        var reader = NetworkByteReader(bytes)
        let header = try readHeader(&reader)
        guard header.version == version else { throw .unsupportedVersion(header.version) }
        let request: RequestFrame.Request
        switch FrameType(rawValue: header.type) {
        case .append:
            let name = try readString(&reader, lengthBytes: 1, field: "name")
            let text = try readString(&reader, lengthBytes: 2, field: "text")
            request = .append(name: name, text: text)
        case .sync:
            let from: UInt64 = try read(&reader)
            let offset: UInt16 = try read(&reader)
            var token: [UInt8] = []
            if !reader.isAtEnd {
                let length: UInt8 = try read(&reader)
                token = try readBytes(&reader, count: Int(length))
            }
            request = .sync(from: from, offset: offset, token: token)
        default:
            throw .unknownType(header.type)
        }
        try expectEnd(reader)
        return RequestFrame(id: header.id, request: request)
    }

    static func decodeResponse<Bytes: RandomAccessCollection<UInt8>>(_ bytes: Bytes) throws(WireError) -> ResponseFrame
    {
        var reader = NetworkByteReader(bytes)
        let header = try readHeader(&reader)
        guard header.version == version else { throw .unsupportedVersion(header.version) }
        let response: ResponseFrame.Response
        switch FrameType(rawValue: header.type) {
        case .appended:
            let sequence: UInt64 = try read(&reader)
            let time: UInt64 = try read(&reader)
            response = .appended(sequence: sequence, time: Int64(bitPattern: time))
        case .error:
            let raw: UInt8 = try read(&reader)
            let message = try readString(&reader, lengthBytes: 2, field: "error message")
            response = .error(ErrorCode(rawValue: raw) ?? .serverError, message)
        case .retry:
            let length: UInt8 = try read(&reader)
            response = .retry(token: try readBytes(&reader, count: Int(length)))
        case .page:
            let lastSequence: UInt64 = try read(&reader)
            let clientAddress = try readString(&reader, lengthBytes: 1, field: "client address")
            let flags: UInt8 = try read(&reader)
            let next = SyncCursor(sequence: try read(&reader), offset: try read(&reader))
            let count: UInt16 = try read(&reader)
            var chunks: [EntryChunk] = []
            for _ in 0..<count {
                let sequence: UInt64 = try read(&reader)
                let time: UInt64 = try read(&reader)
                let address = try readString(&reader, lengthBytes: 1, field: "entry address")
                let name = try readString(&reader, lengthBytes: 1, field: "entry name")
                let textLength: UInt16 = try read(&reader)
                let offset: UInt16 = try read(&reader)
                let chunkLength: UInt16 = try read(&reader)
                let bytes = try readBytes(&reader, count: Int(chunkLength))
                guard Int(offset) + bytes.count <= Int(textLength) else {
                    throw .invalid("a text chunk runs past its entry's text")
                }
                chunks.append(
                    EntryChunk(
                        sequence: sequence, time: Int64(bitPattern: time), address: address,
                        name: name, textLength: textLength, offset: offset, bytes: bytes))
            }
            response = .page(
                SyncPage(
                    lastSequence: lastSequence, clientAddress: clientAddress,
                    isComplete: flags & 1 != 0, next: next, chunks: chunks))
        default:
            throw .unknownType(header.type)
        }
        try expectEnd(reader)
        return ResponseFrame(id: header.id, response: response)
    }

    private static func readHeader<Bytes>(_ reader: inout NetworkByteReader<Bytes>) throws(WireError) -> FrameHeader {
        guard reader.remainingCount >= 2 else {
            throw reader.remainingCount >= 1 ? .truncated(needed: 2, available: reader.remainingCount) : .notFramed
        }
        let first: UInt8 = try read(&reader)
        let second: UInt8 = try read(&reader)
        guard (first, second) == magic else { throw .notFramed }
        return FrameHeader(version: try read(&reader), type: try read(&reader), id: try read(&reader))
    }

    private static func read<T: FixedWidthInteger & UnsignedInteger, Bytes>(
        _ reader: inout NetworkByteReader<Bytes>
    ) throws(WireError) -> T {
        do {
            return try reader.read(T.self)
        } catch {
            guard case .endOfBuffer(let needed, let available) = error else { throw .invalid("\(error)") }
            throw .truncated(needed: needed, available: available)
        }
    }

    private static func readBytes<Bytes>(_ reader: inout NetworkByteReader<Bytes>, count: Int) throws(WireError)
        -> [UInt8]
    {
        do {
            return Array(try reader.readBytes(count: count))
        } catch {
            guard case .endOfBuffer(let needed, let available) = error else { throw .invalid("\(error)") }
            throw .truncated(needed: needed, available: available)
        }
    }

    private static func readString<Bytes>(
        _ reader: inout NetworkByteReader<Bytes>, lengthBytes: Int, field: String
    ) throws(WireError) -> String {
        let count: Int = lengthBytes == 1 ? Int(try read(&reader) as UInt8) : Int(try read(&reader) as UInt16)
        let bytes = try readBytes(&reader, count: count)
        guard let string = String(validating: bytes, as: UTF8.self) else { throw .invalidUTF8(field: field) }
        return string
    }

    private static func expectEnd<Bytes>(_ reader: NetworkByteReader<Bytes>) throws(WireError) {
        guard reader.isAtEnd else { throw .trailingBytes(reader.remainingCount) }
    }
}
