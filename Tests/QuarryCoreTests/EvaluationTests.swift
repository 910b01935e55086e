// Evaluation: metric names, trec_eval semantics on hand-computed cases, the readers, significance
// tests against scipy, and a cross-check of `quarry eval` with pytrec_eval / ir_measures
// (tools/crosscheck_eval.py) on every shared collection.
import Foundation
import QuarryAPI
import XCTest
@testable import QuarryCore

final class EvaluationTests: XCTestCase {
    // MARK: Metric names

    func testMetricParseTrecEvalNames() throws {
        let cases: [(String, Metric)] = [
            ("ndcg_cut_10", Metric(.ndcg, cutoff: 10)), ("ndcg", Metric(.ndcg)), ("map", Metric(.ap)),
            ("map_cut_100", Metric(.ap, cutoff: 100)), ("P_10", Metric(.p, cutoff: 10)), ("P.5", Metric(.p, cutoff: 5)),
            ("recall_1000", Metric(.r, cutoff: 1000)), ("recall.100", Metric(.r, cutoff: 100)),
            ("recip_rank", Metric(.rr)), ("judged_10", Metric(.judged, cutoff: 10)),
        ]
        for (name, expected) in cases { XCTAssertEqual(try Metric.parse(name), expected, name) }
        // Printed under the ir_measures name.
        XCTAssertEqual(try Metric.parse("ndcg_cut_10").description, "nDCG@10")
        XCTAssertEqual(try Metric.parse("map").description, "AP")
        XCTAssertEqual(try Metric.parse("P_10").description, "P@10")
        XCTAssertEqual(try Metric.parse("recall_1000").description, "R@1000")
        XCTAssertEqual(try Metric.parse("recip_rank").description, "RR")
    }

    func testMetricParseIrMeasuresNames() throws {
        let cases: [(String, Metric)] = [
            ("nDCG@10", Metric(.ndcg, cutoff: 10)), ("nDCG", Metric(.ndcg)), ("AP", Metric(.ap)),
            ("AP(rel=2)", Metric(.ap, rel: 2)), ("AP@100", Metric(.ap, cutoff: 100)), ("P@10", Metric(.p, cutoff: 10)),
            ("P(rel=2)@5", Metric(.p, cutoff: 5, rel: 2)), ("R@1000", Metric(.r, cutoff: 1000)),
            ("R(rel=2)@100", Metric(.r, cutoff: 100, rel: 2)), ("RR", Metric(.rr)), ("RR@10", Metric(.rr, cutoff: 10)),
            ("RR(rel=2)@10", Metric(.rr, cutoff: 10, rel: 2)), ("Judged@10", Metric(.judged, cutoff: 10)),
        ]
        for (name, expected) in cases {
            let m = try Metric.parse(name)
            XCTAssertEqual(m, expected, name)
            XCTAssertEqual(m.description, name, "ir_measures names print as given")
        }
    }

    func testMetricParseRejectsUnknownNames() {
        for name in ["nDGC@10", "bpref", "", "ndcg_cut_x", "ndcg_cut_0", "recall_", "P", "P@0", "P@ten", "Judged",
                     "AP(level=2)", "AP(rel=two)", "nDCG(rel=2)@10", "Judged(rel=1)@10"] {
            XCTAssertThrowsError(try Metric.parse(name), name) { error in
                XCTAssertTrue("\(error)".contains(name.isEmpty ? "metric" : name), "\(error)")
            }
        }
        XCTAssertThrowsError(try Metric.parse("nDGC@10")) { XCTAssertTrue("\($0)".contains("unknown metric")) }
    }

    // MARK: Evaluator on hand-computed cases

    /// Query 1: a=2, b=0, c=1, d=3, e=-1; query 2: a single relevant doc; query 3 is judged but not
    /// retrieved; query 4 has no relevant document.
    static let qrels = Qrels([
        "1": ["a": 2, "b": 0, "c": 1, "d": 3, "e": -1],
        "2": ["b": 1],
        "3": ["a": 1],
        "4": ["z": 0],
    ])
    /// trec_eval's order for query 1 is x c a e b d y (ties by docid descending). Query 9 is unjudged.
    static let run = Run([
        "1": [Hit(docid: "y", score: 0.5), Hit(docid: "a", score: 4), Hit(docid: "c", score: 5), Hit(docid: "b", score: 3),
              Hit(docid: "x", score: 5), Hit(docid: "e", score: 3), Hit(docid: "d", score: 1)],
        // 12.3456785 and 12.345678 differ as doubles but are the same C float: a tie, so b (docid
        // descending) comes first.
        "2": [Hit(docid: "a", score: 12.3456785), Hit(docid: "b", score: 12.345678)],
        "4": [Hit(docid: "z", score: 1)],
        "9": [Hit(docid: "a", score: 1)],
    ])

