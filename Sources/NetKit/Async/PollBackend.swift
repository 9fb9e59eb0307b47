import CNetKitShims
import Synchronization

/// Readiness through `poll(2)`, which every platform has. Level-triggered, so only
/// the directions some task waits for are watched; a socket pair wakes the wait.
final class PollBackend: ReadinessBackend, @unchecked Sendable {
    // @unchecked: `items` and `tokens` are touched only by the loop thread, in `wait`.
    private struct Entry {
        var descriptor: CInt
        var readable: Bool
        var writable: Bool
    }

    private struct Table {
        var entries: [UInt64: Entry] = [:]
        var changed = true
    }

    private let table = Mutex(Table())
    private let wakeReceiver: DescriptorOwner
    private let wakeSender: DescriptorOwner
    private var items: [PollItem] = []
    private var tokens: [UInt64] = []

    init() throws(SocketError) {
        let (receiver, sender) = try SocketCalls.pair(family: .unix, type: CNK_SOCK_DGRAM)
        wakeReceiver = DescriptorOwner(receiver)
        wakeSender = DescriptorOwner(sender)
        items.reserveCapacity(64)
        tokens.reserveCapacity(64)
    }

    var needsInterest: Bool { true }

    func register(_ descriptor: CInt, token: UInt64) throws(SocketError) {
        table.withLock { $0.entries[token] = Entry(descriptor: descriptor, readable: false, writable: false) }
    }

    func deregister(_ descriptor: CInt, token: UInt64) {
        table.withLock { table in
            if table.entries.removeValue(forKey: token) != nil { table.changed = true }
        }
    }

    func setInterest(_ descriptor: CInt, token: UInt64, readable: Bool, writable: Bool) {
        let added = table.withLock { table -> Bool in
            guard var entry = table.entries[token] else { return false }
            let added = (readable && !entry.readable) || (writable && !entry.writable)
            entry.readable = readable
            entry.writable = writable
            table.entries[token] = entry
            table.changed = true
            return added
        }
        // A removed interest can wait for the next turn; an added one must be seen now.
        if added { wake() }
    }

    func wait(timeout: Duration?, _ handler: (UInt64, ReadyBits) -> Void) throws(SocketError) {
        table.withLock { table in
            guard table.changed else { return }
            table.changed = false
            items.removeAll(keepingCapacity: true)
            tokens.removeAll(keepingCapacity: true)
            items.append(PollItem(descriptor: wakeReceiver.descriptor, interest: .readable))
            tokens.append(0)
            for (token, entry) in table.entries where entry.readable || entry.writable {
                var interest: Readiness = []
                if entry.readable { interest.insert(.readable) }
                if entry.writable { interest.insert(.writable) }
                items.append(PollItem(descriptor: entry.descriptor, interest: interest))
                tokens.append(token)
            }
        }
        let ready = try poll(&items, timeout: timeout)
        guard ready > 0 else { return }
        if !items[0].ready.isEmpty { drainWakeups() }
        for index in 1..<items.count {
            let revents = items[index].ready
            if revents.isEmpty { continue }
            var bits: ReadyBits = []
            if revents.contains(.readable) { bits.insert(.readable) }
            if revents.contains(.writable) { bits.insert(.writable) }
            if !revents.isDisjoint(with: [.error, .hangup, .invalid]) { bits = .all }
            handler(tokens[index], bits)
        }
    }

    func wake() {
        var one: UInt8 = 1
        let fd = wakeSender.descriptor
        // A full socket buffer means wake-ups are already pending.
        _ = try? retryingOnInterrupt { system_send(fd, &one, 1, CInt(MSG_DONTWAIT)) }
    }

    private func drainWakeups() {
        var scratch: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        let fd = wakeReceiver.descriptor
        while true {
            let received = try? withUnsafeMutableBytes(of: &scratch) { (raw) throws(Errno) -> Int in
                try retryingOnInterrupt { system_recv(fd, raw.baseAddress, raw.count, CInt(MSG_DONTWAIT)) }
            }
            guard let received, received > 0 else { return }
        }
    }
}
