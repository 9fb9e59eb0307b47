import Foundation
import NetKit
import Synchronization

// diary-load: load on the real `diary` server, over loopback.
//
// Starts `diary server --port 0` (release build) on a fresh file, then
//   1. N concurrent clients append over plain-text UDP, each waiting for its
//      `ok <seq>` (the server acknowledges only after fsync): confirmed appends/s
//      and the p50/p99 latency of one append, for each N;
//   2. fills the diary to --entries entries and syncs all of it, once over TCP
//      (`sync`, the whole diary as text lines) and once with the real client
//      (`diary client --sync`, paged framed UDP): entries/s.
//
//   swift run -c release --package-path Benchmarks diary-load [--quick]
//       [--clients 1,8,32] [--appends N] [--entries N] [--diary PATH] [--json FILE]
//
// With --attack it measures the server under the attacks of issue 12 instead
// (Attack.swift): a normal client's append latency under each attack, the UDP
// amplification factor, memory per entry, the restart peak and CPU at EMFILE.

struct LoadFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

struct Options {
    var quick = false
    var clients = [1, 8, 32]
    var appendsPerClient = 1_000
    var entries = 100_000
    var diaryPath: String?
    var jsonPath: String?
    /// `--attack LIST`: measure under attack instead (see Attack.swift).
    var attacks: [String]?

    static func parse(_ arguments: [String]) throws(LoadFailure) -> Options {
        var options = Options()
        var clientsGiven = false, appendsGiven = false, entriesGiven = false
        var iterator = arguments.makeIterator()
        func value(_ flag: String) throws(LoadFailure) -> String {
            guard let next = iterator.next() else { throw LoadFailure("\(flag) needs a value") }
            return next
        }
        func count(_ flag: String, _ range: ClosedRange<Int>) throws(LoadFailure) -> Int {
            let text = try value(flag)
            guard let n = Int(text), range.contains(n) else {
                throw LoadFailure("\(flag) takes \(range.lowerBound)...\(range.upperBound), not \(text)")
            }
            return n
        }
        while let argument = iterator.next() {
            switch argument {
            case "--quick": options.quick = true
            case "--clients":
                let text = try value(argument)
                let list = text.split(separator: ",").compactMap { Int($0) }
                guard !list.isEmpty, list.count == text.split(separator: ",").count,
                    list.allSatisfy({ (1...256).contains($0) })
                else {
                    throw LoadFailure("--clients takes a comma-separated list of 1...256, not \(text)")
                }
                options.clients = list; clientsGiven = true
            case "--appends": options.appendsPerClient = try count(argument, 1...1_000_000); appendsGiven = true
            case "--entries": options.entries = try count(argument, 1...10_000_000); entriesGiven = true
            case "--diary": options.diaryPath = try value(argument)
            case "--json": options.jsonPath = try value(argument)
            case "--attack":
                let text = try value(argument)
                let list = text == "all" ? AttackKind.all : text.split(separator: ",").map(String.init)
                guard list.allSatisfy(AttackKind.all.contains) else {
                    throw LoadFailure(
                        "--attack takes all or a list of \(AttackKind.all.joined(separator: ",")), not \(text)")
                }
                options.attacks = list
            case "--help", "-h":
                print(
                    "usage: diary-load [--quick] [--clients 1,8,32] [--appends N] [--entries N] [--diary PATH] [--json FILE]"
                )
                print(
                    "       diary-load --attack all|\(AttackKind.all.joined(separator: ",")) [--quick] [--diary PATH] [--json FILE]"
                )
                exit(0)
            default: throw LoadFailure("unknown argument \(argument)")
            }
        }
        if options.quick {
            if !clientsGiven { options.clients = [1, 8] }
            if !appendsGiven { options.appendsPerClient = 100 }
            if !entriesGiven { options.entries = 5_000 }
        }
        return options
    }
}

// MARK: - The server process

/// The repository root: this file is Benchmarks/Sources/diary-load/main.swift.
let repositoryRoot = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent()

