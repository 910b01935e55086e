// swift-tools-version:6.0
// QuarryAPI: the contract between the Quarry engine and its plugins (expanders and rerankers).
// Kept in its own package with a dynamic library product so that a host and the plugins it loads
// with dlopen share one copy of these types (protocol casts fail across two copies).
import PackageDescription

let package = Package(
    name: "QuarryAPI",
    products: [
        // Dynamic, always: the `quarry` executable and every `.so` plugin it loads must share one copy.
        .library(name: "QuarryAPI", type: .dynamic, targets: ["QuarryAPI"]),
    ],
    targets: [
        .target(name: "QuarryAPI"),
    ]
)
