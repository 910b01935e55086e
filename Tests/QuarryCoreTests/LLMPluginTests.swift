// The `cot` and `query2doc` plugins, `quarry expand` and the LLM flags, against the fault-injecting
// server: prompts and repetition rules, prompt files, fallbacks and exit status 3, the bound on
// requests in flight, the cache across runs and --offline, a damaged cache.
import Foundation
import XCTest
import QuarryAPI
@testable import QuarryCore
@testable import QuarryLLM
import LLMCoT
import Query2Doc

final class LLMPluginTests: XCTestCase {
    nonisolated(unsafe) static var dir: String!
    static var index: String { dir + "/sample" }
    static let topics = TestPaths.sample.appendingPathComponent("topics.tsv").path

    override class func setUp() {
        super.setUp()
        dir = NSTemporaryDirectory() + "quarry-llm-plugins-\(getpid())"
        try? FileManager.default.removeItem(atPath: dir)
        try! FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let docs = TestPaths.sample.appendingPathComponent("documents.jsonl").path
        let r = try! quarry("index", "--collection", docs, "--format", "beir", "--index", index)
        precondition(r.status == 0, r.stderr)
        LLMRuntime.shared.configure(cacheDirectory: dir + "/in-process-cache")
    }

    override class func tearDown() {
        try? FileManager.default.removeItem(atPath: dir)
        super.tearDown()
    }

    func options(_ plugin: ExpanderPlugin, _ given: [String: String]) throws -> Options {
        try Options.resolve(given.mapValues { OptionValue.string($0) }, specs: plugin.options, plugin: plugin.name)
    }

    func testCoTUsesThePaperPromptAndTheRepetitionRule() async throws {
        let query = Query(id: "1", text: "how do glaciers move")
        let prompt = "Answer the following question: how do glaciers move Give the rationale before answering"
        // The server echoes: "echo: " + prompt, 12 words and 93 characters; the query has 4 words, 20 characters.
        for (extra, n) in [([:], 5), (["nc": "2"], 3), (["nc": "2", "lengthUnit": "chars"], 4)] {
            let o = try options(CoTExpander.plugin, ["baseURL": FaultServer.url("ok"), "model": "m"].merging(extra) { $1 })
            let e = try CoTExpander.plugin.make(o) as! LLMExpander
            XCTAssertEqual(e.prompt(for: query), prompt)
            let w = try await e.expand(query, searcher: NoIndexSearcher())
            XCTAssertEqual(w.parts, [.text(query.text, weight: Double(n)), .text("echo: " + prompt, weight: 1)], "\(extra)")
            XCTAssertEqual(w.generatedText, "echo: " + prompt)
        }
    }