/// Runs a command to completion and returns its standard output.
func run(_ executable: String, _ arguments: [String], in directory: URL? = nil) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    if let directory { process.currentDirectoryURL = directory }
    let output = Pipe()
    process.standardOutput = output
    process.standardInput = FileHandle.nullDevice
    try process.run()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
        throw LoadFailure("\(executable) \(arguments.joined(separator: " ")) exited with \(process.terminationStatus)")
    }
    return String(decoding: data, as: UTF8.self)
}

/// Builds the diary executable in release mode (in the root package's own
/// .build) and returns its path.
func buildDiary() throws -> String {
    let swift =
        ProcessInfo.processInfo.environment["SWIFT_EXEC_PATH"]
        ?? ["/opt/swift/usr/bin/swift", "/usr/bin/swift"].first { FileManager.default.isExecutableFile(atPath: $0) }
        ?? "/usr/bin/swift"
    print("building diary (release)...")
    _ = try run(swift, ["build", "-c", "release", "--product", "diary"], in: repositoryRoot)
    let binPath = try run(swift, ["build", "-c", "release", "--show-bin-path"], in: repositoryRoot)
        .trimmingCharacters(in: .whitespacesAndNewlines)
    return binPath + "/diary"
}

final class Server {
    let process = Process()
    let address: SocketAddress
    let firstLineSeconds: Double
    var pid: Int32 { process.processIdentifier }

    init(diary: String, file: URL, options: [String] = [], launcher: [String] = []) throws {
        let clock = ContinuousClock()
        let started = clock.now
        let arguments = ["server", "--host", "127.0.0.1", "--port", "0", "--file", file.path] + options
        if let first = launcher.first {
            process.executableURL = URL(fileURLWithPath: first)
            process.arguments = Array(launcher.dropFirst()) + [diary] + arguments
        } else {
            process.executableURL = URL(fileURLWithPath: diary)
            process.arguments = arguments
        }
        let output = Pipe()
        process.standardOutput = output
        process.standardInput = FileHandle.nullDevice
        try process.run()
        // The first line says where it listens: "... listening on 127.0.0.1:PORT (UDP and TCP) ...".
        var line = [UInt8]()
        let handle = output.fileHandleForReading
        while true {
            let byte = handle.readData(ofLength: 1)
            guard let first = byte.first else {
                throw LoadFailure("diary server exited before saying where it listens")
            }
            if first == UInt8(ascii: "\n") { break }
            line.append(first)
            guard line.count < 4_096 else { throw LoadFailure("diary server's first line is too long") }
        }
        let text = String(decoding: line, as: UTF8.self)
        guard let word = text.split(separator: " ").first(where: { $0.hasPrefix("127.0.0.1:") }),
            let address = try? SocketAddress(parsing: String(word))
        else {
            throw LoadFailure("cannot find the server address in: \(text)")
        }
        self.address = address
        let elapsed = started.duration(to: clock.now)
        firstLineSeconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
    }

    func stop() {
        process.terminate()  // SIGTERM: the server closes cleanly
        let clock = ContinuousClock()
        let deadline = clock.now + .seconds(5)
        while process.isRunning, clock.now < deadline { Thread.sleep(forTimeInterval: 0.01) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }  // a server stuck (the "before" one at EMFILE)
        process.waitUntilExit()
    }
}

// MARK: - Appends

struct AppendResult: Sendable {
    var latencies: [Double] = []  // seconds, one per confirmed append
    var timeouts = 0
    var failure: String?
}

