// swift-tools-version: 6.2
import PackageDescription

// CI (CI=true) treats warnings in NetKit's own targets as errors, so the README's
// plain `swift test` is exactly what CI runs.
let strictSettings: [SwiftSetting] =
    Context.environment["CI"] == "true"
    ? [.treatAllWarnings(as: .error)] : []

let package = Package(
    name: "NetKit",
    // Linux needs no entry. On Apple platforms NetKit needs the Synchronization
    // module (Mutex) and typed throws in generic code: macOS 15.
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "NetKit", targets: ["NetKit"]),
        .executable(name: "diary", targets: ["DiaryDemo"]),
    ],
    targets: [
        // The C shim: system headers behind one module, plus the few C macros
        // (errno, CMSG_*) that Swift cannot import. Internal to NetKit.
        .target(name: "CNetKitShims"),
        .target(
            name: "NetKit",
            dependencies: ["CNetKitShims"],
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "DiaryDemo",
            dependencies: ["NetKit"],
            exclude: ["Protocol/PROTOCOL.md"],
            swiftSettings: strictSettings
        ),
        // Helpers both test targets share (threads, external peers, files, processes).
        .target(
            name: "NetKitTestSupport",
            dependencies: ["NetKit"],
            path: "Tests/NetKitTestSupport",
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "NetKitTests",
            dependencies: ["NetKit", "CNetKitShims", "NetKitTestSupport"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "DiaryDemoTests",
            dependencies: ["DiaryDemo", "NetKit", "NetKitTestSupport"],
            swiftSettings: strictSettings
        ),
    ],
    swiftLanguageModes: [.v6]
)
