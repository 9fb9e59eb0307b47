import CBaseline
import MallocCounter
#if canImport(Glibc)
import Glibc
#endif

/// `value` with `digits` decimals (no Foundation).
func fixed(_ value: Double, _ digits: Int) -> String {
    guard value.isFinite else { return "-" }
    var scale = 1.0
    for _ in 0..<digits { scale *= 10 }
    let rounded = (abs(value) * scale).rounded()
    let whole = Int(rounded / scale)
    var text = (value < 0 && rounded > 0 ? "-" : "") + String(whole)
    if digits > 0 {
        let fraction = Int(rounded - Double(whole) * scale)
        let digitsText = String(fraction)
        text += "." + String(repeating: "0", count: digits - digitsText.count) + digitsText
    }
    return text
}

/// A rate as `123.4k` or `1.23M`.
func rate(_ value: Double) -> String {
    if value >= 1e6 { return fixed(value / 1e6, 2) + "M" }
    if value >= 1e3 { return fixed(value / 1e3, 1) + "k" }
    return fixed(value, 0)
}

func pad(_ text: String, _ width: Int, right: Bool = false) -> String {
    let count = text.count
    guard count < width else { return text }
    let padding = String(repeating: " ", count: width - count)
    return right ? padding + text : text + padding
}

enum Report {
    static func rates(_ samples: [Sample]) -> Summary? { Summary(samples.map(\.rate)) }

    static func cell(_ summary: Summary?) -> String {
        guard let summary else { return "-" }
        return "\(rate(summary.median)) (\(rate(summary.min))–\(rate(summary.max)))"
    }

    static func ratio(_ a: Summary?, _ b: Summary?) -> String {
        guard let a, let b, b.median > 0 else { return "-" }
        return fixed(a.median / b.median, 2)
    }

    /// The median of the per-repetition ratios (each NetKit run against the run right before it).
    static func pairedRatio(_ a: [Sample], _ b: [Sample]) -> Double? {
        let ratios = zip(a, b).compactMap { $1.rate > 0 ? $0.rate / $1.rate : nil }
        return Summary(ratios)?.median
    }

    static func allocations(_ samples: [Sample]) -> String {
        let values = samples.compactMap(\.allocationsPerDatagram)
        guard let worst = values.max() else { return "-" }
        return fixed(worst, 3)
    }

    static func printTable(_ table: [Row], text: [(String, Double, Double)]) {
        print("")
        print("Datagrams per second received (W1: round trips per second); median (min–max) over the repetitions.")
        print("nk/c, nk/nio: ratio of the medians; paired: median of the per-repetition ratios (adjacent runs).")
        print(
            pad("workload", 56) + pad("C", 26) + pad("NetKit", 26) + pad("nk/c", 6, right: true)
                + pad("paired", 8, right: true)
                + "  " + pad("SwiftNIO", 26) + pad("nk/nio", 7, right: true) + pad("paired", 8, right: true)
                + pad("alloc/dg", 10, right: true)
                + pad("NK MB/s", 9, right: true) + pad("loss C/NK %", 13, right: true))
        for row in table {
            if let skipped = row.skipped, row.cSamples.isEmpty {
                print(pad(row.name, 56) + "skipped: \(skipped)")
                continue
            }
            let c = rates(row.cSamples), netkit = rates(row.netkitSamples), nio = rates(row.nioSamples)
            let megabytes = Summary(row.netkitSamples.map(\.megabytesPerSecond)).map { fixed($0.median, 1) } ?? "-"
            let loss =
                row.group == "W2"
                ? fixed(Summary(row.cSamples.map(\.lossPercent))?.median ?? 0, 1) + "/"
                    + fixed(Summary(row.netkitSamples.map(\.lossPercent))?.median ?? 0, 1)
                : "-"
            let pairedC = pairedRatio(row.netkitSamples, row.cSamples).map { fixed($0, 2) } ?? "-"
            let pairedNIO = pairedRatio(row.netkitSamples, row.nioSamples).map { fixed($0, 2) } ?? "-"
            print(
                pad(row.name, 56) + pad(cell(c), 26) + pad(cell(netkit), 26) + pad(ratio(netkit, c), 6, right: true)
                    + pad(pairedC, 8, right: true)
                    + "  " + pad(cell(nio), 26) + pad(ratio(netkit, nio), 7, right: true)
                    + pad(pairedNIO, 8, right: true)
                    + pad(allocations(row.netkitSamples), 10, right: true) + pad(megabytes, 9, right: true)
                    + pad(loss, 13, right: true))
            if let skipped = row.skipped { print("    (\(skipped))") }
        }
        if !text.isEmpty {
            print("")
            print("Address text, operations per second (median): NetKit against inet_pton/inet_ntop")
            for (kind, netkit, c) in text {
                print(
                    pad(kind, 14) + pad("NetKit " + rate(netkit), 20) + pad("C " + rate(c), 16) + "nk/c "
                        + fixed(netkit / c, 2))
            }
        }
    }

