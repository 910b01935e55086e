// The routes in process (HummingbirdTesting's router client, no socket) over a small real index, with
// test plugins that fail, block or count their makings: the cases the shipped plugins cannot stage.
import Foundation
import Hummingbird
import HummingbirdTesting
import QuarryAPI
import QuarryCLI
import QuarryCore
import QuarryTesting
import XCTest
@testable import QuarryServer

/// A reranker that always throws.
struct FailingReranker: Reranker {
    func rerank(_ query: Query, candidates: [Candidate]) async throws -> [Double] {
        throw QuarryError("the model crashed")
    }
}

/// An expander that blocks its thread (as a model's forward pass does) for `seconds`.
struct BlockingExpander: QueryExpander {
    let seconds: Double
    func expand(_ query: Query, searcher: any Searcher) async throws -> WeightedQuery {
        usleep(UInt32(seconds * 1_000_000))
        return .text(query.text)
    }
}

/// An expander that counts how often it is made; its `path` option is operator-only.
final class MakeCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var n = 0
    func increment() { lock.withLock { n += 1 } }
    var value: Int { lock.withLock { n } }
}

struct CountedExpander: QueryExpander {
    let suffix: String
    func expand(_ query: Query, searcher: any Searcher) async throws -> WeightedQuery {
        var w = WeightedQuery.text(query.text + " " + suffix)
        w.generatedText = suffix
        return w
    }
}

final class ServerRoutesTests: XCTestCase {
    static let documents: [TestIndex.Document] = [
        .init(id: "d1", title: "Glaciers", text: "Glaciers move slowly downhill under their own weight."),
        .init(id: "d2", title: "Rivers", text: "Rivers carry water and sediment to the sea."),
        .init(id: "d3", title: "Ice sheets", text: "Ice sheets are glaciers covering a continent."),
        .init(id: "d4", title: "Volcanoes", text: "Volcanoes erupt molten rock from deep below."),
    ]

    /// A router over the test index with the built-in plugins and the test ones.
    func makeRouter(index: TestIndex, limits: ServerLimits = ServerLimits(), base: PipelineSpec = PipelineSpec(),
                    workers: Int = 2, cacheCapacity: Int = 8, counter: MakeCounter = MakeCounter()) throws -> (Router<BasicRequestContext>, ServerMetrics) {
        let registry = QuarryMain.builtinRegistry()
        registry.register(RerankerPlugin(name: "failing", summary: "always throws", options: []) { _ in FailingReranker() })
        registry.register(ExpanderPlugin(name: "blocking", summary: "blocks its thread",
                                         options: [OptionSpec("seconds", .double, default: .double(3), help: "how long")]) { o in
            BlockingExpander(seconds: o.double("seconds") ?? 3)
        })
        registry.register(ExpanderPlugin(name: "counted", summary: "counts its makings",
                                         options: [OptionSpec("suffix", .string, default: .string("glaciers"), help: "text added"),
                                                   OptionSpec("path", .string, default: nil, help: "a file", operatorOnly: true)]) { o in
            counter.increment()
            return CountedExpander(suffix: o.string("suffix") ?? "")
        })
        let metrics = ServerMetrics()
        let service = try SearchService(index: index.index, registry: registry, base: base, limits: limits, workers: workers,
                                        cacheCapacity: cacheCapacity, metrics: metrics)
        return (try ServerRoutes.router(service: service, registry: registry, indexPaths: [index.path], metrics: metrics), metrics)
    }

    static func post(_ client: some TestClientProtocol, _ uri: String, _ json: Any) async throws -> (status: Int, body: [String: Any]) {
        let data = try JSONSerialization.data(withJSONObject: json)
        return try await client.execute(uri: uri, method: .post, headers: [.contentType: "application/json"],
                                        body: ByteBuffer(bytes: data)) { response in
            (response.status.code, (try? JSONSerialization.jsonObject(with: Data(buffer: response.body))) as? [String: Any] ?? [:])
        }
    }

    func testAFailingRerankerIsA500ForThatRequestOnly() async throws {
        let index = try TestIndex(documents: Self.documents)
        let (router, metrics) = try makeRouter(index: index)
        try await Application(router: router).test(.router) { client in
            let failed = try await Self.post(client, "/search", ["query": "glaciers", "reranker": "failing"])
            XCTAssertEqual(failed.status, 500)
            XCTAssertTrue((failed.body["error"] as? String ?? "").contains("the model crashed"), "\(failed.body)")
            let ok = try await Self.post(client, "/search", ["query": "glaciers"])
            XCTAssertEqual(ok.status, 200)
            XCTAssertEqual((ok.body["hits"] as? [[String: Any]])?.first?["docid"] as? String, "d1")
        }
        XCTAssertTrue(metrics.text().contains("quarry_errors_total{kind=\"plugin\"} 1"))
    }

    func testTheTimeLimitAnswers504WhileAPluginIsStillBlocked() async throws {
        let index = try TestIndex(documents: Self.documents)
        var limits = ServerLimits()
        limits.timeLimit = 0.5
        let (router, _) = try makeRouter(index: index, limits: limits)
        try await Application(router: router).test(.router) { client in
            let started = Date()
            let slow = try await Self.post(client, "/search", ["query": "glaciers", "expander": "blocking", "options": ["blocking.seconds": 3]])
            let took = Date().timeIntervalSince(started)
            XCTAssertEqual(slow.status, 504)
            XCTAssertTrue((slow.body["error"] as? String ?? "").contains("time limit of 0.5 s"), "\(slow.body)")
            XCTAssertLessThan(took, 2.5, "the 504 waited for the blocked plugin")
            // The other searcher still serves while the first is blocked.
            let ok = try await Self.post(client, "/search", ["query": "rivers"])
            XCTAssertEqual(ok.status, 200)
            let batch = try await Self.post(client, "/batch", ["queries": [["query": "ice"], ["query": "rock", "expander": "blocking"]]])
            XCTAssertEqual(batch.status, 504)
        }
    }

