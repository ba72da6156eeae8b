// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "page-owner-sort",
    products: [
        .library(name: "PageOwnerKit", targets: ["PageOwnerKit"]),
        .library(name: "PageOwnerSynth", targets: ["PageOwnerSynth"]),
        .executable(name: "page-owner-sort", targets: ["page-owner-sort"]),
        .executable(name: "page-owner-gen", targets: ["page-owner-gen"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        // The runtime of the pprof profile messages (Sources/PageOwnerKit/Output/Profile).
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0"),
    ],
    targets: [
        .systemLibrary(name: "CZstd", path: "Sources/CZstd", pkgConfig: "libzstd",
                       providers: [.apt(["libzstd-dev"])]),
        .systemLibrary(name: "CZlib", path: "Sources/CZlib", pkgConfig: "zlib",
                       providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CLzo", path: "Sources/CLzo", pkgConfig: "lzo2", providers: [.apt(["liblzo2-dev"])]),
        .systemLibrary(name: "CSnappy", path: "Sources/CSnappy", pkgConfig: "snappy", providers: [.apt(["libsnappy-dev"])]),
        .target(name: "CShims", path: "Sources/CShims"),
        .target(
            name: "PageOwnerKit",
            dependencies: [
                "CZstd", "CZlib", "CLzo", "CSnappy", "CShims",
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ]
        ),
        .executableTarget(
            name: "page-owner-sort",
            dependencies: [
                "PageOwnerKit", "CShims",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .target(name: "PageOwnerSynth"),
        .executableTarget(
            name: "page-owner-gen",
            dependencies: [
                "PageOwnerSynth",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // Test-only code shared by the test targets (fixtures, seeded random inputs): never
        // in the library.
        .target(name: "PageOwnerTestSupport", dependencies: ["PageOwnerKit", "PageOwnerSynth"], path: "Tests/PageOwnerTestSupport"),
        .testTarget(
            name: "PageOwnerKitTests",
            dependencies: [
                "PageOwnerKit", "PageOwnerTestSupport", "PageOwnerSynth", "CLzo", "CSnappy", "CZstd", "CShims",
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ]),
        .testTarget(name: "CLITests", dependencies: ["PageOwnerKit", "PageOwnerTestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)
