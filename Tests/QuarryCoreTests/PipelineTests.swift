// The search pipeline in-process: spec parsing, registry errors, first-stage models, RM3,
// per-query pipelines, expander fallback, rerankers, and thread-count independence.
import XCTest
import QuarryAPI
@testable import QuarryCore
@testable import RM3

final class PipelineTests: XCTestCase {
    /// The sample collection, indexed once for this class.
    nonisolated(unsafe) static var sampleIndex: Index!
    nonisolated(unsafe) static var indexDir: String!

    override class func setUp() {
        super.setUp()
        let dir = NSTemporaryDirectory() + "quarry-pipeline-\(getpid())"
        try? FileManager.default.removeItem(atPath: dir)
        var options = IndexOptions(collection: TestPaths.sample.appendingPathComponent("documents.jsonl").path, format: .beir, index: dir)
        options.progress = false
        _ = try! Indexer.run(options)
        indexDir = dir
        sampleIndex = try! Index(path: dir)
    }

    override class func tearDown() {
        try? FileManager.default.removeItem(atPath: indexDir)
        super.tearDown()
    }

    func registry() -> PluginRegistry {
        let r = PluginRegistry()
        r.register(RM3Expander.plugin)
        return r
    }

    func testSpecGrammarRoundTrips() throws {
        let spec = try PipelineSpec.parse("--model ql --expander rm3 --set rm3.fbDocs=20 --set 'ql.mu=500'")
        XCTAssertEqual(spec.model, "ql")
        XCTAssertEqual(spec.expander, "rm3")
        XCTAssertEqual(spec.settings["rm3"]?["fbDocs"], .string("20"))
        XCTAssertEqual(try PipelineSpec.parse(spec.text), spec)
        XCTAssertEqual(try PipelineSpec.parse(""), PipelineSpec())
        XCTAssertThrowsError(try PipelineSpec.parse("--expander"))
        XCTAssertThrowsError(try PipelineSpec.parse("--bogus x"))
        XCTAssertThrowsError(try PipelineSpec.parse("--set nodot"))
        XCTAssertThrowsError(try PipelineSpec.parse("--set 'rm3.fbDocs=2"))
    }

    func testUnknownNamesListTheValidOnes() throws {
        let r = registry()
        XCTAssertThrowsError(try r.resolve(PipelineSpec(expander: "rm4"))) { e in
            XCTAssertTrue("\(e)".contains("valid expanders: rm3"), "\(e)")
        }
        XCTAssertThrowsError(try r.resolve(try PipelineSpec.parse("--expander rm3 --set rm3.fbdocs=3"))) { e in
            XCTAssertTrue("\(e)".contains("rm3.fbDocs"), "\(e)")
        }
        XCTAssertThrowsError(try r.resolve(try PipelineSpec.parse("--set rm3.fbDocs=many"))) { e in
            XCTAssertTrue("\(e)".contains("expects int"), "\(e)")
        }
        XCTAssertThrowsError(try r.resolve(try PipelineSpec.parse("--model tfidf")))
        XCTAssertThrowsError(try r.resolve(try PipelineSpec.parse("--set bm25.b=2")))
        XCTAssertThrowsError(try r.resolve(try PipelineSpec.parse("--set nope.x=1")))
    }

    func testBM25FindsTheObviousDocumentAndTiesAreOrdered() async throws {
        let pipeline = try registry().resolve(PipelineSpec())
        let r = try await pipeline.run(Query(id: "q", text: "How glaciers move"), k: 10, searcher: try Self.sampleIndex.searcher())
        XCTAssertEqual(r.hits.first?.docid, "S222")
        for (a, b) in zip(r.hits, r.hits.dropFirst()) { XCTAssertTrue(Ranking.before(a, b)) }
        // Xapian query syntax in user text is plain text.
        let weird = try await pipeline.run(Query(id: "q", text: "glacier AND NOT (\"ice\" OR title:x*) -melt +"), k: 5, searcher: try Self.sampleIndex.searcher())
        XCTAssertFalse(weird.hits.isEmpty)
        // A query of stop words analyzes to nothing and finds nothing, without an error.
        let empty = try await pipeline.run(Query(id: "q", text: "the and of ?!"), k: 5, searcher: try Self.sampleIndex.searcher())
        XCTAssertTrue(empty.terms.isEmpty)
        XCTAssertTrue(empty.hits.isEmpty)
    }

    func testBM25ParametersChangeScores() async throws {
        let searcher = try Self.sampleIndex.searcher()
        let a = try await registry().resolve(PipelineSpec()).run(Query(id: "q", text: "coffee roasting"), k: 5, searcher: searcher)
        let b = try await registry().resolve(try PipelineSpec.parse("--set bm25.k1=2.0 --set bm25.b=0.9")).run(Query(id: "q", text: "coffee roasting"), k: 5, searcher: searcher)
        XCTAssertNotEqual(a.hits.map(\.score), b.hits.map(\.score))
        let ql = try await registry().resolve(try PipelineSpec.parse("--model ql")).run(Query(id: "q", text: "coffee roasting"), k: 5, searcher: searcher)
        XCTAssertFalse(ql.hits.isEmpty)
    }

