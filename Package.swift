// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "NetKit",
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
            dependencies: ["CNetKitShims"]
        ),
        .executableTarget(
            name: "DiaryDemo",
            dependencies: ["NetKit"],
            exclude: ["PROTOCOL.md"]
        ),
        .testTarget(name: "NetKitTests", dependencies: ["NetKit", "CNetKitShims"]),
        .testTarget(name: "DiaryDemoTests", dependencies: ["DiaryDemo", "NetKit"]),
    ],
    swiftLanguageModes: [.v6]
)
