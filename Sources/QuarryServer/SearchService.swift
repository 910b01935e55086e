// The engine behind the routes: a request's spec (checked by RequestPolicy), its pipeline (from the
// cache), a searcher of its own (from the pool), one run through the same Pipeline `quarry search`
// and `quarry run` use, and the answer. Independent of HTTP, so it can be tested without a socket.
import Foundation
import QuarryAPI
import QuarryCLI
import QuarryCore

public final class SearchService: Sendable {
    public let index: Index
    /// Documents in the index (for /health).
    public let documentCount: Int
    let policy: RequestPolicy
    let limits: ServerLimits
    let metrics: ServerMetrics
    let pipelines: PipelineCache
    let searchers: SearcherPool
    /// Where requests' work runs (one thread per searcher), off Swift's shared pool.
    let threads: SearchThreads
    /// The topics and judgments the server was given (--topics, --qrels), if any.
    let topics: TopicSet?

    /// - Parameters:
    ///   - base: the operator's pipeline (flags, config file), which requests start from.
    ///   - workers: searchers and search threads, hence searches running at once.
    ///   - cacheCapacity: distinct pipelines kept made.
    ///   - topics: topics and judgments for the UI's topic picker, grades, metrics and experiments.
    public init(index: Index, registry: PluginRegistry, base: PipelineSpec, limits: ServerLimits, workers: Int,
                cacheCapacity: Int, metrics: ServerMetrics, topics: TopicSet? = nil) throws {
        self.index = index
        self.topics = topics
        policy = RequestPolicy(registry: registry, base: base)
        self.limits = limits
        self.metrics = metrics
        searchers = try SearcherPool(index: index, size: workers)
        threads = SearchThreads(count: searchers.size)
        pipelines = PipelineCache(registry: registry, capacity: cacheCapacity, metrics: metrics, executor: threads)
        documentCount = try index.searcher().documentCount
    }

    deinit { threads.stop() }

    /// Makes the operator's pipeline, and one for each other expander or reranker the operator gave
    /// settings for, so their models are loaded before the first request. Returns the specs made.
    public func preload() async throws -> [String] {
        let base = policy.base
        var specs = [base]
        for plugin in base.settings.keys.sorted() {
            var spec = base
            if plugin != base.expander, (try? policy.registry.expander(plugin)) != nil {
                spec.expander = plugin
            } else if plugin != base.reranker, (try? policy.registry.reranker(plugin)) != nil {
                spec.reranker = plugin
            } else { continue }
            specs.append(spec)
        }
        var made: [String] = []
        for spec in specs {
            do { _ = try await pipelines.pipeline(for: spec) } catch { throw QuarryError("pipeline '\(spec.text)': \(error)") }
            made.append(spec.text.isEmpty ? "bm25" : spec.text)
        }
        return made
    }

    /// A spec as `quarry run` flags, without the operator-only settings: answers show clients the
    /// pipeline in force, not the operator's file paths and addresses.
    func publicText(_ spec: PipelineSpec) -> String {
        var shown = spec
        let namespaces = policy.registry.optionNamespaces()
        for (plugin, settings) in spec.settings {
            let hidden = Set((namespaces[plugin] ?? []).filter(\.operatorOnly).map(\.name))
            shown.settings[plugin] = settings.filter { !hidden.contains($0.key) }
            if shown.settings[plugin]?.isEmpty == true { shown.settings[plugin] = nil }
        }
        return shown.text
    }

    /// Checks a request's choices; a refusal is a 400.
    func spec(for request: SearchRequest) throws -> PipelineSpec { try policy.spec(for: request) }

