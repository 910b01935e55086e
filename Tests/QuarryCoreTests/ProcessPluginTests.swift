// Process plugins end to end through the built `quarry`: the Python WordNet example registered with
// --plugin-exec, in a config file and ad hoc with exec:, a Python reranker, and faults injected by small
// scripts this test writes (a process that sleeps past its timeout, writes garbage, exits mid-run,
// answers the handshake wrongly). After every command no plugin process may be left running.
import Foundation
import XCTest

final class ProcessPluginTests: XCTestCase {
    nonisolated(unsafe) static var dir: String!
    static var index: String { dir + "/sample" }
    static let topics = TestPaths.sample.appendingPathComponent("topics.tsv").path
    static let wordnet = "python3 " + TestPaths.root.appendingPathComponent("Plugins/Examples/wordnet-expander/wordnet_expander.py").path

    override class func setUp() {
        super.setUp()
        dir = NSTemporaryDirectory() + "quarry-process-\(getpid())"
        try? FileManager.default.removeItem(atPath: dir)
        try! FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let docs = TestPaths.sample.appendingPathComponent("documents.jsonl").path
        let r = try! quarry("index", "--collection", docs, "--format", "beir", "--index", index)
        precondition(r.status == 0, r.stderr)
        try! FixtureFiles.write(faultPlugin, dir + "/fault_plugin.py")
        try! FixtureFiles.write(reversingReranker, dir + "/reverse_reranker.py")
    }

    override class func tearDown() {
        try? FileManager.default.removeItem(atPath: dir)
        super.tearDown()
    }

    // MARK: Helpers

    /// `quarry run` over the sample topics with `extra` arguments; the run file and saved queries go
    /// under `name` in the test directory.
    func run(_ name: String, _ extra: [String], k: Int = 1000) throws -> CommandResult {
        let r = try builtQuarry(["run", "--index", Self.index, "--topics", Self.topics, "--output", Self.dir + "/\(name).run",
                                 "--save-queries", Self.dir + "/\(name).jsonl", "--k", String(k)] + extra)
        assertNoPluginLeft()
        return r
    }

    func runFile(_ name: String) throws -> String { try String(contentsOfFile: Self.dir + "/\(name).run", encoding: .utf8) }

