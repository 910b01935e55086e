// The real `quarry serve` for functional tests: the built binary started on a free loopback port
// (--port 0; the port is read from its "listening on" line), spoken to over HTTP with libcurl, and
// always stopped when the test ends.
import Foundation
import XCTest
import QuarryLLM

enum ServerTestPaths {
    /// The checkout root (this file is Tests/QuarryServerTests/ServerProcess.swift).
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let sample = root.appendingPathComponent("corpora/sample")

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

struct ProcessResult {
    var status: Int32
    var stdout: String
    var stderr: String
}

/// Runs the built `quarry` to completion.
@discardableResult
func runQuarry(_ arguments: [String]) throws -> ProcessResult {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: ServerTestPaths.quarry)
    p.arguments = arguments
    p.currentDirectoryURL = ServerTestPaths.root
    let out = Pipe(), err = Pipe()
    p.standardOutput = out
    p.standardError = err
    try p.run()
    final class Box: @unchecked Sendable { var data = Data() }
    let outBox = Box()
    let group = DispatchGroup()
    group.enter()
    DispatchQueue.global().async { outBox.data = out.fileHandleForReading.readDataToEndOfFile(); group.leave() }
    let errData = err.fileHandleForReading.readDataToEndOfFile()
    group.wait()
    p.waitUntilExit()
    return ProcessResult(status: p.terminationStatus, stdout: String(decoding: outBox.data, as: UTF8.self),
                         stderr: String(decoding: errData, as: UTF8.self))
}

/// An HTTP answer, with the body parsed as JSON when it is JSON.
struct HTTPAnswer {
    var status: Int
    var headers: [String: String]
    var body: Data
    var text: String { String(decoding: body, as: UTF8.self) }
    var json: [String: Any] { (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] ?? [:] }
    var error: String? { json["error"] as? String }
}

/// A running `quarry serve`.
final class ServerProcess: @unchecked Sendable {
    let process = Process()
    let port: Int
    private let stderrPipe = Pipe()
    private let stderrBox = Box()
    private final class Box: @unchecked Sendable {
        let lock = NSLock()
        var data = Data()
    }

    /// Starts `quarry serve --port 0 ARGUMENTS` and waits (at most `timeout` s) until it listens.
    init(_ arguments: [String], timeout: Double = 120) throws {
        process.executableURL = URL(fileURLWithPath: ServerTestPaths.quarry)
        process.arguments = ["serve", "--host", "127.0.0.1", "--port", "0"] + arguments
        process.currentDirectoryURL = ServerTestPaths.root
        let out = Pipe()
        process.standardOutput = out
        process.standardError = stderrPipe
        try process.run()
        let box = stderrBox
        let errHandle = stderrPipe.fileHandleForReading
        Thread.detachNewThread {
            while true {
                let chunk = errHandle.availableData
                if chunk.isEmpty { break }
                box.lock.withLock { box.data.append(chunk) }
            }
        }
        // The first stdout line is "listening on http://127.0.0.1:PORT".
        final class Line: @unchecked Sendable { var text = "" }
        let line = Line()
        let ready = DispatchSemaphore(value: 0)
        let outHandle = out.fileHandleForReading
        Thread.detachNewThread {
            var bytes = Data()
            while let b = try? outHandle.read(upToCount: 1), !b.isEmpty, b != Data("\n".utf8) { bytes.append(b) }
            line.text = String(decoding: bytes, as: UTF8.self)
            ready.signal()
            // Keep draining so the server never blocks on a full pipe.
            while let b = try? outHandle.read(upToCount: 4096), !b.isEmpty {}
        }
        let waited = ready.wait(timeout: .now() + timeout)
        guard waited == .success, line.text.hasPrefix("listening on http://127.0.0.1:"),
              let port = Int(line.text.split(separator: ":").last ?? "") else {
            if process.isRunning { process.terminate() }
            process.waitUntilExit()
            throw ServerError("quarry serve did not start (stdout '\(line.text)'): \(box.lock.withLock { String(decoding: box.data, as: UTF8.self) })")
        }
        self.port = port
    }

    deinit { kill() }

    var stderr: String { stderrBox.lock.withLock { String(decoding: stderrBox.data, as: UTF8.self) } }

    /// Ends the process at once if it still runs (test clean-up).
    func kill() {
        if process.isRunning {
            Foundation.kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    /// Sends `signal` and waits (at most `timeout` s) for the exit status.
    func stop(_ signal: Int32 = SIGTERM, timeout: Double = 30) -> Int32? {
        Foundation.kill(process.processIdentifier, signal)
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        if process.isRunning { kill(); return nil }
        return process.terminationStatus
    }

    var base: String { "http://127.0.0.1:\(port)" }

    func get(_ path: String) throws -> HTTPAnswer {
        let r = try HTTPClient.get(base + path, totalTimeout: 60, maxBytes: 16 << 20)
        return HTTPAnswer(status: r.status, headers: r.headers, body: r.body)
    }

    func post(_ path: String, body: Data) throws -> HTTPAnswer {
        let r = try HTTPClient.post(base + path, headers: ["Content-Type": "application/json"], body: body, connectTimeout: 5, totalTimeout: 60)
        return HTTPAnswer(status: r.status, headers: r.headers, body: r.body)
    }

    func post(_ path: String, json: Any) throws -> HTTPAnswer {
        try post(path, body: try JSONSerialization.data(withJSONObject: json, options: [.sortedKeys]))
    }
}

struct ServerError: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}
