import Testing
@testable import DiaryDemo

@Suite("Arguments")
struct ArgumentsTests {
    @Test func serverDefaultsAndOptions() throws {
        guard case .server(let defaults) = try Arguments.parse(["server"]) else { Issue.record("not a server"); return }
        #expect(defaults.host == "127.0.0.1" && defaults.port == 9999 && defaults.file == "diary.log")
        guard case .server(let custom) = try Arguments.parse(["server", "--host", "::1", "--port", "0", "--file", "x.log"]) else {
            Issue.record("not a server"); return
        }
        #expect(custom.host == "::1" && custom.port == 0 && custom.file == "x.log")
    }

    @Test func clientModes() throws {
        guard case .client(let configuration, let mode) = try Arguments.parse(["client"]) else { Issue.record("not a client"); return }
        #expect(configuration.host == "localhost" && configuration.port == 9999 && mode == .interactive)
        guard case .client(let tuned, .send("hi there")) = try Arguments.parse(
            ["client", "--name", "amy", "--send", "hi there", "--timeout", "0.25", "--retries", "9"]) else {
            Issue.record("not --send"); return
        }
        #expect(tuned.name == "amy" && tuned.timeout == .milliseconds(250) && tuned.retries == 9)
        guard case .client(_, .sync) = try Arguments.parse(["client", "--sync"]) else { Issue.record("not --sync"); return }
    }

    @Test(arguments: [["--help"], ["-h"], ["server", "--help"], ["client", "--port", "1", "--help"]])
    func help(_ arguments: [String]) throws {
        guard case .help(let text) = try Arguments.parse(arguments) else { Issue.record("no help"); return }
        #expect(text.contains("Usage"))
    }

    @Test(arguments: [
        ([], "missing subcommand"), (["serve"], "unknown subcommand serve"), (["server", "--port"], "--port needs a value"),
        (["server", "--port", "65536"], "bad port 65536"), (["server", "--port", "-1"], "bad port -1"),
        (["server", "--verbose"], "unknown server option --verbose"), (["client", "--send", "a", "--sync"], "only one of"),
        (["client", "--timeout", "0"], "bad --timeout 0"), (["client", "--retries", "x"], "bad --retries x"),
        (["client", "--name", "two words"], "bad --name"),
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