    func value(_ name: String, _ qid: String, level: Int = 1, complete: Bool = false) throws -> Double? {
        try Evaluator(qrels: Self.qrels, relevanceLevel: level, complete: complete).perQuery(Metric.parse(name), run: Self.run)[qid]
    }

    func testTrecOrderTiesByDocidDescendingInSinglePrecision() {
        XCTAssertEqual(Evaluator.trecOrder(Self.run.results["1"]!), ["x", "c", "a", "e", "b", "d", "y"])
        XCTAssertEqual(Evaluator.trecOrder(Self.run.results["2"]!), ["b", "a"])
        // Distinct floats keep their order.
        XCTAssertEqual(Evaluator.trecOrder([Hit(docid: "a", score: 12.5), Hit(docid: "b", score: 12.25)]), ["a", "b"])
        // Docids compare as bytes (strcmp): "f" > "e\u{301}" although Swift orders "é" after "f".
        XCTAssertEqual(Evaluator.trecOrder([Hit(docid: "e\u{301}", score: 1), Hit(docid: "f", score: 1)]), ["f", "e\u{301}"])
    }

    func testBinaryMeasuresByHand() throws {
        // Relevant (grade >= 1): c at rank 2, a at 3, d at 6; 3 relevant in all.
        XCTAssertEqual(try value("AP", "1")!, (1.0 / 2 + 2.0 / 3 + 3.0 / 6) / 3, accuracy: 1e-12)
        XCTAssertEqual(try value("RR", "1")!, 0.5, accuracy: 1e-12)
        XCTAssertEqual(try value("RR@1", "1")!, 0)
        XCTAssertEqual(try value("RR@2", "1")!, 0.5, accuracy: 1e-12)
        XCTAssertEqual(try value("P@5", "1")!, 2.0 / 5, accuracy: 1e-12)
        // P@k divides by k even when fewer than k were retrieved.
        XCTAssertEqual(try value("P_10", "1")!, 3.0 / 10, accuracy: 1e-12)
        XCTAssertEqual(try value("R@5", "1")!, 2.0 / 3, accuracy: 1e-12)
        XCTAssertEqual(try value("R@6", "1")!, 1, accuracy: 1e-12)
        XCTAssertEqual(try value("AP@3", "1")!, (1.0 / 2 + 2.0 / 3) / 3, accuracy: 1e-12)
        // The single-precision tie puts the relevant b first.
        XCTAssertEqual(try value("RR", "2")!, 1)
        // A judged query without relevant documents is evaluated, to 0.
        for name in ["AP", "RR", "P@5", "R@10", "nDCG@10"] { XCTAssertEqual(try value(name, "4"), 0, name) }
    }

