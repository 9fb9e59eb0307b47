import Foundation
// The helpers shared with NetKitTests (Tests/NetKitTestSupport), re-exported so every
// file of this test target sees them without an import of its own.
@_exported import NetKitTestSupport
@testable import DiaryDemo

extension TemporaryDirectory {
    /// The path of the diary file inside the directory.
    func file() -> String { file("diary.log") }
}

/// A child process with its standard output and error collected line by line.
final class ChildProcess: @unchecked Sendable {
    let process = Process()
    private let input = Pipe()
    private let output = Pipe()
    private let errors = Pipe()
    private let condition = NSCondition()
    private var outputText = Data()
    private var errorText = Data()
    private var linesTaken = 0
    private let exited = DispatchSemaphore(value: 0)

    /// The `diary` executable, built next to the test bundle.
    static let diary: URL = {
        if let path = ProcessInfo.processInfo.environment["DIARY_EXECUTABLE"] { return URL(fileURLWithPath: path) }
        var candidates: [URL] = []
        if let executable = Bundle.main.executableURL { candidates.append(executable.deletingLastPathComponent()) }
        candidates.append(Bundle.main.bundleURL)
        candidates.append(Bundle.main.bundleURL.deletingLastPathComponent())
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        candidates.append(root.appendingPathComponent(".build/debug"))
        for directory in candidates {
            let url = directory.appendingPathComponent("diary")
            if FileManager.default.isExecutableFile(atPath: url.path) { return url }
        }
        return root.appendingPathComponent(".build/debug/diary")
    }()

    /// Starts `diary` with `arguments`, through `launcher` (such as `prlimit --nofile=64 --`) when given.
    init(diary arguments: [String], launcher: [String] = []) throws {
        if let first = launcher.first {
            process.executableURL = URL(fileURLWithPath: first)
            process.arguments = Array(launcher.dropFirst()) + [Self.diary.path] + arguments
        } else {
            process.executableURL = Self.diary
            process.arguments = arguments
        }
        process.standardInput = input
        process.standardOutput = output
        process.standardError = errors
        output.fileHandleForReading.readabilityHandler = { [weak self] handle in
            let data = handle.availableData
            self?.append(data, toErrors: false)
        }
        errors.fileHandleForReading.readabilityHandler = { [weak self] handle in
            let data = handle.availableData
            self?.append(data, toErrors: true)
        }
        let exited = exited
        process.terminationHandler = { _ in exited.signal() }
        try process.run()
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        // Drops the run-loop source by which a running `Process` retains itself (it
        // would leak with its pipes otherwise); returns once the child is reaped.
        process.waitUntilExit()
        output.fileHandleForReading.readabilityHandler = nil
        errors.fileHandleForReading.readabilityHandler = nil
    }

    private var closedStreams = 0

    private func append(_ data: Data, toErrors: Bool) {
        condition.lock()
        if data.isEmpty {
            closedStreams += 1
            (toErrors ? errors : output).fileHandleForReading.readabilityHandler = nil
        }
        if toErrors { errorText += data } else { outputText += data }
        condition.broadcast()
        condition.unlock()
    }

    /// Everything printed to standard output so far.
    var standardOutput: String {
        condition.lock(); defer { condition.unlock() }
        return String(decoding: outputText, as: UTF8.self)
    }

    /// Everything printed to standard error so far.
    var standardError: String {
        condition.lock(); defer { condition.unlock() }
        return String(decoding: errorText, as: UTF8.self)
    }

    /// The next standard-output line not yet taken, waiting at most `timeout`.
    func nextLine(timeout: TimeInterval = 10) -> String? {
        let deadline = Date(timeIntervalSinceNow: timeout)
        condition.lock(); defer { condition.unlock() }
        while true {
            let lines = String(decoding: outputText, as: UTF8.self).split(
                separator: "\n", omittingEmptySubsequences: false)
            if lines.count - 1 > linesTaken {
                linesTaken += 1
                return String(lines[linesTaken - 1])
            }
            guard condition.wait(until: deadline) else { return nil }
        }
    }

