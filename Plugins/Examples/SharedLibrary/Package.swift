// swift-tools-version:6.0
// A reranker built as a shared library, loaded by any `quarry` at start-up:
//     swift build --package-path Plugins/Examples/SharedLibrary
//     quarry run --plugin-path Plugins/Examples/SharedLibrary/.build/debug/libQuarryTitleBoost.so --reranker titleboost …
// It depends on the plugin API alone (not on the engine), so it builds in seconds. The API's library is
// dynamic: the plugin and the `quarry` that loads it share one copy, as protocol casts need.
import PackageDescription

let package = Package(
    name: "QuarryTitleBoostExample",
    products: [
        .library(name: "QuarryTitleBoost", type: .dynamic, targets: ["TitleBoost"]),
    ],
    dependencies: [
        .package(path: "../../QuarryAPI"),
    ],
    targets: [
        .target(name: "TitleBoost", dependencies: [.product(name: "QuarryAPI", package: "QuarryAPI")]),
    ]
)