    func testRelevanceLevelAppliesToBinaryMeasuresOnly() throws {
        // Level 2: a (rank 3) and d (rank 6) are relevant.
        XCTAssertEqual(try value("AP", "1", level: 2)!, (1.0 / 3 + 2.0 / 6) / 2, accuracy: 1e-12)
        XCTAssertEqual(try value("AP(rel=2)", "1")!, (1.0 / 3 + 2.0 / 6) / 2, accuracy: 1e-12)
        XCTAssertEqual(try value("RR", "1", level: 2)!, 1.0 / 3, accuracy: 1e-12)
        XCTAssertEqual(try value("P@5", "1", level: 2)!, 1.0 / 5, accuracy: 1e-12)
        XCTAssertEqual(try value("R(rel=2)@5", "1")!, 1.0 / 2, accuracy: 1e-12)
        // A metric's own rel= wins over the evaluator's level.
        XCTAssertEqual(try value("RR(rel=1)", "1", level: 2)!, 0.5, accuracy: 1e-12)
        // nDCG keeps the graded gains: gains 0 1 2 0 0 over x c a e b; ideal 3 2 1. The negative
        // grade of e is no gain.
        let ndcg5 = (1 / log2(3.0) + 2 / log2(4.0)) / (3 + 2 / log2(3.0) + 1 / log2(4.0))
        XCTAssertEqual(try value("nDCG@5", "1")!, ndcg5, accuracy: 1e-12)
        XCTAssertEqual(try value("ndcg_cut_5", "1", level: 2)!, ndcg5, accuracy: 1e-12)
        XCTAssertEqual(try value("nDCG@5", "1", level: 3)!, ndcg5, accuracy: 1e-12)
        let ndcg = (1 / log2(3.0) + 2 / log2(4.0) + 3 / log2(7.0)) / (3 + 2 / log2(3.0) + 1 / log2(4.0))
        XCTAssertEqual(try value("nDCG", "1", level: 2)!, ndcg, accuracy: 1e-12)
        // Level 0 (trec_eval -l 0): every judged document with a grade >= 0 is relevant; unjudged
        // documents and negative grades never are.
        XCTAssertEqual(try value("RR", "1", level: 0)!, 0.5, accuracy: 1e-12)
        XCTAssertEqual(try value("AP", "4", level: 0)!, 1)
    }

    func testJudgedAtK() throws {
        // x c a e b: all but x judged (the negative grade of e counts as judged).
        XCTAssertEqual(try value("Judged@5", "1")!, 4.0 / 5, accuracy: 1e-12)
        XCTAssertEqual(try value("Judged@1", "1")!, 0)
        // Fewer retrieved than k: ir_measures divides by the number retrieved (7, five judged).
        XCTAssertEqual(try value("Judged@10", "1")!, 5.0 / 7, accuracy: 1e-12)
        XCTAssertEqual(try value("Judged@10", "4")!, 1)
        // Relevance levels do not matter.
        XCTAssertEqual(try value("Judged@5", "1", level: 3)!, 4.0 / 5, accuracy: 1e-12)
    }

    func testQuerySetsAndComplete() throws {
        let e = Evaluator(qrels: Self.qrels)
        let ap = try Metric.parse("AP")
        // Queries in both qrels and run: 3 (not retrieved) and 9 (not judged) are left out.
        XCTAssertEqual(Set(e.perQuery(ap, run: Self.run).keys), ["1", "2", "4"])
        XCTAssertEqual(e.mean(ap, run: Self.run), (5.0 / 9 + 1 + 0) / 3, accuracy: 1e-12)
        // --complete (trec_eval -c): every judged query, 0 where the run lacks it.
        let c = Evaluator(qrels: Self.qrels, complete: true)
        let all = c.perQuery(ap, run: Self.run)
        XCTAssertEqual(Set(all.keys), ["1", "2", "3", "4"])
        for (qid, want) in ["1": 5.0 / 9, "2": 1, "3": 0, "4": 0] { XCTAssertEqual(all[qid]!, want, accuracy: 1e-12, qid) }
        XCTAssertEqual(c.mean(ap, run: Self.run), (5.0 / 9 + 1) / 4, accuracy: 1e-12)
        XCTAssertEqual(try c.perQuery(Metric.parse("Judged@10"), run: Self.run)["3"], 0)
    }

    // MARK: Readers

