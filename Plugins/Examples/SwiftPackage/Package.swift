// swift-tools-version:6.0
// A third party's own `quarry`: Quarry's command line with one more expander, `keyterms`, and a test of
// it against a small real index. Quarry is a dependency like any other (here by path; elsewhere by its
// git URL), and nothing of Quarry is forked.
import PackageDescription

let package = Package(
    name: "QuarryKeyTermsExample",
    platforms: [.macOS(.v13)],
    dependencies: [
        .package(name: "Quarry", path: "../../.."),   // Quarry: the QuarryCLI and QuarryTesting libraries
        .package(path: "../../QuarryAPI"),    // the plugin API
    ],
    targets: [
        .target(name: "KeyTerms", dependencies: [.product(name: "QuarryAPI", package: "QuarryAPI")]),
        .executableTarget(name: "my-quarry", dependencies: ["KeyTerms", .product(name: "QuarryCLI", package: "Quarry")]),
        .testTarget(name: "KeyTermsTests", dependencies: [
            "KeyTerms",
            .product(name: "QuarryTesting", package: "Quarry"),
            .product(name: "QuarryAPI", package: "QuarryAPI"),
        ]),
    ]
)
