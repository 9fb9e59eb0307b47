import Foundation
import NetKit
import Synchronization

// diary-load --attack: the figures of issue 12, measured on the real server.
//
// Each latency attack starts a fresh server (on a 50,000-entry diary), starts one
// attacker from Tests/attack/attack.py (Python; from 127.0.1.x addresses, so the
// normal client at 127.0.0.1 is another host), waits until it is in full swing,
// then times a normal client: plain-text UDP appends and TCP appends, one at a
// time, each waiting for its `ok` (after fsync). A UDP append with no answer in
// 500 ms counts as 500 ms and as a timeout. Everything is bounded: at most 300
// appends per transport and 60 s per attack.

enum AttackKind {
    static let latency = ["none", "slowloris", "syncreaders", "neverread", "flood", "syncflood"]
    static let all = latency + ["amplification", "memory", "growth", "restart", "emfile"]
}

struct Latency {
    var samples: [Double] = []
    var timeouts = 0
    func percentile(_ p: Double) -> Double {
        let sorted = samples.sorted()
        guard !sorted.isEmpty else { return .nan }
        return sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))]
    }
    var maximum: Double { samples.max() ?? .nan }
    var json: [String: Any] {
        func number(_ value: Double) -> Any { value.isNaN ? NSNull() : value }
        return [
            "count": samples.count, "p50Milliseconds": number(percentile(0.5) * 1e3),
            "p99Milliseconds": number(percentile(0.99) * 1e3),
            "maxMilliseconds": number(maximum * 1e3), "timeouts": timeouts,
        ]
    }
    var text: String {
        String(
            format: "p50 %7.2f ms  p99 %7.2f ms  max %7.1f ms  (%d, %d timeouts)",
            percentile(0.5) * 1e3, percentile(0.99) * 1e3, maximum * 1e3, samples.count, timeouts)
    }
}

/// Prints a line at once (also into a pipe or file), so a long run shows its progress.
func say(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}

func seconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) + Double(duration.components.attoseconds) * 1e-18
}

/// Writes `count` entries of `textBytes` bytes as diary lines (escaped control bytes when `control`).
func writeDiaryFile(_ url: URL, count: Int, textBytes: Int, control: Bool = false) throws {
    _ = FileManager.default.createFile(atPath: url.path, contents: nil)
    let handle = try FileHandle(forWritingTo: url)
    defer { try? handle.close() }
    let text = control ? String(repeating: "\\x01", count: textBytes) : String(repeating: "d", count: textBytes)
    var chunk = ""
    for sequence in 1...count {
        chunk += "\(sequence) 2027-01-15T08:00:00.000Z 127.0.0.9:9 - \(text)\n"
        if chunk.utf8.count > 1 << 20 {
            try handle.write(contentsOf: Data(chunk.utf8))
            chunk = ""
        }
    }
    try handle.write(contentsOf: Data(chunk.utf8))
}

/// Whether this `diary` knows the options of issue 12 (the "before" binary does not).
func isHardened(_ diary: String) throws -> Bool {
    try run(diary, ["server", "--help"]).contains("--append-rate")
}

/// One attacker process from Tests/attack/attack.py, running until stopped.
final class Attacker {
    let process = Process()

    init(_ kind: String, port: UInt16, count: Int) throws {
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "python3", repositoryRoot.appendingPathComponent("Tests/attack/attack.py").path,
            "attacker", kind, "--port", "\(port)", "--count", "\(count)", "--seconds", "60",
        ]
        let output = Pipe()
        process.standardOutput = output
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let line = output.fileHandleForReading.readData(ofLength: 6)
        guard String(decoding: line, as: UTF8.self).hasPrefix("ready") else {
            throw LoadFailure("attacker \(kind) did not start")
        }
    }

    func stop() {
        process.terminate()
        let clock = ContinuousClock()
        let deadline = clock.now + .seconds(5)
        while process.isRunning, clock.now < deadline { Thread.sleep(forTimeInterval: 0.01) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }
}