/// Sends `count` plain-text appends from one UDP socket, each waiting for `ok <seq>`.
func appendLoop(server: SocketAddress, client: Int, count: Int, deadline: ContinuousClock.Instant) -> AppendResult {
    var result = AppendResult()
    result.latencies.reserveCapacity(count)
    do {
        // Each client from its own loopback address, as separate hosts would be (the server paces appends per host).
        let socket = try DatagramSocket(bindingTo: .ipv4(IPv4Address(127, 0, 2, UInt8(1 + client % 250)), port: 0))
        try socket.connect(to: server)
        try socket.setOption(.receiveTimeout, .milliseconds(500))
        var reply = [UInt8](repeating: 0, count: 2_048)
        let clock = ContinuousClock()
        var sent = 0
        while sent < count, clock.now < deadline {
            let text = Array("load client \(client) entry \(sent)".utf8)
            let start = clock.now
            _ = try socket.send(text)
            do {
                let datagram = try socket.receive(into: &reply)
                guard reply[..<datagram.count].starts(with: "ok ".utf8) else {
                    result.failure = "unexpected reply: \(String(decoding: reply[..<datagram.count], as: UTF8.self))"
                    return result
                }
                let elapsed = start.duration(to: clock.now)
                result.latencies.append(
                    Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18)
                sent += 1
            } catch {
                guard error.isTimeout else { throw error }
                result.timeouts += 1  // plain text has no id: the retry may append twice; counted
                guard result.timeouts < 20 else { result.failure = "server stopped answering"; return result }
            }
        }
    } catch {
        result.failure = "\(error)"
    }
    return result
}

struct LoadFigures: Sendable {
    var clients: Int
    var appends: Int
    var seconds: Double
    var p50: Double
    var p99: Double
    var timeouts: Int
    var rate: Double { seconds > 0 ? Double(appends) / seconds : 0 }
}

func runLoad(server: SocketAddress, clients: Int, appendsPerClient: Int) throws -> LoadFigures {
    let results = Mutex<[AppendResult]>([])
    let group = DispatchGroup()
    let clock = ContinuousClock()
    let deadline = clock.now + .seconds(60)
    let start = clock.now
    for client in 0..<clients {
        group.enter()
        let thread = Thread {
            let result = appendLoop(server: server, client: client, count: appendsPerClient, deadline: deadline)
            results.withLock { $0.append(result) }
            group.leave()
        }
        thread.start()
    }
    group.wait()
    let elapsed = start.duration(to: clock.now)
    let all = results.withLock { $0 }
    if let failure = all.compactMap(\.failure).first { throw LoadFailure(failure) }
    let latencies = all.flatMap(\.latencies).sorted()
    guard !latencies.isEmpty else { throw LoadFailure("no append was confirmed") }
    func percentile(_ p: Double) -> Double { latencies[min(latencies.count - 1, Int(Double(latencies.count) * p))] }
    return LoadFigures(
        clients: clients, appends: latencies.count,
        seconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18,
        p50: percentile(0.50), p99: percentile(0.99), timeouts: all.map(\.timeouts).reduce(0, +))
}

// MARK: - Sync

/// Streams the whole diary over TCP and counts its lines.
func syncOverTCP(server: SocketAddress, expected: Int) throws -> (entries: Int, seconds: Double) {
    let clock = ContinuousClock()
    let start = clock.now
    let connection = try StreamConnection(connectingTo: server, timeout: .seconds(5))
    try connection.setOption(.receiveTimeout, .seconds(10))
    try connection.sendAll(Array("sync\n".utf8))
    var buffer = [UInt8](repeating: 0, count: 65_536)
    var lines = 0
    while lines < expected {
        let count = try connection.receive(into: &buffer)
        guard count > 0 else { break }
        lines += buffer[..<count].reduce(0) { $0 + ($1 == UInt8(ascii: "\n") ? 1 : 0) }
    }
    let elapsed = start.duration(to: clock.now)
    return (lines, Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18)
}

/// Runs the real client's `--sync` (paged, framed UDP) with its output discarded.
func syncWithClient(diary: String, server: SocketAddress) throws -> Double {
    guard case .ipv4(_, let port) = server else { throw LoadFailure("expected an IPv4 server address") }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: diary)
    process.arguments = ["client", "--host", "127.0.0.1", "--port", "\(port)", "--sync"]
    process.standardOutput = FileHandle.nullDevice
    process.standardInput = FileHandle.nullDevice
    let clock = ContinuousClock()
    let start = clock.now
    try process.run()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
        throw LoadFailure("diary client --sync exited with \(process.terminationStatus)")
    }
    let elapsed = start.duration(to: clock.now)
    return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
}

