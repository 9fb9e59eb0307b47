// swift-tools-version: 6.2
import PackageDescription

// NetKit's teaching examples: the course's programs, one executable each, on
// NetKit's public API. Its own package, so the root package's build stays quick.
let strictSettings: [SwiftSetting] =
    Context.environment["CI"] == "true"
    ? [.treatAllWarnings(as: .error)] : []

// (product name as the course spells it, target directory under Sources/)
let programs: [(String, String)] = [
    ("un-echo-server", "UnEchoServer"),
    ("getaddr-echo-client", "GetaddrEchoClient"),
    ("gethost-echo-client", "GethostEchoClient"),
    ("udp-time-server", "UDPTimeServer"),
    ("udp-time-client", "UDPTimeClient"),
    ("tcp-echo-server", "TCPEchoServer"),
    ("tcp-echo-client", "TCPEchoClient"),
    ("thread-echo-server", "ThreadEchoServer"),
    ("async-echo-server", "AsyncEchoServer"),
    ("udp-concurrent-server", "UDPConcurrentServer"),
    ("async-tcp-udp-server", "AsyncTCPUDPServer"),
    ("poll-tcp-udp-server", "PollTCPUDPServer"),
    ("chat-server", "ChatServer"),
    ("async-chat-server", "AsyncChatServer"),
    ("chat-client", "ChatClient"),
    ("unix-stream-server", "UnixStreamServer"),
    ("unix-stream-client", "UnixStreamClient"),
    ("unix-datagram-pair", "UnixDatagramPair"),
    ("file-server", "FileServer"),
    ("file-client", "FileClient"),
    ("multicast-chat", "MulticastChat"),
]

let package = Package(
    name: "NetKitExamples",
    products: programs.map { .executable(name: $0.0, targets: [$0.1]) },
    dependencies: [.package(name: "NetKit", path: "..")],
    targets: [
        .target(
            name: "ExampleSupport",
            dependencies: [.product(name: "NetKit", package: "NetKit")],
            swiftSettings: strictSettings
        )
    ]
        + programs.map {
            .executableTarget(
                name: $0.1,
                dependencies: ["ExampleSupport", .product(name: "NetKit", package: "NetKit")],
                swiftSettings: strictSettings
            )
        },
    swiftLanguageModes: [.v6]
)
