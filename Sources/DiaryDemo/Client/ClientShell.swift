/// The interactive client: prints the old log, then reads commands and entries from standard input.
struct ClientShell {
    let client: DiaryClient

    static let help = """
        Commands:
          ?, h, help     show this help
          r, sync        fetch and print the entries added since the last sync
          from ADDRESS   list the entries sent from ADDRESS (host:port, or just the host)
          mine           list the entries sent from this client
          q, quit        exit (end of input does too)
          anything else  a new entry, sent to the server and confirmed
        """

    /// Runs until `quit` or end of input.
    ///
    /// - Throws: ``DiaryError`` only when the first sync (the old log) fails;
    ///   later failures are reported and the shell goes on.
    func run(readLine: () -> String? = { Swift.readLine(strippingNewline: true) }) throws(DiaryError) {
        let old = try client.sync()
        Console.print("diary: \(client.server), \(old.count) entries; type help for the commands")
        Console.print("--- old log ---")
        for entry in old { Console.print(entry.line) }
        Console.print("--- end of old log ---")
        while let line = readLine() {
            let command = line.trimmingWhitespace()
            switch command {
            case "":
                continue
            case "?", "h", "help":
                Console.print(Self.help)
            case "q", "quit":
                return
            case "r", "sync":
                report { () throws(DiaryError) in
                    let fresh = try client.sync()
                    if fresh.isEmpty { Console.print("no new entries") }
                    for entry in fresh { Console.print(entry.line) }
                }
            case "mine":
                report { () throws(DiaryError) in
                    _ = try client.sync()
                    let own = client.ownAddress ?? ""
                    list(client.entries.filter { $0.address == own }, from: own)
                }
            case _ where command.hasPrefix("from "):
                let address = command.dropFirst(5).trimmingWhitespace()
                report { () throws(DiaryError) in
                    _ = try client.sync()
                    list(client.entries.filter { Self.address($0.address, matches: address) }, from: address)
                }
            default:
                report { () throws(DiaryError) in
                    let stored = try client.append(line)
                    Console.print("ok \(stored.sequence) (stored \(Timestamp.format(stored.time)))")
                }
            }
        }
    }

    private func report(_ body: () throws(DiaryError) -> Void) {
        do { try body() } catch { Console.error("error: \(error)") }
    }

    private func list(_ entries: [DiaryEntry], from address: String) {
        if entries.isEmpty { Console.print("no entries from \(address)") }
        for entry in entries { Console.print(entry.line) }
    }

    /// `127.0.0.1:5000` matches itself; `127.0.0.1` (or `[::1]`/`::1`) matches every port of that host.
    static func address(_ address: String, matches wanted: String) -> Bool {
        if address == wanted { return true }
        guard let colon = address.lastIndex(of: ":") else { return false }
        let host = address[..<colon]
        return host == wanted || host == "[\(wanted)]"
    }
}

extension StringProtocol {
    /// The text without leading and trailing spaces and tabs.
    func trimmingWhitespace() -> String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
            let last = scalars.lastIndex(where: { !$0.properties.isWhitespace })
        else { return "" }
        return String(String.UnicodeScalarView(scalars[first...last]))
    }
}
