// The routes served in this process on a free loopback port over a small real index, with test
// plugins that fail, block or count their makings: the cases the shipped plugins cannot stage.
import Foundation
import Hummingbird
import Logging
import NIOCore
import QuarryAPI
import QuarryLLM
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
                    workers: Int = 2, cacheCapacity: Int = 8, counter: MakeCounter = MakeCounter(),
                    topics: TopicSet? = nil) throws -> (Router<BasicRequestContext>, ServerMetrics) {
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
                                        cacheCapacity: cacheCapacity, metrics: metrics, topics: topics)
        return (try ServerRoutes.router(service: service, registry: registry, indexPaths: [index.path], metrics: metrics), metrics)
    }

    /// A client of a server running in this process. Requests block a Dispatch thread (libcurl),
    /// never one of Swift's shared threads the server answers on.
    struct Client: Sendable {
        let port: Int

        func send(_ method: String, _ path: String, body: Data?) async throws -> (status: Int, body: [String: Any], text: String) {
            let url = "http://127.0.0.1:\(port)\(path)"
            let r: QuarryLLM.HTTPResponse = try await withCheckedThrowingContinuation { c in
                DispatchQueue.global().async {
                    c.resume(with: Result {
                        if let body, method == "POST" {
                            return try HTTPClient.post(url, headers: ["Content-Type": "application/json"], body: body, connectTimeout: 5, totalTimeout: 30)
                        }
                        return try HTTPClient.get(url, totalTimeout: 30)
                    })
                }
            }
            let text = String(decoding: r.body, as: UTF8.self)
            return (r.status, (try? JSONSerialization.jsonObject(with: r.body)) as? [String: Any] ?? [:], text)
        }

        func post(_ path: String, _ json: Any) async throws -> (status: Int, body: [String: Any]) {
            let r = try await send("POST", path, body: try JSONSerialization.data(withJSONObject: json))
            return (r.status, r.body)
        }

        func get(_ path: String) async throws -> (status: Int, body: [String: Any], text: String) {
            try await send("GET", path, body: nil)
        }
    }

    /// Serves `router` on a free loopback port while `body` runs, then stops the server.
    func serve(_ router: Router<BasicRequestContext>, _ body: @escaping @Sendable (Client) async throws -> Void) async throws {
        let (ports, portSink) = AsyncStream<Int>.makeStream()
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                              onServerRunning: { portSink.yield($0.localAddress?.port ?? 0) }, logger: logger)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await app.run() }
            var next = ports.makeAsyncIterator()
            guard let port = await next.next(), port > 0 else { XCTFail("the server did not start"); group.cancelAll(); return }
            do { try await body(Client(port: port)) } catch { group.cancelAll(); throw error }
            group.cancelAll()
        }
    }

    func testAFailingRerankerIsA500ForThatRequestOnly() async throws {
        let index = try TestIndex(documents: Self.documents)
        let (router, metrics) = try makeRouter(index: index)
        try await serve(router) { client in
            let failed = try await client.post("/search", ["query": "glaciers", "reranker": "failing"])
            XCTAssertEqual(failed.status, 500)
            XCTAssertTrue((failed.body["error"] as? String ?? "").contains("the model crashed"), "\(failed.body)")
            let ok = try await client.post("/search", ["query": "glaciers"])
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
        try await serve(router) { client in
            let started = Date()
            let slow = try await client.post("/search", ["query": "glaciers", "expander": "blocking", "options": ["blocking.seconds": 6]])
            let took = Date().timeIntervalSince(started)
            XCTAssertEqual(slow.status, 504)
            XCTAssertTrue((slow.body["error"] as? String ?? "").contains("time limit of 0.5 s"), "\(slow.body)")
            XCTAssertLessThan(took, 3.5, "the 504 waited for the blocked plugin")
            // The other searcher still serves while the first is blocked.
            let ok = try await client.post("/search", ["query": "rivers"])
            XCTAssertEqual(ok.status, 200)
            let batch = try await client.post("/batch", ["queries": [["query": "ice"], ["query": "rock", "expander": "blocking"]]])
            XCTAssertEqual(batch.status, 504)
        }
    }

    /// Searches blocked in synchronous calls run on the server's own threads: health checks and the
    /// time limit's answers do not wait for them.
    func testBlockedSearchesStallNeitherOtherRoutesNorTimeouts() async throws {
        let index = try TestIndex(documents: Self.documents)
        var limits = ServerLimits()
        limits.timeLimit = 0.5
        let (router, _) = try makeRouter(index: index, limits: limits, workers: 2)
        try await serve(router) { client in
            let started = Date()
            async let a = client.post("/search", ["query": "glaciers", "expander": "blocking", "options": ["blocking.seconds": 6]])
            async let b = client.post("/search", ["query": "rivers", "expander": "blocking", "options": ["blocking.seconds": 6]])
            try await Task.sleep(nanoseconds: 200_000_000)
            let health = try await client.get("/health")
            XCTAssertEqual(health.status, 200)
            XCTAssertLessThan(Date().timeIntervalSince(started), 3.0, "/health waited for the blocked searches")
            let (ra, rb) = try await (a, b)
            XCTAssertEqual(ra.status, 504)
            XCTAssertEqual(rb.status, 504)
            XCTAssertLessThan(Date().timeIntervalSince(started), 3.5, "the 504s waited for the blocked plugins")
        }
    }

    func testAThirdPartyOperatorOnlyOptionIsRefusedToRequestsButTheOperatorsApplies() async throws {
        let index = try TestIndex(documents: Self.documents)
        var base = PipelineSpec()
        try base.set("counted.path=/srv/secret")
        try base.set("counted.suffix=volcanoes")
        let (router, _) = try makeRouter(index: index, base: base)
        try await serve(router) { client in
            let refused = try await client.post("/search", ["query": "rivers", "expander": "counted", "options": ["counted.path": "/etc/passwd"]])
            XCTAssertEqual(refused.status, 400)
            XCTAssertTrue((refused.body["error"] as? String ?? "").contains("options.counted.path: operator-only option"), "\(refused.body)")
            let ok = try await client.post("/search", ["query": "rivers", "expander": "counted"])
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
        try await serve(router) { client in
            func search(_ suffix: String) async throws {
                let r = try await client.post("/search", ["query": "ice", "expander": "counted", "options": ["counted.suffix": suffix]])
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
        try await serve(router) { client in
            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                for q in ["glaciers", "rivers", "ice", "rock", "sea", "weight"] {
                    group.addTask { try await client.post("/search", ["query": q]).status }
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
        let (router, _) = try makeRouter(index: index, topics: Self.topicSet)
        try await serve(router) { client in
            let bodies = ["/search": #"{"query":"ice"}"#, "/batch": #"{"queries":[{"query":"ice"}]}"#,
                          "/experiment": #"{"pipelines":[{},{"expander":"rm3"}]}"#]
            for endpoint in ServerRoutes.endpoints {
                let body = endpoint.method == "POST" ? Data(bodies[endpoint.path, default: "{}"].utf8) : nil
                let path = endpoint.path.replacingOccurrences(of: "{id}", with: "d1")
                let r = try await client.send(endpoint.method, path, body: body)
                XCTAssertEqual(r.status, 200, "\(endpoint.method) \(endpoint.path): \(r.text)")
            }
            let missing = try await client.get("/nosuch")
            XCTAssertEqual(missing.status, 404)
        }
    }
}