// MARK: - Main

func format(_ value: Double, _ digits: Int = 0) -> String { String(format: "%.\(digits)f", value) }

func main() throws {
    let options = try Options.parse(Array(CommandLine.arguments.dropFirst()))
    let diary = try options.diaryPath ?? buildDiary()
    if let attacks = options.attacks {
        try runAttacks(attacks, diary: diary, quick: options.quick, jsonPath: options.jsonPath)
        return
    }
    let directory = FileManager.default.temporaryDirectory
        .appendingPathComponent("diary-load-\(ProcessInfo.processInfo.processIdentifier)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }

    let server = try Server(diary: diary, file: directory.appendingPathComponent("diary.log"))
    defer { server.stop() }
    print("diary server at \(server.address); file in \(directory.path)")
    print("")
    print("appends (plain-text UDP, each confirmed after fsync)")
    print("clients  confirmed  appends/s  p50 ms  p99 ms  timeouts")
    var loads: [LoadFigures] = []
    var total = 0
    for clients in options.clients {
        let figures = try runLoad(server: server.address, clients: clients, appendsPerClient: options.appendsPerClient)
        total += figures.appends + figures.timeouts
        loads.append(figures)
        print(
            [
                String(clients).padding(toLength: 7, withPad: " ", startingAt: 0),
                String(figures.appends).padding(toLength: 10, withPad: " ", startingAt: 0),
                format(figures.rate).padding(toLength: 10, withPad: " ", startingAt: 0),
                format(figures.p50 * 1e3, 2).padding(toLength: 7, withPad: " ", startingAt: 0),
                format(figures.p99 * 1e3, 2).padding(toLength: 7, withPad: " ", startingAt: 0),
                String(figures.timeouts),
            ].joined(separator: "  "))
    }

    // Fill to the sync size with 32 clients, then sync all of it.
    if total < options.entries {
        let clients = 32
        let each = (options.entries - total + clients - 1) / clients
        let fill = try runLoad(server: server.address, clients: clients, appendsPerClient: each)
        total += fill.appends + fill.timeouts
        print("filled to \(total) entries at \(format(fill.rate)) appends/s")
    }
    // The server may hold a few more than counted (a timed-out append may have landed).
    let tcp = try syncOverTCP(server: server.address, expected: total)
    guard tcp.entries >= total - loads.map(\.timeouts).reduce(0, +) else {
        throw LoadFailure("TCP sync returned \(tcp.entries) lines, expected \(total)")
    }
    let clientSeconds = try syncWithClient(diary: diary, server: server.address)
    print("")
    print("sync of \(tcp.entries) entries")
    print(
        "  TCP `sync` stream:            \(format(tcp.seconds, 3)) s  \(format(Double(tcp.entries) / tcp.seconds)) entries/s"
    )
    print(
        "  diary client --sync (UDP):    \(format(clientSeconds, 3)) s  \(format(Double(tcp.entries) / clientSeconds)) entries/s"
    )

    if let path = options.jsonPath {
        let json: [String: Any] = [
            "appends": loads.map {
                [
                    "clients": $0.clients, "confirmed": $0.appends, "appendsPerSecond": $0.rate,
                    "p50Milliseconds": $0.p50 * 1e3, "p99Milliseconds": $0.p99 * 1e3, "timeouts": $0.timeouts,
                ]
            },
            "sync": [
                "entries": tcp.entries,
                "tcpSeconds": tcp.seconds, "tcpEntriesPerSecond": Double(tcp.entries) / tcp.seconds,
                "clientSeconds": clientSeconds, "clientEntriesPerSecond": Double(tcp.entries) / clientSeconds,
            ],
        ]
        let data = try JSONSerialization.data(withJSONObject: json, options: [.prettyPrinted, .sortedKeys])
        try data.write(to: URL(fileURLWithPath: path))
        print("wrote \(path)")
    }
}

do {
    try main()
} catch {
    FileHandle.standardError.write(Data("diary-load: \(error)\n".utf8))
    exit(1)
}
