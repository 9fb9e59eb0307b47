import CBaseline
import MallocCounter
#if canImport(Glibc)
import Glibc
#endif

// netkit-bench: NetKit against a C baseline (same system calls) and SwiftNIO on
// IPv4 loopback. Runs every implementation of a workload in turn (C, NetKit, NIO,
// C, NetKit, NIO, ...) so drift hits all of them alike, and reports the median,
// min and max of each and the ratios of the medians.
//
//   netkit-bench [--quick] [--async] [--json FILE] [--seconds S] [--repetitions N] [--filter TEXT] [--stacks A,B]
//   netkit-bench --profile c|netkit --workload w1|w1c|w2|w2c|w2m --count N   (one bounded run, for callgrind)
//   netkit-bench --profile STACK --workload a1|a2 --count N   (an async-section stack, for strace/callgrind)
//
// Internal modes of the async section (A3/A4), started by the harness itself:
//   netkit-bench --serve STACK tcp|udp                 (the server process)
//   netkit-bench --load tcp|udp PORT CONNECTIONS SECONDS   (the C epoll load generator)

struct Options {
    var quick = false
    /// Only the async section (A1-A4).
    var asyncOnly = false
    /// Async section: only these stacks (and the C floor every ratio needs).
    var stacks: [AsyncStack]?
    /// Async section repetitions: `--repetitions` when given, else 5 (1 with `--quick`);
    /// one repetition of every stack and row takes about 30 s.
    var asyncRepetitions = 5
    var jsonPath: String?
    var seconds = 0.5
    var repetitions = 9
    var filter: String?
    var profile: String?
    var profileWorkload = "w1"
    var profileCount: UInt64 = 10_000

    static func parse(_ arguments: [String]) throws -> Options {
        var options = Options()
        var secondsGiven = false, repetitionsGiven = false
        var iterator = arguments.makeIterator()
        func value(_ flag: String) throws -> String {
            guard let next = iterator.next() else { throw BenchmarkFailure("\(flag) needs a value") }
            return next
        }
        while let argument = iterator.next() {
            switch argument {
            case "--quick": options.quick = true
            case "--async": options.asyncOnly = true
            case "--stacks":
                let names = try value(argument).split(separator: ",").map(String.init)
                options.stacks = try names.map { name in
                    guard let stack = AsyncStack(rawValue: name) else {
                        throw BenchmarkFailure(
                            "--stacks takes \(AsyncStack.allCases.map(\.rawValue).joined(separator: ","))")
                    }
                    return stack
                }
            case "--json": options.jsonPath = try value(argument)
            case "--seconds":
                guard let s = Double(try value(argument)), s > 0, s <= 60 else {
                    throw BenchmarkFailure("--seconds takes 0 < S <= 60")
                }
                options.seconds = s; secondsGiven = true
            case "--repetitions":
                guard let n = Int(try value(argument)), n > 0, n <= 100 else {
                    throw BenchmarkFailure("--repetitions takes 1...100")
                }
                options.repetitions = n; repetitionsGiven = true
            case "--filter": options.filter = try value(argument)
            case "--profile": options.profile = try value(argument)
            case "--workload": options.profileWorkload = try value(argument)
            case "--count":
                guard let n = UInt64(try value(argument)), n > 0, n <= 10_000_000 else {
                    throw BenchmarkFailure("--count takes 1...10000000")
                }
                options.profileCount = n
            case "--help", "-h":
                print(
                    "usage: netkit-bench [--quick] [--async] [--json FILE] [--seconds S] [--repetitions N] [--filter TEXT] [--stacks A,B]"
                )
                print("       netkit-bench --profile c|netkit --workload w1|w1c|w2|w2c|w2m --count N")
                print(
                    "       netkit-bench --profile \(AsyncStack.allCases.map(\.rawValue).joined(separator: "|")) --workload a1|a2 --count N"
                )
                exit(0)
            default: throw BenchmarkFailure("unknown argument \(argument)")
            }
        }
        if options.quick {
            if !secondsGiven { options.seconds = 0.03 }
            if !repetitionsGiven { options.repetitions = 1 }
        }
        options.asyncRepetitions = repetitionsGiven || options.quick ? options.repetitions : 5
        return options
    }
}

/// A row of the table: one workload, run by two or three implementations.
struct Row {
    var name: String
    var group: String
    var c: () throws -> Sample
    var netkit: () throws -> Sample
    var nio: (() throws -> Sample)?
    var cSamples: [Sample] = []
    var netkitSamples: [Sample] = []
    var nioSamples: [Sample] = []
    var skipped: String?
}