    /// Runs one checked request.
    func search(_ request: SearchRequest, spec: PipelineSpec) async throws -> SearchResponse {
        let started = DispatchTime.now().uptimeNanoseconds
        let pipeline = try await pipeline(for: spec, field: request.field)
        try Task.checkCancellation()
        metrics.search()
        let query = Query(id: request.id ?? "q", text: request.query)
        let (result, hits) = try await searchers.withSearcher { searcher -> (QueryResult, [SearchResponse.Hit]) in
            let result = try await self.run(query, k: request.k, pipeline: pipeline, spec: spec, searcher: searcher)
            let terms = Set(result.terms.map(\.term))
            var highlighter = Highlighter(terms: terms, analyze: searcher.analyze)
            let hits = try result.hits.enumerated().map { i, hit -> SearchResponse.Hit in
                let doc = try searcher.document(hit.docid)
                var out = SearchResponse.Hit(rank: i + 1, docid: hit.docid, score: hit.score, title: doc?.title ?? "")
                if request.snippets {
                    let snippet = try Snippet.excerpt(doc?.text ?? "", terms: terms, analyze: searcher.analyze).text
                    out.snippet = snippet
                    out.highlight = try highlighter.words(in: [out.title, snippet])
                }
                return out
            }
            return (result, hits)
        }
        var response = SearchResponse(
            id: request.id, query: request.query, pipeline: publicText(spec),
            expanded: result.terms.map { .init(term: $0.term, weight: $0.weight) },
            generated: result.generatedText, hits: hits, tookMs: 0)
        // A search for a judged topic answers its grades and how the hits score.
        if let id = request.id, let topics, let judged = topics.judgments(id) {
            for i in response.hits.indices { response.hits[i].grade = judged[response.hits[i].docid] }
            if let values = topics.evaluate(id, hits: result.hits) {
                response.evaluation = .init(topic: id, metrics: values, relevant: topics.relevantCount(id))
            }
        }
        response.tookMs = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e6
        return response
    }

    /// The made pipeline for a checked spec; a failure to make it is the request's error.
    func pipeline(for spec: PipelineSpec, field: String) async throws -> Pipeline {
        do {
            return try await pipelines.pipeline(for: spec)
        } catch let e as OptionError {
            throw APIError.badRequest("\(field)options: \(e.message)")
        } catch {
            throw APIError.pluginFailed("cannot make the pipeline '\(publicText(spec))': \(error)")
        }
    }

    /// One query through a pipeline on a borrowed searcher: the same `Pipeline.run` as `quarry run`.
    func run(_ query: Query, k: Int, pipeline: Pipeline, spec: PipelineSpec, searcher: IndexSearcher) async throws -> QueryResult {
        let result: QueryResult
        do {
            result = try await pipeline.run(query, k: k, searcher: searcher)
        } catch {
            throw APIError.pluginFailed("search failed (pipeline '\(self.publicText(spec))'): \(error)")
        }
        // The command line falls back to the plain query when an expander fails; a server says so
        // instead, so that a client never takes an unexpanded answer for the one it asked for.
        if result.fallback { throw APIError.pluginFailed("expander failed: \(result.error ?? "unknown error")") }
        return result
    }

    /// A stored document, with its grade for `topic` when judged; 404 when there is none.
    func document(_ id: String, topic: String?) async throws -> DocumentResponse {
        let doc = try await searchers.withSearcher { try $0.document(id) }
        guard let doc else { throw APIError.notFound("no document with id '\(id)'") }
        return DocumentResponse(id: doc.id, title: doc.title, text: doc.text,
                                grade: topic.flatMap { topics?.judgments($0)?[id] })
    }

    /// Runs a batch's checked requests concurrently (the searcher pool bounds how many at once);
    /// answers come back in request order, a failed query as its own error item.
    func batch(_ requests: [(SearchRequest, PipelineSpec)]) async throws -> [BatchItem] {
        try await withThrowingTaskGroup(of: (Int, BatchItem).self) { group in
            for (i, (request, spec)) in requests.enumerated() {
                group.addTask {
                    do {
                        return (i, .answer(try await self.search(request, spec: spec)))
                    } catch let e as APIError {
                        self.metrics.error(e.status.code == 400 ? .badRequest : .plugin)
                        return (i, .failure(id: request.id, status: e.status.code, error: e.message))
                    }
                }
            }
            var out = [BatchItem?](repeating: nil, count: requests.count)
            for try await (i, item) in group { out[i] = item }
            return out.map { $0! }
        }
    }

    /// The topics the server was given, for GET /topics.
    func topicsResponse() -> TopicsResponse {
        let judged = topics?.evaluator != nil
        return TopicsResponse(
            judgments: judged, metrics: TopicSet.metrics.map(\.description),
            topics: (topics?.topics ?? []).map { t in
                let j = topics?.judgments(t.id)
                return .init(id: t.id, query: t.text, judged: judged ? j?.count ?? 0 : nil,
                             relevant: judged ? topics?.relevantCount(t.id) : nil)
            })
    }

    /// Pipelines made and kept, and searchers in use: gauges for /metrics.
    var gauges: [(name: String, help: String, value: Double)] {
        [("quarry_pipelines_cached", "Distinct pipelines made and kept.", Double(pipelines.count)),
         ("quarry_searchers_busy", "Searchers in use by requests now.", Double(searchers.busy)),
         ("quarry_searchers", "Searchers in the pool (--workers).", Double(searchers.size))]
    }
}
