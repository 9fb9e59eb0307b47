import Foundation
import Testing

/// A peer process NetKit did not write (python3, socat), with its standard streams
/// as pipes. Ports travel through argv and the peer's output, never via sleeps.
public final class ExternalPeer {
    public let process = Process()
    public let input = Pipe()
    public let output = Pipe()
    public let errors = Pipe()
    private let exited = DispatchSemaphore(value: 0)

    /// Starts `arguments[0]` (looked up on `PATH`) with the rest as its arguments.
    public init(_ arguments: [String]) throws {
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        process.standardInput = input
        process.standardOutput = output
        process.standardError = errors
        process.terminationHandler = { [exited] _ in exited.signal() }
        try process.run()
    }

    /// Runs a Python program with `python3 -c`, passing `arguments` in `sys.argv[1...]`.
    public static func python(_ program: String, _ arguments: String...) throws -> ExternalPeer {
        try ExternalPeer(["python3", "-c", program] + arguments)
    }

    /// The full path of `tool` on `PATH`, or nil when it is not installed.
    public static func which(_ tool: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return path.split(separator: ":").map { "\($0)/\(tool)" }.first {
            FileManager.default.isExecutableFile(atPath: $0)
        }
    }

    /// Reads one line (without its newline) from the peer's standard output, or from
    /// its standard error; nil at end of file. The peers bound their own waits.
    public func readLine(fromErrors: Bool = false) -> String? {
        let handle = (fromErrors ? errors : output).fileHandleForReading
        var bytes: [UInt8] = []
        while true {
            let data = handle.readData(ofLength: 1)
            guard let byte = data.first else { return bytes.isEmpty ? nil : String(decoding: bytes, as: UTF8.self) }
            if byte == UInt8(ascii: "\n") { return String(decoding: bytes, as: UTF8.self) }
            bytes.append(byte)
        }
    }

    /// Reads lines until one contains `marker`, and returns it (for socat's `-d -d` log).
    public func readLine(containing marker: String, fromErrors: Bool = false, limit: Int = 50) -> String? {
        for _ in 0..<limit {
            guard let line = readLine(fromErrors: fromErrors) else { return nil }
            if line.contains(marker) { return line }
        }
        return nil
    }

    /// Writes bytes to the peer's standard input.
    public func write(_ text: String) {
        input.fileHandleForWriting.write(Data(text.utf8))
    }

    /// Waits (bounded) for the peer to exit and returns its status; nil if it did not.
    public func exitStatus(within timeout: Duration = .seconds(15)) -> Int32? {
        let (seconds, _) = timeout.components
        guard exited.wait(timeout: .now() + .seconds(Int(seconds))) == .success else { return nil }
        exited.signal()  // Later calls (and deinit) return at once.
        // The peer has exited (the termination handler ran), so this returns at once;
        // it also drops the run-loop source by which a `Process` retains itself,
        // which would otherwise leak the `Process` and its pipes.
        process.waitUntilExit()
        return process.terminationStatus
    }

    deinit {
        if process.isRunning {
            process.terminate()
            if exited.wait(timeout: .now() + .seconds(5)) == .timedOut { kill(process.processIdentifier, SIGKILL) }
        }
        process.waitUntilExit()  // Breaks the Process <-> run-loop source cycle (see exitStatus).
    }
}
