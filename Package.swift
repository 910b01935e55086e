// swift-tools-version:6.0
// Quarry: a sparse search engine on Xapian with pluggable query expansion and reranking.
import PackageDescription

let package = Package(
    name: "Quarry",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "quarry", targets: ["quarry"]),
        .library(name: "QuarryCore", targets: ["QuarryCore"]),
        .library(name: "QuarryCLI", targets: ["QuarryCLI"]),
        .library(name: "QuarryTesting", targets: ["QuarryTesting"]),
        .executable(name: "quarry-fuzz", targets: ["quarry-fuzz"]),
    ],
    dependencies: [
        // The plugin API lives in its own package so that host and plugins share one copy of it.
        .package(path: "Plugins/QuarryAPI"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
        // The HTTP server of `quarry serve` (only the QuarryServer target and the executable use it).
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.0.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.0.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.0.0"),
    ],
    targets: [
        // Xapian behind an extern "C" API: every Xapian::Error becomes an error value.
        .target(
            name: "CXapian",
            path: "Sources/CXapian",
            cxxSettings: [.unsafeFlags(["-std=c++17"])],
            linkerSettings: [.linkedLibrary("xapian")]
        ),
        // libcurl, with typed wrappers for its variadic setters.
        .systemLibrary(name: "CCurl", path: "Sources/CCurl"),
        // An OpenAI-compatible LLM client with retries, a bounded number of requests in flight, and a cache.
        .systemLibrary(name: "CSQLite", path: "Sources/CSQLite"),
        .target(
            name: "QuarryLLM",
            dependencies: ["CCurl", "CSQLite", .product(name: "QuarryAPI", package: "QuarryAPI")],
            path: "Sources/QuarryLLM"
        ),
        // The neural runtime: float32 tensors with products through OpenBLAS, safetensors checkpoints,
        // tokenizers, BERT and T5 / Fusion-in-Decoder.
        .systemLibrary(name: "COpenBLAS", path: "Sources/COpenBLAS", pkgConfig: "openblas"),
        // Optimised even in debug builds: its loops are the hot path of every neural test and command.
        // Vectorised elementwise kernels (exp, erf, tanh, softmax), optimised even in debug builds.
        .target(name: "CNeuralKernels", path: "Sources/CNeuralKernels", cSettings: [.unsafeFlags(["-O3"])]),
        .target(name: "QuarryNeural", dependencies: ["COpenBLAS", "CNeuralKernels"], path: "Sources/QuarryNeural",
                swiftSettings: [.unsafeFlags(["-O"])]),
        // zlib: transparent reading of .gz and plain files.
        .systemLibrary(name: "CZlib", path: "Sources/CZlib"),
        // zstd: stored text compressed against a dictionary trained on the collection (TextDictionary).
        .systemLibrary(name: "CZstd", path: "Sources/CZstd"),
        .target(
            name: "QuarryCore",
            dependencies: [
                "CXapian", "CZlib", "CZstd",
                .product(name: "QuarryAPI", package: "QuarryAPI"),
                .product(name: "TOMLKit", package: "TOMLKit"),
            ],
            path: "Sources/QuarryCore"
        ),
        .target(
            name: "RM3",
            dependencies: [.product(name: "QuarryAPI", package: "QuarryAPI")],
            path: "Plugins/RM3"
        ),
        .target(
            name: "Precomputed",
            dependencies: [.product(name: "QuarryAPI", package: "QuarryAPI")],
            path: "Plugins/Precomputed"
        ),
        // LLM expansion: chain-of-thought (seed paper 1's teacher) and query2doc, over QuarryLLM.
        .target(
            name: "LLMCoT",
            dependencies: ["QuarryLLM", .product(name: "QuarryAPI", package: "QuarryAPI")],
            path: "Plugins/LLMCoT"
        ),
        .target(
            name: "Query2Doc",
            dependencies: ["QuarryLLM", .product(name: "QuarryAPI", package: "QuarryAPI")],
            path: "Plugins/Query2Doc"
        ),
        // RADCoT: the distilled Fusion-in-Decoder student (seed paper 1) as an expander.
        .target(
            name: "RADCoT",
            dependencies: ["QuarryCore", "QuarryNeural", .product(name: "QuarryAPI", package: "QuarryAPI")],
            path: "Plugins/RADCoT"
        ),
        // RADIO: the rationale-distilled reranker (seed paper 2), bi- or cross-encoder.
        .target(
            name: "RADIO",
            dependencies: ["QuarryNeural", .product(name: "QuarryAPI", package: "QuarryAPI")],
            path: "Plugins/RADIO"
        ),
        // The command-line front end as a library, so third parties can build their own `quarry`.
        .target(
            name: "QuarryCLI",
            dependencies: [
                "QuarryCore", "QuarryLLM", "QuarryNeural", "RM3", "Precomputed", "LLMCoT", "Query2Doc", "RADCoT", "RADIO",
                .product(name: "QuarryAPI", package: "QuarryAPI"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Sources/QuarryCLI"
        ),
        // `quarry serve`: the HTTP JSON API. Kept out of QuarryCLI so that a third party's own `quarry`
        // builds without the HTTP stack; the `quarry` executable adds it.
        .target(
            name: "QuarryServer",
            dependencies: [
                "QuarryCLI", "QuarryCore", "QuarryLLM",
                .product(name: "QuarryAPI", package: "QuarryAPI"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Sources/QuarryServer"
        ),
        .executableTarget(name: "quarry", dependencies: ["QuarryCLI", "QuarryServer"], path: "Sources/quarry"),
        // For plugin authors: a small real index and one call through the engine's pipeline.
        .target(
            name: "QuarryTesting",
            dependencies: ["QuarryCore", .product(name: "QuarryAPI", package: "QuarryAPI")],
            path: "Sources/QuarryTesting"
        ),
        // Fuzz targets: every reader, parser and request body fed arbitrary bytes (tools/fuzz/run.sh runs
        // them under libFuzzer through quarry-fuzz; FuzzRegressionTests replays what once crashed them).
        .target(
            name: "QuarryFuzzTargets",
            dependencies: ["QuarryCore", "QuarryNeural", "QuarryServer", "QuarryCLI", "QuarryTesting",
                           .product(name: "QuarryAPI", package: "QuarryAPI")],
            path: "Sources/QuarryFuzzTargets"
        ),
        .executableTarget(name: "quarry-fuzz", dependencies: ["QuarryFuzzTargets"], path: "Sources/quarry-fuzz"),
        .testTarget(
            name: "QuarryCoreTests",
            dependencies: ["QuarryCore", "RM3", "Precomputed", "LLMCoT", "Query2Doc", "RADCoT", "RADIO", "QuarryCLI", "QuarryLLM", "QuarryTesting", .product(name: "QuarryAPI", package: "QuarryAPI")],
            path: "Tests/QuarryCoreTests"
        ),
        .testTarget(
            name: "QuarryServerTests",
            dependencies: ["QuarryServer", "QuarryFuzzTargets", "QuarryCLI", "QuarryCore", "QuarryLLM", "QuarryTesting", .product(name: "QuarryAPI", package: "QuarryAPI"),
                           .product(name: "Hummingbird", package: "hummingbird"), .product(name: "NIOCore", package: "swift-nio"),
                           .product(name: "Logging", package: "swift-log")],
            path: "Tests/QuarryServerTests"
        ),
        .testTarget(
            name: "QuarryNeuralTests",
            dependencies: ["QuarryNeural", "CNeuralKernels"],
            path: "Tests/QuarryNeuralTests"
        ),
    ]
)
