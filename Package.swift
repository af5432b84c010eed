// swift-tools-version:6.0
import PackageDescription

/// Strict upcoming features for every Swift target of ours.
let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny")
]

let package = Package(
    name: "alterks",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "alterks", targets: ["alterks"]),
        .executable(name: "pip", targets: ["pip"]),
    ],
    dependencies: [
        // Exact pins from the local package set; see README "Dependencies" for why each one is here.
        .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2"),
        .package(url: "https://github.com/LebJe/TOMLKit", exact: "0.6.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CSQLite", path: "Sources/CSQLite", pkgConfig: "sqlite3",
            providers: [.apt(["libsqlite3-dev"])]),
        .systemLibrary(
            name: "CCurl", path: "Sources/CCurl", pkgConfig: "libcurl",
            providers: [.apt(["libcurl4-openssl-dev"])]),
        .systemLibrary(
            name: "CZlib", path: "Sources/CZlib", pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]),
        // PEP 440 versions and specifiers, PEP 503 names, PEP 508 requirements and markers: pure code, no Foundation,
        // no processes (AlterKit asks an interpreter for its marker values and maps the errors to exit codes).
        .target(name: "PythonPackaging", swiftSettings: strict),
        // The engine: no printing, no globals, no exit().
        .target(
            name: "AlterKit",
            dependencies: [
                "CSQLite", "CCurl", "CZlib", "PythonPackaging", "ShimCore",
                .product(name: "TOMLKit", package: "TOMLKit"),
            ],
            resources: [.copy("Resources")],
            swiftSettings: strict),
        // The commands, a library so tests run them in-process.
        .target(
            name: "AlterCLI",
            dependencies: ["AlterKit", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: strict),
        .executableTarget(name: "alterks", dependencies: ["AlterCLI"], swiftSettings: strict),
        // The pip shim's pass-through path: Glibc only, no Foundation, so that every non-install pip command
        // costs about a millisecond on top of pip itself. `install` is handed to `alterks gate`.
        .target(name: "ShimCore", swiftSettings: strict),
        .executableTarget(name: "pip", dependencies: ["ShimCore"], swiftSettings: strict),
        .target(
            name: "AlterTestSupport", dependencies: ["AlterKit", "PythonPackaging"], path: "Tests/AlterTestSupport",
            swiftSettings: strict),
        // Dev-only (bench/run.sh): the loopback OSV and PyPI doubles as a process. Not installed by install.sh.
        .executableTarget(
            name: "alterks-doubles", dependencies: ["AlterKit", "AlterTestSupport", "PythonPackaging"],
            swiftSettings: strict),
        .testTarget(
            name: "PythonPackagingTests", dependencies: ["PythonPackaging", "AlterKit", "AlterTestSupport"],
            swiftSettings: strict),
        .testTarget(
            name: "AlterKitTests", dependencies: ["AlterKit", "AlterTestSupport", "PythonPackaging"],
            swiftSettings: strict),
        .testTarget(
            name: "AlterCLITests", dependencies: ["AlterCLI", "ShimCore", "AlterTestSupport", "PythonPackaging"],
            swiftSettings: strict),
    ]
)
