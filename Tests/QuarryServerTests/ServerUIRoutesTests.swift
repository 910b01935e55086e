// The routes the browser UI needs, served in this process over a small index that holds a document
// with markup in it: the stored document (GET /doc/ID, JSON or the page), the topics, a search for a
// judged topic (grades, metrics, snippets and the words to highlight) and POST /experiment, which
// must agree with the Evaluator and ExperimentTable `quarry experiment` uses. The page itself is
// driven in a real browser by UIBrowserTests.
import Foundation
import QuarryAPI
import QuarryCLI
import QuarryCore
import QuarryLLM
import QuarryTesting
import XCTest
@testable import QuarryServer

extension ServerRoutesTests {
    static let hostile = TestIndex.Document(id: "x1", title: "<script>alert(1)</script> Glacier trap",
                                            text: "<img src=x onerror=alert(2)> glaciers <b>bold</b> & more")

    static let topicSet = TopicSet(
        topics: [Topic(id: "t1", text: "glaciers"), Topic(id: "t2", text: "rivers sea"), Topic(id: "t3", text: "unjudged topic")],
        qrels: Qrels(["t1": ["d1": 2, "d3": 1, "d2": 0], "t2": ["d2": 1, "d4": 0]]))

    func testDocumentsAnswerJSONToClientsAndThePageToBrowsers() async throws {
        let index = try TestIndex(documents: Self.documents + [Self.hostile])
        let (router, _) = try makeRouter(index: index, topics: Self.topicSet)
        try await serve(router) { client in
            let doc = try await client.get("/doc/x1")
            XCTAssertEqual(doc.status, 200)
            XCTAssertEqual(doc.body["title"] as? String, Self.hostile.title)
            XCTAssertEqual(doc.body["text"] as? String, Self.hostile.text)
            XCTAssertNil(doc.body["grade"])
            let graded = try await client.get("/doc/d1?topic=t1")
            XCTAssertEqual(graded.body["grade"] as? Int, 2)
            let missing = try await client.get("/doc/nosuch")
            XCTAssertEqual(missing.status, 404)
            XCTAssertEqual(missing.body["error"] as? String, "no document with id 'nosuch'")

            let url = "http://127.0.0.1:\(client.port)"
            for path in ["/", "/doc/d1"] {
                let page = try HTTPClient.get(url + path, headers: ["Accept": "text/html,application/xhtml+xml,*/*;q=0.8"])
                XCTAssertEqual(page.status, 200)
                XCTAssertTrue(String(decoding: page.body, as: UTF8.self).hasPrefix("<!doctype html>"), path)
                let csp = page.headers.first { $0.key.lowercased() == "content-security-policy" }?.value ?? ""
                XCTAssertTrue(csp.contains("script-src 'self'"), "\(path): \(page.headers)")
            }
            let script = try HTTPClient.get(url + "/ui/app.js")
            XCTAssertEqual(script.headers.first { $0.key.lowercased() == "content-type" }?.value, "text/javascript; charset=utf-8")
            // The script never writes markup: every text goes in as text.
            let js = String(decoding: script.body, as: UTF8.self)
            XCTAssertFalse(js.contains("innerHTML") || js.contains("outerHTML") || js.contains("insertAdjacentHTML") || js.contains("document.write"))
        }
    }

    func testTopicsAndASearchForAJudgedTopicAnswerGradesAndMetrics() async throws {
        let index = try TestIndex(documents: Self.documents + [Self.hostile])
        let (router, _) = try makeRouter(index: index, topics: Self.topicSet)
        try await serve(router) { client in
            let topics = try await client.get("/topics")
            XCTAssertEqual(topics.body["judgments"] as? Bool, true)
            XCTAssertEqual(topics.body["metrics"] as? [String], ["nDCG@10", "AP"])
            let list = topics.body["topics"] as? [[String: Any]] ?? []
            XCTAssertEqual(list.map { $0["id"] as? String }, ["t1", "t2", "t3"])
            XCTAssertEqual(list[0]["judged"] as? Int, 3)
            XCTAssertEqual(list[0]["relevant"] as? Int, 2)
            XCTAssertEqual(list[2]["judged"] as? Int, 0)

            let r = try await client.post("/search", ["query": "glaciers", "id": "t1", "snippets": true])
            XCTAssertEqual(r.status, 200, "\(r.body)")
            let hits = r.body["hits"] as? [[String: Any]] ?? []
            let grades = Dictionary(uniqueKeysWithValues: hits.map { ($0["docid"] as! String, $0["grade"] as? Int) })
            XCTAssertEqual(grades["d1"], 2)
            XCTAssertEqual(grades["d3"], 1)
            XCTAssertEqual(grades["x1"], .some(nil), "an unjudged hit has no grade")
            // The metrics are the Evaluator's over the hits answered.
            let evaluation = r.body["evaluation"] as? [String: Any] ?? [:]
            let run = Run(["t1": hits.map { Hit(docid: $0["docid"] as! String, score: $0["score"] as! Double) }])
            let evaluator = Evaluator(qrels: Self.topicSet.evaluator!.qrels)
            let metrics = evaluation["metrics"] as? [String: Double] ?? [:]
            XCTAssertEqual(metrics["nDCG@10"]!, evaluator.perQuery(Metric(.ndcg, cutoff: 10), run: run)["t1"]!, accuracy: 1e-12)
            XCTAssertEqual(metrics["AP"]!, evaluator.perQuery(Metric(.ap), run: run)["t1"]!, accuracy: 1e-12)
            XCTAssertEqual(evaluation["relevant"] as? Int, 2)
            // Snippets are plain text; the words to highlight are the ones that analyze to a query term.
            let trap = hits.first { $0["docid"] as? String == "x1" } ?? [:]
            XCTAssertEqual(trap["snippet"] as? String, Self.hostile.text)
            XCTAssertEqual(trap["highlight"] as? [String], ["glacier", "glaciers"])
            // Without "snippets" (the default) an answer is as before; a free query has no evaluation.
            let plain = try await client.post("/search", ["query": "glaciers"])
            XCTAssertNil((plain.body["hits"] as? [[String: Any]])?.first?["snippet"])
            XCTAssertNil(plain.body["evaluation"])
            let bad = try await client.post("/search", ["query": "glaciers", "snippets": "yes"])
            XCTAssertEqual(bad.status, 400)
            XCTAssertEqual(bad.body["error"] as? String, "snippets: expected a boolean, got a string")
        }
    }

