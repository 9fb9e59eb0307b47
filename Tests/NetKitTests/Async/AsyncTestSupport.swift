import Foundation
import Testing
@testable import NetKit

/// A datagram socket in a class box, to share between tasks.
final class DatagramBox: Sendable {
    let socket: DatagramSocket
    init(_ socket: consuming DatagramSocket) { self.socket = socket }
}

/// A listener in a class box, to share between tasks.
final class ListenerBox: Sendable {
    let listener: StreamListener
    init(_ listener: consuming StreamListener) { self.listener = listener }
}

/// Both backends on Linux; `poll` elsewhere.
let allBackends: [IOLoopBackend] = {
    #if os(Linux)
    [.epoll, .poll]
    #else
    [.poll]
    #endif
}()

/// Runs `body` with a fresh loop of `backend`, shut down afterwards.
func withLoop<R>(_ backend: IOLoopBackend, _ body: (IOLoop) async throws -> R) async throws -> R {
    let loop = try IOLoop(backend: backend)
    defer { loop.shutdown() }
    return try await body(loop)
}

/// Waits (by yielding, bounded) until `condition` holds; records an issue when it never does.
func eventually(
    _ what: String, limit: Int = 100_000, sourceLocation: SourceLocation = #_sourceLocation,
    _ condition: () -> Bool
) async {
    for _ in 0..<limit {
        if condition() { return }
        await Task.yield()
    }
    Issue.record("never happened: \(what)", sourceLocation: sourceLocation)
}

extension DatagramSocket {
    /// How many tasks wait on this socket's registration (testing only).
    var asyncWaiterCount: Int { owner.existingRegistration?.waiterCount ?? 0 }
}

extension StreamConnection {
    /// How many tasks wait on this connection's registration (testing only).
    var asyncWaiterCount: Int { owner.existingRegistration?.waiterCount ?? 0 }
}

extension StreamListener {
    /// How many tasks wait on this listener's registration (testing only).
    var asyncWaiterCount: Int { owner.existingRegistration?.waiterCount ?? 0 }
}

/// The port a socket is bound to.
func boundAddress<S: Socket & ~Copyable>(_ socket: borrowing S) throws -> SocketAddress {
    try socket.localAddress
}

/// Runs blocking calls from async code: inside a synchronous closure the compiler
/// picks the blocking overloads (in an async context it picks the async ones).
@inline(__always)
func blocking<R: ~Copyable>(_ body: () throws -> R) rethrows -> R {
    try body()
}

/// Runs blocking work (reading a peer's output, waiting for it to exit) on a
/// thread of its own and awaits its result, so no cooperative-pool thread blocks.
func offPool<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
    await withCheckedContinuation { continuation in
        let thread = Thread { continuation.resume(returning: body()) }
        thread.start()
    }
}

/// An ``ExternalPeer`` handed to another thread; the peer is used by one thread at a time.
final class PeerBox: @unchecked Sendable {
    let peer: ExternalPeer
    init(_ peer: ExternalPeer) { self.peer = peer }
}