    func testRunReaderIgnoresRankColumnAndRefusesDuplicates() throws {
        let dir = try temporaryDirectory(self)
        let trec = dir + "/run.trec"
        // Ranks contradict the scores; trec_eval goes by score.
        try "1 Q0 y 1 0.5 t\n1 Q0 c 7 5 t\n1 Q0 a 2 4.0 t\n1 Q0 x 6 5.000000 t\n\n1 Q0 b 5 3 t\n1 Q0 e 4 3 t\n1 Q0 d 3 1 t\n"
            .write(toFile: trec, atomically: true, encoding: .utf8)
        let run = try Run.read(trec)
        XCTAssertEqual(Evaluator.trecOrder(run.results["1"]!), ["x", "c", "a", "e", "b", "d", "y"])
        XCTAssertEqual(try Evaluator(qrels: Self.qrels).perQuery(Metric.parse("RR"), run: run)["1"]!, 0.5, accuracy: 1e-12)
        // MS MARCO runs: qid, docid, rank; the rank is the order.
        let msmarco = dir + "/run.tsv"
        try "1\tc\t2\n1\tx\t1\n1\ta\t3\n".write(toFile: msmarco, atomically: true, encoding: .utf8)
        XCTAssertEqual(Evaluator.trecOrder(try Run.read(msmarco).results["1"]!), ["x", "c", "a"])
        // trec_eval and pytrec_eval refuse a document ranked twice for a query.
        let dup = dir + "/dup.trec"
        try "1 Q0 a 1 2 t\n1 Q0 b 2 1 t\n1 Q0 a 3 0.5 t\n".write(toFile: dup, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try Run.read(dup)) { XCTAssertTrue("\($0)".contains("dup.trec:3:"), "\($0)") }
        // The same document under two queries is fine.
        try "1 Q0 a 1 2 t\n2 Q0 a 1 2 t\n".write(toFile: dup, atomically: true, encoding: .utf8)
        XCTAssertEqual(try Run.read(dup).results.count, 2)
    }

    func testQrelsReaderRefusesDuplicates() throws {
        let dir = try temporaryDirectory(self)
        let path = dir + "/qrels"
        try "1 0 a 1\n1 0 b -1\n2 0 a 0\n".write(toFile: path, atomically: true, encoding: .utf8)
        XCTAssertEqual(try Qrels.read(path).judgments, ["1": ["a": 1, "b": -1], "2": ["a": 0]])
        try "1 0 a 1\n1 0 b 0\n1 0 a 2\n".write(toFile: path, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try Qrels.read(path)) { XCTAssertTrue("\($0)".contains("qrels:3:"), "\($0)") }
    }

    // MARK: Significance

    func testPairedTTestMatchesScipy() throws {
        // scipy.stats.ttest_rel(a, b).pvalue (scipy 1.17).
        let a = [0.61, 0.42, 0.77, 0.35, 0.50, 0.68, 0.29, 0.55, 0.47, 0.62]
        let b = [0.49, 0.47, 0.47, 0.27, 0.50, 0.47, 0.39, 0.40, 0.45, 0.55]
        XCTAssertEqual(try XCTUnwrap(Significance.pairedTTest(zip(a, b).map { $0 - $1 })), 0.06561775360951826, accuracy: 1e-6)
        // A small p-value: also within 1e-6 relative.
        let x = [0.58, 0.74, 0.67, 0.34, 0.38, 0.72, 0.2, 0.69, 0.68, 0.48, 0.38, 0.37, 0.35, 0.47, 0.5,
                 0.53, 0.8, 0.68, 0.57, 0.79, 0.33, 0.3, 0.57, 0.23, 0.22, 0.51, 0.48, 0.75, 0.58, 0.51]
        let y = [0.59, 0.71, 0.66, 0.32, 0.29, 0.7, 0.15, 0.6, 0.65, 0.43, 0.33, 0.32, 0.35, 0.42, 0.4,
                 0.54, 0.72, 0.63, 0.55, 0.66, 0.25, 0.3, 0.52, 0.16, 0.18, 0.43, 0.43, 0.67, 0.47, 0.49]
        let small = try XCTUnwrap(Significance.pairedTTest(zip(x, y).map { $0 - $1 }))
        XCTAssertEqual(small / 3.150673790815796e-08, 1, accuracy: 1e-6)
        // Few pairs: df = 1 and 2.
        XCTAssertEqual(try XCTUnwrap(Significance.pairedTTest([0.3, -0.1])), 0.7048327646991335, accuracy: 1e-6)
        XCTAssertEqual(try XCTUnwrap(Significance.pairedTTest([1.0, 2.0, 3.5])), 0.09643753908600937, accuracy: 1e-6)
        // Rounding leaves a tiny variance here, and scipy gets the same tiny p-value.
        XCTAssertEqual(try XCTUnwrap(Significance.pairedTTest([0.2, 0.2, 0.2])) / 9.629649721936175e-33, 1, accuracy: 1e-6)
        // No variance: a constant nonzero difference gives 0 as in scipy (t is infinite); no
        // difference at all gives 1 where scipy gives nan, as does a single pair (nil here).
        XCTAssertEqual(Significance.pairedTTest([0.5, 0.5, 0.5]), 0)
        XCTAssertEqual(Significance.pairedTTest([0, 0, 0]), 1)
        XCTAssertNil(Significance.pairedTTest([0.2]))
    }

