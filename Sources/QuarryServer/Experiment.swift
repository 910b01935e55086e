// POST /experiment: two or more pipelines over every judged topic the server was given, compared as
// `quarry experiment` compares them — the same Evaluator for the per-topic values and the same
// ExperimentTable (means, change from the first pipeline, paired t-test, wins/losses) for the table.
// The queries run like a batch's: through the pipeline cache and the searcher pool, concurrently.
import Foundation
import QuarryAPI
import QuarryCLI
import QuarryCore

/// What a client asks: pipelines (each a search request's model, expander, reranker and options, with
/// a name), the depth searched and the metrics.
struct ExperimentRequest: Sendable {
    var names: [String]
    /// Each pipeline's choices, as a search request (without a query) for RequestPolicy to check.
    var pipelines: [SearchRequest]
    var k: Int
    var metrics: [Metric]

    static func parse(_ body: Data, limits: ServerLimits) throws -> ExperimentRequest {
        guard case .object(let object) = try JSONValue.parse(body) else {
            throw APIError.badRequest("request body: expected a JSON object {\"pipelines\": […]}")
        }
        for key in object.keys.sorted() where !["pipelines", "k", "metrics"].contains(key) {
            throw APIError.badRequest("\(key): unknown field (valid: k, metrics, pipelines)")
        }
        guard case .array(let items)? = object["pipelines"] else { throw APIError.badRequest("pipelines: required, an array of pipelines") }
        guard items.count >= 2 else { throw APIError.badRequest("pipelines: give at least two pipelines to compare, got \(items.count)") }
        guard items.count <= 8 else { throw APIError.badRequest("pipelines: at most 8 pipelines, got \(items.count)") }
        var k = min(1000, limits.maxK)
        if let v = object["k"] {
            guard case .number(let d) = v, d == d.rounded(), (1...Double(limits.maxK)).contains(d) else {
                throw APIError.badRequest("k: must be an integer between 1 and \(limits.maxK) (--max-k)")
            }
            k = Int(d)
        }
        var metrics = TopicSet.metrics
        if let v = object["metrics"] {
            guard case .array(let list) = v, !list.isEmpty else { throw APIError.badRequest("metrics: expected a non-empty array of metric names") }
            metrics = try list.enumerated().map { i, m in
                guard case .string(let s) = m else { throw APIError.badRequest("metrics[\(i)]: expected a string, got \(m.kind)") }
                do { return try Metric.parse(s) } catch { throw APIError.badRequest("metrics[\(i)]: \(error)") }
            }
        }
        var names: [String] = []
        var pipelines: [SearchRequest] = []
        for (i, item) in items.enumerated() {
            let field = "pipelines[\(i)]."
            guard case .object(var o) = item else { throw APIError.badRequest("pipelines[\(i)]: expected an object, got \(item.kind)") }
            var name = String(UnicodeScalar(UInt8(65 + i)))   // A, B, C, …
            if let v = o.removeValue(forKey: "name") {
                guard case .string(let s) = v, !s.isEmpty else { throw APIError.badRequest("\(field)name: expected a non-empty string") }
                name = s
            }
            guard !names.contains(name) else { throw APIError.badRequest("\(field)name: '\(name)' names two pipelines") }
            for key in ["query", "id", "k", "snippets"] where o[key] != nil {
                throw APIError.badRequest("\(field)\(key): not a pipeline field (a pipeline has name, model, expander, reranker, options)")
            }
            let fields = try SearchFields.parse(o, field: field)
            names.append(name)
            pipelines.append(SearchRequest(id: nil, query: "", k: k, model: fields.model, expander: fields.expander,
                                           reranker: fields.reranker, options: fields.options, field: field))
        }
        return ExperimentRequest(names: names, pipelines: pipelines, k: k, metrics: metrics)
    }
}

