/// The messages of the framed protocol, as values (see `PROTOCOL.md`).

/// The kind of a frame (its fourth byte).
enum FrameType: UInt8, Sendable {
    case append = 0x01
    case sync = 0x02
    case appended = 0x81
    case page = 0x82
    case retry = 0x83
    case error = 0x8F
}

/// A frame's fixed header.
struct FrameHeader: Equatable {
    var version: UInt8
    var type: UInt8
    var id: UInt64
}

/// A client request with its id.
struct RequestFrame: Equatable {
    var id: UInt64
    var request: Request

    enum Request: Equatable {
        /// Append an entry.
        case append(name: String, text: String)
        /// One page of entries, starting at entry `sequence` (the first at or after it), text byte `offset`,
        /// with the address-validation `token` from a `retry` (empty before the first one).
        case sync(from: UInt64, offset: UInt16, token: [UInt8] = [])
    }
}

/// Where a sync continues: the first entry with at least this sequence number, from this text byte.
struct SyncCursor: Hashable, Sendable {
    var sequence: UInt64
    var offset: UInt16
    static let start = SyncCursor(sequence: 1, offset: 0)
}

/// A piece of an entry in a sync page: the whole text, or a part of a long one.
struct EntryChunk: Equatable {
    var sequence: UInt64
    var time: Int64
    var address: String
    var name: String
    /// The whole text's length in bytes.
    var textLength: UInt16
    /// Where ``bytes`` start in the text.
    var offset: UInt16
    /// Text bytes (a chunk may split a UTF-8 sequence; the client joins before decoding).
    var bytes: [UInt8]
}

/// One sync page.
struct SyncPage: Equatable {
    /// The newest sequence number the server has.
    var lastSequence: UInt64
    /// The client's address as the server sees it (for `mine`).
    var clientAddress: String
    /// Whether the page reaches the end of the diary.
    var isComplete: Bool
    /// Where the next page starts.
    var next: SyncCursor
    var chunks: [EntryChunk]
}

/// Error codes in an error frame.
enum ErrorCode: UInt8, Sendable {
    case badRequest = 1
    case unsupportedVersion = 2
    case entryTooLong = 3
    case invalidText = 4
    case invalidName = 5
    case serverError = 6
    /// The append was refused for now: the diary is full, the source appends too fast, or the disk failed.
    case refused = 7
}

/// A server response with the id of the request it answers.
struct ResponseFrame: Equatable {
    var id: UInt64
    var response: Response

    enum Response: Equatable {
        case appended(sequence: UInt64, time: Int64)
        case page(SyncPage)
        /// Send the sync again with this address-validation token.
        case retry(token: [UInt8])
        case error(ErrorCode, String)
    }
}