func rows(_ options: Options) -> [Row] {
    let s = options.seconds
    let maxTrips: UInt64 = 50_000_000
    var rows: [Row] = []
    for (pin, label) in [(Int32?.none, "unpinned"), (Int32?(0), "pinned to CPU 0")] {
        rows.append(
            Row(
                name: "W1 ping-pong 64 B, sendto/recvfrom, \(label)", group: "W1",
                c: { Sample(cb_pingpong(Int32(CB_MODE_SENDTO), 64, s, maxTrips, pin ?? -1)) },
                netkit: {
                    try NetKitWorkloads.pingPong(
                        mode: .sendTo, size: 64, seconds: s, maxRoundTrips: maxTrips, pinCPU: pin)
                },
                nio: { try NIOWorkloads.pingPong(size: 64, seconds: s, maxRoundTrips: maxTrips, pinCPU: pin) }))
        rows.append(
            Row(
                name: "W1 ping-pong 64 B, send/recv connected, \(label)", group: "W1",
                c: { Sample(cb_pingpong(Int32(CB_MODE_CONNECTED), 64, s, maxTrips, pin ?? -1)) },
                netkit: {
                    try NetKitWorkloads.pingPong(
                        mode: .connected, size: 64, seconds: s, maxRoundTrips: maxTrips, pinCPU: pin)
                },
                nio: nil))
    }
    let maxDatagrams: UInt64 = 500_000_000
    for size in [64, 1472] {
        for (mode, batch) in [(Mode.sendTo, 1), (.connected, 1), (.mmsg, 32), (.mmsg, 64)] {
            let label = mode == .mmsg ? "\(mode.rawValue) batch \(batch)" : mode.rawValue
            let nio: (() throws -> Sample)? =
                mode == .mmsg
                ? {
                    try NIOWorkloads.blast(size: size, batch: batch, gso: false, seconds: s, maxDatagrams: maxDatagrams)
                } : nil
            rows.append(
                Row(
                    name: "W2 blast \(size) B, \(label)", group: "W2",
                    c: { Sample(cb_blast(mode.cValue, Int32(size), Int32(batch), s, maxDatagrams)) },
                    netkit: {
                        try NetKitWorkloads.blast(
                            mode: mode, size: size, batch: batch, seconds: s, maxDatagrams: maxDatagrams)
                    },
                    nio: nio))
        }
    }
    let gso = Row(
        name: "W2 blast 1472 B, GSO/GRO (44 segments per send)", group: "W2",
        c: { Sample(cb_blast(Mode.gso.cValue, 1472, 44, s, maxDatagrams)) },
        netkit: {
            try NetKitWorkloads.blast(mode: .gso, size: 1472, batch: 44, seconds: s, maxDatagrams: maxDatagrams)
        },
        nio: { try NIOWorkloads.blast(size: 1472, batch: 44, gso: true, seconds: s, maxDatagrams: maxDatagrams) })
    let gsoBatch = Row(
        name: "W2 blast 1472 B, GSO/GRO + sendmmsg (4 × 44 segments)", group: "W2",
        c: { Sample(cb_blast(Mode.gsoBatch.cValue, 1472, 44, s, maxDatagrams)) },
        netkit: {
            try NetKitWorkloads.blast(mode: .gsoBatch, size: 1472, batch: 44, seconds: s, maxDatagrams: maxDatagrams)
        },
        nio: {
            try NIOWorkloads.blast(
                size: 1472, batch: 44, gso: true, gsoPerFlush: Int(CB_GSO_PER_CALL),
                seconds: s, maxDatagrams: maxDatagrams)
        })
    for index in [0, 1] {
        var row = index == 0 ? gso : gsoBatch
        if cb_gso_supported() == 0 {
            row.skipped = "the running kernel lacks UDP_SEGMENT/UDP_GRO"
        } else if !Offload.isSupported {
            row.skipped = "NetKit's GSO/GRO path is not available"
        }
        rows.append(row)
    }
    if let filter = options.filter { rows = rows.filter { $0.name.contains(filter) } }
    return rows
}

// MARK: - Running

