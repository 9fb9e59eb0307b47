import Dispatch
import Foundation

// Argument handling only; the server, client, store and wire format live in their own files.

func runServer(_ configuration: DiaryServer.Configuration) throws(DiaryError) {
    let server = try DiaryServer(configuration: configuration)
    // A closed standard output (`diary server | head -1`) must not kill the server.
    signal(SIGPIPE, SIG_IGN)
    // SIGINT and SIGTERM wake the poll loop through the server's socket pair.
    var sources: [any DispatchSourceSignal] = []
    for signalNumber in [SIGINT, SIGTERM] {
        signal(signalNumber, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
        let waker = server.waker
        source.setEventHandler { waker.wake() }
        source.resume()
        sources.append(source)
    }
    Console.print(server.banner)
    try server.run()
    sources.forEach { $0.cancel() }
    let store = server.service.store
    Console.print("diary server stopped; \(store.entries.count) entries in \(store.path) (\(store.commitCount) fsyncs this run)")
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

do {
    switch try Arguments.parse(Array(CommandLine.arguments.dropFirst())) {
    case .help(let text):
        Console.print(text)
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