    func testHolmByHand() {
        // Sorted 0.005 0.01 0.03 0.04 times 4 3 2 1 = 0.02 0.03 0.06 0.04, made monotone: 0.02 0.03 0.06 0.06.
        let adjusted = Significance.holm([0.01, 0.04, 0.03, 0.005])
        for (got, want) in zip(adjusted, [0.03, 0.06, 0.06, 0.02]) { XCTAssertEqual(got, want, accuracy: 1e-12) }
        // Capped at 1, and monotone past the cap.
        XCTAssertEqual(Significance.holm([0.5, 0.6]), [1, 1])
        XCTAssertEqual(Significance.holm([0.2]), [0.2])
        XCTAssertEqual(Significance.holm([]), [])
    }

    // MARK: Cross-check with pytrec_eval and ir_measures

    struct Collection {
        var name, documents, format, topics, qrels: String
        var metrics: [String]
    }

    /// Quarry gets trec_eval names where trec_eval has the measure; the script ir_measures names.
    static let quarryNames = ["nDCG@10": "ndcg_cut_10", "AP": "map", "P@10": "P_10", "R@1000": "recall_1000", "RR": "recip_rank"]
    static let common = ["nDCG@10", "AP", "P@10", "R@1000", "RR", "RR@10", "Judged@10"]

    func testCrossCheckAgainstPytrecEvalAndIrMeasures() throws {
        let started = Date()
        let python = try pythonWithEvaluators()
        let script = TestPaths.root.appendingPathComponent("tools/crosscheck_eval.py").path
        let collections = [
            Collection(name: "scifact", documents: "scifact/corpus.jsonl.gz", format: "beir",
                       topics: "scifact/topics.beir-v1.0.0-scifact.test.tsv.gz", qrels: "scifact/qrels.beir-v1.0.0-scifact.test.txt", metrics: Self.common),
            Collection(name: "cacm", documents: "cacm/cacm.tar.gz", format: "html",
                       topics: "cacm/topics.cacm.txt", qrels: "cacm/qrels.cacm.txt", metrics: Self.common),
            Collection(name: "vaswani", documents: "vaswani/doc-text.trec", format: "trec",
                       topics: "vaswani/query-text.trec", qrels: "vaswani/qrels", metrics: Self.common),
            Collection(name: "msmarco-dl19", documents: "msmarco-dl19/passages.tsv.gz", format: "msmarco",
                       topics: "msmarco-dl19/topics.dl19-passage.txt", qrels: "msmarco-dl19/qrels.dl19-passage.txt",
                       metrics: Self.common + ["AP(rel=2)", "R(rel=2)@1000"]),
        ]
        let dir = try temporaryDirectory(self)
        for c in collections {
            let index = "\(dir)/\(c.name).idx", run = "\(dir)/\(c.name).run"
            try check(quarry("index", "--collection", TestPaths.corpus(c.documents), "--format", c.format, "--index", index, "--threads", "2"))
            try check(quarry("run", "--index", index, "--topics", TestPaths.corpus(c.topics), "--output", run, "--threads", "2"))
            let qrels = try TestPaths.corpus(c.qrels)
            try crossCheck(c.name, python: python, script: script, qrels: qrels, run: run, metrics: c.metrics)
            if c.name == "msmarco-dl19" {
                // trec_eval -l 2, as the published TREC DL numbers use (nDCG keeps the grades).
                try crossCheck(c.name, python: python, script: script, qrels: qrels, run: run, metrics: Self.common, options: ["--relevance-level", "2"])
            }
            if c.name == "cacm" {
                // -c on a run lacking queries: the first 20 topics only.
                let lines = try String(contentsOfFile: run, encoding: .utf8).split(separator: "\n")
                let partial = "\(dir)/cacm-partial.run"
                try (lines.filter { (Int($0.prefix { $0 != " " }) ?? 0) <= 20 }.joined(separator: "\n") + "\n")
                    .write(toFile: partial, atomically: true, encoding: .utf8)
                for options in [["--complete"], []] {
                    try crossCheck("cacm, topics 1-20", python: python, script: script, qrels: qrels, run: partial, metrics: Self.common, options: options)
                }
            }
        }
        print(String(format: "EvaluationTests: cross-check of 4 collections took %.1f s", Date().timeIntervalSince(started)))
    }

