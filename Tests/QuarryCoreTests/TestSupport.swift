// Shared helpers for tests: where the checkout, the sample collection and the shared corpora are,
// temporary directories, and running the built `quarry` binary.
import Foundation
import XCTest
@testable import QuarryCore
import QuarryLLM

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

    /// The `quarry` built with these tests: beside the test executable (Linux) or its bundle.
    static let quarry: String = {
        let exe = URL(fileURLWithPath: CommandLine.arguments.first ?? "").resolvingSymlinksInPath()
        for dir in [exe.deletingLastPathComponent(), Bundle.main.bundleURL, Bundle.main.bundleURL.deletingLastPathComponent()] {
            let candidate = dir.appendingPathComponent("quarry").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return root.appendingPathComponent(".build/debug/quarry").path
    }()
}

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

/// Runs the built `quarry` with an argument list and extra environment.
@discardableResult
func builtQuarry(_ arguments: [String], environment: [String: String]? = nil) throws -> CommandResult {
    try runProcess(TestPaths.quarry, arguments, cwd: TestPaths.root.path, environment: environment)
}

/// Small fixture files written by the tests themselves.
enum FixtureFiles {
    @discardableResult
    static func write(_ text: String, _ path: String) throws -> String {
        try write(Array(text.utf8), path)
    }

    @discardableResult
    static func write(_ bytes: [UInt8], _ path: String) throws -> String {
        let dir = PathName.parent(path)
        if !dir.isEmpty { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) }
        guard FileManager.default.createFile(atPath: path, contents: Data(bytes)) else { throw QuarryError("cannot write \(path)") }
        return path
    }

    /// `path.gz` beside `path` (which stays).
    @discardableResult
    static func gzip(_ path: String) throws -> String {
        let r = try runProcess("/bin/gzip", ["-kf", path])
        guard r.status == 0 else { throw QuarryError("gzip failed: \(r.stderr)") }
        return path + ".gz"
    }

    /// A tarball of `members` (paths relative to `dir`); `extra` are further tar options.
    @discardableResult
    static func tar(_ archive: String, from dir: String, _ members: [String], extra: [String] = []) throws -> String {
        let z = archive.hasSuffix("gz") ? ["-z"] : []
        let r = try runProcess("/bin/tar", z + extra + ["-cf", archive, "-C", dir] + members)
        guard r.status == 0 else { throw QuarryError("tar failed: \(r.stderr)") }
        return archive
    }

    /// Every record a reader yields for `path`.
    static func records(_ format: CollectionFormat, _ path: String) throws -> [CollectionFormat.Record] {
        var out: [CollectionFormat.Record] = []
        try format.read(path) { out.append($0) }
        return out
    }

    static func documents(_ format: CollectionFormat, _ path: String) throws -> [RawDocument] {
        try records(format, path).compactMap { try? $0.get() }
    }

    static func bad(_ format: CollectionFormat, _ path: String) throws -> [BadRecord] {
        try records(format, path).compactMap { if case .failure(let b) = $0 { return b } else { return nil } }
    }
}



/// The fault-injecting OpenAI-compatible server (Tests/Fixtures/llm_fault_server.py), started once
/// for the whole test run on a free loopback port; it exits with the test process.
enum FaultServer {
    static let port: Int = {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", TestPaths.root.appendingPathComponent("Tests/Fixtures/llm_fault_server.py").path]
        let out = Pipe()
        p.standardOutput = out
        try! p.run()
        var line = Data()
        while let byte = try? out.fileHandleForReading.read(upToCount: 1), !byte.isEmpty, byte != Data("\n".utf8) { line.append(byte) }
        let port = Int(String(decoding: line, as: UTF8.self)) ?? 0
        precondition(port > 0, "fault server did not start")
        return port
    }()

    /// The base URL of one behaviour (`ok`, `badrequest`, `slowish-run`, …).
    static func url(_ mode: String) -> String { "http://127.0.0.1:\(port)/\(mode)/v1" }

    static func stats() throws -> [String: Any] {
        let r = try HTTPClient.post("http://127.0.0.1:\(port)/stats", headers: [:], body: Data(), connectTimeout: 2, totalTimeout: 5)
        return try JSONSerialization.jsonObject(with: r.body) as! [String: Any]
    }

    /// Requests seen for `mode`.
    static func count(_ mode: String) throws -> Int { ((try stats())["counts"] as? [String: Int])?[mode] ?? 0 }
}
