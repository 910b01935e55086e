// The real `quarry serve` over the sample collection: every endpoint over HTTP, answers equal to
// `quarry search` / `quarry run`, the 4xx refusals, a plugin failing for one request only, metrics,
// concurrent mixed requests, and SIGTERM ending it with exit 0.
import Foundation
import XCTest

final class ServeFunctionalTests: XCTestCase {
    /// One index and one server for the whole class (building and starting once keeps the test short).
    final class Fixture: @unchecked Sendable {
        let directory: String
        let index: String
        let expansions: String
        let server: ServerProcess

        init() throws {
            directory = NSTemporaryDirectory() + "quarry-serve-test-" + UUID().uuidString
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            index = directory + "/sample"
            let built = try runQuarry(["index", "--collection", ServerTestPaths.sample.appendingPathComponent("documents.jsonl").path,
                                       "--format", "beir", "--index", index])
            guard built.status == 0 else { throw ServerError("quarry index failed: \(built.stderr)") }
            // Expansions for the precomputed expander: text for query ids 1 and 2 only.
            expansions = directory + "/expansions.jsonl"
            try ("{\"qid\": \"1\", \"expansion\": \"a star runs out of hydrogen fuel and collapses into a white dwarf or explodes as a supernova\"}\n"
                 + "{\"qid\": \"2\", \"expansion\": \"the moon blocks the sun in a solar eclipse; the earth's shadow falls on the moon in a lunar eclipse\"}\n")
                .write(toFile: expansions, atomically: true, encoding: .utf8)
            server = try ServerProcess(["--index", index, "--set", "precomputed.file=\(expansions)",
                                        "--max-k", "100", "--max-body-bytes", "4096", "--max-batch", "8", "--max-query-length", "200",
                                        "--workers", "3"])
        }

        deinit {
            server.kill()
            try? FileManager.default.removeItem(atPath: directory)
        }
    }

    nonisolated(unsafe) static var fixture: Result<Fixture, Error>?

    var fixture: Fixture {
        get throws {
            if Self.fixture == nil { Self.fixture = Result { try Fixture() } }
            return try Self.fixture!.get()
        }
    }

    override class func tearDown() {
        if case .success(let f)? = fixture { f.server.kill() }
        fixture = nil
        super.tearDown()
    }