    /// The hand-made cases above, plus all-tied query 5 (where ir_measures' own tie order differs),
    /// through both tools.
    func testCrossCheckOnTiesAndEdgeCases() throws {
        let python = try pythonWithEvaluators()
        let script = TestPaths.root.appendingPathComponent("tools/crosscheck_eval.py").path
        let dir = try temporaryDirectory(self)
        let qrels = dir + "/qrels", run = dir + "/run"
        try """
            1 0 a 2\n1 0 b 0\n1 0 c 1\n1 0 d 3\n1 0 e -1\n2 0 b 1\n3 0 a 1\n4 0 z 0\n5 0 p 1\n5 0 q 2

            """.write(toFile: qrels, atomically: true, encoding: .utf8)
        try """
            1 Q0 y 1 0.5 t\n1 Q0 a 2 4 t\n1 Q0 c 3 5 t\n1 Q0 b 4 3 t\n1 Q0 x 5 5 t\n1 Q0 e 6 3 t\n1 Q0 d 7 1 t
            2 Q0 a 1 12.3456785 t\n2 Q0 b 2 12.345678 t\n4 Q0 z 1 1 t
            5 Q0 p 1 2 t\n5 Q0 q 2 2 t\n5 Q0 r 3 2 t\n5 Q0 s 4 2 t\n9 Q0 a 1 1 t

            """.write(toFile: run, atomically: true, encoding: .utf8)
        let metrics = Self.common + ["nDCG", "nDCG@5", "AP(rel=2)", "AP@3", "P@5", "R(rel=2)@5", "RR@3", "RR(rel=2)@3", "Judged@2", "Judged@5"]
        for options in [[], ["--complete"], ["--relevance-level", "2"], ["--relevance-level", "2", "--complete"]] {
            try crossCheck("hand-made", python: python, script: script, qrels: qrels, run: run, metrics: metrics, options: options)
        }
    }

    /// Compares `quarry eval` with tools/crosscheck_eval.py query by query, to 4 decimals.
    func crossCheck(_ name: String, python: String, script: String, qrels: String, run: String, metrics: [String],
                    options: [String] = [], file: StaticString = #filePath, line: UInt = #line) throws {
        let label = ([name] + options).joined(separator: " ")
        var quarryArgs = ["eval", "--qrels", qrels, "--run", run, "--json", "--per-query"] + options
        for m in metrics { quarryArgs += ["--metric", Self.quarryNames[m] ?? m] }
        let ours = try json(runProcess(TestPaths.quarry, quarryArgs), label, file: file, line: line)
        let reference = try json(runProcess(python, [script, "--qrels", qrels, "--run", run, "--metric"] + metrics + options), label, file: file, line: line)
        var summary: [String] = []
        for m in metrics {
            guard let mine = ours[m] as? [String: Any], let perQuery = mine["perQuery"] as? [String: Double],
                  let ref = reference[m] as? [String: Any], let refPerQuery = ref["perQuery"] as? [String: Double] else {
                XCTFail("\(label): \(m) missing from quarry's or the script's output", file: file, line: line)
                continue
            }
            XCTAssertNil(ref["toolDisagreements"], "\(label): \(m): pytrec_eval and ir_measures disagree", file: file, line: line)
            XCTAssertEqual(Set(perQuery.keys), Set(refPerQuery.keys), "\(label): \(m): evaluated queries differ", file: file, line: line)
            XCTAssertFalse(perQuery.isEmpty, "\(label): \(m): no query evaluated", file: file, line: line)
            // ir_measures breaks ties by docid ascending on doubles; where that changes a value the
            // script gives trec_eval's order's value too, which is what Quarry must report.
            let tieSensitive = ref["tieSensitive"] as? [String: Double] ?? [:]
            var worst = 0.0, mismatches: [String] = []
            for (qid, want) in refPerQuery {
                guard let got = perQuery[qid] else { continue }
                let expected = tieSensitive[qid] ?? want
                worst = max(worst, abs(got - expected))
                if abs(got - expected) >= 5e-5 { mismatches.append("\(qid): quarry \(got), reference \(expected)") }
            }
            XCTAssert(mismatches.isEmpty, "\(label): \(m): \(mismatches.count) queries differ, e.g. \(mismatches.sorted().prefix(5))", file: file, line: line)
            let mean = try XCTUnwrap(mine["mean"] as? Double)
            let refMean = try XCTUnwrap((tieSensitive.isEmpty ? ref["mean"] : ref["meanInTrecOrder"]) as? Double)
            XCTAssertEqual(mean, refMean, accuracy: 5e-5, "\(label): \(m) mean", file: file, line: line)
            summary.append(String(format: "%@ %.4f", m, mean) + (tieSensitive.isEmpty ? "" : " (\(tieSensitive.count) tie-sensitive)")
                           + (worst > 1e-12 ? String(format: " max diff %.1e", worst) : ""))
        }
        print("EvaluationTests: \(label): \(perQueryCount(ours)) queries: " + summary.joined(separator: ", "))
    }

