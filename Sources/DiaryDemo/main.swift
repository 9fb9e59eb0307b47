import Foundation

// Argument handling only; the server, client, store and wire format live in their own files.

func runServer(_ configuration: DiaryServer.Configuration) throws(DiaryError) {
    let server = try DiaryServer(configuration: configuration)
    server.stopOnSignals()
    Console.print(server.banner)
    try server.run()
    let store = server.service.store
    var counts = "\(store.commitCount) fsyncs this run"
    if server.service.droppedRequests > 0 {
        counts += ", \(server.service.droppedRequests) datagrams dropped over their host's rate"
    }
    if server.service.droppedErrorReplies > 0 {
        counts += ", \(server.service.droppedErrorReplies) error replies not sent over the error rate"
    }
    Console.print("diary server stopped; \(store.count) entries in \(store.path) (\(counts))")
}

func runClient(_ configuration: DiaryClient.Configuration, mode: ClientMode) throws(DiaryError) {
    let client = try DiaryClient(configuration: configuration)
    switch mode {
    case .interactive:
        try ClientShell(client: client).run()
    case .send(let text):
        let stored = try client.append(text)
        Console.print("ok \(stored.sequence)")
    case .sync:
        for entry in try client.sync() { Console.print(entry.line) }
    }
}

/// `diary` alone: a server on a free loopback port on its own thread, and the
/// interactive client on it; the server stops when the client ends.
func runDemo(_ serverConfiguration: DiaryServer.Configuration, _ clientConfiguration: DiaryClient.Configuration)
    throws(DiaryError)
{
    let server = try DiaryServer(configuration: serverConfiguration)
    signal(SIGPIPE, SIG_IGN)
    Console.print(
        "diary demo: a server on \(server.address) (file \(server.service.store.path)), and its client; quit or Ctrl-D ends both"
    )
    let done = DispatchSemaphore(value: 0)
    let box = ServerBox(server)
    let thread = Thread {
        do { try box.server.run() } catch { Console.error("server: \(error)") }
        done.signal()
    }
    thread.start()
    var client = clientConfiguration
    client.port = server.address.port ?? 0
    defer {
        server.waker.wake()
        done.wait()
    }
    try runClient(client, mode: .interactive)
}

do {
    switch try Arguments.parse(Array(CommandLine.arguments.dropFirst())) {
    case .help(let text):
        Console.print(text)
    case .demo(let server, let client):
        try runDemo(server, client)
    case .server(let configuration):
        try runServer(configuration)
    case .client(let configuration, let mode):
        try runClient(configuration, mode: mode)
    }
} catch {
    Console.error("\(error)")
    if case .usage = error { exit(2) }
    exit(1)
}