    /// The sample topics (id, text).
    static let topics: [(id: String, text: String)] = {
        let text = (try? String(contentsOf: ServerTestPaths.sample.appendingPathComponent("topics.tsv"), encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap { line in
            let cols = line.split(separator: "\t", omittingEmptySubsequences: false)
            return cols.count >= 2 ? (String(cols[0]), String(cols[1])) : nil
        }
    }()

    private func hits(_ answer: HTTPAnswer) -> [[String: Any]] { Self.hits(answer) }
    private static func hits(_ answer: HTTPAnswer) -> [[String: Any]] { answer.json["hits"] as? [[String: Any]] ?? [] }

    /// Hits as "score docid" to 9 decimals, in that order. RM3 adds its weights in hash order, so the
    /// same query's scores can differ in the last bit from one call to the next (never at 6 decimals,
    /// as run files have them); this compares answers above that noise.
    private static func canonical(_ hits: [[String: Any]]) -> [String] {
        hits.map { String(format: "%.9f %@", $0["score"] as? Double ?? .nan, $0["docid"] as? String ?? "?") }
            .sorted { a, b in
                let (sa, sb) = (Double(a.split(separator: " ")[0])!, Double(b.split(separator: " ")[0])!)
                return sa != sb ? sa > sb : a < b
            }
    }

    // MARK: - the endpoints

    func testHealthReportsTheIndex() throws {
        let f = try fixture
        let r = try f.server.get("/health")
        XCTAssertEqual(r.status, 200, r.text)
        XCTAssertEqual(r.json["status"] as? String, "ok")
        XCTAssertEqual(r.json["documents"] as? Int, 300)
        XCTAssertEqual(r.json["index"] as? [String], [f.index])
        XCTAssertTrue(r.headers["content-type"]?.hasPrefix("application/json") == true)
    }

    func testPluginsIsWhatThePluginsCommandPrints() throws {
        let f = try fixture
        let r = try f.server.get("/plugins")
        XCTAssertEqual(r.status, 200)
        let cli = try runQuarry(["plugins", "--json"])
        XCTAssertEqual(cli.status, 0, cli.stderr)
        let served = try JSONSerialization.jsonObject(with: r.body) as? NSDictionary
        let printed = try JSONSerialization.jsonObject(with: Data(cli.stdout.utf8)) as? NSDictionary
        XCTAssertNotNil(served)
        XCTAssertEqual(served, printed)
        let expanders = served?["expanders"] as? [[String: Any]] ?? []
        let rm3 = try XCTUnwrap(expanders.first { $0["name"] as? String == "rm3" })
        XCTAssertEqual(rm3["origin"] as? String, "built in")
        let precomputed = try XCTUnwrap(expanders.first { $0["name"] as? String == "precomputed" })
        let file = (precomputed["options"] as? [[String: Any]])?.first { $0["name"] as? String == "file" }
        XCTAssertEqual(file?["operatorOnly"] as? Bool, true)
        let fbDocs = (rm3["options"] as? [[String: Any]])?.first { $0["name"] as? String == "fbDocs" }
        XCTAssertEqual(fbDocs?["operatorOnly"] as? Bool, false)
        // The text listing marks them too.
        let text = try runQuarry(["plugins"])
        XCTAssertTrue(text.stdout.contains("precomputed.file (string, default none, operator only): "), text.stdout)
        XCTAssertTrue(text.stdout.contains("cot.baseURL (string, default none, operator only): "), text.stdout)
        XCTAssertTrue(text.stdout.contains("rm3.fbDocs (int, default 10): "), text.stdout)
    }

    func testBM25SearchEqualsTheSearchCommand() throws {
        let f = try fixture
        for topic in Self.topics.prefix(5) {
            let r = try f.server.post("/search", json: ["query": topic.text, "k": 10])
            XCTAssertEqual(r.status, 200, r.text)
            XCTAssertEqual(r.json["query"] as? String, topic.text)
            XCTAssertNotNil(r.json["tookMs"] as? Double)
            let cli = try runQuarry(["search", "--index", f.index, "--k", "10", "--json", topic.text])
            XCTAssertEqual(cli.status, 0, cli.stderr)
            let expected = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(cli.stdout.utf8)) as? [String: Any])
            let want = expected["hits"] as? [[String: Any]] ?? []
            let got = hits(r)
            XCTAssertEqual(got.count, 10)
            XCTAssertEqual(got.map { $0["docid"] as? String }, want.map { $0["docid"] as? String }, topic.text)
            XCTAssertEqual(got.map { $0["title"] as? String }, want.map { $0["title"] as? String })
            XCTAssertEqual(got.map { $0["rank"] as? Int }, Array(1...10))
            for (g, w) in zip(got, want) {
                XCTAssertEqual(g["score"] as? Double ?? -1, w["score"] as? Double ?? -2, accuracy: 1e-9)
            }
            let terms = (r.json["expanded"] as? [[String: Any]] ?? []).map { $0["term"] as? String ?? "" }
            XCTAssertEqual(terms, (expected["terms"] as? [[String: Any]] ?? []).map { $0["term"] as? String ?? "" })
        }
    }

