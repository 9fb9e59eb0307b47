/// Many open connections kept by key, for a poll or epoll loop: what an array of
/// `StreamConnection`s would be if Swift arrays could hold noncopyable values.
///
/// ```swift
/// var table = ConnectionTable()
/// let key = table.insert(try listener.accept().connection)
/// try poller.register(descriptor: table.descriptor(for: key)!, interest: .readable, token: key.rawValue)
/// // ... when epoll reports the token:
/// let count = try table.withConnection(ConnectionTable.Key(rawValue: event.token)) { connection in
///     try connection.receive(into: &buffer)
/// }
/// if count == 0, let finished = table.remove(key) { try finished.close() }
/// ```
///
/// The table owns what it holds: removing an entry hands the connection back, and
/// a connection still in the table when the table goes is closed. Keys are never
/// reused by one table, so a stale key finds nothing rather than another connection.
public struct ConnectionTable: ~Copyable, Sendable {
    /// The key of one entry; its `rawValue` suits an ``EventPoller`` token.
    public struct Key: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        /// The key as a number.
        public var rawValue: UInt64
        /// Makes a key from a number (such as an epoll token).
        public init(rawValue: UInt64) { self.rawValue = rawValue }
        /// The number.
        public var description: String { "\(rawValue)" }
    }

    /// The entries: each connection's descriptor owner.
    private var owners: [Key: DescriptorOwner] = [:]
    private var nextKey: UInt64 = 0

    /// Creates an empty table.
    public init() {}

    /// How many connections the table holds.
    public var count: Int { owners.count }

    /// Whether the table is empty.
    public var isEmpty: Bool { owners.isEmpty }

    /// The keys of all entries, in no particular order.
    public var keys: [Key] { Array(owners.keys) }

    /// Adds a connection; the table owns it from now on.
    ///
    /// - Returns: its key, new to this table.
    @discardableResult
    public mutating func insert(_ connection: consuming StreamConnection) -> Key {
        let key = Key(rawValue: nextKey)
        nextKey &+= 1
        owners[key] = connection.owner
        return key
    }

    /// Takes a connection out of the table; `nil` when no entry has that key.
    public mutating func remove(_ key: Key) -> StreamConnection? {
        guard let owner = owners.removeValue(forKey: key) else { return nil }
        return StreamConnection(owner: owner)
    }

    /// Lends the connection with `key` to `body`; `nil` when no entry has that key.
    ///
    /// - Throws: what `body` throws.
    public func withConnection<R, E: Error>(
        _ key: Key, _ body: (borrowing StreamConnection) throws(E) -> R
    ) throws(E) -> R? {
        guard let owner = owners[key] else { return nil }
        let connection = StreamConnection(owner: owner)
        return try body(connection)
    }

    /// The raw descriptor of the entry with `key` (still owned by the table), for
    /// ``PollItem`` or ``EventPoller``; `nil` when no entry has that key.
    public func descriptor(for key: Key) -> CInt? {
        owners[key]?.descriptor
    }

    /// A ``PollItem`` for every entry, with the keys in the same order.
    public func pollItems(interest: Readiness) -> (items: [PollItem], keys: [Key]) {
        var items: [PollItem] = []
        var keys: [Key] = []
        items.reserveCapacity(owners.count)
        keys.reserveCapacity(owners.count)
        for (key, owner) in owners {
            items.append(PollItem(descriptor: owner.descriptor, interest: interest))
            keys.append(key)
        }
        return (items, keys)
    }
}