func udpAppends(_ server: SocketAddress, count: Int) throws -> Latency {
    var latency = Latency()
    let socket = try DatagramSocket(family: .ipv4)
    try socket.connect(to: server)
    try socket.setOption(.receiveTimeout, .milliseconds(500))
    var reply = [UInt8](repeating: 0, count: 2048)
    let clock = ContinuousClock()
    for index in 0..<count {
        // Drop late answers to earlier (timed-out) appends: plain text has no ids to tell them apart.
        while (try? reply.withUnsafeMutableBytes { raw in try socket.tryReceive(into: raw) }) ?? nil != nil {}
        let start = clock.now
        _ = try socket.send(Array("normal client entry \(index)".utf8))
        while true {
            do {
                let datagram = try socket.receive(into: &reply)
                guard reply[..<datagram.count].starts(with: "ok".utf8) else { continue }  // a late answer's leftovers
                latency.samples.append(seconds(start.duration(to: clock.now)))
            } catch {
                guard error.isTimeout else { throw error }
                latency.timeouts += 1
                latency.samples.append(0.5)
            }
            break
        }
    }
    return latency
}

func tcpAppends(_ server: SocketAddress, count: Int) throws -> Latency {
    var latency = Latency()
    let clock = ContinuousClock()
    let start = clock.now
    guard let connection = try? StreamConnection(connectingTo: server, timeout: .seconds(5)) else {
        latency.timeouts = count
        return latency
    }
    try connection.setOption(.receiveTimeout, .seconds(5))
    var buffer = [UInt8](repeating: 0, count: 4096)
    _ = start
    for index in 0..<count {
        let begin = clock.now
        try connection.sendAll(Array("tcp entry \(index)\n".utf8))
        var line: [UInt8] = []
        while !line.contains(UInt8(ascii: "\n")) {
            let received = (try? connection.receive(into: &buffer)) ?? 0
            guard received > 0 else { latency.timeouts += count - index; return latency }
            line += buffer[..<received]
        }
        latency.samples.append(seconds(begin.duration(to: clock.now)))
    }
    return latency
}

func procField(_ pid: Int32, _ key: String) -> Double {
    guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return .nan }
    for line in text.split(separator: "\n") where line.hasPrefix(key + ":") {
        return (Double(line.split(separator: " ").dropFirst().first { !$0.isEmpty } ?? "") ?? .nan) / 1024
    }
    return .nan
}

func cpuSeconds(_ pid: Int32) -> Double {
    guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
        let close = text.lastIndex(of: ")")
    else { return .nan }
    let fields = text[text.index(after: close)...].split(separator: " ")
    return (Double(fields[11]) ?? 0) / 100 + (Double(fields[12]) ?? 0) / 100
}