    func testRM3WithAnOptionEqualsTheRunCommand() throws {
        let f = try fixture
        let topics = Array(Self.topics.prefix(6))
        let topicsFile = f.directory + "/rm3-topics.tsv"
        try topics.map { "\($0.id)\t\($0.text)" }.joined(separator: "\n").appending("\n").write(toFile: topicsFile, atomically: true, encoding: .utf8)
        let runFile = f.directory + "/rm3.run"
        let cli = try runQuarry(["run", "--index", f.index, "--topics", topicsFile, "--output", runFile, "--k", "10",
                                 "--expander", "rm3", "--set", "rm3.fbDocs=3", "--set", "rm3.fbTerms=15"])
        XCTAssertEqual(cli.status, 0, cli.stderr)
        var expected: [String: [(docid: String, score: Double)]] = [:]
        for line in try String(contentsOfFile: runFile, encoding: .utf8).split(separator: "\n") {
            let c = line.split(separator: " ")
            expected[String(c[0]), default: []].append((String(c[2]), Double(c[4])!))
        }
        var differsFromDefault = false
        for topic in topics {
            let r = try f.server.post("/search", json: ["query": topic.text, "k": 10, "expander": "rm3",
                                                        "options": ["rm3.fbDocs": 3, "rm3.fbTerms": 15]])
            XCTAssertEqual(r.status, 200, r.text)
            // The pipeline in force, without the operator's file path (precomputed.file is operator-only).
            XCTAssertEqual(r.json["pipeline"] as? String, "--expander rm3 --set rm3.fbDocs=3 --set rm3.fbTerms=15")
            let got = hits(r)
            let want = expected[topic.id] ?? []
            XCTAssertEqual(got.map { $0["docid"] as? String ?? "" }, want.map(\.docid), topic.text)
            for (g, w) in zip(got, want) { XCTAssertEqual(g["score"] as? Double ?? -1, w.score, accuracy: 5e-7) }
            // RM3 adds feedback terms beyond the query's own.
            let expanded = r.json["expanded"] as? [[String: Any]] ?? []
            XCTAssertGreaterThan(expanded.count, 3, topic.text)
            let plain = try f.server.post("/search", json: ["query": topic.text, "k": 10, "expander": "rm3"])
            XCTAssertEqual(plain.status, 200)
            if (plain.json["expanded"] as? [[String: Any]] ?? []).count != expanded.count
                || hits(plain).map({ $0["docid"] as? String }) != got.map({ $0["docid"] as? String }) { differsFromDefault = true }
        }
        XCTAssertTrue(differsFromDefault, "rm3.fbDocs=3, fbTerms=15 answered as the defaults do: the options were not applied")
    }

    func testPrecomputedExpanderReturnsItsTextAndFailsAloneForAMissingQuery() throws {
        let f = try fixture
        let r = try f.server.post("/search", json: ["id": "1", "query": "how do stars die", "expander": "precomputed"])
        XCTAssertEqual(r.status, 200, r.text)
        XCTAssertEqual(r.json["id"] as? String, "1")
        XCTAssertTrue((r.json["generated"] as? String ?? "").contains("white dwarf"), r.text)
        let terms = (r.json["expanded"] as? [[String: Any]] ?? []).compactMap { $0["term"] as? String }
        XCTAssertTrue(terms.contains("dwarf"), "\(terms)")
        // Query 9 is not in the file: the plugin fails, that request is a 500, the next ones succeed.
        let failed = try f.server.post("/search", json: ["id": "9", "query": "how do stars die", "expander": "precomputed"])
        XCTAssertEqual(failed.status, 500, failed.text)
        XCTAssertTrue(failed.error?.contains("no expansion for query 9") == true, failed.text)
        XCTAssertEqual(try f.server.post("/search", json: ["query": "how do stars die"]).status, 200)
        XCTAssertEqual(try f.server.get("/health").status, 200)
    }

    func testBatchAnswersEachQueryAsSearchDoes() throws {
        let f = try fixture
        let items: [[String: Any]] = [
            ["id": "a", "query": Self.topics[0].text],
            ["id": "b", "query": Self.topics[1].text, "expander": "rm3", "options": ["rm3.fbDocs": 5]],
            ["id": "c", "query": Self.topics[2].text, "model": "ql"],
            ["id": "d", "query": Self.topics[3].text, "k": 3],
        ]
        let r = try f.server.post("/batch", json: ["k": 7, "queries": items])
        XCTAssertEqual(r.status, 200, r.text)
        let results = r.json["results"] as? [[String: Any]] ?? []
        XCTAssertEqual(results.map { $0["id"] as? String }, ["a", "b", "c", "d"])
        for (item, result) in zip(items, results) {
            var single = item
            if single["k"] == nil { single["k"] = 7 }
            let alone = try f.server.post("/search", json: single)
            XCTAssertEqual(alone.status, 200, alone.text)
            let want = Self.canonical(hits(alone))
            let got = Self.canonical(result["hits"] as? [[String: Any]] ?? [])
            XCTAssertEqual(got, want, "\(item)")
            XCTAssertEqual(got.count, item["k"] as? Int ?? 7)
        }
        // A query whose plugin fails is an error item; the others are answered.
        let mixed = try f.server.post("/batch", json: ["queries": [["id": "1", "query": "stars", "expander": "precomputed"],
                                                                   ["id": "404", "query": "stars", "expander": "precomputed"]]])
        XCTAssertEqual(mixed.status, 200, mixed.text)
        let mixedResults = mixed.json["results"] as? [[String: Any]] ?? []
        XCTAssertEqual(mixedResults.count, 2)
        XCTAssertNotNil(mixedResults.first?["hits"])
        XCTAssertEqual(mixedResults.last?["status"] as? Int, 500)
        XCTAssertTrue((mixedResults.last?["error"] as? String ?? "").contains("no expansion for query 404"))
    }

