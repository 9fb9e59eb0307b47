import Testing
@testable import NetKit

/// A connected TCP pair on loopback (client, server side), registered with `loop`.
func tcpPair(on loop: IOLoop) async throws -> SocketPair<StreamConnection> {
    let listener = try StreamListener(bindingTo: .ipv4(.loopback, port: 0))
    try listener.register(on: loop)
    let client = try await StreamConnection(connectingTo: try listener.localAddress, loop: loop)
    let accepted = try await listener.accept()
    let server = accepted.connection
    try server.register(on: loop)
    return SocketPair(first: client, second: server)
}

/// Receives until end of stream; returns the byte count and a checksum.
func drain(_ reader: borrowing StreamConnection.ReadHalf) async throws -> (count: Int, sum: UInt64) {
    var buffer = [UInt8](repeating: 0, count: 65536)
    var count = 0
    var sum: UInt64 = 0
    while true {
        let received = try await reader.receive(into: &buffer)
        if received == 0 { return (count, sum) }
        for byte in buffer[..<received] { sum = sum &* 31 &+ UInt64(byte) }
        count += received
    }
}

func checksum(_ bytes: [UInt8]) -> UInt64 {
    bytes.reduce(0) { $0 &* 31 &+ UInt64($1) }
}

@Suite("Async sockets: split halves", .usesManyDescriptors)
struct AsyncSplitTests {
    @Test("both ends read and write 1 MB at once (full duplex)", arguments: allBackends)
    func fullDuplex(backend: IOLoopBackend) async throws {
        try await withLoop(backend) { loop in
            let fromA = (0..<1_000_000).map { UInt8(truncatingIfNeeded: $0 &* 7) }
            let fromB = (0..<1_000_000).map { UInt8(truncatingIfNeeded: $0 &* 13 &+ 1) }
            try await withThrowingTaskGroup(of: (String, Int, UInt64).self) { group in
                // Made inside the group's body: a `~Copyable` value can be moved into a
                // child task only from a local of the closure that adds the task.
                let pair = try await tcpPair(on: loop)
                let a = pair.first.split(), b = pair.second.split()
                let aReader = a.reader, aWriter = a.writer, bReader = b.reader, bWriter = b.writer
                group.addTask { [aWriter = consume aWriter] in
                    try await aWriter.sendAll(fromA)
                    try aWriter.shutdown()
                    return ("a sent", fromA.count, checksum(fromA))
                }
                group.addTask { [bWriter = consume bWriter] in
                    try await bWriter.sendAll(fromB)
                    return ("b sent", fromB.count, checksum(fromB))  // dropping bWriter shuts it down
                }
                group.addTask { [aReader = consume aReader] in
                    let (count, sum) = try await drain(aReader)
                    return ("a got", count, sum)
                }
                group.addTask { [bReader = consume bReader] in
                    let (count, sum) = try await drain(bReader)
                    return ("b got", count, sum)
                }
                var results: [String: (Int, UInt64)] = [:]
                for try await (name, count, sum) in group { results[name] = (count, sum) }
                #expect(results["a got"]?.0 == fromB.count)
                #expect(results["a got"]?.1 == checksum(fromB))
                #expect(results["b got"]?.0 == fromA.count)
                #expect(results["b got"]?.1 == checksum(fromA))
            }
        }
    }

    @Test("dropping the writer shuts down the sending side; the reader goes on receiving")
    func droppingTheWriter() async throws {
        try await withLoop(.platformDefault) { loop in
            let pair = try await tcpPair(on: loop)
            let halves = pair.first.split()
            let reader = halves.reader
            do { _ = consume halves.writer }
            var buffer = [UInt8](repeating: 0, count: 16)
            #expect(try await pair.second.receive(into: &buffer) == 0, "the peer sees end of stream")
            try await pair.second.sendAll(Array("still here".utf8))
            let count = try await reader.receive(into: &buffer)
            #expect(Array(buffer[..<count]) == Array("still here".utf8))
        }
    }

