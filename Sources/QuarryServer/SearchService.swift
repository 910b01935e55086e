// The engine behind the routes: a request's spec (checked by RequestPolicy), its pipeline (from the
// cache), a searcher of its own (from the pool), one run through the same Pipeline `quarry search`
// and `quarry run` use, and the answer. Independent of HTTP, so it can be tested without a socket.
import Foundation
import QuarryAPI
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

    /// - Parameters:
    ///   - base: the operator's pipeline (flags, config file), which requests start from.
    ///   - workers: searchers and search threads, hence searches running at once.
    ///   - cacheCapacity: distinct pipelines kept made.
    public init(index: Index, registry: PluginRegistry, base: PipelineSpec, limits: ServerLimits, workers: Int,
                cacheCapacity: Int, metrics: ServerMetrics) throws {
        self.index = index
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
        let pipeline: Pipeline
        do {
            pipeline = try await pipelines.pipeline(for: spec)
        } catch let e as OptionError {
            throw APIError.badRequest("\(request.field)options: \(e.message)")
        } catch {
            throw APIError.pluginFailed("cannot make the pipeline '\(publicText(spec))': \(error)")
        }
        try Task.checkCancellation()
        metrics.search()
        let query = Query(id: request.id ?? "q", text: request.query)
        let (result, titles) = try await searchers.withSearcher { searcher -> (QueryResult, [String]) in
            let result: QueryResult
            do {
                result = try await pipeline.run(query, k: request.k, searcher: searcher)
            } catch {
                throw APIError.pluginFailed("search failed (pipeline '\(self.publicText(spec))'): \(error)")
            }
            let titles = try result.hits.map { try searcher.document($0.docid)?.title ?? "" }
            return (result, titles)
        }
        // The command line falls back to the plain query when an expander fails; a server says so
        // instead, so that a client never takes an unexpanded answer for the one it asked for.
        if result.fallback { throw APIError.pluginFailed("expander failed: \(result.error ?? "unknown error")") }
        return SearchResponse(
            id: request.id, query: request.query, pipeline: publicText(spec),
            expanded: result.terms.map { .init(term: $0.term, weight: $0.weight) },
            generated: result.generatedText,
            hits: result.hits.enumerated().map { .init(rank: $0 + 1, docid: $1.docid, score: $1.score, title: titles[$0]) },
            tookMs: Double(DispatchTime.now().uptimeNanoseconds - started) / 1e6)
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

    /// Pipelines made and kept, and searchers in use: gauges for /metrics.
    var gauges: [(name: String, help: String, value: Double)] {
        [("quarry_pipelines_cached", "Distinct pipelines made and kept.", Double(pipelines.count)),
         ("quarry_searchers_busy", "Searchers in use by requests now.", Double(searchers.busy)),
         ("quarry_searchers", "Searchers in the pool (--workers).", Double(searchers.size))]
    }
}
