// The `quarry` command end to end on the sample collection: every subcommand, and the errors a user
// meets first (one line, non-zero exit).
import XCTest

final class CommandLineTests: XCTestCase {
    nonisolated(unsafe) static var dir: String!
    static var index: String { dir + "/sample" }
    static let docs = TestPaths.sample.appendingPathComponent("documents.jsonl").path
    static let topics = TestPaths.sample.appendingPathComponent("topics.tsv").path
    static let qrels = TestPaths.sample.appendingPathComponent("qrels.txt").path

    override class func setUp() {
        super.setUp()
        dir = NSTemporaryDirectory() + "quarry-cli-\(getpid())"
        try? FileManager.default.removeItem(atPath: dir)
        try! FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let r = try! quarry("index", "--collection", docs, "--format", "beir", "--index", index)
        precondition(r.status == 0, r.stderr)
    }

    override class func tearDown() {
        try? FileManager.default.removeItem(atPath: dir)
        super.tearDown()
    }

    func assertOneLineError(_ r: CommandResult, contains: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertNotEqual(r.status, 0, "expected failure", file: file, line: line)
        let lines = r.stderr.split(separator: "\n")
        XCTAssertEqual(lines.count, 1, "stderr: \(r.stderr)", file: file, line: line)
        XCTAssertTrue(r.stderr.contains(contains), "stderr: \(r.stderr)", file: file, line: line)
    }