/// The answer: per-topic values for each pipeline, and the table `quarry experiment` prints.
public struct ExperimentResponse: Encodable, Sendable {
    struct Pipeline: Encodable, Sendable {
        var name: String
        /// As `quarry run` flags ("" for plain BM25).
        var pipeline: String
    }
    struct TopicValues: Encodable, Sendable {
        var id: String
        var query: String
        /// Pipeline name → metric name → value.
        var values: [String: [String: Double]]
    }
    struct Summary: Encodable, Sendable {
        var mean: Double
        /// From the first pipeline (absent for it).
        var delta: Double?
        /// Paired t-test against the first pipeline, Holm-corrected across the others.
        var p: Double?
        var wins: Int?
        var losses: Int?
    }
    var metrics: [String]
    var pipelines: [Pipeline]
    /// The judged topics, in the topics file's order.
    var topics: [TopicValues]
    /// Pipeline name → metric name → summary, as the table gives it.
    var summary: [String: [String: Summary]]
    /// The table, as `quarry experiment` prints it.
    var table: String
    var tookMs: Double
}

extension SearchService {
    /// Runs every judged topic through each pipeline and compares them.
    func experiment(_ request: ExperimentRequest, specs: [PipelineSpec]) async throws -> ExperimentResponse {
        let started = DispatchTime.now().uptimeNanoseconds
        guard let topics, let evaluator = topics.evaluator else {
            throw APIError.badRequest("this server has no judgments: start it with --topics FILE --qrels FILE")
        }
        let judged = topics.topics.filter { topics.judgments($0.id) != nil }
        guard !judged.isEmpty else { throw APIError.badRequest("no topic of --topics has judgments in --qrels") }
        // Made (or taken from the cache) first, so that a pipeline that cannot be made fails at once.
        var made: [Pipeline] = []
        for (request, spec) in zip(request.pipelines, specs) { made.append(try await pipeline(for: spec, field: request.field)) }
        let ready = made
        // Every (pipeline, topic) query at once; the searcher pool bounds how many run.
        let hits = try await withThrowingTaskGroup(of: (Int, String, [Hit]).self) { group in
            for p in specs.indices {
                for topic in judged {
                    group.addTask {
                        try Task.checkCancellation()
                        self.metrics.search()
                        let result = try await self.searchers.withSearcher { searcher in
                            try await self.run(Query(id: topic.id, text: topic.text), k: request.k, pipeline: ready[p], spec: specs[p], searcher: searcher)
                        }
                        return (p, topic.id, result.hits)
                    }
                }
            }
            var out = [[String: [Hit]]](repeating: [:], count: specs.count)
            for try await (p, id, h) in group { out[p][id] = h }
            return out
        }
        var perQuery: [String: [Metric: [String: Double]]] = [:]
        for (p, name) in request.names.enumerated() {
            let run = Run(hits[p])
            for m in request.metrics { perQuery[name, default: [:]][m] = evaluator.perQuery(m, run: run) }
        }
        let table = ExperimentTable.build(names: request.names, baseline: request.names[0], metrics: request.metrics,
                                          perQuery: perQuery, holm: true)
        var summary: [String: [String: ExperimentResponse.Summary]] = [:]
        for name in request.names {
            for m in request.metrics {
                let c = table.cells[name]![m]!
                let compared = c.delta != nil
                summary[name, default: [:]][m.description] = .init(mean: c.mean, delta: c.delta, p: c.p,
                                                                    wins: compared ? c.wins : nil, losses: compared ? c.losses : nil)
            }
        }
        return ExperimentResponse(
            metrics: request.metrics.map(\.description),
            pipelines: zip(request.names, specs).map { .init(name: $0, pipeline: publicText($1)) },
            topics: judged.map { topic in
                var values: [String: [String: Double]] = [:]
                for name in request.names {
                    for m in request.metrics { values[name, default: [:]][m.description] = perQuery[name]?[m]?[topic.id] ?? 0 }
                }
                return .init(id: topic.id, query: topic.text, values: values)
            },
            summary: summary, table: table.text(),
            tookMs: Double(DispatchTime.now().uptimeNanoseconds - started) / 1e6)
    }
}
