import Foundation
import Testing
@testable import DiaryDemo

@Suite("Arguments")
struct ArgumentsTests {
    @Test func serverDefaultsAndOptions() throws {
        guard case .server(let defaults) = try Arguments.parse(["server"]) else { Issue.record("not a server"); return }
        #expect(defaults.host == "127.0.0.1" && defaults.port == 9999)
        // Issue 9: the default diary is in a per-user data directory, never in the current directory (a checkout).
        #expect(defaults.file.hasPrefix("/") && defaults.file.hasSuffix("/diary.log"))
        #expect(!defaults.file.hasPrefix(FileManager.default.currentDirectoryPath + "/"))
        guard
            case .server(let limited) = try Arguments.parse([
                "server", "--max-bytes", "1000", "--append-rate", "0", "--request-rate", "500",
                "--max-connections", "8", "--connections-per-host", "2",
                "--line-timeout", "0.5", "--send-timeout", "2",
            ])
        else {
            Issue.record("not a server"); return
        }
        #expect(limited.maximumBytes == 1000 && limited.appendBytesPerSecond == 0)
        #expect(limited.requestsPerSecond == 500 && defaults.requestsPerSecond == 8192)
        #expect(limited.maximumConnections == 8 && limited.connectionsPerHost == 2)
        #expect(limited.lineTimeout == .milliseconds(500) && limited.sendTimeout == .seconds(2))
        guard
            case .server(let custom) = try Arguments.parse([
                "server", "--host", "::1", "--port", "0", "--file", "x.log",
            ])
        else {
            Issue.record("not a server"); return
        }
        #expect(custom.host == "::1" && custom.port == 0 && custom.file == "x.log")
    }

    /// Issue 9: `diary` alone runs the demo (a server on a free loopback port and its client).
    @Test func noSubcommandIsTheDemo() throws {
        guard case .demo(let server, let client) = try Arguments.parse([]) else { Issue.record("not the demo"); return }
        #expect(server.host == "127.0.0.1" && server.port == 0)
        #expect(client.host == "127.0.0.1")
    }

    @Test func clientModes() throws {
        guard case .client(let configuration, let mode) = try Arguments.parse(["client"]) else {
            Issue.record("not a client"); return
        }
        #expect(configuration.host == "localhost" && configuration.port == 9999 && mode == .interactive)
        guard
            case .client(let tuned, .send("hi there")) = try Arguments.parse(
                ["client", "--name", "amy", "--send", "hi there", "--timeout", "0.25", "--retries", "9"])
        else {
            Issue.record("not --send"); return
        }
        #expect(tuned.name == "amy" && tuned.timeout == .milliseconds(250) && tuned.retries == 9)
        guard case .client(_, .sync) = try Arguments.parse(["client", "--sync"]) else {
            Issue.record("not --sync"); return
        }
    }

    @Test(arguments: [["--help"], ["-h"], ["server", "--help"], ["client", "--port", "1", "--help"]])
    func help(_ arguments: [String]) throws {
        guard case .help(let text) = try Arguments.parse(arguments) else { Issue.record("no help"); return }
        #expect(text.contains("Usage"))
    }

    @Test(
        arguments: [
            (["serve"], "unknown subcommand serve"), (["server", "--port"], "--port needs a value"),
            (["server", "--port", "65536"], "bad port 65536"), (["server", "--port", "-1"], "bad port -1"),
            (["server", "--verbose"], "unknown server option --verbose"),
            (["client", "--send", "a", "--sync"], "only one of"),
            (["client", "--timeout", "0"], "bad --timeout 0"), (["client", "--retries", "x"], "bad --retries x"),
            (["client", "--name", "two words"], "bad --name"), (["server", "--max-bytes", "0"], "bad --max-bytes"),
            (["server", "--append-rate", "-1"], "bad --append-rate"),
            (["server", "--request-rate", "x"], "bad --request-rate"),
            (["server", "--line-timeout", "0"], "bad --line-timeout"),
        ] as [([String], String)])
    func usageErrors(_ arguments: [String], _ message: String) {
        do {
            _ = try Arguments.parse(arguments)
            Issue.record("\(arguments) was accepted")
        } catch {
            guard case .usage(let text) = error else { Issue.record("not a usage error: \(error)"); return }
            #expect(text.contains(message), "\(text)")
            #expect(!text.contains("\n"))
        }
    }
}

@Suite("Client shell")
struct ClientShellTests {
    @Test(arguments: [
        ("127.0.0.1:5000", "127.0.0.1:5000", true), ("127.0.0.1:5000", "127.0.0.1", true),
        ("127.0.0.1:5000", "127.0.0.2", false), ("127.0.0.1:5000", "127.0.0.1:5001", false),
        ("[::1]:5000", "::1", true), ("[::1]:5000", "[::1]", true), ("[::1]:5000", "[::1]:5000", true),
        ("[::1]:5000", "::", false),
    ])
    func addressMatching(_ address: String, _ wanted: String, _ expected: Bool) {
        #expect(ClientShell.address(address, matches: wanted) == expected)
    }

    @Test func trimming() {
        #expect("  sync \t".trimmingWhitespace() == "sync")
        #expect("   ".trimmingWhitespace() == "")
        #expect("from 1.2.3.4".dropFirst(5).trimmingWhitespace() == "1.2.3.4")
    }
}
