// End to end against a real LLM: tools/llm-server.sh starts llama.cpp's OpenAI-compatible server
// with SmolLM2-135M-Instruct on a free loopback port (tools/install-deps.sh --llm installed it), and
// `cot` and `query2doc` expand a few sample queries through it. Never skipped: a server that does not
// start fails the test. Bounded: five queries, short generations.
import Foundation
import XCTest

final class RealLLMTests: XCTestCase {
    nonisolated(unsafe) static var dir: String!
    nonisolated(unsafe) static var baseURL = ""
    nonisolated(unsafe) static var model = ""
    nonisolated(unsafe) static var startError: String? = nil
    static var index: String { dir + "/sample" }
    static var topics: String { dir + "/topics5.tsv" }
    static var script: String { TestPaths.root.appendingPathComponent("tools/llm-server.sh").path }
    static var environment: [String: String] { ["QUARRY_LLM_STATE": dir + "/server"] }

    override class func setUp() {
        super.setUp()
        dir = NSTemporaryDirectory() + "quarry-real-llm-\(getpid())"
        try? FileManager.default.removeItem(atPath: dir)
        try! FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let docs = TestPaths.sample.appendingPathComponent("documents.jsonl").path
        precondition(try! quarry("index", "--collection", docs, "--format", "beir", "--index", index).status == 0)
        let all = try! String(contentsOfFile: TestPaths.sample.appendingPathComponent("topics.tsv").path, encoding: .utf8)
        try! (all.split(separator: "\n").prefix(5).joined(separator: "\n") + "\n").write(toFile: topics, atomically: true, encoding: .utf8)
        let port = try! runProcess("/usr/bin/env", ["python3", "-c", "import socket; s = socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])"])
            .stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let r = try! runProcess(script, ["start", "--port", port, "--parallel", "2"], environment: environment)
        let lines = r.stdout.split(separator: "\n").map(String.init)
        if r.status == 0, lines.count == 2 {
            baseURL = lines[0]
            model = lines[1]
        } else {
            startError = "tools/llm-server.sh start failed (\(r.status)): \(r.stderr.suffix(2000))"
        }
    }

    override class func tearDown() {
        _ = try? runProcess(script, ["stop"], environment: environment)
        try? FileManager.default.removeItem(atPath: dir)
        super.tearDown()
    }

    override func setUpWithError() throws {
        if let e = Self.startError { XCTFail(e); throw CancellationError() }
    }

    func lines(_ path: String) throws -> [[String: Any]] {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map {
            try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any]
        }
    }

    func testCoTThroughARealServer() throws {
        // Only the base URL: the model is the one the server lists.
        let r = try builtQuarry(["run", "--index", Self.index, "--topics", Self.topics, "--output", Self.dir + "/cot.run",
                                 "--expander", "cot", "--set", "cot.baseURL=\(Self.baseURL)", "--set", "cot.maxTokens=48",
                                 "--llm-cache", Self.dir + "/cache", "--save-queries", Self.dir + "/cot.jsonl"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("0 answered from the cache, 5 requests"), r.stderr)
        let saved = try lines(Self.dir + "/cot.jsonl")
        XCTAssertEqual(saved.count, 5)
        for q in saved {
            XCTAssertEqual(q["fallback"] as? Bool, false)
            let text = try XCTUnwrap(q["expansion"] as? String, "\(q)")
            XCTAssertGreaterThan(text.split(separator: " ").count, 3, text)
            XCTAssertFalse(text.hasPrefix("echo:"))
        }
        let run = try String(contentsOfFile: Self.dir + "/cot.run", encoding: .utf8)
        XCTAssertEqual(Set(run.split(separator: "\n").map { $0.split(separator: " ")[0] }).count, 5)
    }

    func testQuery2DocExpandAndReplay() throws {
        let set = ["--set", "query2doc.baseURL=\(Self.baseURL)", "--set", "query2doc.model=\(Self.model)",
                   "--set", "query2doc.maxTokens=48", "--llm-cache", Self.dir + "/cache"]
        let x = try builtQuarry(["expand", "--topics", Self.topics, "--expander", "query2doc", "--output", Self.dir + "/q2d.jsonl"] + set)
        XCTAssertEqual(x.status, 0, x.stderr)
        let expansions = try lines(Self.dir + "/q2d.jsonl")
        XCTAssertEqual(expansions.count, 5)
        XCTAssertEqual(expansions[0]["model"] as? String, Self.model)
        XCTAssertFalse((expansions[0]["expansion"] as? String ?? "").isEmpty)
        let live = try builtQuarry(["run", "--index", Self.index, "--topics", Self.topics, "--output", Self.dir + "/q2d.run",
                                    "--expander", "query2doc", "--offline"] + set)
        XCTAssertEqual(live.status, 0, live.stderr)
        let replay = try quarry("run", "--index", Self.index, "--topics", Self.topics, "--output", Self.dir + "/replay.run",
                                "--expander", "precomputed", "--set", "precomputed.file=\(Self.dir!)/q2d.jsonl", "--set", "precomputed.rule=fixed")
        XCTAssertEqual(replay.status, 0, replay.stderr)
        XCTAssertEqual(try String(contentsOfFile: Self.dir + "/q2d.run", encoding: .utf8),
                       try String(contentsOfFile: Self.dir + "/replay.run", encoding: .utf8))
    }
}