    func savedQueries(_ name: String) throws -> [[String: Any]] {
        try String(contentsOfFile: Self.dir + "/\(name).jsonl", encoding: .utf8).split(separator: "\n").map {
            try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any]
        }
    }

    func provenance(_ name: String) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: Self.dir + "/\(name).run.json"))) as! [String: Any]
    }

    /// Per query, the docids of a run in rank order.
    func ranking(_ name: String) throws -> [String: [String]] {
        var out: [String: [String]] = [:]
        for line in try runFile(name).split(separator: "\n") {
            let f = line.split(separator: " ")
            out[String(f[0]), default: []].append(String(f[2]))
        }
        return out
    }

    /// The fault plugin in `mode`; it logs each start (its pid) to `log`.
    func fault(_ mode: String, log: String) -> String { "python3 \(Self.dir!)/fault_plugin.py \(mode) \(log)" }

    func starts(_ log: String) -> Int {
        ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").split(separator: "\n").count
    }

    /// Fails when any process whose command line mentions a plugin of this test is still running:
    /// the fault plugin, its grandchildren, the reranker, the WordNet example.
    func assertNoPluginLeft(file: StaticString = #filePath, line: UInt = #line) {
        let markers = [Self.dir!, Self.wordnet]
        var left: [String] = []
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] where Int(entry) != nil {
            guard let raw = FileManager.default.contents(atPath: "/proc/\(entry)/cmdline"), !raw.isEmpty else { continue }
            let cmd = String(decoding: raw.map { $0 == 0 ? 32 : $0 }, as: UTF8.self)
            // A zombie has no command line; anything listed here is alive.
            if markers.contains(where: cmd.contains) { left.append("\(entry): \(cmd)") }
        }
        XCTAssertEqual(left, [], "plugin processes left running", file: file, line: line)
    }

    /// The command failed with one line of its own on stderr (besides the plugin's `[name] …` lines),
    /// an error naming `contains`.
    func assertError(_ r: CommandResult, contains: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(r.status, 1, "stderr: \(r.stderr)", file: file, line: line)
        let lines = r.stderr.split(separator: "\n").filter { !$0.hasPrefix("[") }
        XCTAssertEqual(lines.count, 1, "stderr: \(r.stderr)", file: file, line: line)
        let last = lines.last.map(String.init) ?? ""
        XCTAssertTrue(last.hasPrefix("quarry: error: "), "stderr: \(r.stderr)", file: file, line: line)
        XCTAssertTrue(last.contains(contains), "expected '\(contains)' in: \(r.stderr)", file: file, line: line)
    }

    // MARK: The WordNet example

    func testWordNetExampleIsListedAsAProcessPlugin() throws {
        let r = try builtQuarry(["plugins", "--plugin-exec", Self.wordnet])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("  wordnet  adds WordNet synonyms"), r.stdout)
        XCTAssertTrue(r.stdout.contains("[process]"), r.stdout)
        XCTAssertTrue(r.stdout.contains("wordnet.maxSynonyms (int, default 3)"), r.stdout)
        XCTAssertTrue(r.stdout.contains("wordnet.timeout (double, default 30.0)"), r.stdout)
        assertNoPluginLeft()

        let j = try builtQuarry(["plugins", "--json", "--plugin-exec", Self.wordnet])
        XCTAssertEqual(j.status, 0, j.stderr)
        let obj = try JSONSerialization.jsonObject(with: Data(j.stdout.utf8)) as! [String: Any]
        let wordnet = (obj["expanders"] as! [[String: Any]]).first { $0["name"] as? String == "wordnet" }
        XCTAssertEqual(wordnet?["origin"] as? String, "process")
        let options = (wordnet?["options"] as? [[String: Any]])?.compactMap { $0["name"] as? String } ?? []
        XCTAssertEqual(Set(options), ["weight", "maxSynonyms", "senses", "pos", "dict", "timeout", "startTimeout", "restarts"])
        assertNoPluginLeft()
    }

    func testWordNetExpanderChangesTheRunAndShowsItsSynonyms() throws {
        let bm25 = try run("wn-bm25", [])
        XCTAssertEqual(bm25.status, 0, bm25.stderr)
        let r = try run("wn", ["--plugin-exec", Self.wordnet, "--expander", "wordnet", "--threads", "2"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("process plugin wordnet (\(Self.wordnet)): 40 requests"), r.stderr)
        XCTAssertNotEqual(try runFile("wn"), try runFile("wn-bm25"))
        XCTAssertEqual(try provenance("wn")["fallbacks"] as? Int, 0)

        let saved = try savedQueries("wn")
        XCTAssertEqual(saved.count, 40)
        XCTAssertTrue(saved.allSatisfy { $0["fallback"] as? Bool == false })
        // "how do stars die": WordNet 3.0's senses of "die" hold "decease" and "perish"; the query's own
        // words keep weight 1, the synonyms' words get wordnet.weight (0.3).
        let stars = try XCTUnwrap(saved.first { $0["qid"] as? String == "1" })
        let expansion = try XCTUnwrap(stars["expansion"] as? String)
        XCTAssertTrue(expansion.split(separator: " ").contains("perish"), expansion)
        let weights = Dictionary(uniqueKeysWithValues: (stars["terms"] as! [[String: Any]]).map { ($0["term"] as! String, $0["weight"] as! Double) })
        XCTAssertEqual(weights["star"], 1)
        XCTAssertEqual(weights["die"], 1)
        XCTAssertEqual(weights["perish"] ?? 0, 0.3, accuracy: 1e-9)
        // Queries without synonyms in WordNet keep exactly their own terms; some queries gain terms.
        let bm25Saved = try savedQueries("wn-bm25")
        let grown = zip(saved, bm25Saved).filter { ($0["terms"] as! [Any]).count > ($1["terms"] as! [Any]).count }
        XCTAssertGreaterThan(grown.count, 20)
    }

    func testExecFormAndConfigFileGiveTheSameRunAsTheFlag() throws {
        let flag = try run("wn-flag", ["--plugin-exec", Self.wordnet, "--expander", "wordnet", "--set", "wordnet.maxSynonyms=5", "--set", "wordnet.weight=0.2"])
        XCTAssertEqual(flag.status, 0, flag.stderr)
        let adHoc = try run("wn-exec", ["--expander", "exec:" + Self.wordnet, "--set", "exec.maxSynonyms=5", "--set", "exec.weight=0.2"])
        XCTAssertEqual(adHoc.status, 0, adHoc.stderr)
        XCTAssertEqual(try runFile("wn-exec"), try runFile("wn-flag"))

        let config = try FixtureFiles.write("""
            plugin-exec = ["\(Self.wordnet)"]
            expander = "wordnet"
            [wordnet]
            maxSynonyms = 5
            weight = 0.2
            """, Self.dir + "/wordnet.toml")
        let fromConfig = try run("wn-config", ["--config", config])
        XCTAssertEqual(fromConfig.status, 0, fromConfig.stderr)
        XCTAssertEqual(try runFile("wn-config"), try runFile("wn-flag"))
        let listed = try builtQuarry(["plugins", "--config", config])
        XCTAssertTrue(listed.stdout.contains("wordnet") && listed.stdout.contains("[process]"), listed.stdout)
        assertNoPluginLeft()

        // The plugin's own validation and the engine's are both one-line errors.
        assertError(try run("wn-bad", ["--expander", "exec:" + Self.wordnet, "--set", "exec.pos=nouns"]), contains: "unknown part of speech nouns")
        assertError(try run("wn-bad", ["--expander", "exec:" + Self.wordnet, "--set", "exec.maxSynonym=5"]), contains: "unknown option 'exec.maxSynonym'")
        assertError(try run("wn-bad", ["--expander", "exec:" + Self.wordnet, "--set", "exec.weight=heavy"]), contains: "option 'exec.weight' expects double")
        assertError(try run("wn-bad", ["--reranker", "exec:" + Self.wordnet]), contains: "is an expander ('wordnet'), not a reranker")
    }

    // MARK: A reranker

    func testPythonRerankerViaExecReversesTheTopHits() throws {
        let bm25 = try run("rr-bm25", [], k: 10)
        XCTAssertEqual(bm25.status, 0, bm25.stderr)
        let r = try run("rr", ["--reranker", "exec:python3 \(Self.dir!)/reverse_reranker.py", "--set", "exec.depth=10"], k: 10)
        XCTAssertEqual(r.status, 0, r.stderr)
        let before = try ranking("rr-bm25"), after = try ranking("rr")
        XCTAssertEqual(Set(before.keys), Set(after.keys))
        var reversed = 0
        for (qid, docs) in before {
            XCTAssertEqual(Set(after[qid] ?? []), Set(docs), qid)
            if after[qid] == Array(docs.reversed()) { reversed += 1 }
        }
        // Scores tied in BM25 stay in docid order, so a few queries are not exact mirror images.
        XCTAssertGreaterThan(reversed, before.count * 3 / 4)
        XCTAssertNotEqual(try runFile("rr"), try runFile("rr-bm25"))
    }

    // MARK: Faults

    func testProcessPastItsTimeoutIsKilledAndItsQueriesFallBack() throws {
        let log = Self.dir + "/sleep.log"
        // Queries 1 and 3 mention stars: the plugin starts a helper that sleeps for a minute and waits for it.
        let r = try run("sleep", ["--expander", "exec:" + fault("sleep", log: log), "--set", "exec.timeout=1"])
        XCTAssertEqual(r.status, 3, r.stderr)
        XCTAssertTrue(r.stderr.contains("expansion failed for 2 of 40 queries"), r.stderr)
        XCTAssertTrue(r.stderr.contains("did not answer request 1 within 1 s"), r.stderr)
        XCTAssertTrue(r.stderr.contains("2 failed (2 timed out), 2 restarts"), r.stderr)
        XCTAssertEqual(try provenance("sleep")["fallbacks"] as? Int, 2)
        let failed = try savedQueries("sleep").filter { $0["fallback"] as? Bool == true }.compactMap { $0["qid"] as? String }
        XCTAssertEqual(failed, ["1", "3"])
        XCTAssertEqual(try ranking("sleep").count, 40)
        XCTAssertEqual(starts(log), 3)
    }

    func testGarbageIsAFaultAndTheNextRequestGetsAFreshProcess() throws {
        let log = Self.dir + "/garbage.log"
        let r = try run("garbage", ["--expander", "exec:" + fault("garbage", log: log)])
        XCTAssertEqual(r.status, 3, r.stderr)
        XCTAssertTrue(r.stderr.contains("wrote a line that is not a JSON object: 'garbage!'"), r.stderr)
        XCTAssertEqual(try provenance("garbage")["fallbacks"] as? Int, 2)
        XCTAssertEqual(starts(log), 3)
        // Every other query was expanded by one of the three processes.
        let saved = try savedQueries("garbage")
        XCTAssertEqual(saved.filter { $0["expansion"] as? String == "extra" }.count, 38)
    }

    func testProcessThatExitsIsRestartedUpToItsBound() throws {
        let log = Self.dir + "/exit.log"
        // Each process exits (status 7) on its third request: with 2 restarts, queries 3, 6 and 9 fail,
        // and after the third process is lost every later query falls back.
        let r = try run("exit", ["--expander", "exec:" + fault("exit", log: log), "--set", "exec.restarts=2"])
        XCTAssertEqual(r.status, 3, r.stderr)
        XCTAssertEqual(starts(log), 3)
        let saved = try savedQueries("exit")
        let failed = saved.filter { $0["fallback"] as? Bool == true }.compactMap { $0["qid"] as? String }
        XCTAssertEqual(failed, ["3", "6", "9"] + (10...40).map(String.init))
        XCTAssertTrue((saved[2]["error"] as? String ?? "").contains("exited with status 7"), "\(saved[2])")
        XCTAssertTrue((saved[20]["error"] as? String ?? "").contains("no restarts left"), "\(saved[20])")
        XCTAssertEqual(try ranking("exit").count, 40)

        // The same fault in a reranker stops the run with a clear error naming the query.
        let rr = try run("exit-rr", ["--reranker", "exec:" + fault("exit-reranker", log: Self.dir + "/exit-rr.log"), "--set", "exec.restarts=0"])
        assertError(rr, contains: "reranker exec:\(fault("exit-reranker", log: Self.dir + "/exit-rr.log")) failed on query 3: the process closed its output (exited with status 7); no restarts left")
    }

    /// A topics file is data: its pipeline column may pick plugins but never start a program (found by
    /// the `pipeline` fuzz target, whose input started `nl`).
    func testATopicsFileCannotStartAProcessPlugin() throws {
        let marker = Self.dir + "/started-by-topics"
        for pipeline in ["--expander 'exec:touch \(marker)'", "--set bm25.b=0.5 --reranker exec:touch\\ \(marker)"] {
            let topics = try FixtureFiles.write("1\tglaciers\n2\tbees\t\(pipeline)\n", Self.dir + "/exec-topics.tsv")
            let r = try builtQuarry(["run", "--index", Self.index, "--topics", topics, "--output", Self.dir + "/exec-topics.run"])
            assertError(r, contains: "topic 2: pipeline")
            XCTAssertTrue(r.stderr.contains("a topics file cannot start a process plugin (exec:…)"), r.stderr)
            XCTAssertFalse(FileManager.default.fileExists(atPath: marker), "a topics file started a program")
        }
        // The command line may, and a topic may then change that plugin's settings.
        let topics = try FixtureFiles.write("1\tglaciers\n2\tbees\t--set bm25.b=0.5\n", Self.dir + "/exec-topics.tsv")
        let r = try builtQuarry(["run", "--index", Self.index, "--topics", topics, "--output", Self.dir + "/exec-topics.run",
                                 "--expander", "exec:" + Self.wordnet])
        XCTAssertEqual(r.status, 0, r.stderr)
        assertNoPluginLeft()
    }

    func testBadHandshakesAreOneLineErrorsNamingTheCommand() throws {
        for (mode, message) in [
            ("version2", "speaks process protocol 2; this quarry speaks protocol 1"),
            ("nojson", "wrote a line that is not a JSON object: 'hello there'"),
            ("reserved", "option 'timeout' is reserved for the engine"),
            ("refuse", "refused its options: no model file"),
            ("silent", "did not answer the hello within 1 s"),
        ] {
            let log = Self.dir + "/\(mode).log"
            let command = fault(mode, log: log)
            let r = try run("hs-\(mode)", ["--expander", "exec:" + command, "--set", "exec.startTimeout=1"])
            assertError(r, contains: "process plugin '\(command)': \(message)")
        }
        assertError(try run("hs-missing", ["--expander", "exec:no-such-program-\(getpid())"]), contains: "cannot start 'no-such-program-")
        assertError(try run("hs-clash", ["--plugin-exec", fault("rm3", log: Self.dir + "/rm3.log")]),
                    contains: "announces the name 'rm3', which the built in expander already has")
    }

    func testEveryQueryStartsOneProcessForTheWholeRun() throws {
        let log = Self.dir + "/once.log"
        let command = fault("ok", log: log)
        // Registered (a handshake) and then used: still one process, shared by both threads.
        let r = try run("once", ["--plugin-exec", command, "--expander", "fok", "--threads", "2"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(starts(log), 1)
        XCTAssertTrue(try savedQueries("once").allSatisfy { $0["expansion"] as? String == "extra" })
        // The plugin's stderr reaches ours with its name.
        XCTAssertTrue(r.stderr.contains("[fok] configured"), r.stderr)
    }

    // MARK: Plugins written by the test

    /// One expander with a fault per mode (argv[1]); it appends its pid to argv[2] when it starts.
    static let faultPlugin = #"""
        import json, os, subprocess, sys
        mode, log = sys.argv[1], sys.argv[2]
        with open(log, "a") as f:
            f.write("%d\n" % os.getpid())
        role = "reranker" if mode.endswith("reranker") else "expander"
        n = 0
        def send(m):
            print(json.dumps(m), flush=True)
        for line in sys.stdin:
            m = json.loads(line)
            t = m["type"]
            if t == "hello":
                if mode == "version2":
                    send({"type": "hello", "protocol": 2, "name": "f", "role": role})
                elif mode == "nojson":
                    print("hello there", flush=True)
                elif mode == "silent":
                    pass
                elif mode == "reserved":
                    send({"type": "hello", "protocol": 1, "name": "f", "role": role,
                          "options": [{"name": "timeout", "type": "int", "default": 1}]})
                else:
                    name = "rm3" if mode == "rm3" else "f" + mode.replace("-", "")
                    send({"type": "hello", "protocol": 1, "name": name, "role": role})
            elif t == "configure":
                if mode == "refuse":
                    send({"type": "error", "message": "no model file"})
                    sys.exit(1)
                print("configured", file=sys.stderr, flush=True)
                send({"type": "ready"})
            elif t in ("expand", "rerank"):
                n += 1
                text = m["query"]["text"]
                if mode == "sleep" and "stars" in text:
                    subprocess.run([sys.executable, "-c", "import time; time.sleep(60)", log])
                if mode == "garbage" and "stars" in text:
                    print("garbage!", flush=True)
                    continue
                if mode.startswith("exit") and n == 3:
                    sys.exit(7)
                if t == "expand":
                    send({"type": "expansion", "id": m["id"], "texts": [{"text": text}, {"text": "extra", "weight": 0.5}], "generated": "extra"})
                else:
                    send({"type": "scores", "id": m["id"], "scores": [c["score"] for c in m["candidates"]]})
            elif t == "bye":
                break
        """#

    /// A reranker that turns the first-stage order upside down.
    static let reversingReranker = #"""
        import json, sys
        for line in sys.stdin:
            m = json.loads(line)
            if m["type"] == "hello":
                out = {"type": "hello", "protocol": 1, "name": "reverse", "role": "reranker", "summary": "reverses the order"}
            elif m["type"] == "configure":
                out = {"type": "ready"}
            elif m["type"] == "rerank":
                out = {"type": "scores", "id": m["id"], "scores": [-c["score"] for c in m["candidates"]]}
            else:
                break
            print(json.dumps(out), flush=True)
        """#
}