    // MARK: - refusals

    /// POSTs `body` and checks the status and that the JSON error names `mentioning`.
    private func assertRefused(_ path: String, _ body: Data, status: Int = 400, mentioning: String,
                               file: StaticString = #filePath, line: UInt = #line) throws {
        let r = try fixture.server.post(path, body: body)
        XCTAssertEqual(r.status, status, r.text, file: file, line: line)
        let message = try XCTUnwrap(r.error, "no {\"error\"} in \(r.text)", file: file, line: line)
        XCTAssertTrue(message.contains(mentioning), "'\(message)' does not mention '\(mentioning)'", file: file, line: line)
    }

    private func assertRefused(_ path: String = "/search", json: Any, status: Int = 400, mentioning: String,
                               file: StaticString = #filePath, line: UInt = #line) throws {
        try assertRefused(path, try JSONSerialization.data(withJSONObject: json), status: status, mentioning: mentioning, file: file, line: line)
    }

    func testBadRequestsAre400sNamingTheField() throws {
        try assertRefused("/search", Data("{\"query\": \"stars\",".utf8), mentioning: "not valid JSON: Unexpected end of file")
        try assertRefused("/search", Data("{\"query\" \"stars\"}".utf8), mentioning: "not valid JSON: Invalid value around character")
        try assertRefused("/batch", Data(), mentioning: "request body is empty")
        try assertRefused("/search", Data("[1, 2]".utf8), mentioning: "expected a JSON object")
        try assertRefused(json: ["k": 10], mentioning: "query: required")
        try assertRefused(json: ["query": "   "], mentioning: "query: empty")
        try assertRefused(json: ["query": "stars", "k": "ten"], mentioning: "k: expected an integer, got a string")
        try assertRefused(json: ["query": "stars", "k": 2.5], mentioning: "k: expected an integer")
        try assertRefused(json: ["query": 42], mentioning: "query: expected a string, got a number")
        try assertRefused(json: ["query": "stars", "expnader": "rm3"], mentioning: "expnader: unknown field")
        try assertRefused(json: ["query": "stars", "options": ["rm3.fbDocs": "many"]], mentioning: "options.rm3.fbDocs: expects int")
        try assertRefused(json: ["query": "stars", "options": ["rm3.fbDocs": [1, 2]]], mentioning: "options.rm3.fbDocs: expected a number, boolean or string")
        try assertRefused(json: ["query": "stars", "options": ["rm3.fbDox": 3]], mentioning: "options.rm3.fbDox: unknown option")
        try assertRefused(json: ["query": "stars", "options": ["nosuch.key": 3]], mentioning: "options.nosuch.key: no model or plugin named 'nosuch'")
        try assertRefused(json: ["query": "stars", "options": "rm3.fbDocs=3"], mentioning: "options: expected an object")
        try assertRefused(json: ["query": "stars", "model": "tfidf"], mentioning: "model: unknown model 'tfidf'")
        try assertRefused(json: ["query": "stars", "options": ["rm3.fbDocs": 0], "expander": "rm3"], mentioning: "rm3.fbDocs")
        // Past Int's range: once a trap converting the number, now a refusal.
        try assertRefused(json: ["query": "stars", "options": ["rm3.fbDocs": 1e300], "expander": "rm3"], mentioning: "options.rm3.fbDocs: expects int")
    }

