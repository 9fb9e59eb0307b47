// unix-stream-server: a Unix-domain stream echo server. The address is a file;
// a server that died leaves it behind, and bind then fails with EADDRINUSE. So:
// a file nobody listens on (connect is refused) is stale and is removed; a file
// with a live server behind it, or one that is not a socket, is left alone.
import ExampleSupport
import NetKit
#if canImport(Glibc)
@preconcurrency import Glibc
#endif

let options = Options(
    help: """
        usage: unix-stream-server [--path PATH]

        Echo server on a Unix-domain stream socket (default /tmp/netkit-echo.sock), one
        thread per connection. A stale socket file from a server that died is removed;
        a live server on PATH, or a PATH that is not a socket, is an error. The file is
        removed again on SIGINT and SIGTERM.
        """)
let path = options.string("--path", default: "/tmp/netkit-echo.sock")

/// Connects to `address` and hangs up; throws `.connectionRefused` when nobody listens.
/// (A function of its own: a `~Copyable` local inside the `do` below crashes Swift 6.3.1's compiler.)
func probe(_ address: SocketAddress) throws(SocketError) {
    try StreamConnection(connectingTo: address, timeout: .seconds(1)).close()
}

/// Whether a server answers on `address`: connect succeeds, or is refused (stale file).
func someoneListens(on address: SocketAddress) throws -> Bool {
    do {
        try probe(address)
        return true
    } catch  where error.errno == .connectionRefused {
        return false
    }
}

/// Listens on `path`, first removing a socket file nobody listens on.
func listen(on path: String) throws -> StreamListener {
    let address = SocketAddress.unix(try UnixSocketPath(path))
    var info = stat()
    if lstat(path, &info) == 0 {  // something is there already
        guard info.st_mode & S_IFMT == S_IFSOCK else {
            throw ExampleError("\(path) exists and is not a socket; not touching it")
        }
        guard try !someoneListens(on: address) else { throw ExampleError("another server is listening on \(path)") }
        unlink(path)  // stale: its server is gone
        print("unix-stream-server: removed stale socket file \(path)")
    }
    return try StreamListener(bindingTo: address)
}

runOrExit("unix-stream-server") {
    let listener = try listen(on: path)
    Termination.exitOnSignal("unix-stream-server") { unlink(path) }
    print("unix-stream-server: listening on unix \(path)")
    while true {
        let accepted = try listener.accept()
        let client = SharedConnection(accepted.connection)
        startThread {
            var buffer = [UInt8](repeating: 0, count: 65_536)
            do {
                while case let count = try client.connection.receive(into: &buffer), count > 0 {
                    try client.connection.sendAll(buffer[..<count])
                }
            } catch {
                printError("unix-stream-server: \(error)")
            }
        }
    }
}