    /// Waits until standard output (or standard error) contains `text`.
    func waitForOutput(containing text: String, inErrors: Bool = false, timeout: TimeInterval = 10) -> Bool {
        let deadline = Date(timeIntervalSinceNow: timeout)
        condition.lock(); defer { condition.unlock() }
        while !String(decoding: inErrors ? errorText : outputText, as: UTF8.self).contains(text) {
            guard condition.wait(until: deadline) else { return false }
        }
        return true
    }

    /// Writes to the child's standard input.
    func write(_ text: String) {
        input.fileHandleForWriting.write(Data(text.utf8))
    }

    /// Closes the child's standard input (end of input).
    func closeInput() {
        try? input.fileHandleForWriting.close()
    }

    /// Waits for the child to exit; its status, or `nil` (and a SIGKILL) after `timeout`.
    @discardableResult
    func waitForExit(timeout: TimeInterval = 20) -> Int32? {
        if exited.wait(timeout: .now() + timeout) == .timedOut {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            return nil
        }
        exited.signal()  // Later calls return at once.
        process.waitUntilExit()
        // Output may still be on its way: use waitForOutput(containing:) for it.
        // (Waiting for end of file is not reliable here: a child started by a
        // concurrent test can inherit the pipe and keep it open.)
        return process.terminationStatus
    }

    /// Sends `signal` to the child.
    func send(_ signal: Int32) {
        kill(process.processIdentifier, signal)
    }
}

/// A `diary server --port 0` child on its own temporary file.
final class ServerProcess: @unchecked Sendable {
    let child: ChildProcess
    let port: UInt16
    let banner: String
    let file: String

    init(file: String, host: String = "127.0.0.1", options: [String] = [], launcher: [String] = []) throws {
        self.file = file
        child = try ChildProcess(
            diary: ["server", "--host", host, "--port", "0", "--file", file] + options, launcher: launcher)
        guard let line = child.nextLine(timeout: 20) else {
            throw TestError("the server printed nothing; stderr: \(child.standardError)")
        }
        banner = line
        // "diary server listening on 127.0.0.1:PORT (UDP and TCP), ..."
        guard let range = line.range(of: " (UDP and TCP)"),
            let colon = line[..<range.lowerBound].lastIndex(of: ":"),
            let port = UInt16(line[line.index(after: colon)..<range.lowerBound])
        else {
            throw TestError("unexpected first line: \(line)")
        }
        self.port = port
    }

    /// Runs `diary client` against this server with extra arguments and standard input.
    func client(_ arguments: [String], input: String = "", timeout: TimeInterval = 30) throws -> (
        status: Int32?, output: String, errors: String
    ) {
        try runDiary(
            ["client", "--host", "127.0.0.1", "--port", String(port)] + arguments, input: input, timeout: timeout)
    }

    var pid: Int32 { child.process.processIdentifier }

    func stop(within timeout: TimeInterval = 20) -> Int32? {
        child.send(SIGTERM)
        return child.waitForExit(timeout: timeout)
    }
}

/// Runs `diary` to completion with files (not pipes) for its input and output, so
/// no other child process started meanwhile can hold them open.
func runDiary(
    _ arguments: [String], input: String = "", timeout: TimeInterval = 30,
    environment: [String: String] = [:]
) throws -> (status: Int32?, output: String, errors: String) {
    try runProcess(ChildProcess.diary, arguments, input: input, timeout: timeout, environment: environment)
}

/// Runs a diary server in this process, on a thread, with `configure`d settings on a
/// fresh temporary file (or `file`); `body` gets it; then it is stopped and joined.
func withInProcessServer(
    file: String? = nil, _ configure: (inout DiaryServer.Configuration) -> Void = { _ in },
    _ body: (DiaryServer) throws -> Void
) throws {
    let directory = try TemporaryDirectory()
    defer { directory.remove() }
    var configuration = DiaryServer.Configuration(host: "127.0.0.1", port: 0, file: file ?? directory.file())
    configure(&configuration)
    let server = try DiaryServer(configuration: configuration)
    let done = DispatchSemaphore(value: 0)
    let box = UncheckedBox(server)
    Thread {
        try? box.value.run()
        done.signal()
    }.start()
    defer {
        server.waker.wake()
        _ = done.wait(timeout: .now() + 10)
    }
    try body(server)
}