    func testUnknownPluginsAndProcessPluginsAreRefused() throws {
        try assertRefused(json: ["query": "stars", "expander": "nosuch"], mentioning: "expander: unknown expander 'nosuch'")
        try assertRefused(json: ["query": "stars", "reranker": "nosuch"], mentioning: "reranker: unknown reranker 'nosuch'")
        try assertRefused(json: ["query": "stars", "expander": "exec:/bin/sh -c id"], mentioning: "expander: process plugins (exec:…) are started by the operator only")
        try assertRefused(json: ["query": "stars", "reranker": "exec:python3 rerank.py"], mentioning: "reranker: process plugins")
    }

    func testOperatorOnlyOptionsAreRefused() throws {
        let cases: [(String, Any)] = [
            ("precomputed.file", "/etc/passwd"), ("radio.model", "/tmp/model"), ("radcot.passageIndex", "/tmp/other"),
            ("cot.baseURL", "http://192.0.2.1/v1"), ("cot.apiKeyEnv", "HOME"), ("query2doc.promptFile", "/etc/hosts"),
            ("query2doc.examplesFile", "/etc/hosts"), ("cot.promptFile", "/etc/hosts"), ("radcot.model", "/tmp/t5"),
        ]
        for (option, value) in cases {
            try assertRefused(json: ["query": "stars", "options": [option: value]], mentioning: "options.\(option): operator-only option")
        }
        // Allowed options of the same plugins are accepted by the check (cot.temperature is not a path).
        let r = try fixture.server.post("/search", json: ["query": "stars", "options": ["cot.temperature": 0.5]])
        XCTAssertEqual(r.status, 200, r.text)
    }

    func testLimitsAreEnforced() throws {
        try assertRefused(json: ["query": "stars", "k": 101], mentioning: "k: must be between 1 and 100 (--max-k), got 101")
        try assertRefused(json: ["query": "stars", "k": 0], mentioning: "k: must be between 1 and 100")
        try assertRefused(json: ["query": String(repeating: "star ", count: 50)], mentioning: "query: 250 characters, over the limit of 200")
        let big = try JSONSerialization.data(withJSONObject: ["query": "stars", "id": String(repeating: "x", count: 5000)])
        try assertRefused("/search", big, status: 413, mentioning: "larger than the limit of 4096 bytes")
        let nine = (0..<9).map { ["query": "q\($0)"] }
        try assertRefused("/batch", json: ["queries": nine], mentioning: "queries: 9 queries, over the limit of 8")
        try assertRefused("/batch", json: ["queries": [["query": "stars"], ["query": "moon", "k": 500]]], mentioning: "queries[1].k: must be between 1 and 100")
        try assertRefused("/batch", json: ["queries": [["query": "stars", "expander": "exec:id"]]], mentioning: "queries[0].expander: process plugins")
        try assertRefused("/batch", json: ["queries": []], mentioning: "queries: empty")
        // The server is still serving after all of that.
        XCTAssertEqual(try fixture.server.post("/search", json: ["query": "stars"]).status, 200)
    }

    func testUnknownRoutesAre404s() throws {
        let r = try fixture.server.get("/nosuch")
        XCTAssertEqual(r.status, 404)
        XCTAssertTrue(r.error?.contains("no such endpoint: GET /nosuch") == true, r.text)
        XCTAssertEqual(try fixture.server.get("/search").status, 404)
    }

    // MARK: - metrics

    /// `name{labels} value` lines of the exposition text.
    private func metric(_ text: String, _ series: String) -> Double? {
        for line in text.split(separator: "\n") where line.hasPrefix(series + " ") {
            return Double(line.dropFirst(series.count + 1))
        }
        return nil
    }

