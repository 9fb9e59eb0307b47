import Foundation
import Synchronization
import Testing
@testable import NetKit

/// A temporary file opened for reading, removed and closed on deinit: random bytes,
/// or (`sparse`) zeros that take no time to make, for tests where content does not matter.
final class TemporaryFile {
    let path: String
    let bytes: [UInt8]
    let descriptor: CInt

    init(size: Int, sparse: Bool = false) throws {
        path = NSTemporaryDirectory() + "netkit-sendfile-\(UUID().uuidString)"
        if sparse {
            bytes = []
            #expect(FileManager.default.createFile(atPath: path, contents: nil))
            #expect(truncate(path, off_t(size)) == 0)
        } else {
            let random = try FileHandle(forReadingFrom: URL(fileURLWithPath: "/dev/urandom"))
            bytes = [UInt8](try random.read(upToCount: size) ?? Data())
            try random.close()
            #expect(bytes.count == size)
            try Data(bytes).write(to: URL(fileURLWithPath: path))
        }
        descriptor = open(path, O_RDONLY | O_CLOEXEC)
        #expect(descriptor >= 0)
    }

    deinit {
        close(descriptor)
        unlink(path)
    }
}

/// Reads everything from a connection on its own thread, until end of stream.
final class Drain: Sendable {
    private final class Received: Sendable { let bytes = Mutex<[UInt8]>([]) }
    private let received = Received()
    private let thread: BackgroundThread

    init(_ box: ConnectionBox) {
        let received = self.received
        thread = BackgroundThread("drain") {
            var buffer = [UInt8](repeating: 0, count: 65_536)
            while case let count = try box.connection.receive(into: &buffer), count > 0 {
                received.bytes.withLock { $0 += buffer[..<count] }
            }
        }
    }

    /// Everything read, once the peer has closed (bounded wait).
    func bytes() throws -> [UInt8] {
        try thread.join(timeout: .seconds(30))
        return received.bytes.withLock { $0 }
    }
}

/// A connected TCP pair on loopback: `first` sends, `second` receives.
func loopbackPair() throws -> SocketPair<StreamConnection> {
    let listener = try StreamListener(bindingTo: .ipv4(.loopback, port: 0))
    let client = try StreamConnection(connectingTo: try listener.localAddress, timeout: .seconds(5))
    let accepted = try listener.accept()
    let server = accepted.connection
    return SocketPair(first: client, second: server)
}

// Serialized: these tests block (sendfile, joins), and Swift Testing runs them on
// the cooperative pool, which the async suites need too.
@Suite("Sending files (sendfile and its fallback)", .serialized)
struct SendFileTests {
    @Test("the whole file arrives byte for byte", arguments: [0, 1, 65_536, 3_000_001])
    func wholeFile(size: Int) throws {
        let file = try TemporaryFile(size: size)
        let pair = try loopbackPair()
        let sender = pair.first
        let receiver = ConnectionBox(pair.second)
        let drain = Drain(receiver)
        #expect(try sender.sendFile(file.descriptor) == Int64(size))
        try sender.close()
        #expect(same(try drain.bytes(), file.bytes))
    }

    @Test("offset and count pick a range; the file's own offset is not moved")
    func range() throws {
        let file = try TemporaryFile(size: 100_000)
        let pair = try loopbackPair()
        let sender = pair.first
        let receiver = ConnectionBox(pair.second)
        let drain = Drain(receiver)
        #expect(try sender.sendFile(file.descriptor, offset: 1_000, count: 50_000) == 50_000)
        #expect(try sender.sendFile(file.descriptor, offset: 99_990) == 10)  // to the end
        #expect(lseek(file.descriptor, 0, SEEK_CUR) == 0)
        try sender.close()
        #expect(same(try drain.bytes(), Array(file.bytes[1_000..<51_000] + file.bytes[99_990...])))
    }

    #if DEBUG
    @Test(
        "where sendfile refuses the file (EINVAL, ENOSYS), pread and send carry it",
        arguments: [Errno.invalidArgument, Errno(rawValue: ENOSYS)])
    func portablePath(refusal: Errno) throws {
        let file = try TemporaryFile(size: 1_000_000)
        let pair = try loopbackPair()
        let sender = pair.first
        let receiver = ConnectionBox(pair.second)
        let drain = Drain(receiver)
        let driver = MockingDriver()
        driver.failNext("sendfile", with: [refusal])
        try MockingDriver.$current.withValue(driver) { try sender.sendFile(file.descriptor) }
        try sender.close()
        #expect(same(try drain.bytes(), file.bytes))
        #expect(driver.calls.filter { $0 == "sendfile" }.count == 1)
        #expect(driver.calls.filter { $0 == "pread" }.count >= 16)  // 1 MB through a 64 KiB buffer
    }

