import CBaseline
import MallocCounter
#if canImport(Glibc)
import Glibc
#endif

// The async section (issue 10): A1 UDP ping-pong, A2 TCP ping-pong (pinned and
// unpinned), A3 a TCP echo server under 100 and 1,000 connections, A4 a UDP
// server answering 100 peers; 64-byte messages over IPv4 loopback. Every stack
// of a row runs in turn, repetition after repetition, and every ratio is to the
// C epoll floor of the same run.

/// The stacks, in the order they run and print.
enum AsyncStack: String, CaseIterable, Sendable {
    case cEpoll = "c-epoll"
    case cBlocking = "c-blocking"
    case netkitLoop = "netkit-loop"
    case netkitPool = "netkit-pool"
    case nioHandler = "nio-handler"
    case nioAsync = "nio-async"
    case flyingSocks = "flyingsocks"

    var label: String {
        switch self {
        case .cEpoll: "C epoll (floor)"
        case .cBlocking: "C blocking"
        case .netkitLoop: "NetKit async, loop executor"
        case .netkitPool: "NetKit async, global pool"
        case .nioHandler: "SwiftNIO ChannelHandler"
        case .nioAsync: "SwiftNIO NIOAsyncChannel"
        case .flyingSocks: "FlyingSocks AsyncSocket"
        }
    }

    /// A1/A2: one bounded ping-pong in this process.
    func pingPong(tcp: Bool, seconds: Double, maxRoundTrips: UInt64) throws -> AsyncSample {
        let size = 64
        switch self {
        case .cEpoll, .cBlocking:
            // C allocates nothing per round trip; the figure is the whole call's allocations (threads) per trip.
            let before = mc_allocations()
            var sample = AsyncSample(
                self == .cEpoll
                    ? cb_async_pingpong_epoll(tcp ? 1 : 0, Int32(size), seconds, maxRoundTrips)
                    : cb_async_pingpong_blocking(tcp ? 1 : 0, Int32(size), seconds, maxRoundTrips))
            if mc_is_active() != 0, sample.trips > 0 {
                sample.allocationsPerTrip = Double(mc_allocations() - before) / Double(sample.trips)
            }
            return sample
        case .netkitLoop:
            return try AsyncNetKit.pingPong(
                onLoop: true, tcp: tcp, size: size, seconds: seconds, maxRoundTrips: maxRoundTrips)
        case .netkitPool:
            return try AsyncNetKit.pingPong(
                onLoop: false, tcp: tcp, size: size, seconds: seconds, maxRoundTrips: maxRoundTrips)
        case .nioHandler:
            return try AsyncNIO.pingPongHandlers(tcp: tcp, size: size, seconds: seconds, maxRoundTrips: maxRoundTrips)
        case .nioAsync:
            return try AsyncNIO.pingPongAsync(tcp: tcp, size: size, seconds: seconds, maxRoundTrips: maxRoundTrips)
        case .flyingSocks:
            return try AsyncFlyingSocks.pingPong(tcp: tcp, size: size, seconds: seconds, maxRoundTrips: maxRoundTrips)
        }
    }

    /// A3/A4: the server process's body (`--serve STACK tcp|udp`); never returns.
    func serve(tcp: Bool) throws -> Never {
        _ = cb_server_control_start(mc_allocations)
        switch self {
        case .cEpoll, .cBlocking:
            var port: Int32 = 0
            let fd = tcp ? cb_listen_tcp(4096, &port) : cb_bind_udp(&port)
            guard fd >= 0 else { throw BenchmarkFailure("cannot open the server socket") }
            cb_announce_port(port)
            switch (self, tcp) {
            case (.cEpoll, true): cb_serve_tcp_epoll(fd)
            case (.cEpoll, false): cb_serve_udp_epoll(fd)
            case (_, true): cb_serve_tcp_threads(fd)
            default: cb_serve_udp_blocking(fd)
            }
            throw BenchmarkFailure("the C server stopped")
        case .netkitLoop: try AsyncNetKit.serve(onLoop: true, tcp: tcp)
        case .netkitPool: try AsyncNetKit.serve(onLoop: false, tcp: tcp)
        case .nioHandler: try AsyncNIO.serveHandlers(tcp: tcp)
        case .nioAsync: try AsyncNIO.serveAsync(tcp: tcp)
        case .flyingSocks: try AsyncFlyingSocks.serve(tcp: tcp)
        }
    }
}