func runBenchmarks(_ options: Options) throws {
    let started = now()
    var table = options.asyncOnly ? [] : rows(options)
    if !options.asyncOnly {
        print(
            "netkit-bench: \(table.count) workloads, \(options.repetitions) repetition(s) of \(options.seconds) s each, interleaved C / NetKit / NIO"
        )
    }
    print("allocation counting: \(mc_is_active() != 0 ? "on (malloc hook)" : "off (no glibc)")")
    for repetition in 0..<(table.isEmpty ? 0 : options.repetitions) {
        for index in table.indices where table[index].skipped == nil {
            do {
                table[index].cSamples.append(try table[index].c())
                table[index].netkitSamples.append(try table[index].netkit())
                if let nio = table[index].nio { table[index].nioSamples.append(try nio()) }
            } catch {
                table[index].skipped = "failed: \(error)"
            }
        }
        if options.repetitions > 1 { print("  repetition \(repetition + 1)/\(options.repetitions) done") }
    }

    var text: [(String, Double, Double)] = []
    let iterations: UInt64 = options.quick ? 20_000 : 2_000_000
    for kind in AddressText.kinds
    where !options.asyncOnly && (options.filter.map({ kind.contains($0) || "address".contains($0) }) ?? true) {
        var netkit: [Double] = [], c: [Double] = []
        for _ in 0..<options.repetitions {
            let result = AddressText.run(kind, iterations: iterations)
            netkit.append(result.netkit)
            c.append(result.c)
        }
        text.append((kind, Summary(netkit)!.median, Summary(c)!.median))
    }

    if !table.isEmpty || !text.isEmpty { Report.printTable(table, text: text) }
    let asyncTable = try AsyncSection.run(options)
    AsyncSection.printTable(asyncTable)
    if let path = options.jsonPath {
        try Report.writeJSON(table, text: text, asyncSection: AsyncSection.json(asyncTable), options: options, to: path)
        print("wrote \(path)")
    }
    print("total \(fixed(now() - started, 1)) s")
    let failed = table.filter { $0.skipped?.hasPrefix("failed") == true }
    let asyncFailed = asyncTable.reduce(0) { $0 + $1.failures.count }
    if !failed.isEmpty || asyncFailed > 0 { throw BenchmarkFailure("\(failed.count + asyncFailed) workload(s) failed") }
}

func runProfile(_ options: Options) throws {
    let count = options.profileCount
    let sample: Sample
    switch (options.profile, options.profileWorkload) {
    case ("c", "w1"): sample = Sample(cb_pingpong(Int32(CB_MODE_SENDTO), 64, 600, count, -1))
    case ("netkit", "w1"):
        sample = try NetKitWorkloads.pingPong(mode: .sendTo, size: 64, seconds: 600, maxRoundTrips: count, pinCPU: nil)
    case ("c", "w2"): sample = Sample(cb_blast(Int32(CB_MODE_SENDTO), 64, 1, 600, count))
    case ("netkit", "w2"):
        sample = try NetKitWorkloads.blast(mode: .sendTo, size: 64, batch: 1, seconds: 600, maxDatagrams: count)
    case ("c", "w1c"): sample = Sample(cb_pingpong(Int32(CB_MODE_CONNECTED), 64, 600, count, -1))
    case ("netkit", "w1c"):
        sample = try NetKitWorkloads.pingPong(
            mode: .connected, size: 64, seconds: 600, maxRoundTrips: count, pinCPU: nil)
    case ("c", "w2c"): sample = Sample(cb_blast(Int32(CB_MODE_CONNECTED), 64, 1, 600, count))
    case ("netkit", "w2c"):
        sample = try NetKitWorkloads.blast(mode: .connected, size: 64, batch: 1, seconds: 600, maxDatagrams: count)
    case ("c", "w2m"): sample = Sample(cb_blast(Int32(CB_MODE_MMSG), 64, 32, 600, count))
    case ("netkit", "w2m"):
        sample = try NetKitWorkloads.blast(mode: .mmsg, size: 64, batch: 32, seconds: 600, maxDatagrams: count)
    case (let stack?, let workload) where workload == "a1" || workload == "a2":
        guard let stack = AsyncStack(rawValue: stack) else { throw BenchmarkFailure("--profile: no stack \(stack)") }
        let result = try stack.pingPong(tcp: workload == "a2", seconds: 600, maxRoundTrips: count)
        sample = Sample(seconds: result.seconds, datagrams: result.trips, bytes: result.trips * 64, sent: result.trips)
    default:
        throw BenchmarkFailure(
            "--profile takes c or netkit, --workload w1, w1c, w2, w2c or w2m (or an async stack with a1 or a2)")
    }
    print(
        "\(options.profile!) \(options.profileWorkload): \(sample.datagrams) datagrams (\(sample.sent) sent) in \(sample.seconds) s"
    )
}

// The async section's helper processes.
if CommandLine.arguments.count >= 2, CommandLine.arguments[1] == "--load" {
    var arguments = CommandLine.arguments.dropFirst().map { strdup($0) }
    let status = arguments.withUnsafeMutableBufferPointer { cb_load_main(Int32($0.count), $0.baseAddress) }
    exit(status)
}
if CommandLine.arguments.count == 4, CommandLine.arguments[1] == "--serve" {
    do {
        guard let stack = AsyncStack(rawValue: CommandLine.arguments[2]) else {
            throw BenchmarkFailure("no stack \(CommandLine.arguments[2])")
        }
        try stack.serve(tcp: CommandLine.arguments[3] == "tcp")
    } catch {
        print("error \(error)")
        exit(1)
    }
}

do {
    let options = try Options.parse(Array(CommandLine.arguments.dropFirst()))
    if options.profile != nil { try runProfile(options) } else { try runBenchmarks(options) }
} catch {
    print("netkit-bench: \(error)")
    exit(1)
}
