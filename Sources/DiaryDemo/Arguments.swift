import Foundation

/// What the command line asks for.
enum Command {
    case help(String)
    /// No subcommand: a server on a free loopback port in this process, and the interactive client on it.
    case demo(DiaryServer.Configuration, DiaryClient.Configuration)
    case server(DiaryServer.Configuration)
    case client(DiaryClient.Configuration, ClientMode)
}

/// What the client does.
enum ClientMode: Equatable {
    case interactive
    case send(String)
    case sync
}

/// Command-line parsing for `diary`, kept apart from `main.swift` so tests can call it.
enum Arguments {
    static let overview = """
        diary: a UDP (and TCP) diary server and client built on NetKit.

        Usage:
          diary                  a server on a free loopback port and the client on it, in one process
          diary server [--host HOST] [--port PORT] [--file PATH] [--max-bytes N] [--append-rate BYTES]
          diary client [--host HOST] [--port PORT] [--name NAME] [--send TEXT | --sync]
          diary server --help
          diary client --help
        """

    static let serverHelp = """
        Usage: diary server [--host HOST] [--port PORT] [--file PATH] [--max-bytes N] [--append-rate BYTES]

        Serves a diary over UDP and TCP on the same port until SIGINT or SIGTERM.
        The first line printed says where it listens and which file it uses.

        Options:
          --host HOST   address to listen on (default 127.0.0.1; 0.0.0.0 or :: for all interfaces)
          --port PORT   UDP and TCP port (default 9999; 0 picks a free port)
          --file PATH   the diary file, created if missing
                        (default $XDG_DATA_HOME/netkit-diary/diary.log or ~/.local/share/...)
          --max-bytes N         refuse appends once the file would pass N bytes (default 1 GiB)
          --append-rate BYTES   bytes of entries each host may append per second (default 4194304; 0: no limit)
          --request-rate N      while the server is behind on UDP, datagrams handled per second
                                from each host (default 8192; 0: no limit)
          --max-connections N   TCP connections at once (default 256)
          --connections-per-host N   TCP connections from one host at once (default 32)
          --line-timeout SECONDS     a TCP line must be finished this soon after its first byte (default 10)
          --send-timeout SECONDS     close a TCP connection whose output has not moved for this long (default 10)
          --help        show this help

        Plain text works too:  printf 'hello' | nc -u -w1 127.0.0.1 9999   (answers "ok <seq>")
                               printf 'sync%463s' | nc -u -w1 127.0.0.1 9999   (a page of entries; a
                                 UDP reply is at most 3 times its request, so pad the request)
                               nc 127.0.0.1 9999   then type lines, or "sync"
        """

    static let clientHelp = """
        Usage: diary client [--host HOST] [--port PORT] [--name NAME] [--send TEXT | --sync]

        Prints the diary ("old log"), then reads commands and entries from standard
        input (type help). With --send or --sync it does one thing and exits.

        Options:
          --host HOST        server host name or address (default localhost)
          --port PORT        server port (default 9999)
          --name NAME        your name, stored with each entry (no spaces, at most 64 bytes)
          --send TEXT        append TEXT, print "ok <seq>" and exit
          --sync             print every entry and exit
          --timeout SECONDS  how long the first attempt waits for an answer (default 0.5)
          --retries N        how many times a request is sent again (default 5)
          --help             show this help
        """