struct AsyncRow {
    var name: String
    var group: String
    var stacks: [AsyncStack]
    var run: (AsyncStack) throws -> AsyncSample
    var samples: [AsyncStack: [AsyncSample]] = [:]
    var failures: [AsyncStack: String] = [:]
}

enum AsyncSection {
    static func rows(_ options: Options) -> [AsyncRow] {
        let s = options.seconds
        let maxTrips: UInt64 = 50_000_000
        let all = AsyncStack.allCases
        // The quick slice (CI): A1/A2 unpinned, A3 at 100 connections, A4; C floor, NetKit, NIOAsyncChannel.
        let quickStacks: [AsyncStack] = [.cEpoll, .netkitLoop, .netkitPool, .nioAsync]
        var rows: [AsyncRow] = []
        for (pin, label) in [(Int32?.none, "unpinned"), (Int32?(0), "pinned to CPU 0")] {
            if options.quick && pin != nil { continue }
            for tcp in [false, true] {
                let name = tcp ? "A2 TCP ping-pong 64 B, \(label)" : "A1 UDP ping-pong 64 B, \(label)"
                rows.append(
                    AsyncRow(name: name, group: tcp ? "A2" : "A1", stacks: options.quick ? quickStacks : all) { stack in
                        try withPinning(pin) { try stack.pingPong(tcp: tcp, seconds: s, maxRoundTrips: maxTrips) }
                    })
            }
        }
        let serverSeconds = options.quick ? 0.1 : s
        let serverStacks: [AsyncStack] = options.quick ? [.cEpoll, .netkitLoop] : all
        for connections in options.quick ? [100] : [100, 1000] {
            rows.append(
                AsyncRow(name: "A3 TCP echo server, \(connections) connections", group: "A3", stacks: serverStacks) {
                    stack in
                    try serverUnderLoad(
                        stack: stack.rawValue, tcp: true, connections: connections, seconds: serverSeconds)
                })
        }
        rows.append(
            AsyncRow(name: "A4 UDP server, 100 peers", group: "A4", stacks: serverStacks) { stack in
                try serverUnderLoad(stack: stack.rawValue, tcp: false, connections: 100, seconds: serverSeconds)
            })
        if let filter = options.filter { rows = rows.filter { $0.name.contains(filter) || $0.group == filter } }
        if let only = options.stacks {
            rows = rows.map {
                var row = $0; row.stacks = row.stacks.filter { only.contains($0) || $0 == .cEpoll }; return row
            }
        }
        return rows
    }

    static func run(_ options: Options) throws -> [AsyncRow] {
        var table = rows(options)
        guard !table.isEmpty else { return table }
        print("")
        print(
            "async section: \(table.count) workloads, \(options.asyncRepetitions) repetition(s) of \(options.seconds) s, stacks interleaved; A3/A4 servers in their own process under the C epoll load process"
        )
        for repetition in 0..<options.asyncRepetitions {
            for index in table.indices {
                for stack in table[index].stacks where table[index].failures[stack] == nil {
                    do {
                        table[index].samples[stack, default: []].append(try table[index].run(stack))
                    } catch {
                        table[index].failures[stack] = "\(error)"
                    }
                }
            }
            if options.asyncRepetitions > 1 {
                print("  async repetition \(repetition + 1)/\(options.asyncRepetitions) done")
            }
        }
        return table
    }

    // MARK: - Report

    static func summary(_ samples: [AsyncSample]?) -> Summary? { samples.flatMap { Summary($0.map(\.rate)) } }

    static func ratio(_ row: AsyncRow, _ stack: AsyncStack, to base: AsyncStack = .cEpoll) -> Double? {
        guard let a = summary(row.samples[stack]), let b = summary(row.samples[base]), b.median > 0 else { return nil }
        return a.median / b.median
    }

    /// The median of per-repetition ratios (each run against the base's run of the same repetition).
    static func paired(_ row: AsyncRow, _ stack: AsyncStack, to base: AsyncStack = .cEpoll) -> Double? {
        guard let a = row.samples[stack], let b = row.samples[base] else { return nil }
        return Summary(zip(a, b).compactMap { $1.rate > 0 ? $0.rate / $1.rate : nil })?.median
    }