    static func json(_ summary: Summary?, _ samples: [Sample]) -> String {
        guard let summary else { return "null" }
        let values = samples.map { fixed($0.rate, 1) }.joined(separator: ", ")
        return
            "{\"median\": \(fixed(summary.median, 1)), \"min\": \(fixed(summary.min, 1)), \"max\": \(fixed(summary.max, 1)), \"samples\": [\(values)]}"
    }

    static func escape(_ text: String) -> String {
        var out = ""
        for character in text.unicodeScalars {
            switch character {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            default: out.unicodeScalars.append(character)
            }
        }
        return out
    }

    static func writeJSON(
        _ table: [Row], text: [(String, Double, Double)], asyncSection: String, options: Options,
        to path: String
    ) throws {
        var rows: [String] = []
        for row in table {
            let c = rates(row.cSamples), netkit = rates(row.netkitSamples), nio = rates(row.nioSamples)
            let allocation = row.netkitSamples.compactMap(\.allocationsPerDatagram).max().map { fixed($0, 4) } ?? "null"
            var fields = [
                "\"name\": \"\(escape(row.name))\"",
                "\"group\": \"\(row.group)\"",
                "\"unit\": \"\(row.group == "W1" ? "round trips/s" : "datagrams/s")\"",
                "\"c\": \(json(c, row.cSamples))",
                "\"netkit\": \(json(netkit, row.netkitSamples))",
                "\"nio\": \(json(nio, row.nioSamples))",
                "\"ratio_netkit_c\": \(c.flatMap { c in netkit.map { fixed($0.median / c.median, 3) } } ?? "null")",
                "\"ratio_netkit_nio\": \(nio.flatMap { nio in netkit.map { fixed($0.median / nio.median, 3) } } ?? "null")",
                "\"paired_ratio_netkit_c\": \(pairedRatio(row.netkitSamples, row.cSamples).map { fixed($0, 3) } ?? "null")",
                "\"paired_ratio_netkit_nio\": \(pairedRatio(row.netkitSamples, row.nioSamples).map { fixed($0, 3) } ?? "null")",
                "\"netkit_allocations_per_datagram\": \(allocation)",
                "\"netkit_megabytes_per_second\": \(Summary(row.netkitSamples.map(\.megabytesPerSecond)).map { fixed($0.median, 2) } ?? "null")",
                "\"c_loss_percent\": \(Summary(row.cSamples.map(\.lossPercent)).map { fixed($0.median, 2) } ?? "null")",
                "\"netkit_loss_percent\": \(Summary(row.netkitSamples.map(\.lossPercent)).map { fixed($0.median, 2) } ?? "null")",
            ]
            if let skipped = row.skipped { fields.append("\"skipped\": \"\(escape(skipped))\"") }
            rows.append("    {" + fields.joined(separator: ", ") + "}")
        }
        let textRows = text.map {
            "    {\"name\": \"\($0.0)\", \"netkit_per_second\": \(fixed($0.1, 0)), \"c_per_second\": \(fixed($0.2, 0)), \"ratio_netkit_c\": \(fixed($0.1 / $0.2, 3))}"
        }
        let document = """
            {
              "quick": \(options.quick),
              "seconds_per_run": \(options.seconds),
              "repetitions": \(options.repetitions),
              "allocation_counting": \(mc_is_active() != 0),
              "workloads": [
            \(rows.joined(separator: ",\n"))
              ],
              "address_text": [
            \(textRows.joined(separator: ",\n"))
              ],
              \(asyncSection)
            }

            """
        guard let file = fopen(path, "w") else { throw BenchmarkFailure("cannot open \(path) for writing") }
        defer { fclose(file) }
        guard fputs(document, file) >= 0 else { throw BenchmarkFailure("cannot write \(path)") }
    }
}
