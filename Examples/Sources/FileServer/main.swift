// file-server: the course's "get file" exam program. Serves the files of one
// folder by name over TCP, one thread per connection, the bytes sent with
// sendfile(2) (zero copy, constant memory whatever the size).
//
// The protocol, one request per connection:  client: "GET name\n"
//                                            server: "OK size\n" + the bytes, or "ERR reason\n"
// Names are opened one component at a time with openat(O_NOFOLLOW) below the
// folder's own descriptor: "..", absolute paths and symbolic links are refused,
// so no name reaches a file outside the folder.
import ExampleSupport
import NetKit
#if canImport(Glibc)
@preconcurrency import Glibc
#endif

let options = Options(
    help: """
        usage: file-server [--root FOLDER] [--host ADDRESS] [--port PORT] [--async]

        Serves the regular files below FOLDER (default: the current folder) by name:
        a client sends "GET name" and a newline, and gets "OK size", a newline and
        the file, or "ERR reason" and a newline. Names are relative ("notes/a.txt");
        "..", absolute paths and symbolic links are refused. Try it with file-client,
        or: printf 'GET a.txt\\n' | nc 127.0.0.1 7020
        One thread per connection; with --async, one task per connection instead
        (StreamListener.serve and the async sendFile).
        Listens on 127.0.0.1:7020 unless told otherwise; --port 0 picks a free port.
        """, flags: ["--async"])
Termination.exitOnSignal("file-server")

let root = options.string("--root", default: ".")
let folder = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
guard folder >= 0 else {
    printError("file-server: cannot open folder \(root): \(String(cString: strerror(errno)))")
    exit(1)
}

/// Opens `name` for reading below `folder`, or says why not.
@Sendable func openBelowFolder(_ name: String) -> Result<CInt, ExampleError> {
    if name.isEmpty { return .failure(ExampleError("no file name given")) }
    if name.hasPrefix("/") { return .failure(ExampleError("absolute paths are refused")) }
    if name.utf8.contains(0) { return .failure(ExampleError("a NUL byte in the name is refused")) }
    let parts = name.split(separator: "/").filter { $0 != "." }
    if parts.contains("..") { return .failure(ExampleError("'..' in a name is refused")) }
    if parts.isEmpty { return .failure(ExampleError("not a file: \(name)")) }

    var directory = dup(folder)
    for (index, part) in parts.enumerated() {
        let isLast = index == parts.count - 1
        let next = openat(directory, String(part), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | (isLast ? 0 : O_DIRECTORY))
        let failure = errno
        var info = stat()
        let isLink =
            next < 0 && fstatat(directory, String(part), &info, AT_SYMLINK_NOFOLLOW) == 0
            && info.st_mode & S_IFMT == S_IFLNK
        close(directory)
        guard next >= 0 else {
            switch failure {
            case _ where isLink: return .failure(ExampleError("\(part) is a symbolic link; links are not followed"))
            case ENOENT: return .failure(ExampleError("no such file: \(name)"))
            case ENOTDIR: return .failure(ExampleError("\(part) is not a folder"))
            default: return .failure(ExampleError("cannot open \(name): \(String(cString: strerror(failure)))"))
            }
        }
        directory = next
    }
    var info = stat()
    guard fstat(directory, &info) == 0, info.st_mode & S_IFMT == S_IFREG else {
        close(directory)
        return .failure(ExampleError("not a regular file: \(name)"))
    }
    return .success(directory)
}

/// The answer to one request line: the reply line, and the file to send after it.
@Sendable func answer(_ request: [UInt8]) -> (reply: String, file: CInt?) {
    var line = request[...]
    if line.last == UInt8(ascii: "\r") { line.removeLast() }
    let text = String(decoding: line, as: UTF8.self)
    guard text.hasPrefix("GET ") else { return ("ERR expected: GET name\n", nil) }
    switch openBelowFolder(String(text.dropFirst(4))) {
    case .failure(let refusal):
        return ("ERR \(refusal)\n", nil)
    case .success(let file):
        var info = stat()
        fstat(file, &info)
        return ("OK \(info.st_size)\n", file)
    }
}

/// A thread's work: reads the request line (at most 4 KiB) and answers it.
@Sendable func serve(_ client: SharedConnection) throws {
    try serve(client.connection)
}

@Sendable func serve(_ connection: borrowing StreamConnection) throws {
    try connection.setOption(.receiveTimeout, .seconds(10))  // a silent client does not keep a thread forever,
    try connection.setOption(.sendTimeout, .seconds(30))  // nor one that stops reading (per chunk sent)
    var request: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 4096)
    while !request.contains(UInt8(ascii: "\n")) {
        let count = try connection.receive(into: &buffer)
        guard count > 0 else { return }
        request += buffer[..<count]
        if request.count > 4096 { try connection.sendAll(Array("ERR request too long\n".utf8)); return }
    }
    let (reply, file) = answer(Array(request.prefix { $0 != UInt8(ascii: "\n") }))
    try connection.sendAll(Array(reply.utf8))
    if let file {
        defer { close(file) }
        try connection.sendFile(file)  // sendfile(2): no copy through this process
    }
}

/// The master: accepts, and starts a thread per client. (A function of its own: in
/// async code, `listener.accept()` means the async overload.)
func acceptForever(_ listener: borrowing StreamListener) throws {
    while true {
        let accepted = try listener.accept()
        let peer = accepted.peer
        let client = SharedConnection(accepted.connection)
        startThread {
            do { try serve(client) } catch { printError("file-server: \(peer): \(error)") }
        }
    }
}

await runOrExit("file-server") {
    let listener = try StreamListener(bindingTo: options.address(defaultPort: 7020))
    var path = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
    let shown =
        realpath(root, &path) != nil
        ? String(decoding: path.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self) : root
    let mode = options.isSet("--async") ? " (async)" : ""
    print("file-server: serving \(shown)\(mode), listening on tcp \(try listener.localAddress)")

    if options.isSet("--async") {
        // The same server on the async layer: a child task per connection, no threads.
        try await listener.serve { connection, _ in
            var lines = BufferedReader(maximumLength: 4096)
            let request: [UInt8]?
            do {
                request = try await lines.readLine(from: connection, deadline: .after(.seconds(10)))
            } catch is BufferedReaderError {
                try await connection.sendAll(Array("ERR request too long\n".utf8))
                return
            }
            guard let request else { return }
            let (reply, file) = answer(request)
            try await connection.sendAll(Array(reply.utf8))
            if let file {
                defer { close(file) }
                try await connection.sendFile(file)  // sendfile(2), waiting on the loop when the socket is full
            }
        }
    } else {
        try acceptForever(listener)
    }
}