    func testMetricsCountTheRequests() throws {
        let f = try fixture
        let before = try f.server.get("/metrics")
        XCTAssertEqual(before.status, 200)
        XCTAssertTrue(before.headers["content-type"]?.hasPrefix("text/plain") == true)
        let ok200 = metric(before.text, "quarry_http_requests_total{endpoint=\"/search\",status=\"200\"}") ?? 0
        let bad400 = metric(before.text, "quarry_http_requests_total{endpoint=\"/search\",status=\"400\"}") ?? 0
        let count = metric(before.text, "quarry_http_request_duration_seconds_count{endpoint=\"/search\"}") ?? 0
        let searches = try XCTUnwrap(metric(before.text, "quarry_searches_total"))
        let badRequests = try XCTUnwrap(metric(before.text, "quarry_errors_total{kind=\"bad_request\"}"))
        let hits = try XCTUnwrap(metric(before.text, "quarry_pipeline_cache_hits_total"))
        for q in ["stars", "moon", "eclipse"] { XCTAssertEqual(try f.server.post("/search", json: ["query": q]).status, 200) }
        XCTAssertEqual(try f.server.post("/search", json: ["query": "stars", "k": -1]).status, 400)
        let after = try f.server.get("/metrics").text
        XCTAssertEqual(metric(after, "quarry_http_requests_total{endpoint=\"/search\",status=\"200\"}"), ok200 + 3)
        XCTAssertEqual(metric(after, "quarry_http_requests_total{endpoint=\"/search\",status=\"400\"}"), bad400 + 1)
        XCTAssertEqual(metric(after, "quarry_http_request_duration_seconds_count{endpoint=\"/search\"}"), count + 4)
        XCTAssertEqual(metric(after, "quarry_http_request_duration_seconds_bucket{endpoint=\"/search\",le=\"+Inf\"}"), count + 4)
        XCTAssertEqual(metric(after, "quarry_searches_total"), searches + 3)
        XCTAssertEqual(metric(after, "quarry_errors_total{kind=\"bad_request\"}"), badRequests + 1)
        XCTAssertEqual(metric(after, "quarry_pipeline_cache_hits_total"), hits + 3)
        for family in ["quarry_llm_requests_total", "quarry_llm_cache_hits_total", "quarry_pipelines_cached", "quarry_searchers"] {
            XCTAssertNotNil(metric(after, family), family)
        }
        XCTAssertTrue(after.contains("# TYPE quarry_http_request_duration_seconds histogram"))
    }

    // MARK: - concurrency

    func testConcurrentMixedRequestsAnswerAsTheyDoAlone() throws {
        let f = try fixture
        let requests: [[String: Any]] = Self.topics.prefix(10).enumerated().map { i, t in
            i % 2 == 0 ? ["query": t.text, "k": 20] : ["query": t.text, "k": 20, "expander": "rm3", "options": ["rm3.fbDocs": 5 + i]]
        }
        @Sendable func answer(_ r: HTTPAnswer) -> String {
            "\(r.status) " + Self.canonical(Self.hits(r)).joined(separator: ", ")
        }
        let alone = try requests.map { answer(try f.server.post("/search", json: $0)) }
        XCTAssertTrue(alone.allSatisfy { $0.hasPrefix("200 ") })
        final class Answers: @unchecked Sendable {
            let lock = NSLock()
            var values: [Int: String] = [:]
        }
        let together = Answers()
        let server = f.server
        // Three rounds of all the requests at once, one client thread each (more than the server's workers).
        let group = DispatchGroup()
        for i in 0..<(requests.count * 3) {
            group.enter()
            let body = try JSONSerialization.data(withJSONObject: requests[i % requests.count])
            Thread.detachNewThread {
                let r = (try? server.post("/search", body: body)).map(answer) ?? "transport error"
                together.lock.withLock { together.values[i] = r }
                group.leave()
            }
        }
        XCTAssertEqual(group.wait(timeout: .now() + 120), .success)
        for i in 0..<(requests.count * 3) {
            XCTAssertEqual(together.values[i], alone[i % requests.count], "request \(i % requests.count) answered differently under load")
        }
    }

    // MARK: - start and stop