    func testPromptFilesAndTheirErrors() async throws {
        let good = try FixtureFiles.write("Q: {query}\nWhy?\n", Self.dir + "/good.txt")
        let o = try options(CoTExpander.plugin, ["baseURL": FaultServer.url("ok"), "model": "m", "promptFile": good])
        let e = try CoTExpander.plugin.make(o) as! LLMExpander
        XCTAssertEqual(e.prompt(for: Query(id: "1", text: "a {query} b")), "Q: a {query} b\nWhy?")
        let bad = try FixtureFiles.write("Answer the question. Give the rationale.", Self.dir + "/bad.txt")
        let ob = try options(CoTExpander.plugin, ["baseURL": FaultServer.url("ok"), "model": "m", "promptFile": bad])
        XCTAssertThrowsError(try CoTExpander.plugin.make(ob)) {
            XCTAssertTrue("\($0)".contains("bad.txt") && "\($0)".contains("{query}"), "\($0)")
        }
        let r = try quarry("run", "--index", Self.index, "--topics", Self.topics, "--output", Self.dir + "/x.run",
                           "--expander", "cot", "--set", "cot.model=m")
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.contains("cot.baseURL is required"), r.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: Self.dir + "/x.run"))
    }

    /// A search request to `quarry serve` may set these: out of range is an error naming the option,
    /// never a trap (a timeout of 1e300 s once overflowed the milliseconds handed to libcurl).
    func testOutOfRangeLLMOptionsAreErrorsNamingTheOption() throws {
        for (key, value) in [("timeout", "1e300"), ("timeout", "0"), ("retries", "\(Int.max)"), ("retries", "-1"), ("maxTokens", "0"),
                             ("maxTokens", "\(Int.max)")] {
            let o = try options(CoTExpander.plugin, ["baseURL": FaultServer.url("ok"), "model": "m", key: value])
            XCTAssertThrowsError(try CoTExpander.plugin.make(o), "\(key)=\(value)") {
                XCTAssertTrue("\($0)".contains("cot.\(key) must be"), "\($0)")
            }
        }
    }

    func testQuery2DocPrompts() throws {
        // The built-in examples are the shipped file.
        let shipped = try Query2DocExpander.loadExamples(TestPaths.root.appendingPathComponent("corpora/prompts/query2doc-examples.jsonl").path)
        XCTAssertEqual(shipped, Query2DocExamples.builtin)
        let text = try Query2DocExpander.prompt(examples: shipped).text
        XCTAssertTrue(text.hasPrefix("Write a passage that answers the given query:\n\nQuery: how long does it take to boil an egg\nPassage: A soft-boiled"))
        XCTAssertTrue(text.hasSuffix("\n\nQuery: {query}\nPassage:"))
        // Built from the paper's four examples, the prompt is the published one, byte for byte.
        var published = try String(contentsOfFile: try TestPaths.corpus("../prompts/query2doc-4shot.txt"), encoding: .utf8)
        if published.hasSuffix("\n") { published.removeLast() }
        let blocks = published.components(separatedBy: "\n\n").dropFirst().dropLast()
        let examples = blocks.map { block -> Query2DocExample in
            let lines = block.components(separatedBy: "\nPassage: ")
            return Query2DocExample(query: String(lines[0].dropFirst("Query: ".count)), passage: lines[1])
        }
        XCTAssertEqual(examples.count, 4)
        XCTAssertEqual(try Query2DocExpander.prompt(examples: examples).text, published)
        let bad = try FixtureFiles.write("{\"query\": \"q\"}\n", Self.dir + "/ex.jsonl")
        XCTAssertThrowsError(try Query2DocExpander.loadExamples(bad)) { XCTAssertTrue("\($0)".contains("ex.jsonl:1"), "\($0)") }
    }

    func testFailedExpansionsFallBackAndExitThree() throws {
        let cache = Self.dir + "/cache-fallback"
        let plain = try quarry("run", "--index", Self.index, "--topics", Self.topics, "--output", Self.dir + "/plain.run")
        XCTAssertEqual(plain.status, 0, plain.stderr)
        for url in [FaultServer.url("badrequest"), "http://127.0.0.1:1/v1"] {
            let r = try quarry("run", "--index", Self.index, "--topics", Self.topics, "--output", Self.dir + "/fb.run",
                               "--expander", "cot", "--set", "cot.baseURL=\(url)", "--set", "cot.model=m", "--set", "cot.retries=0",
                               "--llm-cache", cache, "--save-queries", Self.dir + "/fb.jsonl")
            XCTAssertEqual(r.status, 3, r.stderr)
            XCTAssertTrue(r.stderr.contains("expansion failed for 40 of 40 queries"), r.stderr)
            // Every query was searched unexpanded: the run is the plain run.
            XCTAssertEqual(try String(contentsOfFile: Self.dir + "/fb.run", encoding: .utf8),
                           try String(contentsOfFile: Self.dir + "/plain.run", encoding: .utf8))
            let saved = try String(contentsOfFile: Self.dir + "/fb.jsonl", encoding: .utf8).split(separator: "\n")
            XCTAssertEqual(saved.count, 40)
            let first = try JSONSerialization.jsonObject(with: Data(saved[0].utf8)) as! [String: Any]
            XCTAssertEqual(first["fallback"] as? Bool, true)
            XCTAssertTrue((first["error"] as? String ?? "").hasPrefix("cot: "), "\(first)")
        }
    }

    func testRequestsInFlightFollowLLMConcurrency() throws {
        let r = try quarry("run", "--index", Self.index, "--topics", Self.topics, "--output", Self.dir + "/c.run",
                           "--expander", "cot", "--set", "cot.baseURL=\(FaultServer.url("slowish-run"))", "--set", "cot.model=m",
                           "--llm-concurrency", "3", "--llm-cache", Self.dir + "/cache-concurrency")
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(try FaultServer.count("slowish-run"), 40)
        XCTAssertEqual((try FaultServer.stats()["maxInFlight"] as! [String: Int])["slowish-run"], 3)
    }

    func testExpandWritesWhatPrecomputedReplaysAndTheCacheServesOffline() throws {
        let cache = Self.dir + "/cache-expand"
        let set = ["--set", "query2doc.baseURL=\(FaultServer.url("ok-expand"))", "--set", "query2doc.model=m", "--llm-cache", cache]
        let x = try builtQuarry(["expand", "--topics", Self.topics, "--expander", "query2doc", "--output", Self.dir + "/q2d.jsonl"] + set)
        XCTAssertEqual(x.status, 0, x.stderr)
        XCTAssertEqual(try FaultServer.count("ok-expand"), 40)
        let lines = try String(contentsOfFile: Self.dir + "/q2d.jsonl", encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(lines.count, 40)
        let first = try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as! [String: Any]
        XCTAssertEqual(first["qid"] as? String, "1")
        XCTAssertEqual(first["model"] as? String, "m")
        let prompt = try XCTUnwrap(first["prompt"] as? String)
        XCTAssertTrue(prompt.hasSuffix("Query: \(first["query"] as! String)\nPassage:"))
        XCTAssertEqual(first["expansion"] as? String, "echo: " + prompt)

        // The live run (all from the cache now) and the replay give the same bytes.
        let live = try builtQuarry(["run", "--index", Self.index, "--topics", Self.topics, "--output", Self.dir + "/live.run",
                                    "--expander", "query2doc", "--offline"] + set)
        XCTAssertEqual(live.status, 0, live.stderr)
        XCTAssertTrue(live.stderr.contains("40 answered from the cache, 0 requests"), live.stderr)
        let replay = try quarry("run", "--index", Self.index, "--topics", Self.topics, "--output", Self.dir + "/replay.run",
                                "--expander", "precomputed", "--set", "precomputed.file=\(Self.dir!)/q2d.jsonl", "--set", "precomputed.rule=fixed")
        XCTAssertEqual(replay.status, 0, replay.stderr)
        XCTAssertEqual(try String(contentsOfFile: Self.dir + "/live.run", encoding: .utf8),
                       try String(contentsOfFile: Self.dir + "/replay.run", encoding: .utf8))
        XCTAssertEqual(try FaultServer.count("ok-expand"), 40, "cache hits must not reach the server")

        // Offline with an empty cache: every query falls back, nothing is requested.
        let miss = try builtQuarry(["run", "--index", Self.index, "--topics", Self.topics, "--output", Self.dir + "/miss.run",
                                    "--expander", "query2doc", "--offline"] + set.dropLast(2) + ["--llm-cache", Self.dir + "/cache-empty"])
        XCTAssertEqual(miss.status, 3, miss.stderr)
        XCTAssertTrue(miss.stderr.contains("--offline forbids a request"), miss.stderr)
        XCTAssertEqual(try FaultServer.count("ok-expand"), 40)
    }

    func testTwoProcessesShareOneCache() throws {
        let cache = Self.dir + "/cache-shared"
        func expand(_ out: String) throws -> Process {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: TestPaths.quarry)
            p.arguments = ["expand", "--topics", Self.topics, "--expander", "cot", "--output", out, "--llm-cache", cache,
                           "--set", "cot.baseURL=\(FaultServer.url("slowish-shared"))", "--set", "cot.model=m", "--llm-concurrency", "4"]
            p.standardError = FileHandle.nullDevice
            try p.run()
            return p
        }
        let a = try expand(Self.dir + "/shared-a.jsonl"), b = try expand(Self.dir + "/shared-b.jsonl")
        a.waitUntilExit()
        b.waitUntilExit()
        XCTAssertEqual(a.terminationStatus, 0)
        XCTAssertEqual(b.terminationStatus, 0)
        XCTAssertEqual(try String(contentsOfFile: Self.dir + "/shared-a.jsonl", encoding: .utf8),
                       try String(contentsOfFile: Self.dir + "/shared-b.jsonl", encoding: .utf8))
        // Both wrote into one cache file, which holds each prompt once and answers a third run alone.
        XCTAssertEqual(try ResponseCache(directory: cache).count, 40)
        let before = try FaultServer.count("slowish-shared")
        let c = try builtQuarry(["expand", "--topics", Self.topics, "--expander", "cot", "--output", Self.dir + "/shared-c.jsonl",
                                 "--llm-cache", cache, "--offline", "--set", "cot.baseURL=\(FaultServer.url("slowish-shared"))", "--set", "cot.model=m"])
        XCTAssertEqual(c.status, 0, c.stderr)
        XCTAssertEqual(try FaultServer.count("slowish-shared"), before)
    }

    func testDamagedCacheIsAOneLineErrorAndStaysAsItWas() throws {
        let cache = Self.dir + "/cache-damaged"
        let junk = Data(repeating: 0x42, count: 4096)
        try FileManager.default.createDirectory(atPath: cache, withIntermediateDirectories: true)
        try junk.write(to: URL(fileURLWithPath: cache + "/llm-cache.sqlite"))
        let r = try quarry("run", "--index", Self.index, "--topics", Self.topics, "--output", Self.dir + "/d.run",
                           "--expander", "cot", "--set", "cot.baseURL=\(FaultServer.url("ok"))", "--set", "cot.model=m", "--llm-cache", cache)
        XCTAssertEqual(r.status, 1)
        XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, r.stderr)
        XCTAssertTrue(r.stderr.contains("llm-cache.sqlite") && r.stderr.contains("damaged"), r.stderr)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: cache + "/llm-cache.sqlite")), junk)
    }
}
