import Foundation
import NetKit
import Testing
import NetKitTestSupport
@testable import DiaryDemo

/// The real `diary` executable as server and client.
@Suite("End to end")
struct EndToEndTests {
    @Test func interactiveClientSession() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let server = try ServerProcess(file: directory.file())
        #expect(server.banner.contains("127.0.0.1:\(server.port)"))
        #expect(server.banner.contains(directory.file()) || server.banner.contains("diary.log"))
        #expect(server.banner.hasSuffix("0 entries"))

        let first = try server.client(["--send", "before the session"])
        #expect(first.status == 0)
        #expect(first.output == "ok 1\n")

        let session = try server.client(
            ["--name", "amy"], input: "help\nmy first entry\nsync\nmine\nfrom 127.0.0.1\nquit\nnot sent\n")
        #expect(session.status == 0, "stderr: \(session.errors)")
        let output = session.output
        #expect(output.contains("--- old log ---\n1 "))
        #expect(output.contains(" - before the session\n--- end of old log ---"))
        #expect(output.contains("r, sync"))
        #expect(output.contains("ok 2 (stored "))
        #expect(output.contains(" amy my first entry\n"))
        #expect(!output.contains("not sent"))
        // The entry shows up for sync, mine and from; the first one only for from (another client sent it).
        #expect(output.components(separatedBy: " amy my first entry\n").count - 1 == 3)
        #expect(output.components(separatedBy: " - before the session\n").count - 1 == 2)
        #expect(session.errors.isEmpty)

        let sync = try server.client(["--sync"])
        #expect(sync.status == 0)
        let lines = sync.output.split(separator: "\n")
        #expect(lines.count == 2)
        #expect(lines[1].hasPrefix("2 ") && lines[1].hasSuffix(" amy my first entry"))
        #expect(server.stop() == 0)
        #expect(server.child.waitForOutput(containing: "diary server stopped; 2 entries"))

        let file = try readFile(directory.file())
        #expect(file.split(separator: "\n").count == 2)
    }

    @Test func endOfInputExitsCleanly() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let server = try ServerProcess(file: directory.file())
        let session = try server.client([], input: "an entry without quit")
        #expect(session.status == 0)
        #expect(session.output.contains("ok 1 "))
        _ = server.stop()
    }

    @Test func clientErrorsAreOneLineAndNonZero() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let server = try ServerProcess(file: directory.file())
        let tooLong = try server.client(["--send", String(repeating: "x", count: 4097)])
        #expect(tooLong.status != 0 && tooLong.status != nil)
        #expect(tooLong.errors.contains("entry too long"))
        #expect(tooLong.errors.split(separator: "\n").count == 1)
        let empty = try server.client(["--send", ""])
        #expect(empty.status != 0)
        let badPort = try server.client(["--port", "70000"])
        #expect(badPort.status == 2)
        #expect(badPort.errors.contains("bad port 70000"))
        let unknown = try server.client(["--frobnicate"])
        #expect(unknown.status == 2)
        _ = server.stop()

        // Nobody answers: a bound socket that never replies.
        let silent = try DatagramSocket(bindingTo: .ipv4(.loopback, port: 0))
        guard let port = try silent.localAddress.port else { return }
        let child = try runDiary([
            "client", "--host", "127.0.0.1", "--port", String(port),
            "--timeout", "0.05", "--retries", "2", "--sync",
        ])
        #expect(child.status == 1)
        #expect(child.errors == "diary: no answer from 127.0.0.1:\(port) after 3 attempts\n")
    }

    @Test func noServerIsAClearError() throws {
        // A port nobody listens on: bind one, note it, close it.
        let probe = try DatagramSocket(bindingTo: .ipv4(.loopback, port: 0))
        guard let port = try probe.localAddress.port else { return }
        try probe.close()
        let child = try runDiary(["client", "--host", "127.0.0.1", "--port", String(port), "--send", "nobody home"])
        #expect(child.status == 1)
        #expect(child.errors == "diary: no diary server at 127.0.0.1 port \(port) (connection refused)\n")
    }

    @Test(arguments: [["--help"], ["server", "--help"], ["client", "--help"], ["help"]])
    func help(_ arguments: [String]) throws {
        let child = try runDiary(arguments)
        #expect(child.status == 0)
        #expect(child.output.contains("Usage"))
        #expect(child.output.contains("--port"))
    }

    /// Issue 9: `diary` alone runs a server on a free loopback port and the client on it, in one process,
    /// with its diary in the per-user data directory (never the current directory).
    @Test func noArgumentsRunsTheDemo() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let child = try runDiary(
            [], input: "hello from the demo\nsync\nquit\n", environment: ["XDG_DATA_HOME": directory.url.path])
        #expect(child.status == 0, "stderr: \(child.errors)")
        let file = directory.url.appendingPathComponent("netkit-diary/diary.log").path
        #expect(child.output.contains("file \(file)"))
        #expect(child.output.contains("ok 1 (stored "))
        #expect(try readFile(file).contains(" - hello from the demo"))
    }

    @Test func secondServerOnTheSameFileIsRefused() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let server = try ServerProcess(file: directory.file())
        let second = try runDiary(["server", "--port", "0", "--file", directory.file()])
        #expect(second.status == 1)
        #expect(second.errors.contains("another diary server already uses"))
        #expect(server.stop() == 0)
    }

    @Test func sigintStopsTheServer() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let server = try ServerProcess(file: directory.file())
        server.child.send(SIGINT)
        #expect(server.child.waitForExit() == 0)
        #expect(server.child.waitForOutput(containing: "stopped"))
    }

    @Test func tornLineIsRepairedOnStart() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let entry = DiaryEntry(sequence: 1, time: 0, address: "127.0.0.1:1", name: "", text: "whole")
        try Data((entry.line + "\n2 1970-01-01T00:00:00.000Z 127.0.0.1:1 - to").utf8).write(
            to: URL(fileURLWithPath: directory.file()))
        let server = try ServerProcess(file: directory.file())
        #expect(server.banner.hasSuffix("1 entries"))
        #expect(server.child.waitForOutput(containing: "warning: dropped a torn last line", inErrors: true))
        let sent = try server.client(["--send", "after"])
        #expect(sent.output == "ok 2\n")
        _ = server.stop()
        let lines = try readFile(directory.file()).split(separator: "\n")
        #expect(lines.count == 2)
        #expect(lines.last.flatMap { DiaryEntry(line: $0) }?.text == "after")
    }

    @Test func ipv6Loopback() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let server = try ServerProcess(file: directory.file(), host: "::1")
        #expect(server.banner.contains("[::1]:"))
        let child = try runDiary(["client", "--host", "::1", "--port", String(server.port), "--send", "over six"])
        #expect(child.status == 0)
        #expect(child.output == "ok 1\n")
        _ = server.stop()
        #expect(try readFile(directory.file()).contains(" [::1]:"))
    }

    @Test func localhostResolves() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let server = try ServerProcess(file: directory.file())
        // localhost may resolve to ::1 first; the client moves on to 127.0.0.1 when refused.
        let child = try runDiary([
            "client", "--host", "localhost", "--port", String(server.port), "--send", "via localhost",
        ])
        #expect(child.status == 0, "stderr: \(child.errors)")
        #expect(child.output == "ok 1\n")
        _ = server.stop()
    }
}
