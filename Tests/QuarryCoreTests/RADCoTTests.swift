// The `radcot` expander end to end on the sample collection with the tiny T5 fixture: its rationale is
// what `quarry generate` writes for the same retrieved passages in the paper's prompt (an independent
// path: passages read from the collection file, prompts filled by `generate`), the query is repeated by
// the cot rule, p:0 reads the query alone, a separate passage index is honoured, and bad models,
// templates and indexes are one-line errors before any query runs.
import Foundation
import XCTest

final class RADCoTTests: XCTestCase {
    nonisolated(unsafe) static var dir: String!
    static var index: String { dir + "/sample" }
    static let topics = TestPaths.sample.appendingPathComponent("topics.tsv").path
    static let docs = TestPaths.sample.appendingPathComponent("documents.jsonl").path
    static let model = TestPaths.root.appendingPathComponent("Tests/Fixtures/neural/t5/tiny-t5-v1_1").path
    static let paperPrompt = "Answer the following question {query} based on the given passage {passage} Give the rationale before answering"

    override class func setUp() {
        super.setUp()
        dir = NSTemporaryDirectory() + "quarry-radcot-\(getpid())"
        try? FileManager.default.removeItem(atPath: dir)
        try! FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let r = try! quarry("index", "--collection", docs, "--format", "beir", "--index", index)
        precondition(r.status == 0, r.stderr)
    }

    override class func tearDown() {
        try? FileManager.default.removeItem(atPath: dir)
        super.tearDown()
    }

