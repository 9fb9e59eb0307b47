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

let options = Options(help: """
    usage: file-server [--root FOLDER] [--host ADDRESS] [--port PORT]

    Serves the regular files below FOLDER (default: the current folder) by name:
    a client sends "GET name" and a newline, and gets "OK size", a newline and
    the file, or "ERR reason" and a newline. Names are relative ("notes/a.txt");
    "..", absolute paths and symbolic links are refused. Try it with file-client,
    or: printf 'GET a.txt\\n' | nc 127.0.0.1 7020
    Listens on 127.0.0.1:7020 unless told otherwise; --port 0 picks a free port.
    """)
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
        let isLink = next < 0 && fstatat(directory, String(part), &info, AT_SYMLINK_NOFOLLOW) == 0 && info.st_mode & S_IFMT == S_IFLNK
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

/// Reads the request line (at most 4 KiB) and answers it.
@Sendable func serve(_ client: SharedConnection) throws {
    try serve(client.connection)
}

@Sendable func serve(_ connection: borrowing StreamConnection) throws {
    try connection.setOption(.receiveTimeout, .seconds(10))   // a silent client does not keep a thread forever
    var request: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 4096)
    while !request.contains(UInt8(ascii: "\n")) {
        let count = try connection.receive(into: &buffer)
        guard count > 0 else { return }
        request += buffer[..<count]
        if request.count > 4096 { try connection.sendAll(Array("ERR request too long\n".utf8)); return }
    }
    var line = request.prefix { $0 != UInt8(ascii: "\n") }
    if line.last == UInt8(ascii: "\r") { line.removeLast() }
    let text = String(decoding: line, as: UTF8.self)
    guard text.hasPrefix("GET ") else { try connection.sendAll(Array("ERR expected: GET name\n".utf8)); return }

    switch openBelowFolder(String(text.dropFirst(4))) {
    case .failure(let refusal):
        try connection.sendAll(Array("ERR \(refusal)\n".utf8))
    case .success(let file):
        defer { close(file) }
        var info = stat()
        fstat(file, &info)
        try connection.sendAll(Array("OK \(info.st_size)\n".utf8))
        try connection.sendFile(file, count: Int64(info.st_size))  // sendfile(2): no copy through this process
    }
}

runOrExit("file-server") {
    let listener = try StreamListener(bindingTo: options.address(defaultPort: 7020))
    var path = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
    let shown = realpath(root, &path) != nil ? String(decoding: path.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self) : root
    print("file-server: serving \(shown), listening on tcp \(try listener.localAddress)")
    while true {
        let accepted = try listener.accept()
        let peer = accepted.peer
        let client = SharedConnection(accepted.connection)
        startThread {
            do { try serve(client) } catch { printError("file-server: \(peer): \(error)") }
        }
    }
}