    func testSearchPrintsRankedHitsAndExplains() throws {
        let r = try quarry("search", "--index", Self.index, "--k", "3", "--expander", "rm3", "--explain", "how do glaciers move")
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("query terms"))
        XCTAssertTrue(r.stdout.contains("glacier"))
        XCTAssertTrue(r.stdout.contains("  1  S222"), r.stdout)
        let j = try quarry("search", "--index", Self.index, "--json", "--k", "2", "bee sting")
        let obj = try JSONSerialization.jsonObject(with: Data(j.stdout.utf8)) as! [String: Any]
        XCTAssertEqual((obj["hits"] as! [[String: Any]]).count, 2)
        assertOneLineError(try quarry("search", "--index", Self.index, "the of and"), contains: "no searchable terms")
    }

    func testRunEvalAndProvenance() throws {
        let run = Self.dir + "/rm3.run"
        let saved = Self.dir + "/rm3.queries.jsonl"
        let r = try quarry("run", "--index", Self.index, "--topics", Self.topics, "--output", run, "--expander", "rm3",
                           "--set", "rm3.fbDocs=5", "--save-queries", saved, "--threads", "2", "--tag", "mytag")
        XCTAssertEqual(r.status, 0, r.stderr)
        let lines = try String(contentsOfFile: run, encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(Set(lines.map { $0.split(separator: " ")[0] }).count, 40)
        XCTAssertTrue(lines[0].hasSuffix(" mytag"))
        let score = lines[0].split(separator: " ")[4]
        XCTAssertEqual(score.split(separator: ".").last?.count, 6)
        let prov = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: run + ".json"))) as! [String: Any]
        XCTAssertEqual((prov["pipeline"] as! [String: String])["rm3.fbDocs"], "5")
        XCTAssertEqual((prov["topics"] as! [String: Any])["count"] as? Int, 40)
        XCTAssertNotNil((prov["quarry"] as! [String: Any])["commit"])
        let first = try String(contentsOfFile: saved, encoding: .utf8).split(separator: "\n")[0]
        let q = try JSONSerialization.jsonObject(with: Data(first.utf8)) as! [String: Any]
        XCTAssertNotNil(q["terms"] as? [[String: Any]])
        XCTAssertEqual(q["fallback"] as? Bool, false)

        let e = try quarry("eval", "--qrels", Self.qrels, "--run", run, "--metric", "nDCG@10", "--metric", "map", "--per-query")
        XCTAssertEqual(e.status, 0, e.stderr)
        XCTAssertTrue(e.stdout.contains("nDCG@10"))
        XCTAssertTrue(e.stdout.contains("\tall\t"))
        // The msmarco format evaluates the same (scores derive from ranks).
        let ms = Self.dir + "/rm3.msmarco"
        XCTAssertEqual(try quarry("run", "--index", Self.index, "--topics", Self.topics, "--output", ms, "--expander", "rm3", "--set", "rm3.fbDocs=5", "--output-format", "msmarco").status, 0)
        let a = try quarry("eval", "--qrels", Self.qrels, "--run", run, "--metric", "RR@10")
        let b = try quarry("eval", "--qrels", Self.qrels, "--run", ms, "--metric", "RR@10")
        XCTAssertEqual(a.stdout, b.stdout)
    }

    func testIndexingThreadsDoNotChangeTheIndex() throws {
        // Two threads analyse in parallel and write on a third; the index must be the same.
        let two = Self.dir + "/sample-2"
        let r = try quarry("index", "--collection", Self.docs, "--format", "beir", "--index", two, "--threads", "2")
        XCTAssertEqual(r.status, 0, r.stderr)
        for index in [Self.index, two] {
            XCTAssertEqual(try quarry("run", "--index", index, "--topics", Self.topics, "--output", index + ".run", "--expander", "rm3").status, 0)
        }
        XCTAssertEqual(try String(contentsOfFile: Self.index + ".run", encoding: .utf8), try String(contentsOfFile: two + ".run", encoding: .utf8))
        let stats = { (i: String) in try quarry("stats", "--index", i).stdout.split(separator: "\n").filter { !$0.hasPrefix("index:") && !$0.hasPrefix("created:") && !$0.hasPrefix("input:") && !$0.hasPrefix("size") } }
        XCTAssertEqual(try stats(Self.index), try stats(two))
    }

    func testExperimentTable() throws {
        let r = try quarry("experiment", "--index", Self.index, "--topics", Self.topics, "--qrels", Self.qrels,
                           "--pipeline", "bm25=", "--pipeline", "rm3=--expander rm3", "--pipeline", "ql=--model ql", "--metric", "nDCG@10")
        XCTAssertEqual(r.status, 0, r.stderr)
        let lines = r.stdout.split(separator: "\n")
        XCTAssertTrue(lines[1].hasPrefix("bm25") && lines[1].contains("baseline"), r.stdout)
        XCTAssertTrue(lines[2].hasPrefix("rm3") && lines[2].contains("p="), r.stdout)
        XCTAssertTrue(lines[3].hasPrefix("ql"), r.stdout)
        let j = try quarry("experiment", "--index", Self.index, "--topics", Self.topics, "--qrels", Self.qrels,
                           "--pipeline", "a=", "--pipeline", "b=--set bm25.k1=1.5", "--json")
        let obj = try JSONSerialization.jsonObject(with: Data(j.stdout.utf8)) as! [String: Any]
        XCTAssertEqual((obj["pipelines"] as! [Any]).count, 2)
        assertOneLineError(try quarry("experiment", "--index", Self.index, "--topics", Self.topics, "--qrels", Self.qrels, "--pipeline", "x=--expander nope"), contains: "valid expanders")
    }

    func testInformationCommands() throws {
        let p = try quarry("plugins")
        XCTAssertTrue(p.stdout.contains("rm3.fbDocs (int, default 10)"), p.stdout)
        XCTAssertTrue(p.stdout.contains("bm25.k1 (double, default 0.9)"), p.stdout)
        XCTAssertTrue(p.stdout.contains("  rm3  ") && p.stdout.contains("[built in]"), p.stdout)
        let d = try quarry("doc", "--index", Self.index, "S222")
        XCTAssertTrue(d.stdout.contains("title: How Glaciers Move"), d.stdout)
        assertOneLineError(try quarry("doc", "--index", Self.index, "NOPE"), contains: "no document with id 'NOPE'")
        let s = try quarry("stats", "--index", Self.index)
        XCTAssertTrue(s.stdout.contains("documents:      300"), s.stdout)
        XCTAssertTrue(s.stdout.contains("stemmer=porter"))
        let a = try quarry("analyze", "--index", Self.index, "The bee's wings beat")
        XCTAssertEqual(a.stdout, "bee wing beat\n")
    }

    func testBadInputIsOneLineAndNonZero() throws {
        assertOneLineError(try quarry("search", "--index", Self.dir + "/missing", "x"), contains: "no index there")
        assertOneLineError(try quarry("search", "--index", Self.index, "--expander", "nope", "x"), contains: "valid expanders: cot, precomputed, query2doc, radcot, rm3")
        assertOneLineError(try quarry("search", "--index", Self.index, "--set", "rm3.fbDocs=x", "glacier"), contains: "rm3.fbDocs")
        assertOneLineError(try quarry("eval", "--qrels", Self.qrels, "--run", Self.topics), contains: Self.topics + ":1:")
        assertOneLineError(try quarry("eval", "--qrels", Self.qrels, "--run", Self.qrels, "--metric", "nDGC@10"), contains: "unknown metric")
        let badTopics = Self.dir + "/bad-topics.tsv"
        try "1\tglacier\n2 no tab here\n".write(toFile: badTopics, atomically: true, encoding: .utf8)
        assertOneLineError(try quarry("run", "--index", Self.index, "--topics", badTopics, "--output", Self.dir + "/x.run"), contains: badTopics + ":2:")
        XCTAssertFalse(FileManager.default.fileExists(atPath: Self.dir + "/x.run"))
    }
}