    func perQueryCount(_ output: [String: Any]) -> Int {
        output.values.compactMap { ($0 as? [String: Any])?["queries"] as? Int }.first ?? 0
    }

    func json(_ r: CommandResult, _ label: String, file: StaticString = #filePath, line: UInt = #line) throws -> [String: Any] {
        guard r.status == 0, let obj = try? JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any] else {
            XCTFail("\(label): exit \(r.status): \(r.stderr.suffix(2000))", file: file, line: line)
            throw XCTSkip("command failed")
        }
        return obj
    }

    func check(_ r: CommandResult, file: StaticString = #filePath, line: UInt = #line) throws {
        if r.status != 0 {
            XCTFail("quarry failed (\(r.status)): \(r.stderr.suffix(2000))", file: file, line: line)
            throw XCTSkip("quarry failed")
        }
    }

    /// python3 with pytrec_eval and ir_measures, installing them with pip if need be. Fails the test
    /// (never skips it) when they cannot be had.
    func pythonWithEvaluators(file: StaticString = #filePath, line: UInt = #line) throws -> String {
        let env = "/usr/bin/env"
        let probe = { try runProcess(env, ["python3", "-c", "import pytrec_eval, ir_measures"]) }
        guard let first = try? probe() else {
            XCTFail("python3 not found: the cross-check needs python3 with pytrec-eval-terrier and ir-measures", file: file, line: line)
            throw XCTSkip("no python3")
        }
        if first.status != 0 {
            let install = try runProcess(env, ["python3", "-m", "pip", "install", "--quiet", "pytrec-eval-terrier", "ir-measures"])
            let second = try probe()
            if second.status != 0 {
                XCTFail("""
                    the cross-check needs python3 with pytrec_eval and ir_measures \
                    (pip install pytrec-eval-terrier ir-measures); import failed: \(first.stderr.suffix(500)) \
                    pip install: \(install.stderr.suffix(1000))
                    """, file: file, line: line)
                throw XCTSkip("no pytrec_eval / ir_measures")
            }
        }
        // The interpreter itself, so that later calls use the same one.
        let which = try runProcess(env, ["python3", "-c", "import sys; print(sys.executable)"])
        let path = which.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        return path.isEmpty ? "/usr/bin/python3" : path
    }

    func testWindowsLineEndingsReadLikeUnixOnes() throws {
        let dir = try temporaryDirectory(self)
        try "1 0 d1 1\r\n1 0 d2 0\r\n2 0 d3 2\r\n".write(toFile: dir + "/q", atomically: true, encoding: .utf8)
        try "1 Q0 d1 1 2.0 t\r\n1 Q0 d2 2 1.0 t\r\n2 Q0 d3 1 1.0 t\r\n".write(toFile: dir + "/r", atomically: true, encoding: .utf8)
        let qrels = try Qrels.read(dir + "/q")
        XCTAssertEqual(qrels.judgments["1"]?.count, 2)
        XCTAssertEqual(qrels.judgments["2"]?["d3"], 2)
        XCTAssertEqual(try Run.read(dir + "/r").results["1"]?.map(\.docid), ["d1", "d2"])
    }
}