    /// Parses the arguments after the program name.
    ///
    /// - Throws: ``DiaryError/usage(_:)`` with a one-line explanation.
    static func parse(_ arguments: [String]) throws(DiaryError) -> Command {
        guard let subcommand = arguments.first else {
            var server = DiaryServer.Configuration()
            server.port = 0
            return .demo(server, DiaryClient.Configuration(host: "127.0.0.1"))
        }
        var rest = arguments.dropFirst()
        switch subcommand {
        case "-h", "--help", "help":
            return .help(overview + "\n\n" + serverHelp + "\n\n" + clientHelp)
        case "server":
            var configuration = DiaryServer.Configuration()
            while let option = rest.popFirst() {
                switch option {
                case "-h", "--help": return .help(serverHelp)
                case "--host": configuration.host = try value(of: option, from: &rest)
                case "--port": configuration.port = try port(try value(of: option, from: &rest))
                case "--file": configuration.file = try value(of: option, from: &rest)
                case "--max-bytes":
                    let text = try value(of: option, from: &rest)
                    guard let bytes = UInt64(text), bytes > 0 else {
                        throw .usage("bad --max-bytes \(text): give a number of bytes")
                    }
                    configuration.maximumBytes = bytes
                case "--append-rate":
                    let text = try value(of: option, from: &rest)
                    guard let rate = Double(text), rate >= 0, rate.isFinite else {
                        throw .usage("bad --append-rate \(text): give bytes per second (0: no limit)")
                    }
                    configuration.appendBytesPerSecond = rate
                case "--request-rate":
                    let text = try value(of: option, from: &rest)
                    guard let rate = Double(text), rate >= 0, rate.isFinite else {
                        throw .usage("bad --request-rate \(text): give datagrams per second (0: no limit)")
                    }
                    configuration.requestsPerSecond = rate
                case "--max-connections":
                    let text = try value(of: option, from: &rest)
                    guard let count = Int(text), (1...100_000).contains(count) else {
                        throw .usage("bad --max-connections \(text): give 1 to 100000")
                    }
                    configuration.maximumConnections = count
                case "--line-timeout", "--send-timeout":
                    let text = try value(of: option, from: &rest)
                    guard let seconds = Double(text), seconds > 0, seconds <= 3600 else {
                        throw .usage("bad \(option) \(text): give seconds between 0 and 3600")
                    }
                    let duration = Duration.milliseconds(Int64((seconds * 1000).rounded(.up)))
                    if option == "--line-timeout" {
                        configuration.lineTimeout = duration
                    } else {
                        configuration.sendTimeout = duration
                    }
                case "--connections-per-host":
                    let text = try value(of: option, from: &rest)
                    guard let count = Int(text), (1...100_000).contains(count) else {
                        throw .usage("bad --connections-per-host \(text): give 1 to 100000")
                    }
                    configuration.connectionsPerHost = count
                default: throw .usage("unknown server option \(option); see diary server --help")
                }
            }
            return .server(configuration)
        case "client":
            var configuration = DiaryClient.Configuration()
            var mode = ClientMode.interactive
            while let option = rest.popFirst() {
                switch option {
                case "-h", "--help": return .help(clientHelp)
                case "--host": configuration.host = try value(of: option, from: &rest)
                case "--port": configuration.port = try port(try value(of: option, from: &rest))
                case "--name": configuration.name = try value(of: option, from: &rest)
                case "--send":
                    guard mode == .interactive else { throw .usage("use only one of --send and --sync") }
                    mode = .send(try value(of: option, from: &rest))
                case "--sync":
                    guard mode == .interactive else { throw .usage("use only one of --send and --sync") }
                    mode = .sync
                case "--timeout":
                    let text = try value(of: option, from: &rest)
                    guard let seconds = Double(text), seconds > 0, seconds <= 60 else {
                        throw .usage("bad --timeout \(text): give seconds between 0 and 60")
                    }
                    configuration.timeout = .milliseconds(Int64((seconds * 1000).rounded(.up)))
                case "--retries":
                    let text = try value(of: option, from: &rest)
                    guard let retries = Int(text), (0...100).contains(retries) else {
                        throw .usage("bad --retries \(text): give a number from 0 to 100")
                    }
                    configuration.retries = retries
                default: throw .usage("unknown client option \(option); see diary client --help")
                }
            }
            if let problem = DiaryLimits.problem(withName: configuration.name) {
                throw .usage("bad --name: \(problem)")
            }
            return .client(configuration, mode)
        default:
            throw .usage("unknown subcommand \(subcommand); see diary --help")
        }
    }

    /// Where the demo keeps its diary unless told otherwise: a per-user data
    /// directory (`$XDG_DATA_HOME/netkit-diary/diary.log`, else
    /// `~/.local/share/netkit-diary/diary.log`), else the temporary directory;
    /// never the current directory (a checkout). ``DiaryServer`` makes the
    /// directory when it is missing.
    static var defaultDiaryFile: String {
        let environment = ProcessInfo.processInfo.environment
        if let data = environment["XDG_DATA_HOME"], data.hasPrefix("/") { return data + "/netkit-diary/diary.log" }
        if let home = environment["HOME"], home.hasPrefix("/") { return home + "/.local/share/netkit-diary/diary.log" }
        return FileManager.default.temporaryDirectory.path + "/netkit-diary-\(getuid())/diary.log"
    }

    private static func value(of option: String, from rest: inout ArraySlice<String>) throws(DiaryError) -> String {
        guard let value = rest.popFirst() else { throw .usage("\(option) needs a value") }
        return value
    }

    private static func port(_ text: String) throws(DiaryError) -> UInt16 {
        guard let port = UInt16(text) else { throw .usage("bad port \(text): give a number from 0 to 65535") }
        return port
    }
}
