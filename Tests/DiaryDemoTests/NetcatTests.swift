import Foundation
import Testing
import NetKitTestSupport
@testable import DiaryDemo

/// Python's `socket` module as the netcat stand-in: plain text over UDP and TCP.
@Suite(
    "Plain text (netcat)",
    .enabled(
        if: ["/usr/bin/python3", "/usr/local/bin/python3"].contains { FileManager.default.isExecutableFile(atPath: $0) }
    ))
struct NetcatTests {
    static let script = #"""
        import socket, sys
        port = int(sys.argv[1])
        server = ("127.0.0.1", port)

        udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        udp.settimeout(5)
        def ask(data):
            udp.sendto(data, server)
            return udp.recv(65536).decode()

        print("A", ask(b"hello from python"), end="")
        print("B", ask(b"second\r\n"), end="")
        print("C", ask(b"\xc3\x28"), end="")
        udp.sendto(b"", server)                  # 0 bytes: 3 x 0 bytes of answer, so none
        print("D")
        print("E", ask(b"x" * 5000), end="")
        udp.sendto(b"\xff\x44", server)          # dropped: no id to answer
        print("F", ask(b"sync".ljust(467)), end="")   # padded: a whole page may come back
        print("G", ask(b"r 1".ljust(467)), end="")
        print("H", ask(b"sync 99"), end="")
        print("I", ask(b"sync"), end="")              # 4 bytes: at most 12 back

        tcp = socket.create_connection(server, timeout=5)
        tcp.sendall(b"over tcp\r\nsync\n")
        data = b""
        while b"over tcp\n" not in data.split(b"ok 3\n", 1)[-1]:
            chunk = tcp.recv(65536)
            if not chunk: break
            data += chunk
        tcp.sendall(b"sync 3\nlast words")
        tcp.shutdown(socket.SHUT_WR)
        while True:
            chunk = tcp.recv(65536)
            if not chunk: break
            data += chunk
        print("TCP")
        print(data.decode(), end="")
        """#

    @Test func udpAndTCPPlainText() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let server = try ServerProcess(file: directory.file())
        let scriptPath = directory.file("nc.py")
        try Data(Self.script.utf8).write(to: URL(fileURLWithPath: scriptPath))
        let run = try runProcess(URL(fileURLWithPath: "/usr/bin/env"), ["python3", scriptPath, String(server.port)])
        #expect(run.status == 0, "python: \(run.errors)")
        let lines = run.output.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard lines.count > 13 else { Issue.record("short output: \(run.output)"); return }
        #expect(lines[0] == "A ok 1")
        #expect(lines[1] == "B ok 2")
        // Until a source proves its address, no UDP answer is longer than 3x its request.
        #expect(lines[2] == "C error")
        #expect(lines[3] == "D")
        #expect(lines[4] == "E error entry too long (5000 bytes; at most 4096)")
        #expect(lines[5].hasPrefix("F 1 ") && lines[5].hasSuffix(" - hello from python"))
        #expect(lines[6].hasPrefix("2 ") && lines[6].hasSuffix(" - second"))
        #expect(lines[7].hasPrefix("G 2 ") && lines[7].hasSuffix(" - second"))
        #expect(lines[8] == "H none")
        #expect(lines[9] == "I use TCP")
        #expect(lines[10] == "TCP")
        let tcp = Array(lines[11...])
        #expect(tcp.first == "ok 3")
        // ok 3, entries 1-3, nothing for "sync 3", ok 4 for the last (unterminated) line, then end of stream.
        #expect(tcp.count == 6, "\(tcp)")
        if tcp.count == 6 {
            #expect(tcp[1].hasPrefix("1 ") && tcp[3].hasPrefix("3 ") && tcp[3].hasSuffix(" - over tcp"))
            #expect(tcp[4] == "ok 4")
            #expect(tcp[5] == "")
        }
        #expect(server.stop() == 0)
        let file = try readFile(directory.file()).split(separator: "\n")
        #expect(file.count == 4)
        #expect(file.last?.hasSuffix(" last words") == true)
    }
}

/// socat as a second real peer, when it is installed (`.ci/run` installs it). Over UDP socat
/// waits 1.5 s after its input ends (`-t 1.5`); the answer comes long before.
@Suite("Plain text (socat)", .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/socat")))
struct SocatTests {
    @Test func udpAppendAndTCPSync() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let server = try ServerProcess(file: directory.file())
        let udp = try runProcess(
            URL(fileURLWithPath: "/usr/bin/socat"), ["-t", "1.5", "-", "UDP:127.0.0.1:\(server.port)"],
            input: "from socat\n")
        #expect(udp.status == 0, "\(udp.errors)")
        #expect(udp.output == "ok 1\n")
        let tcp = try runProcess(
            URL(fileURLWithPath: "/usr/bin/socat"), ["-t", "5", "-", "TCP:127.0.0.1:\(server.port)"],
            input: "second\nsync\n")
        #expect(tcp.status == 0, "\(tcp.errors)")
        let lines = tcp.output.split(separator: "\n")
        #expect(lines.count == 3)
        #expect(lines.first == "ok 2")
        #expect(lines.last?.hasSuffix(" - second") == true)
        #expect(server.stop() == 0)
    }
}
