// swift-tools-version: 6.2
import PackageDescription

// The NetKit benchmark suite: NetKit against a C baseline doing the same system
// calls, and against SwiftNIO. Its own package, so NetKit stays dependency-free.
//
//   swift run -c release --package-path Benchmarks netkit-bench [--quick] [--async] [--json FILE]
let package = Package(
    name: "NetKitBenchmarks",
    products: [
        .executable(name: "netkit-bench", targets: ["NetKitBench"]),
        // Load on the real diary server: concurrent appends (p50/p99) and a large sync.
        .executable(name: "diary-load", targets: ["DiaryLoad"]),
        // The async section's C epoll load generator on its own (netkit-bench starts the same code itself).
        .executable(name: "netkit-async-load", targets: ["AsyncLoad"]),
    ],
    dependencies: [
        .package(name: "NetKit", path: ".."),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/swhitty/FlyingFox", from: "0.27.1"),
    ],
    targets: [
        // The same workloads written in C with the same system calls: the baseline.
        .target(name: "CBaseline"),
        // Counts malloc/calloc/realloc/posix_memalign in this process (glibc's
        // __libc_* entry points behind an atomic counter): allocations per datagram.
        .target(name: "MallocCounter"),
        .executableTarget(
            name: "NetKitBench",
            dependencies: [
                "CBaseline",
                "MallocCounter",
                .product(name: "NetKit", package: "NetKit"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "FlyingSocks", package: "FlyingFox"),
            ],
            path: "Sources/netkit-bench"
        ),
        .executableTarget(name: "AsyncLoad", dependencies: ["CBaseline"], path: "Sources/async-load"),
        .executableTarget(
            name: "DiaryLoad",
            dependencies: [.product(name: "NetKit", package: "NetKit")],
            path: "Sources/diary-load"
        ),
    ],
    swiftLanguageModes: [.v6]
)