func runAttacks(_ kinds: [String], diary: String, quick: Bool, jsonPath: String?) throws {
    let hardened = try isHardened(diary)
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
        "diary-attack-\(ProcessInfo.processInfo.processIdentifier)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let unlimited = hardened ? ["--append-rate", "0"] : []
    var results: [String: Any] = ["diary": diary, "hardened": hardened]
    let appends = quick ? 100 : 300
    say("diary under attack: \(diary)\(hardened ? "" : " (before issue 12)")")

    for kind in kinds where AttackKind.latency.contains(kind) {
        let file = directory.appendingPathComponent("\(kind).log")
        try writeDiaryFile(file, count: quick ? 10_000 : 50_000, textBytes: 40)
        let server = try Server(diary: diary, file: file)  // as it ships: default limits
        defer { server.stop() }
        guard case .ipv4(_, let port) = server.address else { throw LoadFailure("expected IPv4") }
        let count = ["slowloris": quick ? 500 : 2000, "syncreaders": 4, "neverread": 200][kind] ?? 0
        let attacker = kind == "none" ? nil : try Attacker(kind, port: port, count: count)
        let udp = try udpAppends(server.address, count: appends)
        let tcp = try tcpAppends(server.address, count: appends / 2)
        attacker?.stop()
        say("  \(kind.padding(toLength: 12, withPad: " ", startingAt: 0)) UDP \(udp.text)")
        say("  \("".padding(toLength: 12, withPad: " ", startingAt: 0)) TCP \(tcp.text)")
        results[kind] = ["udp": udp.json, "tcp": tcp.json, "attackers": count]
    }

    if kinds.contains("amplification") {
        let file = directory.appendingPathComponent("amplification.log")
        try writeDiaryFile(file, count: 400, textBytes: 1000, control: true)
        let server = try Server(diary: diary, file: file, options: unlimited)
        defer { server.stop() }
        let socket = try DatagramSocket(family: .ipv4)
        try socket.setOption(.receiveTimeout, .milliseconds(300))
        var buffer = [UInt8](repeating: 0, count: 65536)
        var figures: [String: Any] = [:]
        let framedSync: [UInt8] = [0xFF, 0x44, 1, 2, 0, 0, 0, 0, 0, 0, 0, 7, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0]
        for (name, request) in [("r", Array("r".utf8)), ("sync", Array("sync".utf8)), ("framed sync", framedSync)] {
            try socket.send(request, to: server.address)
            var bytes = 0, datagrams = 0
            while let datagram = try? socket.receive(into: &buffer) { bytes += datagram.count; datagrams += 1 }
            let factor = Double(bytes) / Double(request.count)
            say(
                String(
                    format: "  amplification %-12@ %2d bytes in, %6d bytes in %d datagrams out: %.1fx",
                    name as NSString,
                    request.count, bytes, datagrams, factor))
            figures[name] = [
                "requestBytes": request.count, "replyBytes": bytes, "datagrams": datagrams, "factor": factor,
            ]
        }
        results["amplification"] = figures
    }

    if kinds.contains("memory") {
        let file = directory.appendingPathComponent("memory.log")
        let server = try Server(diary: diary, file: file, options: unlimited)
        defer { server.stop() }
        let count = quick ? 2_000 : 10_000
        let before = procField(server.pid, "VmRSS")
        let connection = try StreamConnection(connectingTo: server.address, timeout: .seconds(5))
        try connection.setOption(.receiveTimeout, .seconds(30))
        let text = String(repeating: "m", count: 4000)
        var buffer = [UInt8](repeating: 0, count: 65536)
        for batch in stride(from: 0, to: count, by: 500) {
            try connection.sendAll(Array((batch..<(batch + 500)).map { "\($0) \(text)\n" }.joined().utf8))
            var newlines = 0
            while newlines < 500 {
                let received = try connection.receive(into: &buffer)
                guard received > 0 else { throw LoadFailure("the server closed the connection") }
                newlines += buffer[..<received].count(where: { $0 == UInt8(ascii: "\n") })
            }
        }
        let after = procField(server.pid, "VmRSS")
        let perEntry = (after - before) * 1024 / Double(count)
        say(
            String(
                format: "  memory: %d entries of 4 KB: RSS %.1f -> %.1f MiB, %.2f KiB per entry", count, before, after,
                perEntry))
        results["memory"] = ["entries": count, "rssBeforeMiB": before, "rssAfterMiB": after, "kibPerEntry": perEntry]
    }

    if kinds.contains("growth") {
        // 4 connections from one host append 4 KB entries as fast as the server answers,
        // with the limits as they ship (the per-host append rate).
        let file = directory.appendingPathComponent("growth.log")
        let server = try Server(diary: diary, file: file)
        defer { server.stop() }
        let window = quick ? 1.0 : 4.0
        let address = server.address
        let text = String(repeating: "g", count: 4000)
        let batch = Array((0..<50).map { "\($0) \(text)\n" }.joined().utf8)
        let counts = Mutex<(stored: Int, refused: Int)>((0, 0))
        let group = DispatchGroup()
        let clock = ContinuousClock()
        let start = clock.now
        let deadline = start + .milliseconds(Int(window * 1000))
        for _ in 0..<4 {
            group.enter()
            Thread {
                defer { group.leave() }
                guard let connection = try? StreamConnection(connectingTo: address, timeout: .seconds(5)),
                    (try? connection.setOption(.receiveTimeout, .seconds(30))) != nil
                else { return }
                var buffer = [UInt8](repeating: 0, count: 65536)
                var pending: [UInt8] = []
                while clock.now < deadline {
                    guard (try? connection.sendAll(batch)) != nil else { return }
                    var lines = 0
                    while lines < 50 {
                        guard let received = try? connection.receive(into: &buffer), received > 0 else { return }
                        pending += buffer[..<received]
                        while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                            let stored = pending.starts(with: Array("ok".utf8))
                            counts.withLock { if stored { $0.stored += 1 } else { $0.refused += 1 } }
                            pending.removeSubrange(...newline)
                            lines += 1
                        }
                    }
                }
            }.start()
        }
        group.wait()
        let (stored, refused) = counts.withLock { ($0.stored, $0.refused) }
        let elapsed = seconds(start.duration(to: clock.now))
        let bytes = Double((try FileManager.default.attributesOfItem(atPath: file.path)[.size] as? Int) ?? 0)
        let rate = bytes / elapsed / 1_048_576
        say(
            String(
                format: "  growth: 4 connections from one host for %.1f s: %.1f MiB/s (%d appends stored, %d refused)",
                elapsed, rate, stored, refused))
        results["growth"] = [
            "seconds": elapsed, "mibPerSecond": rate, "stored": stored, "refused": refused,
        ]
    }

    if kinds.contains("restart") {
        let file = directory.appendingPathComponent("restart.log")
        let entries = quick ? 10_000 : 100_000
        try writeDiaryFile(file, count: entries, textBytes: 4000)
        let size = Double((try FileManager.default.attributesOfItem(atPath: file.path)[.size] as? Int) ?? 0) / 1e6
        let server = try Server(diary: diary, file: file, options: unlimited)
        let peak = procField(server.pid, "VmHWM")
        server.stop()
        say(
            String(
                format: "  restart: %.0f MB diary: first line after %.2f s, peak RSS %.0f MiB", size,
                server.firstLineSeconds, peak))
        results["restart"] = ["megabytes": size, "seconds": server.firstLineSeconds, "peakMiB": peak]
    }

    if kinds.contains("emfile") {
        let file = directory.appendingPathComponent("emfile.log")
        let server = try Server(
            diary: diary, file: file, options: unlimited, launcher: ["/usr/bin/prlimit", "--nofile=64:64", "--"])
        defer { server.stop() }
        guard case .ipv4(_, let port) = server.address else { throw LoadFailure("expected IPv4") }
        let attacker = try Attacker("connflood", port: port, count: 200)
        let clock = ContinuousClock()
        let start = clock.now, before = cpuSeconds(server.pid)
        let udp = try udpAppends(server.address, count: 20)
        Thread.sleep(forTimeInterval: 2)
        let share = (cpuSeconds(server.pid) - before) / seconds(start.duration(to: clock.now))
        attacker.stop()
        say(
            String(
                format: "  EMFILE: 200 connections at RLIMIT_NOFILE 64: server CPU %.1f %%, UDP append %@", share * 100,
                udp.text as NSString))
        results["emfile"] = ["cpuPercent": share * 100, "udp": udp.json]
    }

    if let jsonPath {
        let data = try JSONSerialization.data(withJSONObject: results, options: [.prettyPrinted, .sortedKeys])
        try data.write(to: URL(fileURLWithPath: jsonPath))
        say("wrote \(jsonPath)")
    }
}

