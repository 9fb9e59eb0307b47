#if canImport(Glibc)
@preconcurrency import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import NetKit

/// Starts a detached thread running `body`: the course's "slave" thread.
///
/// Blocking socket calls belong on threads of their own, never on Swift
/// concurrency's small pool.
public func startThread(_ body: @escaping @Sendable () -> Void) {
    final class Body { let run: @Sendable () -> Void; init(_ run: @escaping @Sendable () -> Void) { self.run = run } }
    let context = Unmanaged.passRetained(Body(body)).toOpaque()
    var attributes = pthread_attr_t()
    pthread_attr_init(&attributes)
    pthread_attr_setdetachstate(&attributes, CInt(PTHREAD_CREATE_DETACHED))
    defer { pthread_attr_destroy(&attributes) }
    #if canImport(Glibc)
    var thread = pthread_t()
    #else
    var thread: pthread_t? = nil
    #endif
    let result = pthread_create(
        &thread, &attributes,
        { context in
            let body = Unmanaged<Body>.fromOpaque(context!).takeRetainedValue()
            body.run()
            return nil
        }, context)
    if result != 0 {
        Unmanaged<Body>.fromOpaque(context).release()
        printError("pthread_create failed (\(result)); running on the calling thread")
        body()
    }
}

/// A connection in a class box, so a thread (or a dictionary) can hold it:
/// NetKit's sockets are `~Copyable`, and a closure cannot take one by value.
public final class SharedConnection: Sendable {
    /// The connection; closed when the box goes away.
    public let connection: StreamConnection
    /// Boxes `connection`.
    public init(_ connection: consuming StreamConnection) { self.connection = connection }
}

/// A datagram socket in a class box, for threads and tasks to share.
public final class SharedDatagramSocket: Sendable {
    /// The socket; closed when the box goes away.
    public let socket: DatagramSocket
    /// Boxes `socket`.
    public init(_ socket: consuming DatagramSocket) { self.socket = socket }
}

/// A one-way signal from one thread to another: `signal()` once or more, `wait()`
/// returns after as many signals. The corresponding C calls are `sem_post` and `sem_wait`.
public final class Completion: @unchecked Sendable {
    private let semaphore = UnsafeMutablePointer<sem_t>.allocate(capacity: 1)

    /// A completion not yet signalled.
    public init() { sem_init(semaphore, 0, 0) }

    deinit {
        sem_destroy(semaphore)
        semaphore.deallocate()
    }

    /// Marks one completion; wakes one waiter.
    public func signal() { sem_post(semaphore) }

    /// Waits for one signal.
    public func wait() { while sem_wait(semaphore) != 0 && errno == EINTR {} }
}
