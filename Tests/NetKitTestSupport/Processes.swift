import Foundation

/// Runs `executable` to completion with files (not pipes) for its input and output, so
/// no other child process started meanwhile can hold them open; kills it after `timeout`
/// (the status is then `nil`). `environment` is added to this process's environment.
public func runProcess(
    _ executable: URL, _ arguments: [String], input: String = "", timeout: TimeInterval = 30,
    environment: [String: String] = [:]
) throws -> (status: Int32?, output: String, errors: String) {
    let directory = try TemporaryDirectory()
    defer { directory.remove() }
    let paths = (input: directory.file("stdin"), output: directory.file("stdout"), errors: directory.file("stderr"))
    try Data(input.utf8).write(to: URL(fileURLWithPath: paths.input))
    _ = FileManager.default.createFile(atPath: paths.output, contents: nil)
    _ = FileManager.default.createFile(atPath: paths.errors, contents: nil)
    let process = Process()
    process.executableURL = executable
    process.arguments = arguments
    if !environment.isEmpty {
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    }
    process.standardInput = FileHandle(forReadingAtPath: paths.input)
    process.standardOutput = FileHandle(forWritingAtPath: paths.output)
    process.standardError = FileHandle(forWritingAtPath: paths.errors)
    let exited = DispatchSemaphore(value: 0)
    process.terminationHandler = { _ in exited.signal() }
    try process.run()
    var status: Int32?
    if exited.wait(timeout: .now() + timeout) == .timedOut {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    } else {
        process.waitUntilExit()
        status = process.terminationStatus
    }
    return (status, try readFile(paths.output), try readFile(paths.errors))
}

/// The contents of the file at `path` as UTF-8 text.
///
/// Reads through `FileHandle` rather than `String(contentsOfFile:)` or
/// `Data(contentsOf:)`: on Linux those leak a 4 KiB buffer for every empty file
/// (FoundationEssentials' `readBytesFromFile`), which LeakSanitizer reports.
public func readFile(_ path: String) throws -> String {
    String(decoding: try readFileBytes(path), as: UTF8.self)
}

/// The bytes of the file at `path` (see ``readFile(_:)``).
public func readFileBytes(_ path: String) throws -> Data {
    let handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
    defer { try? handle.close() }
    return try handle.readToEnd() ?? Data()
}

/// A test failure with a message.
public struct TestError: Error, CustomStringConvertible {
    /// What went wrong.
    public let description: String
    /// A failure that says `description`.
    public init(_ description: String) { self.description = description }
}
