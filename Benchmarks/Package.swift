// swift-tools-version: 6.1
// Benchmarks for page-owner-sort, kept apart so the main package and CI never build the
// benchmark plugin. Run: cd Benchmarks && swift package benchmark [--filter REGEX]
import PackageDescription

let package = Package(
    name: "PageOwnerBenchmarks",
    platforms: [.macOS(.v13)],
    dependencies: [
        .package(name: "page-owner-sort", path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        .executableTarget(
            name: "PageOwnerBench",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "PageOwnerKit", package: "page-owner-sort"),
                .product(name: "PageOwnerSynth", package: "page-owner-sort"),
            ],
            path: "Benchmarks/PageOwnerBench",
            plugins: [
                .plugin(name: "BenchmarkPlugin", package: "benchmark"),
            ]
        ),
    ],
    swiftLanguageModes: [.v5]
)