    func jsonLines(_ path: String) throws -> [[String: Any]] {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map {
            try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any]
        }
    }

    /// The sample collection's documents as the student reads them: title, space, text.
    func passageTexts() throws -> [String: String] {
        var out: [String: String] = [:]
        for d in try jsonLines(Self.docs) {
            let title = d["title"] as? String ?? "", text = d["text"] as! String
            out[d["_id"] as! String] = title.isEmpty ? text : title + " " + text
        }
        return out
    }

    /// The top-k document ids per query of a BM25 run.
    func topDocs(k: Int) throws -> [String: [String]] {
        let run = Self.dir + "/bm25-\(k).run"
        let r = try quarry("run", "--index", Self.index, "--topics", Self.topics, "--k", String(k), "--output", run)
        XCTAssertEqual(r.status, 0, r.stderr)
        var out: [String: [String]] = [:]
        for line in try String(contentsOfFile: run, encoding: .utf8).split(separator: "\n") {
            let c = line.split(separator: " ")
            out[String(c[0]), default: []].append(String(c[2]))
        }
        return out
    }

    func radcot(_ name: String, _ settings: [String], topics: String = RADCoTTests.topics) throws -> (CommandResult, [[String: Any]]) {
        let saved = Self.dir + "/\(name).queries.jsonl"
        var args = ["run", "--index", Self.index, "--topics", topics, "--output", Self.dir + "/\(name).run",
                    "--save-queries", saved, "--expander", "radcot", "--set", "radcot.model=\(Self.model)"]
        for s in settings { args += ["--set", s] }
        let r = try builtQuarry(args)
        return (r, r.status == 0 ? try jsonLines(saved) : [])
    }

    func testRationaleIsTheFiDOutputOverTheRetrievedPassages() throws {
        let (r, saved) = try radcot("k3", ["radcot.passages=3", "radcot.maxNewTokens=12"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("radcot: 40 queries; per query"), r.stderr)
        let texts = try passageTexts(), top = try topDocs(k: 3)
        let queries = saved.prefix(6)
        // The same passages through `quarry generate --passages` with the paper's template.
        let input = try FixtureFiles.write(queries.map { $0["query"] as! String }.joined(separator: "\n") + "\n", Self.dir + "/q.txt")
        let contexts = try queries.map { q -> String in
            let ids = top[q["qid"] as! String]!
            return String(decoding: try JSONSerialization.data(withJSONObject: ids.map { texts[$0]! }), as: UTF8.self)
        }.joined(separator: "\n")
        let passages = try FixtureFiles.write(contexts + "\n", Self.dir + "/p.jsonl")
        let g = try quarry("generate", "--model", Self.model, "--input", input, "--passages", passages, "--template", Self.paperPrompt,
                           "--max-source-tokens", "300", "--max-new-tokens", "12", "--output", Self.dir + "/g.jsonl")
        XCTAssertEqual(g.status, 0, g.stderr)
        let generated = try jsonLines(Self.dir + "/g.jsonl")
        for (q, gen) in zip(queries, generated) {
            let rationale = try XCTUnwrap(q["expansion"] as? String)
            XCTAssertEqual(rationale, gen["output"] as? String, "query \(q["qid"]!)")
            // The cot rule: the query's terms weigh max(5, |rationale| / |query|) in words.
            let query = q["query"] as! String
            let n = max(5, rationale.split(separator: " ").count / query.split(separator: " ").count)
            let terms = q["terms"] as! [[String: Any]]
            let first = try XCTUnwrap(terms.first)
            XCTAssertGreaterThanOrEqual(first["weight"] as! Double, Double(n), "\(terms)")
        }
    }

    func testNoPassagesReadsTheQueryAlone() throws {
        let (r, saved) = try radcot("p0", ["radcot.passages=0", "radcot.maxNewTokens=8"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("0 ms retrieval"), r.stderr)
        let q = saved[0]["query"] as! String
        let prompt = "Answer the following question \(q) based on the given passage Give the rationale before answering"
        let input = try FixtureFiles.write(prompt + "\n", Self.dir + "/p0.txt")
        let g = try quarry("generate", "--model", Self.model, "--input", input, "--max-source-tokens", "300", "--max-new-tokens", "8",
                           "--output", Self.dir + "/p0.jsonl")
        XCTAssertEqual(g.status, 0, g.stderr)
        XCTAssertEqual(saved[0]["expansion"] as? String, try jsonLines(Self.dir + "/p0.jsonl")[0]["output"] as? String)
    }

    func testPassagesComeFromTheGivenPassageIndex() throws {
        // An index of one document, which the sample collection does not hold: the query's one passage is it.
        let one = try FixtureFiles.write("{\"_id\":\"only\",\"title\":\"Savanna\",\"text\":\"zebras graze\"}\n", Self.dir + "/one.jsonl")
        let idx = Self.dir + "/one-index"
        XCTAssertEqual(try quarry("index", "--collection", one, "--format", "beir", "--index", idx).status, 0)
        let topics = try FixtureFiles.write("z1\twhere do zebras graze\n", Self.dir + "/z-topics.tsv")
        let (r, saved) = try radcot("other", ["radcot.passages=1", "radcot.maxNewTokens=8", "radcot.passageIndex=\(idx)"], topics: topics)
        XCTAssertEqual(r.status, 0, r.stderr)
        let q = saved[0]
        let query = q["query"] as! String
        let input = try FixtureFiles.write(query + "\n", Self.dir + "/z.txt")
        let passages = try FixtureFiles.write("[\"Savanna zebras graze\"]\n", Self.dir + "/z.jsonl")
        let g = try quarry("generate", "--model", Self.model, "--input", input, "--passages", passages, "--template", Self.paperPrompt,
                           "--max-source-tokens", "300", "--max-new-tokens", "8", "--output", Self.dir + "/z.out")
        XCTAssertEqual(g.status, 0, g.stderr)
        XCTAssertEqual(q["expansion"] as? String, try jsonLines(Self.dir + "/z.out")[0]["output"] as? String)
    }

    func testBadInputIsAOneLineErrorBeforeAnyQuery() throws {
        let noPassage = try FixtureFiles.write("Answer {query} please\n", Self.dir + "/bad-prompt.txt")
        let bert = TestPaths.root.appendingPathComponent("Tests/Fixtures/neural/bert/tiny-cross-encoder").path
        let cases: [([String], String)] = [
            (["radcot.promptFile=\(noPassage)"], "{passage}"),
            (["radcot.passageIndex=\(Self.dir!)/nowhere"], "radcot.passageIndex"),
            (["radcot.passages=-1"], "radcot.passages"),
            (["radcot.lengthUnit=lines"], "radcot.lengthUnit"),
        ]
        for (settings, expected) in cases {
            let (r, _) = try radcot("bad", settings)
            XCTAssertEqual(r.status, 1, "\(settings): \(r.stderr)")
            XCTAssertTrue(r.stderr.contains(expected), "\(settings): \(r.stderr)")
            XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, r.stderr)
        }
        for model in [bert, Self.dir + "/missing-model"] {
            let r = try builtQuarry(["run", "--index", Self.index, "--topics", Self.topics, "--output", Self.dir + "/x.run",
                                     "--expander", "radcot", "--set", "radcot.model=\(model)"])
            XCTAssertEqual(r.status, 1, r.stderr)
            XCTAssertTrue(r.stderr.contains("radcot.model"), r.stderr)
            XCTAssertFalse(FileManager.default.fileExists(atPath: Self.dir + "/x.run"), "no run written on a start-up error")
        }
        let none = try builtQuarry(["run", "--index", Self.index, "--topics", Self.topics, "--output", Self.dir + "/x.run", "--expander", "radcot"])
        XCTAssertEqual(none.status, 1)
        XCTAssertTrue(none.stderr.contains("radcot.model is required"), none.stderr)
    }
}