    static func worstAllocations(_ samples: [AsyncSample]?) -> Double? {
        samples?.compactMap(\.allocationsPerTrip).max()
    }
    static func medianRSS(_ samples: [AsyncSample]?) -> Double? {
        samples.flatMap { Summary($0.compactMap(\.rssKiB))?.median }
    }
    /// RSS under load less RSS before the first connection: what the connections and the stack's loop cost.
    static func medianGrowth(_ samples: [AsyncSample]?) -> Double? {
        samples.flatMap {
            Summary($0.compactMap { s in s.rssKiB.flatMap { rss in s.idleRSSKiB.map { rss - $0 } } })?.median
        }
    }
    static func medianCPU(_ samples: [AsyncSample]?) -> Double? {
        samples.flatMap { Summary($0.compactMap(\.cpuMicrosecondsPerTrip))?.median }
    }
    static func worstSpread(_ samples: [AsyncSample]?) -> Double? { samples?.compactMap(\.spread).max() }
    static func worstSpread90(_ samples: [AsyncSample]?) -> Double? { samples?.compactMap(\.spread90).max() }

    static func printTable(_ table: [AsyncRow]) {
        guard !table.isEmpty else { return }
        print("")
        print(
            "Async section: round trips per second, median (min–max) over the repetitions; /C: ratio of medians to the C epoll floor"
        )
        print(
            "(paired: median of per-repetition ratios); alloc/rt: worst allocations per round trip (A3/A4: in the server process);"
        )
        print(
            "RSS: server process VmRSS under load, MiB (+ growth over the idle server); cpu µs/rt: the server process's CPU time per round trip;"
        )
        print(
            "spread: busiest / idlest connection's round trips, worst run (A3), and p90 / p10 of them. A3/A4 rates are bounded by the one-core C load process as well as the server."
        )
        for row in table {
            print("")
            print(row.name)
            for stack in row.stacks {
                if let failure = row.failures[stack], row.samples[stack] == nil {
                    print("  " + pad(stack.label, 30) + "failed: \(failure)")
                    continue
                }
                let rates = summary(row.samples[stack])
                var line = "  " + pad(stack.label, 30) + pad(Report.cell(rates), 28)
                line += pad(ratio(row, stack).map { fixed($0, 2) } ?? "-", 6, right: true)
                line += pad(paired(row, stack).map { "(" + fixed($0, 2) + ")" } ?? "", 8, right: true)
                line += pad(
                    "alloc/rt " + (worstAllocations(row.samples[stack]).map { fixed($0, 3) } ?? "-"), 16, right: true)
                if row.group == "A3" || row.group == "A4" {
                    line += pad(
                        "RSS " + (medianRSS(row.samples[stack]).map { fixed($0 / 1024, 1) } ?? "-")
                            + " (+" + (medianGrowth(row.samples[stack]).map { fixed($0 / 1024, 1) } ?? "-") + ")", 20,
                        right: true)
                }
                if row.group == "A3" || row.group == "A4" {
                    line += pad(
                        "cpu µs/rt " + (medianCPU(row.samples[stack]).map { fixed($0, 2) } ?? "-"), 16, right: true)
                }
                if row.group == "A3" {
                    line += pad(
                        "spread " + (worstSpread(row.samples[stack]).map { fixed($0, 2) } ?? "-")
                            + " (p90/p10 " + (worstSpread90(row.samples[stack]).map { fixed($0, 2) } ?? "-") + ")", 28,
                        right: true)
                }
                if row.group == "A4", let lost = row.samples[stack]?.compactMap(\.lost).reduce(0, +), lost > 0 {
                    line += "  resent \(lost)"
                }
                print(line)
                if let failure = row.failures[stack] { print("    (later run failed: \(failure))") }
            }
        }
        let checks = targets(table)
        if !checks.isEmpty {
            print("")
            print("Async targets (NetKit on its loop executor):")
            for check in checks { print("  " + (check.pass ? "pass  " : "MISS  ") + check.text) }
            print("  (≤ 3 system calls per message per end: Benchmarks/async-profile.sh, strace -f -c)")
        }
    }

    struct Check { var pass: Bool; var text: String }

