#if canImport(Glibc)
@preconcurrency import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import NetKit

/// The command line of an example program: `--name value` options, `--flag`s and
/// plain arguments, with `--help` printing the program's help and exiting.
///
/// ```swift
/// let options = Options(help: """
///     usage: un-echo-server [--host ADDRESS] [--port PORT]
///     ...
///     """, flags: ["--verbose"])
/// let port = options.port(default: 7007)
/// ```
public struct Options: Sendable {
    /// The plain (non-option) arguments, in order.
    public private(set) var arguments: [String] = []
    private var values: [String: String] = [:]
    private var flags: Set<String> = []

    /// Parses `CommandLine.arguments`. Every `--name` takes a value unless it is
    /// listed in `flags`. `--help`/`-h` prints `help` and exits 0; a malformed line
    /// prints the error and the help to standard error and exits 2.
    public init(help: String, flags knownFlags: Set<String> = []) {
        setvbuf(stdout, nil, _IOLBF, 0)  // one line at a time, also into a pipe
        var rest = CommandLine.arguments.dropFirst()
        while let argument = rest.popFirst() {
            if argument == "--help" || argument == "-h" {
                print(help)
                exit(0)
            } else if argument == "--" {
                arguments.append(contentsOf: rest)
                break
            } else if argument.hasPrefix("--") {
                if knownFlags.contains(argument) {
                    flags.insert(argument)
                } else if let value = rest.popFirst() {
                    values[argument] = value
                } else {
                    Options.usageError("\(argument) needs a value", help: help)
                }
            } else {
                arguments.append(argument)
            }
        }
        self.help = help
    }

    private let help: String

    /// Whether `--flag` was given.
    public func isSet(_ flag: String) -> Bool { flags.contains(flag) }

    /// The value of `--name`, or `fallback`.
    public func string(_ name: String, default fallback: String) -> String { values[name] ?? fallback }

    /// The value of `--name` as an integer, or `fallback`; exits 2 when it is not one.
    public func int(_ name: String, default fallback: Int) -> Int {
        guard let text = values[name] else { return fallback }
        guard let value = Int(text) else { Options.usageError("\(name) wants a number, not \(text)", help: help) }
        return value
    }

    /// The value of `--port` (or `name`) as a port number, or `fallback`.
    public func port(_ name: String = "--port", default fallback: UInt16) -> UInt16 {
        let value = int(name, default: Int(fallback))
        guard let port = UInt16(exactly: value) else {
            Options.usageError("\(name) must be 0...65535, not \(value)", help: help)
        }
        return port
    }

    /// `--host` and `--port` as one numeric socket address (default loopback).
    public func address(defaultHost: String = "127.0.0.1", defaultPort: UInt16) -> SocketAddress {
        let host = string("--host", default: defaultHost)
        guard let ip = IPAddress(host) else {
            Options.usageError("--host wants a numeric IPv4 or IPv6 address, not \(host)", help: help)
        }
        return SocketAddress(ip, port: port(default: defaultPort))
    }

    /// Prints `message` and the help to standard error and exits 2.
    public static func usageError(_ message: String, help: String) -> Never {
        printError("error: \(message)\n\n\(help)")
        exit(2)
    }
}

/// Prints a line to standard error.
public func printError(_ line: String) {
    var text = line
    text.append("\n")
    _ = text.withUTF8 { fwrite($0.baseAddress, 1, $0.count, stderr) }
}

/// Runs `body`; on an error, prints `program: error` to standard error and exits 1.
public func runOrExit<R>(_ program: String, _ body: () throws -> R) -> R {
    do {
        return try body()
    } catch {
        printError("\(program): \(error)")
        exit(1)
    }
}

/// Runs `body`; on an error, prints `program: error` to standard error and exits 1.
public func runOrExit<R>(_ program: String, _ body: () async throws -> R) async -> R {
    do {
        return try await body()
    } catch {
        printError("\(program): \(error)")
        exit(1)
    }
}