    func testRM3FollowsAnseriniArithmetic() async throws {
        let searcher = try Self.sampleIndex.searcher()
        let bound = ModelSearcher(base: searcher, model: .bm25(k1: 0.9, b: 0.4))
        let query = Query(id: "q", text: "lighthouse lens")
        let expanded = try await RM3Expander(fbDocs: 3, fbTerms: 5, originalQueryWeight: 0.5).expand(query, searcher: bound)
        let terms = searcher.resolve(expanded)
        // Weights: half from the L1-normalised query, half from a 5-term relevance model, summing to 1.
        XCTAssertEqual(terms.map(\.weight).reduce(0, +), 1, accuracy: 1e-9)
        XCTAssertLessThanOrEqual(terms.count, 2 + 5)
        // Recompute the relevance model by hand from the searcher.
        let fb = try bound.search(.text(query.text), k: 3)
        let n = Double(searcher.documentCount)
        var model: [String: Double] = [:]
        for hit in fb {
            var v: [(String, Double)] = []
            for tf in try searcher.termVector(hit.docid) where RM3Expander.isPlainTerm(tf.term) {
                let df = Double(try searcher.documentFrequency(tf.term))
                if df <= 0.1 * n { v.append((tf.term, Double(tf.frequency))) }
            }
            v.sort { $0.1 != $1.1 ? $0.1 > $1.1 : $0.0 < $1.0 }
            let top = v.prefix(5)
            let norm = top.map(\.1).reduce(0, +)
            for (t, f) in top { model[t, default: 0] += f / norm * hit.score }
        }
        let top5 = model.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.prefix(5)
        let sum = top5.map(\.value).reduce(0, +)
        var expected: [String: Double] = ["lighthous": 0.25, "len": 0.25]
        for (t, w) in top5 { expected[t, default: 0] += 0.5 * w / sum }
        XCTAssertEqual(terms.count, expected.count)
        for t in terms { XCTAssertEqual(t.weight, expected[t.term] ?? -1, accuracy: 1e-12, t.term) }
    }

    func testThreadCountDoesNotChangeTheRun() async throws {
        let topics = try TopicReader.read(TestPaths.sample.appendingPathComponent("topics.tsv").path)
        var one = BatchRunner(index: Self.sampleIndex, registry: registry(), base: try PipelineSpec.parse("--expander rm3"))
        one.progress = false
        var two = one
        two.threads = 2
        let a = RunWriter.format(try await one.run(topics), format: .trec, tag: "t")
        let b = RunWriter.format(try await two.run(topics), format: .trec, tag: "t")
        XCTAssertEqual(a, b)
        XCTAssertEqual(a.split(separator: "\n").first?.split(separator: " ").count, 6)
    }

    func testPerQueryPipelineOverridesTheRunsPipeline() async throws {
        let topics = [Topic(id: "1", text: "glacier movement"), Topic(id: "2", text: "glacier movement", pipeline: "--expander rm3 --set rm3.fbDocs=2")]
        var runner = BatchRunner(index: Self.sampleIndex, registry: registry(), base: PipelineSpec())
        runner.progress = false
        let results = try await runner.run(topics)
        XCTAssertEqual(results[0].terms.count, 2)
        XCTAssertGreaterThan(results[1].terms.count, 2)
        XCTAssertTrue(results[1].pipeline.contains("rm3.fbDocs=2"))
        let bad = [Topic(id: "7", text: "x", pipeline: "--expander nope")]
        do {
            _ = try await runner.run(bad)
            XCTFail("expected an error")
        } catch { XCTAssertTrue("\(error)".contains("topic 7"), "\(error)") }
    }

    struct FailingExpander: QueryExpander {
        func expand(_ query: Query, searcher: any Searcher) async throws -> WeightedQuery { throw OptionError("server down") }
    }

    struct ReverseReranker: Reranker {
        var depth: Int? { 3 }
        func rerank(_ query: Query, candidates: [Candidate]) async throws -> [Double] {
            candidates.enumerated().map { Double($0.offset) }  // reverses the top 3
        }
    }

    func testExpanderFailureFallsBackAndRerankerReorders() async throws {
        let r = registry()
        r.register(ExpanderPlugin(name: "failing", summary: "always fails", options: []) { _ in FailingExpander() })
        r.register(RerankerPlugin(name: "reverse", summary: "reverses the top 3", options: []) { _ in ReverseReranker() })
        let searcher = try Self.sampleIndex.searcher()
        let plain = try await r.resolve(PipelineSpec()).run(Query(id: "q", text: "bread starter"), k: 5, searcher: searcher)
        let failed = try await r.resolve(PipelineSpec(expander: "failing")).run(Query(id: "q", text: "bread starter"), k: 5, searcher: searcher)
        XCTAssertTrue(failed.fallback)
        XCTAssertEqual(failed.error, "failing: server down")
        XCTAssertEqual(failed.hits, plain.hits)
        let reranked = try await r.resolve(PipelineSpec(reranker: "reverse")).run(Query(id: "q", text: "bread starter"), k: 5, searcher: searcher)
        XCTAssertEqual(reranked.hits.map(\.docid), Array(plain.hits.prefix(3).reversed().map(\.docid)) + plain.hits.dropFirst(3).map(\.docid))
    }

    func testConfigFileGivesTheSameSpecAsFlags() throws {
        let dir = try temporaryDirectory(self)
        let path = dir + "/quarry.toml"
        try "model = \"bm25\"\nexpander = \"rm3\"\n[bm25]\nk1 = 1.2\n[rm3]\nfbDocs = 20\noriginalQueryWeight = 0.7\n".write(toFile: path, atomically: true, encoding: .utf8)
        let fromFile = try registry().resolve(try ConfigFile.load(path))
        let fromFlags = try registry().resolve(try PipelineSpec.parse("--expander rm3 --set bm25.k1=1.2 --set rm3.fbDocs=20 --set rm3.originalQueryWeight=0.7"))
        XCTAssertEqual(fromFile.description, fromFlags.description)
        try "model = 3\n".write(toFile: path, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try ConfigFile.load(path))
        try "[rm3\n".write(toFile: path, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try ConfigFile.load(path)) { e in XCTAssertTrue("\(e)".contains(path), "\(e)") }
    }
}