    static func targets(_ table: [AsyncRow]) -> [Check] {
        var checks: [Check] = []
        let nk = AsyncStack.netkitLoop
        for row in table where row.samples[nk] != nil {
            let vsC = ratio(row, nk)
            switch row.group {
            case "A1", "A2":
                if let vsC {
                    checks.append(Check(pass: vsC >= 0.8, text: "\(row.name): \(fixed(vsC, 2)) × C epoll (≥ 0.8)"))
                }
                if let vsNIO = ratio(row, nk, to: .nioAsync) {
                    checks.append(
                        Check(pass: vsNIO >= 5, text: "\(row.name): \(fixed(vsNIO, 2)) × NIOAsyncChannel (≥ 5)"))
                }
            default:
                if let vsC {
                    checks.append(Check(pass: vsC >= 0.9, text: "\(row.name): \(fixed(vsC, 2)) × C epoll (≥ 0.9)"))
                }
                let nioRSS = [medianRSS(row.samples[.nioHandler]), medianRSS(row.samples[.nioAsync])].compactMap { $0 }
                    .min()
                if let rss = medianRSS(row.samples[nk]), let nioRSS {
                    checks.append(
                        Check(
                            pass: rss <= nioRSS,
                            text:
                                "\(row.name): RSS \(fixed(rss / 1024, 1)) MiB vs NIO's \(fixed(nioRSS / 1024, 1)) MiB (no larger)"
                        ))
                }
                if row.group == "A3", let spread = worstSpread(row.samples[nk]) {
                    checks.append(
                        Check(pass: spread <= 1.5, text: "\(row.name): fairness max/min \(fixed(spread, 2)) (≤ 1.5)"))
                }
            }
            if let allocations = worstAllocations(row.samples[nk]) {
                checks.append(
                    Check(
                        pass: allocations < 0.01,
                        text: "\(row.name): \(fixed(allocations, 3)) allocations per round trip (0)"))
            }
        }
        return checks
    }

    // MARK: - JSON

    static func json(_ table: [AsyncRow]) -> String {
        var rows: [String] = []
        for row in table {
            var stacks: [String] = []
            for stack in row.stacks {
                let samples = row.samples[stack] ?? []
                var fields = ["\"stack\": \"\(stack.rawValue)\""]
                fields.append(
                    "\"round_trips_per_second\": \(Report.json(summary(samples), samples.map { Sample(seconds: $0.seconds, datagrams: $0.trips, bytes: 0, sent: 0) }))"
                )
                fields.append("\"ratio_c_epoll\": \(ratio(row, stack).map { fixed($0, 3) } ?? "null")")
                fields.append("\"paired_ratio_c_epoll\": \(paired(row, stack).map { fixed($0, 3) } ?? "null")")
                fields.append(
                    "\"allocations_per_round_trip\": \(worstAllocations(samples).map { fixed($0, 4) } ?? "null")")
                if row.group == "A3" || row.group == "A4" {
                    fields.append("\"server_rss_kib\": \(medianRSS(samples).map { fixed($0, 0) } ?? "null")")
                    fields.append(
                        "\"server_cpu_us_per_round_trip\": \(medianCPU(samples).map { fixed($0, 3) } ?? "null")")
                    fields.append("\"server_rss_growth_kib\": \(medianGrowth(samples).map { fixed($0, 0) } ?? "null")")
                    fields.append(
                        "\"spread_max_over_min\": \(worstSpread(samples).map { $0.isFinite ? fixed($0, 3) : "null" } ?? "null")"
                    )
                    fields.append("\"spread_p90_over_p10\": \(worstSpread90(samples).map { fixed($0, 3) } ?? "null")")
                }
                if let failure = row.failures[stack] { fields.append("\"failed\": \"\(Report.escape(failure))\"") }
                stacks.append("        {" + fields.joined(separator: ", ") + "}")
            }
            rows.append(
                "    {\"name\": \"\(Report.escape(row.name))\", \"group\": \"\(row.group)\", \"stacks\": [\n"
                    + stacks.joined(separator: ",\n") + "\n    ]}")
        }
        let checks = targets(table).map { "    {\"pass\": \($0.pass), \"target\": \"\(Report.escape($0.text))\"}" }
        return "\"async_workloads\": [\n" + rows.joined(separator: ",\n") + "\n  ],\n  \"async_targets\": [\n"
            + checks.joined(separator: ",\n") + "\n  ]"
    }
}