    func testTheExperimentComparesPipelinesAsQuarryExperimentDoes() async throws {
        let index = try TestIndex(documents: Self.documents + [Self.hostile])
        let (router, _) = try makeRouter(index: index, topics: Self.topicSet)
        try await serve(router) { client in
            let r = try await client.post("/experiment", ["pipelines": [["name": "bm25"], ["name": "ql", "model": "ql"]]])
            XCTAssertEqual(r.status, 200, "\(r.body)")
            XCTAssertEqual(r.body["metrics"] as? [String], ["nDCG@10", "AP"])
            let topics = r.body["topics"] as? [[String: Any]] ?? []
            XCTAssertEqual(topics.map { $0["id"] as? String }, ["t1", "t2"], "only judged topics")
            let table = r.body["table"] as? String ?? ""
            XCTAssertTrue(table.contains("(baseline)") && table.contains("2 queries; Δ from bm25"), table)
            // The table is ExperimentTable's over the per-topic values answered.
            var perQuery: [String: [Metric: [String: Double]]] = [:]
            for name in ["bm25", "ql"] {
                for m in [Metric(.ndcg, cutoff: 10), Metric(.ap)] {
                    for t in topics {
                        let values = (t["values"] as? [String: [String: Double]])?[name]
                        perQuery[name, default: [:]][m, default: [:]][t["id"] as! String] = values?[m.description]
                    }
                }
            }
            let expected = ExperimentTable.build(names: ["bm25", "ql"], baseline: "bm25", metrics: [Metric(.ndcg, cutoff: 10), Metric(.ap)],
                                                 perQuery: perQuery, holm: true)
            XCTAssertEqual(table, expected.text())
            let summary = (r.body["summary"] as? [String: [String: [String: Any]]])?["ql"]?["nDCG@10"] ?? [:]
            XCTAssertNotNil(summary["wins"])

            let one = try await client.post("/experiment", ["pipelines": [[String: Any]()]])
            XCTAssertEqual(one.status, 400)
            let twice = try await client.post("/experiment", ["pipelines": [["name": "a"], ["name": "a"]]])
            XCTAssertEqual(twice.body["error"] as? String, "pipelines[1].name: 'a' names two pipelines")
            let query = try await client.post("/experiment", ["pipelines": [[String: Any](), ["query": "x"]]])
            XCTAssertEqual(query.status, 400)
            let unknown = try await client.post("/experiment", ["pipelines": [[String: Any](), ["expander": "nope"]]])
            XCTAssertEqual(unknown.status, 400)
            XCTAssertTrue((unknown.body["error"] as? String ?? "").hasPrefix("pipelines[1].expander:"), "\(unknown.body)")
        }
        // Without judgments: no experiment, no topics.
        let (bare, _) = try makeRouter(index: index)
        try await serve(bare) { client in
            let r = try await client.post("/experiment", ["pipelines": [[String: Any](), ["model": "ql"]]])
            XCTAssertEqual(r.status, 400)
            XCTAssertTrue((r.body["error"] as? String ?? "").contains("--topics FILE --qrels FILE"), "\(r.body)")
            let topics = try await client.get("/topics")
            XCTAssertEqual(topics.body["judgments"] as? Bool, false)
            XCTAssertEqual((topics.body["topics"] as? [Any])?.count, 0)
        }
    }
}