    func testAConfigFileSetsTheDefaultsAndSIGTERMStopsTheServerWithExitZero() throws {
        let f = try fixture
        let config = f.directory + "/serve.toml"
        try "expander = \"rm3\"\n[rm3]\nfbDocs = 3\n".write(toFile: config, atomically: true, encoding: .utf8)
        let server = try ServerProcess(["--index", f.index, "--config", config])
        XCTAssertEqual(try server.get("/health").status, 200)
        // A request that chooses nothing gets the operator's pipeline; one that says "none" gets BM25.
        let defaulted = try server.post("/search", json: ["query": "how do stars die"])
        XCTAssertEqual(defaulted.json["pipeline"] as? String, "--expander rm3 --set rm3.fbDocs=3", defaulted.text)
        let plain = try server.post("/search", json: ["query": "how do stars die", "expander": "none"])
        XCTAssertEqual(plain.json["pipeline"] as? String, "--set rm3.fbDocs=3", plain.text)
        XCTAssertEqual((plain.json["expanded"] as? [[String: Any]])?.compactMap { $0["term"] as? String }, ["how", "do", "star", "die"])
        XCTAssertEqual(server.stop(SIGTERM), 0, server.stderr)
        XCTAssertTrue(server.stderr.contains("quarry serve: stopped"), server.stderr)
    }

    /// `--index` repeated: a server over the two shards of a sharded build answers as the one over the
    /// unsharded index (BM25 and RM3; statistics are global over the shards).
    func testAServerOverTwoShardsAnswersAsOverOneIndex() throws {
        let f = try fixture
        let sharded = f.directory + "/sharded"
        let built = try runQuarry(["index", "--collection", ServerTestPaths.sample.appendingPathComponent("documents.jsonl").path,
                                   "--format", "beir", "--index", sharded, "--shards", "2"])
        XCTAssertEqual(built.status, 0, built.stderr)
        let server = try ServerProcess(["--index", sharded + "/shard-00", "--index", sharded + "/shard-01"])
        defer { server.kill() }
        for topic in Self.topics.prefix(5) {
            for expander in ["none", "rm3"] {
                let body: [String: Any] = ["query": topic.text, "k": 10, "expander": expander]
                let one = try f.server.post("/search", json: body), two = try server.post("/search", json: body)
                XCTAssertEqual(two.status, 200, two.text)
                XCTAssertEqual(hits(two).map { $0["docid"] as? String }, hits(one).map { $0["docid"] as? String }, "\(expander): \(topic.text)")
                for (a, b) in zip(hits(two), hits(one)) {
                    XCTAssertEqual(a["score"] as? Double ?? -1, b["score"] as? Double ?? -2, accuracy: 1e-6)
                }
            }
        }
        XCTAssertEqual(server.stop(SIGTERM), 0, server.stderr)
    }

    func testStartUpErrorsAreOneLineAndNonZero() throws {
        let f = try fixture
        let missing = try runQuarry(["serve", "--index", f.directory + "/nosuch", "--port", "0"])
        XCTAssertEqual(missing.status, 1)
        XCTAssertTrue(missing.stderr.contains("no index there"), missing.stderr)
        let two = try runQuarry(["serve", "--index", f.index, "--index", f.index, "--port", "0"])
        XCTAssertEqual(two.status, 1)
        XCTAssertTrue(two.stderr.contains("given twice"), two.stderr)
        let badPlugin = try runQuarry(["serve", "--index", f.index, "--port", "0", "--expander", "nosuch"])
        XCTAssertEqual(badPlugin.status, 1)
        XCTAssertTrue(badPlugin.stderr.contains("unknown expander 'nosuch'"), badPlugin.stderr)
        let badFile = try runQuarry(["serve", "--index", f.index, "--port", "0", "--set", "precomputed.file=\(f.directory)/none.jsonl"])
        XCTAssertEqual(badFile.status, 1)
        XCTAssertTrue(badFile.stderr.contains("cannot read expansions file"), badFile.stderr)
        let taken = try runQuarry(["serve", "--index", f.index, "--port", String(f.server.port)])
        XCTAssertEqual(taken.status, 1)
        XCTAssertTrue(taken.stderr.contains("serve on 127.0.0.1:\(f.server.port)"), taken.stderr)
    }
}