    @Test("EINTR is retried, in sendfile and in the fallback's pread")
    func interrupted() throws {
        let file = try TemporaryFile(size: 200_000)
        let pair = try loopbackPair()
        let sender = pair.first
        let receiver = ConnectionBox(pair.second)
        let drain = Drain(receiver)
        let driver = MockingDriver()
        driver.failNext("sendfile", with: [.interrupted, .interrupted])
        try MockingDriver.$current.withValue(driver) { try sender.sendFile(file.descriptor, count: 100_000) }
        driver.failNext("sendfile", with: [.invalidArgument])
        driver.failNext("pread", with: [.interrupted])
        try MockingDriver.$current.withValue(driver) { try sender.sendFile(file.descriptor, offset: 100_000) }
        try sender.close()
        #expect(same(try drain.bytes(), file.bytes))
    }

    @Test("a failing pread is a typed .readFile error")
    func readFailure() throws {
        let file = try TemporaryFile(size: 10_000)
        let pair = try loopbackPair()
        let sender = pair.first
        let receiver = ConnectionBox(pair.second)
        let driver = MockingDriver()
        driver.failNext("sendfile", with: [.invalidArgument])
        driver.failNext("pread", with: [.ioError])
        let error = withExtendedLifetime(receiver) {
            #expect(throws: SocketError.self) {
                try MockingDriver.$current.withValue(driver) { try sender.sendFile(file.descriptor) }
            }
        }
        #expect(error?.operation == .readFile)
        #expect(error?.errno == .ioError)
    }
    #endif

    @Test("a file shorter than the count asked for is an error, not a silent short send")
    func shortFile() throws {
        let file = try TemporaryFile(size: 1_000)
        let pair = try loopbackPair()
        let sender = pair.first
        let receiver = ConnectionBox(pair.second)
        let drain = Drain(receiver)
        let error = #expect(throws: SocketError.self) { try sender.sendFile(file.descriptor, count: 5_000) }
        #expect(error?.operation == .sendFile)
        #expect(error?.description.contains("ended at byte 1000, 4000 bytes short") == true)
        try sender.close()
        #expect(try drain.bytes() == file.bytes)  // what there was, went
    }

    @Test("bad arguments are refused before any system call")
    func badArguments() throws {
        let file = try TemporaryFile(size: 10)
        let pair = try loopbackPair()
        let sender = pair.first
        let negativeOffset = #expect(throws: SocketError.self) { try sender.sendFile(file.descriptor, offset: -1) }
        #expect(negativeOffset?.description.contains("must not be negative") == true)
        let negativeCount = #expect(throws: SocketError.self) { try sender.sendFile(file.descriptor, count: -5) }
        #expect(negativeCount?.reason == .invalidArgument("a byte count must not be negative (-5)"))
        #expect(try sender.sendFile(file.descriptor, count: 0) == 0)
    }

    @Test("a descriptor that is not open is .badFileDescriptor from fstat or sendfile")
    func badDescriptor() throws {
        let pair = try loopbackPair()
        let sender = pair.first
        let notOpen: CInt = 1_000_000
        let sizing = #expect(throws: SocketError.self) { try sender.sendFile(notOpen) }
        #expect(sizing?.operation == .fileStatus)
        #expect(sizing?.errno == .badFileDescriptor)
        let sending = #expect(throws: SocketError.self) { try sender.sendFile(notOpen, count: 10) }
        #expect(sending?.errno == .badFileDescriptor)
    }

    @Test("a peer that closed gives .brokenPipe or .connectionReset, never SIGPIPE")
    func peerClosed() throws {
        let file = try TemporaryFile(size: 4_000_000, sparse: true)
        let pair = try loopbackPair()
        let sender = pair.first
        let receiver = ConnectionBox(pair.second)
        var buffer = [UInt8](repeating: 0, count: 1)
        try sender.sendAll([1])
        _ = try receiver.connection.receive(into: &buffer)
        _ = consume receiver  // the peer closes
        let error = #expect(throws: SocketError.self) {
            for _ in 0..<10 { try sender.sendFile(file.descriptor) }
        }
        #expect(error?.errno == .brokenPipe || error?.errno == .connectionReset)
        #expect(error?.operation == .sendFile)
    }

    @Test("a blocking socket's send timeout bounds a peer that stops reading")
    func sendTimeout() throws {
        let file = try TemporaryFile(size: 16_000_000, sparse: true)
        let pair = try loopbackPair()
        let sender = pair.first
        let receiver = ConnectionBox(pair.second)
        try sender.setOption(.sendTimeout, .milliseconds(200))
        let error = withExtendedLifetime(receiver) {  // open, and never read
            #expect(throws: SocketError.self) { try sender.sendFile(file.descriptor) }
        }
        #expect(error?.isTimeout == true)
    }

    #if DEBUG  // MockingDriver (the syscall mocking seam) exists in debug builds only
    @Test("a non-blocking socket waits out a full buffer and finishes")
    func nonBlocking() throws {
        let file = try TemporaryFile(size: 4_000_000)
        let pair = try loopbackPair()
        let sender = pair.first
        let receiver = ConnectionBox(pair.second)
        try sender.setNonBlocking()
        let drain = Drain(receiver)
        #expect(try sender.sendFile(file.descriptor) == 4_000_000)
        #if DEBUG
        let driver = MockingDriver()  // and certainly once: a full buffer
        driver.failNext("sendfile", with: [.wouldBlock])
        try MockingDriver.$current.withValue(driver) { try sender.sendFile(file.descriptor) }
        #expect(driver.calls.contains("poll"))
        #endif
        try sender.close()
        var expected = file.bytes
        #if DEBUG
        expected += file.bytes
        #endif
        #expect(same(try drain.bytes(), expected))
    }
    #endif

    @Test("over a Unix-domain socket pair")
    func unixPair() throws {
        let file = try TemporaryFile(size: 500_000)
        let pair = try StreamConnection.pair()
        let sender = pair.first
        let drain = Drain(ConnectionBox(pair.second))
        try sender.sendFile(file.descriptor)
        try sender.close()
        #expect(same(try drain.bytes(), file.bytes))
    }

    @Test("a Python peer receives the file intact (sha256)")
    func pythonPeer() throws {
        let file = try TemporaryFile(size: 2_000_000)
        let peer = try ExternalPeer.python(
            """
            import hashlib, socket, sys
            server = socket.socket(); server.bind(("127.0.0.1", 0)); server.listen(1)
            print(server.getsockname()[1], flush=True)
            server.settimeout(10); connection, _ = server.accept(); connection.settimeout(10)
            digest = hashlib.sha256(); total = 0
            while chunk := connection.recv(65536):
                digest.update(chunk); total += len(chunk)
            print(total, digest.hexdigest(), flush=True)
            """)
        let port = try #require(peer.readLine().flatMap { UInt16($0) })
        let sender = try StreamConnection(connectingTo: .ipv4(.loopback, port: port), timeout: .seconds(5))
        try sender.sendFile(file.descriptor)
        try sender.close()
        let expected = try sha256Hex(of: file.path)
        #expect(peer.readLine() == "2000000 \(expected)")
        #expect(peer.exitStatus() == 0)
    }
}

