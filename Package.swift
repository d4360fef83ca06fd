// swift-tools-version:6.0
import PackageDescription

// Strictness is policy: Swift 6 language mode everywhere, C types kept behind `internal import`.
let strictSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "plytix-prima",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "plytix-prima", targets: ["plytix-prima"]),
        .library(name: "PlytixPrima", targets: ["PlytixPrima"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
        .package(url: "https://github.com/apple/swift-crypto", "3.12.0"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.6.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.0.0"),
    ],
    targets: [
        // C libraries from Debian's libxml2-dev and zlib1g-dev, found through pkg-config.
        .systemLibrary(
            name: "CLibXML2",
            pkgConfig: "libxml-2.0",
            providers: [.apt(["libxml2-dev"])]
        ),
        .systemLibrary(
            name: "CZlib",
            pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]
        ),
        .target(
            name: "PlytixPrima",
            dependencies: [
                "CLibXML2",
                "CZlib",
                .product(name: "Yams", package: "Yams"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "GRDB", package: "GRDB.swift"),
                // SQLite's C API, for the one statement a first run executes a million times.
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
            ],
            // Release builds leave out the run-time exclusivity checks on class properties: the
            // reader's and spool's per-cell accesses cost ~6% of a first run's CPU. Debug builds,
            // which the test suite runs, keep every check; compile-time checks stay in both.
            swiftSettings: strictSettings + [.unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release))]
        ),
        .executableTarget(
            name: "plytix-prima",
            dependencies: [
                "PlytixPrima",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strictSettings
        ),
        // Fixtures and a temp-root helper shared by all tests.
        .target(
            name: "PlytixPrimaTestSupport",
            dependencies: ["PlytixPrima"],
            path: "Tests/PlytixPrimaTestSupport",
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "PlytixPrimaTests",
            dependencies: [
                "PlytixPrima", "PlytixPrimaTestSupport", "CZlib",
                // The state tests read the SQLite state store back directly.
                .product(name: "GRDB", package: "GRDB.swift"),
                // The watch log tests capture log events.
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
    ],
    swiftLanguageModes: [.v6]
)
