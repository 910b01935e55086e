// Shared helpers for tests: where the checkout, the sample collection and the shared corpora are,
// temporary directories, and running the built `quarry` binary.
import Foundation
import XCTest

enum TestPaths {
    /// The checkout root (this file is Tests/QuarryCoreTests/TestSupport.swift).
    static let root: URL = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let sample = root.appendingPathComponent("corpora/sample")
    /// `$QUARRY_CORPORA`, else ../shared/corpora beside the checkout.
    static let corpora: URL = {
        if let env = ProcessInfo.processInfo.environment["QUARRY_CORPORA"], !env.isEmpty { return URL(fileURLWithPath: env) }
        return root.appendingPathComponent("../shared/corpora").standardized
    }()

    /// A shared corpus file; fails the test (never skips it) when the data is missing.
    static func corpus(_ rel: String, file: StaticString = #filePath, line: UInt = #line) throws -> String {
        let p = corpora.appendingPathComponent(rel).path
        guard FileManager.default.fileExists(atPath: p) else {
            XCTFail("shared corpus file missing: \(p) (set QUARRY_CORPORA)", file: file, line: line)
            throw XCTSkip("missing \(p)")
        }
        return p
    }

    /// The built quarry executable beside the test bundle.
    static var quarry: String {
        var dir = Bundle(for: Marker.self).bundleURL.deletingLastPathComponent()
        if !FileManager.default.fileExists(atPath: dir.appendingPathComponent("quarry").path) {
            dir = root.appendingPathComponent(".build/debug")
        }
        return dir.appendingPathComponent("quarry").path
    }
}

private final class Marker {}

/// A fresh temporary directory removed when the test ends.
func temporaryDirectory(_ test: XCTestCase) throws -> String {
    let dir = NSTemporaryDirectory() + "quarry-test-" + UUID().uuidString
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    test.addTeardownBlock { try? FileManager.default.removeItem(atPath: dir) }
    return dir
}

struct CommandResult {
    var status: Int32
    var stdout: String
    var stderr: String
}

/// Runs a program to completion, capturing its output.
@discardableResult
func runProcess(_ executable: String, _ arguments: [String], cwd: String? = nil, environment: [String: String]? = nil) throws -> CommandResult {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: executable)
    p.arguments = arguments
    if let cwd { p.currentDirectoryURL = URL(fileURLWithPath: cwd) }
    if let environment { p.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
    let out = Pipe(), err = Pipe()
    p.standardOutput = out
    p.standardError = err
    try p.run()
    // Read both pipes while the process runs, so neither fills up.
    final class Box: @unchecked Sendable { var data = Data() }
    let outBox = Box()
    let group = DispatchGroup()
    group.enter()
    DispatchQueue.global().async { outBox.data = out.fileHandleForReading.readDataToEndOfFile(); group.leave() }
    let errData = err.fileHandleForReading.readDataToEndOfFile()
    group.wait()
    let outData = outBox.data
    p.waitUntilExit()
    return CommandResult(status: p.terminationStatus, stdout: String(decoding: outData, as: UTF8.self), stderr: String(decoding: errData, as: UTF8.self))
}

/// Runs the built `quarry`.
@discardableResult
func quarry(_ arguments: String..., cwd: String? = nil) throws -> CommandResult {
    try runProcess(TestPaths.quarry, arguments, cwd: cwd ?? TestPaths.root.path)
}