    @Test("closing one half resumes the other half's pending receive with .closed", arguments: allBackends)
    func closeUnblocks(backend: IOLoopBackend) async throws {
        try await withLoop(backend) { loop in
            try await withThrowingTaskGroup(of: Void.self) { group in
                let pair = try await tcpPair(on: loop)
                let halves = pair.first.split()
                let reader = halves.reader, writer = halves.writer
                let registration = try #require(reader.owner.existingRegistration)
                group.addTask { [reader = consume reader] in
                    var buffer = [UInt8](repeating: 0, count: 16)
                    do {
                        _ = try await reader.receive(into: &buffer)
                        Issue.record("the receive returned")
                    } catch let error as SocketError {
                        #expect(error.reason == .closed)
                    }
                    // Later calls fail the same way, at once.
                    do {
                        _ = try await reader.receive(into: &buffer)
                        Issue.record("the receive returned")
                    } catch let error as SocketError {
                        #expect(error.reason == .closed)
                    }
                }
                await eventually("the receive is waiting") { registration.waiterCount == 1 }
                writer.close()
                try await group.waitForAll()
            }
        }
    }

    @Test("the descriptor closes when both halves are gone, whichever goes last")
    func descriptorClosesWithTheLastHalf() async throws {
        try await withLoop(.platformDefault) { loop in
            for readerLast in [true, false] {
                let pair = try await tcpPair(on: loop)
                weak var owner: DescriptorOwner?
                do {
                    let halves = pair.first.split()
                    owner = halves.reader.owner
                    let reader = halves.reader, writer = halves.writer
                    if readerLast {
                        _ = consume writer
                        #expect(owner != nil)
                        _ = consume reader
                    } else {
                        _ = consume reader
                        #expect(owner != nil)
                        _ = consume writer
                    }
                }
                #expect(owner == nil)
                var buffer = [UInt8](repeating: 0, count: 4)
                #expect(try await pair.second.receive(into: &buffer) == 0)
            }
        }
    }
}

@Suite("Async sockets: datagram socket halves", .usesManyDescriptors)
struct AsyncDatagramSplitTests {
    @Test(
        "one task receives while another sends on the same socket; close unblocks the receiver", arguments: allBackends)
    func receiveWhileSending(backend: IOLoopBackend) async throws {
        try await withLoop(backend) { loop in
            let peer = try DatagramSocket(bindingTo: .ipv4(.loopback, port: 0))
            try peer.register(on: loop)
            let peerAddress = try peer.localAddress
            let counter = HogFlags()
            try await withThrowingTaskGroup(of: Int.self) { group in
                let socket = try DatagramSocket(bindingTo: .ipv4(.loopback, port: 0))
                try socket.register(on: loop)
                let address = try socket.localAddress
                let halves = socket.split()
                let receiver = halves.receiver, sender = halves.sender
                group.addTask { [receiver = consume receiver] in
                    var buffer = [UInt8](repeating: 0, count: 16)
                    do {
                        while true {
                            _ = try await receiver.receive(into: &buffer)
                            counter.peeks.add(1, ordering: .relaxed)
                        }
                    } catch let error as SocketError where error.reason == .closed {
                        return counter.peeks.load(ordering: .relaxed)
                    }
                }
                // This task sends on the other half while the child task receives.
                var buffer = [UInt8](repeating: 0, count: 16)
                for index in 0..<100 {
                    try await sender.send(Array("\(index)".utf8), to: peerAddress)
                    let datagram = try await peer.receive(into: &buffer, deadline: .after(.seconds(60)))
                    try await peer.send(buffer[..<datagram.count], to: address)
                }
                await eventually("all 100 echoes were received") { counter.peeks.load(ordering: .relaxed) == 100 }
                sender.close()
                #expect(try await group.next() == 100)
            }
        }
    }
}