    func testAThirdPartyOperatorOnlyOptionIsRefusedToRequestsButTheOperatorsApplies() async throws {
        let index = try TestIndex(documents: Self.documents)
        var base = PipelineSpec()
        try base.set("counted.path=/srv/secret")
        try base.set("counted.suffix=volcanoes")
        let (router, _) = try makeRouter(index: index, base: base)
        try await Application(router: router).test(.router) { client in
            let refused = try await Self.post(client, "/search", ["query": "rivers", "expander": "counted", "options": ["counted.path": "/etc/passwd"]])
            XCTAssertEqual(refused.status, 400)
            XCTAssertTrue((refused.body["error"] as? String ?? "").contains("options.counted.path: operator-only option"), "\(refused.body)")
            let ok = try await Self.post(client, "/search", ["query": "rivers", "expander": "counted"])
            XCTAssertEqual(ok.status, 200)
            XCTAssertEqual(ok.body["generated"] as? String, "volcanoes")
            // The answer names the pipeline without the operator's path.
            XCTAssertEqual(ok.body["pipeline"] as? String, "--expander counted --set counted.suffix=volcanoes")
            let docids = (ok.body["hits"] as? [[String: Any]] ?? []).compactMap { $0["docid"] as? String }
            XCTAssertEqual(Set(docids), ["d2", "d4"])
        }
    }

    func testEachDistinctPipelineIsMadeOnceAndTheCacheIsBounded() async throws {
        let index = try TestIndex(documents: Self.documents)
        let counter = MakeCounter()
        let (router, metrics) = try makeRouter(index: index, cacheCapacity: 2, counter: counter)
        try await Application(router: router).test(.router) { client in
            func search(_ suffix: String) async throws {
                let r = try await Self.post(client, "/search", ["query": "ice", "expander": "counted", "options": ["counted.suffix": suffix]])
                XCTAssertEqual(r.status, 200)
                XCTAssertEqual(r.body["generated"] as? String, suffix)
            }
            try await search("a")
            try await search("a")
            try await search("a")
            XCTAssertEqual(counter.value, 1)
            try await search("b")
            try await search("c")
            XCTAssertEqual(counter.value, 3)
            // "a" was the least recently used of three specs in a cache of two: made again.
            try await search("a")
            XCTAssertEqual(counter.value, 4)
        }
        let text = metrics.text()
        XCTAssertTrue(text.contains("quarry_pipeline_cache_hits_total 2"), text)
        XCTAssertTrue(text.contains("quarry_pipeline_cache_misses_total 4"), text)
    }

    func testConcurrentRequestsWaitForASearcherAndAllAnswer() async throws {
        let index = try TestIndex(documents: Self.documents)
        let (router, _) = try makeRouter(index: index, workers: 1)
        try await Application(router: router).test(.router) { client in
            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                for q in ["glaciers", "rivers", "ice", "rock", "sea", "weight"] {
                    group.addTask { try await Self.post(client, "/search", ["query": q]).status }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            XCTAssertEqual(statuses, Array(repeating: 200, count: 6))
        }
    }

    /// docs/openapi.yaml lists exactly the routes the server has, and each of them answers.
    func testTheOpenAPIDocumentListsEveryRoute() async throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let yaml = try String(contentsOf: root.appendingPathComponent("docs/openapi.yaml"), encoding: .utf8)
        XCTAssertTrue(yaml.hasPrefix("openapi: 3."), "not an OpenAPI 3 document")
        var documented: Set<String> = []
        var path: String? = nil
        var inPaths = false
        for line in yaml.split(separator: "\n", omittingEmptySubsequences: false) {
            if line == "paths:" { inPaths = true; continue }
            if inPaths, let first = line.first, !first.isWhitespace { inPaths = false }
            guard inPaths else { continue }
            if line.hasPrefix("  /"), line.hasSuffix(":") { path = String(line.dropFirst(2).dropLast()); continue }
            for method in ["get", "post", "put", "delete", "patch"] where line == "    \(method):" {
                documented.insert("\(method.uppercased()) \(path ?? "?")")
            }
        }
        let served = Set(ServerRoutes.endpoints.map { "\($0.method) \($0.path)" })
        XCTAssertEqual(documented, served)
        let index = try TestIndex(documents: Self.documents)
        let (router, _) = try makeRouter(index: index)
        try await Application(router: router).test(.router) { client in
            for endpoint in ServerRoutes.endpoints {
                let body = endpoint.method == "POST" ? ByteBuffer(string: endpoint.path == "/batch" ? "{\"queries\":[{\"query\":\"ice\"}]}" : "{\"query\":\"ice\"}") : nil
                let status = try await client.execute(uri: endpoint.path, method: HTTPRequest.Method(endpoint.method)!, body: body) { $0.status }
                XCTAssertEqual(status, .ok, "\(endpoint.method) \(endpoint.path)")
            }
            let missing = try await client.execute(uri: "/nosuch", method: .get) { $0.status }
            XCTAssertEqual(missing, .notFound)
        }
    }
}
