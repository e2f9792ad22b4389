// swift-tools-version:5.9
//
// Swift package around the Rust core. Two targets:
//  - HealthbookFFI: the C module of the UniFFI scaffolding (generated healthbookFFI.h + module.modulemap)
//    and the static library libhealthbook_ffi.a built by cargo.
//  - HealthbookCore: the generated Swift bindings (healthbook.swift) plus the thin ProfileServiceProxy layer.
//
// Generate the bindings first: scripts/gen-bindings.sh (writes the git-ignored generated files).
// Linking, two modes (see ios/README.md):
//  - HealthbookFFI.xcframework present next to this file (built by the README's xcframework step): used as a
//    binary target, for iOS devices and simulators and for the app.
//  - otherwise: the C module in Sources/HealthbookFFI plus ../target/debug/libhealthbook_ffi.a, so that
//    `swift build` / `swift test` work on a Mac against a host build (`cargo build -p healthbook-ffi`).
import Foundation
import PackageDescription

let packageDir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().path
let repoRoot = URL(fileURLWithPath: packageDir).deletingLastPathComponent().path
let useXCFramework = FileManager.default.fileExists(atPath: "\(packageDir)/HealthbookFFI.xcframework")
let hostProfile = ProcessInfo.processInfo.environment["PROFILE"] ?? "debug"

// System frameworks the Rust static library needs on Apple platforms (ring, rustls, std).
let rustLinkerSettings: [LinkerSetting] = [
    .linkedFramework("Security"),
    .linkedFramework("SystemConfiguration"),
    .linkedFramework("CoreFoundation"),
]

let ffiTarget: Target = useXCFramework
    ? .binaryTarget(name: "HealthbookFFI", path: "HealthbookFFI.xcframework")
    : .systemLibrary(name: "HealthbookFFI", path: "Sources/HealthbookFFI")

let hostLinkerSettings: [LinkerSetting] = useXCFramework
    ? []
    : [.unsafeFlags(["-Xlinker", "\(repoRoot)/target/\(hostProfile)/libhealthbook_ffi.a"])]

let package = Package(
    name: "HealthbookCore",
    platforms: [.iOS(.v16), .macOS(.v13)],
    products: [
        .library(name: "HealthbookCore", targets: ["HealthbookCore"]),
    ],
    targets: [
        ffiTarget,
        .target(
            name: "HealthbookCore",
            dependencies: ["HealthbookFFI"],
            path: "Sources/HealthbookCore",
            linkerSettings: rustLinkerSettings + hostLinkerSettings
        ),
        .testTarget(
            name: "HealthbookCoreTests",
            dependencies: ["HealthbookCore"],
            path: "Tests/HealthbookCoreTests"
        ),
    ]
)