/// Whether two byte arrays are equal, compared with `memcmp` (`==` is slow on megabytes in debug builds).
func same(_ a: [UInt8], _ b: [UInt8]) -> Bool {
    guard a.count == b.count else { return false }
    guard !a.isEmpty else { return true }
    return a.withUnsafeBytes { x in b.withUnsafeBytes { y in memcmp(x.baseAddress!, y.baseAddress!, a.count) == 0 } }
}

/// The sha256 of a file, as `sha256sum` prints it.
func sha256Hex(of path: String) throws -> String {
    let peer = try ExternalPeer.python(
        "import hashlib, sys; print(hashlib.sha256(open(sys.argv[1], 'rb').read()).hexdigest())", path)
    defer { _ = peer.exitStatus() }
    return peer.readLine() ?? ""
}

@Suite("Sending files without blocking a thread (async sendFile)", .serialized)
struct AsyncSendFileTests {
    @Test("a file larger than the socket buffers arrives intact; the socket's mode is restored", arguments: allBackends)
    func wholeFile(backend: IOLoopBackend) async throws {
        let file = try TemporaryFile(size: 6_000_000)
        try await withLoop(backend) { loop in
            let pair = try loopbackPair()
            let sender = pair.first
            let drain = Drain(ConnectionBox(pair.second))  // a blocking reader on its own thread
            try sender.register(on: loop)
            #expect(try await sender.sendFile(file.descriptor) == 6_000_000)
            #expect(try await sender.sendFile(file.descriptor, offset: 5_999_000, count: 1_000) == 1_000)
            #expect(try sender.isNonBlocking == false)
            try sender.close()
            #expect(same(try drain.bytes(), file.bytes + file.bytes[5_999_000...]))
        }
    }

    #if DEBUG
    @Test("the portable path also waits on the loop")
    func portablePath() async throws {
        let file = try TemporaryFile(size: 3_000_000)
        try await withLoop(.platformDefault) { loop in
            let pair = try loopbackPair()
            let sender = pair.first
            let drain = Drain(ConnectionBox(pair.second))
            try sender.register(on: loop)
            let driver = MockingDriver()
            driver.failNext("sendfile", with: [.invalidArgument])
            try await MockingDriver.$current.withValue(driver) { try await sender.sendFile(file.descriptor) }
            try sender.close()
            #expect(same(try drain.bytes(), file.bytes))
            #expect(driver.calls.contains("pread"))
        }
    }
    #endif

    @Test("a deadline bounds a peer that never reads")
    func deadline() async throws {
        let file = try TemporaryFile(size: 16_000_000, sparse: true)
        try await withLoop(.platformDefault) { loop in
            let pair = try loopbackPair()
            let sender = pair.first
            let receiver = ConnectionBox(pair.second)  // open, never read
            try sender.register(on: loop)
            do {
                try await sender.sendFile(file.descriptor, deadline: .after(.milliseconds(200)))
                Issue.record("sendFile finished although nobody reads")
            } catch let error as SocketError {
                #expect(error.isTimeout)
                #expect(error.operation == .sendFile)
            }
            withExtendedLifetime(receiver) {}
        }
    }
}
