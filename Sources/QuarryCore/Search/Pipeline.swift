// A resolved pipeline: query → expander (optional) → weighted query → first-stage match →
// reranker (optional) → ranked hits. One QueryResult per query keeps everything a user may want to
// see: the final weighted terms, any generated text, and whether the expander fell back.
import Foundation
import QuarryAPI

public struct Pipeline: Sendable {
    public struct Stage<Instance: Sendable>: Sendable {
        public let name: String
        public let options: Options
        public let instance: Instance
    }

    public let spec: PipelineSpec
    public let model: FirstStageModel
    public let expander: Stage<any QueryExpander>?
    public let reranker: Stage<any Reranker>?

    /// Every choice and option in force, for provenance (`RUN.json`) and `--explain`.
    public var description: [String: String] {
        var out: [String: String] = ["model": model.description]
        // Options are keyed as they are set: `exec.KEY` for an ad-hoc process plugin (`exec:COMMAND`).
        func namespace(_ name: String) -> String { ProcessPlugins.adHocCommand(name) == nil ? name : ProcessPlugins.adHocNamespace }
        if let e = expander {
            out["expander"] = e.name
            for (k, v) in e.options.values { out["\(namespace(e.name)).\(k)"] = v.description }
        }
        if let r = reranker {
            out["reranker"] = r.name
            for (k, v) in r.options.values { out["\(namespace(r.name)).\(k)"] = v.description }
        }
        return out
    }
}

/// The outcome of one query through a pipeline.
public struct QueryResult: Sendable {
    public var query: Query
    public var pipeline: String
    public var terms: [WeightedTerm]
    public var generatedText: String?
    public var hits: [Hit]
    /// True when the expander failed and the plain query was searched instead.
    public var fallback: Bool = false
    public var error: String? = nil
}

/// A Searcher bound to a pipeline's first-stage model, handed to expanders.
struct ModelSearcher: Searcher {
    let base: IndexSearcher
    let model: FirstStageModel
    var documentCount: Int { base.documentCount }
    var averageDocumentLength: Double { base.averageDocumentLength }
    func analyze(_ text: String) throws -> [String] { try base.analyze(text) }
    func search(_ query: WeightedQuery, k: Int) throws -> [Hit] { try base.search(terms: base.resolve(query), k: k, model: model) }
    func document(_ docid: String) throws -> Document? { try base.document(docid) }
    func termVector(_ docid: String) throws -> [TermFrequency] { try base.termVector(docid) }
    func documentFrequency(_ term: String) throws -> Int { try base.documentFrequency(term) }
}

/// What an expander made of one query: the weighted query to search, any generated text, and
/// whether it failed (then `query` is the plain query and `error` says why).
public struct Expansion: Sendable {
    public var query: WeightedQuery
    public var generatedText: String?
    public var fallback = false
    public var error: String? = nil
}

/// The searcher an expander gets when there is no index (`quarry expand` without `--index`):
/// an expander that needs to search fails with a message saying so.
public struct NoIndexSearcher: Searcher {
    public init() {}
    public var documentCount: Int { 0 }
    public var averageDocumentLength: Double { 0 }
    private func missing() -> QuarryError { QuarryError("this expander searches the index; give --index") }
    public func analyze(_ text: String) throws -> [String] { throw missing() }
    public func search(_ query: WeightedQuery, k: Int) throws -> [Hit] { throw missing() }
    public func document(_ docid: String) throws -> Document? { throw missing() }
    public func termVector(_ docid: String) throws -> [TermFrequency] { throw missing() }
    public func documentFrequency(_ term: String) throws -> Int { throw missing() }
}

extension Pipeline {
    /// How many queries this pipeline wants in progress at once: `threads`, or more when its
    /// expander mostly waits on a server.
    public func concurrency(threads: Int) -> Int {
        max(threads, expander?.instance.preferredConcurrency ?? 0)
    }

    /// Expands one query (the plain query when there is no expander). A failure falls back to the
    /// plain query and is recorded, never thrown: one bad query must not stop a batch.
    public func expand(_ query: Query, searcher: IndexSearcher?) async -> Expansion {
        var out = Expansion(query: .text(query.text))
        guard let expander else { return out }
        do {
            let bound: any Searcher = searcher.map { ModelSearcher(base: $0, model: model) } ?? NoIndexSearcher()
            let weighted = try await expander.instance.expand(query, searcher: bound)
            out.query = weighted
            out.generatedText = weighted.generatedText
        } catch {
            out.fallback = true
            out.error = "\(expander.name): \(error)"
        }
        return out
    }

    /// Runs one query. An expander failure falls back to the plain query (recorded in the result);
    /// a query that analyzes to nothing returns no hits.
    public func run(_ query: Query, k: Int, searcher: IndexSearcher, removeQuery: Bool = false) async throws -> QueryResult {
        var result = QueryResult(query: query, pipeline: spec.text, terms: [], hits: [])
        let expansion = await expand(query, searcher: searcher)
        let weighted = expansion.query
        result.generatedText = expansion.generatedText
        result.fallback = expansion.fallback
        result.error = expansion.error
        result.terms = searcher.resolve(weighted)
        if result.terms.isEmpty { return result }
        let depth = max(k, reranker?.instance.depth ?? 0) + (removeQuery ? 1 : 0)
        var hits = try searcher.search(terms: result.terms, k: depth, model: model)
        if removeQuery { hits.removeAll { $0.docid == query.id } }
        if let reranker {
            let n = min(hits.count, reranker.instance.depth ?? hits.count)
            let top = Array(hits[..<n])
            let candidates = try top.map { hit -> Candidate in
                let doc = try searcher.document(hit.docid)
                return Candidate(docid: hit.docid, title: doc?.title ?? "", text: doc?.text ?? "", score: hit.score)
            }
            let scores: [Double]
            do { scores = try await reranker.instance.rerank(query, candidates: candidates) } catch {
                throw QuarryError("reranker \(reranker.name) failed on query \(query.id): \(error)")
            }
            guard scores.count == candidates.count else {
                throw QuarryError("reranker \(reranker.name) returned \(scores.count) scores for \(candidates.count) candidates")
            }
            var reranked = zip(top, scores).map { Hit(docid: $0.docid, score: $1) }
            reranked.sort(by: Ranking.before)
            // The hits below the reranked ones keep their first-stage order, shifted below the lowest
            // reranked score with their spacing kept: trec_eval orders by score, not by rank.
            var tail = Array(hits[n...])
            if let low = reranked.last?.score, let high = tail.first?.score {
                let shift = low - high - 1
                for i in tail.indices { tail[i].score += shift }
            }
            hits = reranked + tail
            if let keep = reranker.instance.keep { hits = Array(hits.prefix(keep)) }
        }
        result.hits = Array(hits.prefix(k))
        return result
    }
}
