// file-client: fetches one file from file-server and saves it, in constant memory.
import ExampleSupport
import NetKit
#if canImport(Glibc)
@preconcurrency import Glibc
#endif

let options = Options(
    help: """
        usage: file-client NAME [--output PATH] [--host NAME] [--port PORT]

        Asks the file-server at HOST:PORT (default localhost:7020) for NAME and saves it
        as PATH (default: NAME's last component, in the current folder; "-" writes to
        standard output). Prints the server's reason and exits 1 when it refuses, and
        removes a partial file when the connection ends early.
        """)
Termination.exitOnSignal("file-client")

guard let name = options.arguments.first else { Options.usageError("which file?", help: "see file-client --help") }
let outputPath = options.string("--output", default: String(name.split(separator: "/").last ?? "download"))

/// Writes all of `bytes` to `fd`, or throws.
func writeAll(_ fd: CInt, _ bytes: ArraySlice<UInt8>) throws {
    var rest = bytes
    while !rest.isEmpty {
        let written = rest.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        if written < 0 && errno == EINTR { continue }
        guard written > 0 else { throw ExampleError("write failed: \(String(cString: strerror(errno)))") }
        rest = rest.dropFirst(written)
    }
}

runOrExit("file-client") {
    let server = try SocketAddress.addresses(
        host: options.string("--host", default: "localhost"),
        port: options.port(default: 7020))[0]
    let connection = try StreamConnection(connectingTo: server, timeout: .seconds(5))
    try connection.sendAll(Array("GET \(name)\n".utf8))

    var buffer = [UInt8](repeating: 0, count: 65_536)
    var header: [UInt8] = []
    var body = ArraySlice<UInt8>()
    while true {  // the reply line, then the bytes
        let count = try connection.receive(into: &buffer)
        guard count > 0 else { throw ExampleError("the server closed the connection without a reply") }
        header += buffer[..<count]
        if let newline = header.firstIndex(of: UInt8(ascii: "\n")) {
            body = header[(newline + 1)...]
            header = Array(header[..<newline])
            break
        }
        if header.count > 4096 { throw ExampleError("no reply line in the first 4 KiB") }
    }
    let reply = String(decoding: header, as: UTF8.self)
    if reply.hasPrefix("ERR ") { printError("file-client: the server says: \(reply.dropFirst(4))"); exit(1) }
    guard reply.hasPrefix("OK "), let size = Int64(reply.dropFirst(3)), size >= 0 else {
        throw ExampleError("unexpected reply: \(reply)")
    }

    let toStandardOutput = outputPath == "-"
    let output = toStandardOutput ? STDOUT_FILENO : open(outputPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
    guard output >= 0 else { throw ExampleError("cannot create \(outputPath): \(String(cString: strerror(errno)))") }
    var received = Int64(body.count)
    try writeAll(output, body)
    while received < size {
        let count = try connection.receive(into: &buffer)
        if count == 0 { break }
        received += Int64(count)
        try writeAll(output, buffer[..<count])
    }
    if !toStandardOutput { close(output) }
    guard received == size else {
        if !toStandardOutput { unlink(outputPath) }
        throw ExampleError("the connection ended after \(received) of \(size) bytes; nothing saved")
    }
    if !toStandardOutput { print("file-client: saved \(name) as \(outputPath) (\(size) bytes)") }
}
