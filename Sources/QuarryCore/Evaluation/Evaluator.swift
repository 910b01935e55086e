// Per-query and mean effectiveness with trec_eval's conventions: each query's documents are ordered
// by score (in single precision; ties: docid descending), the rank column is ignored, means run over
// queries present in both qrels and run (or every judged query with `complete`), and the relevance
// level applies to binary measures only, never to nDCG's graded gains. A judged query without any
// relevant document is evaluated (to 0). tools/crosscheck_eval.py checks all this against
// pytrec_eval and ir_measures.
import Foundation
import QuarryAPI

public struct Evaluator: Sendable {
    public var qrels: Qrels
    public var relevanceLevel: Int = 1
    public var complete: Bool = false

    public init(qrels: Qrels, relevanceLevel: Int = 1, complete: Bool = false) {
        self.qrels = qrels
        self.relevanceLevel = relevanceLevel
        self.complete = complete
    }

    /// qid → value for each query evaluated.
    public func perQuery(_ metric: Metric, run: Run) -> [String: Double] {
        var out: [String: Double] = [:]
        for (qid, judged) in qrels.judgments {
            guard let hits = run.results[qid] else {
                if complete { out[qid] = 0 }
                continue
            }
            out[qid] = value(metric, ranked: Self.trecOrder(hits), judged: judged)
        }
        return out
    }

    public func mean(_ metric: Metric, run: Run) -> Double {
        let values = perQuery(metric, run: run)
        guard !values.isEmpty else { return 0 }
        return values.values.reduce(0, +) / Double(values.count)
    }

    /// trec_eval's order: score descending, ties by docid descending (strcmp, so byte order).
    /// trec_eval stores scores as C floats: scores equal in single precision tie too.
    static func trecOrder(_ hits: [Hit]) -> [String] {
        hits.map { (score: Float($0.score), docid: $0.docid) }
            .sorted { $0.score != $1.score ? $0.score > $1.score : $1.docid.utf8.lexicographicallyPrecedes($0.docid.utf8) }
            .map(\.docid)
    }

    func value(_ metric: Metric, ranked: [String], judged: [String: Int]) -> Double {
        // trec_eval never counts an unjudged document or a negative grade as relevant, whatever -l.
        let level = max(metric.rel ?? relevanceLevel, 0)
        let isRelevant = { (d: String) -> Bool in judged[d].map { $0 >= level } ?? false }
        let k = metric.cutoff ?? ranked.count
        let top = ranked.prefix(k)
        let numRel = judged.values.filter { $0 >= level }.count
        switch metric.kind {
        case .ndcg:
            // Gains are the grades (never the relevance level); rank r is discounted by log2(r + 1).
            var dcg = 0.0
            for (i, d) in top.enumerated() {
                let g = judged[d] ?? 0
                if g > 0 { dcg += Double(g) / log2(Double(i + 2)) }
            }
            let ideal = judged.values.filter { $0 > 0 }.sorted(by: >).prefix(metric.cutoff ?? Int.max)
            var idcg = 0.0
            for (i, g) in ideal.enumerated() { idcg += Double(g) / log2(Double(i + 2)) }
            return idcg > 0 ? dcg / idcg : 0
        case .ap:
            guard numRel > 0 else { return 0 }
            var found = 0, sum = 0.0
            for (i, d) in top.enumerated() where isRelevant(d) {
                found += 1
                sum += Double(found) / Double(i + 1)
            }
            return sum / Double(numRel)
        case .p:
            // Divided by k even when fewer were retrieved (trec_eval's P_k).
            guard k > 0 else { return 0 }
            return Double(top.filter(isRelevant).count) / Double(k)
        case .r:
            guard numRel > 0 else { return 0 }
            return Double(top.filter(isRelevant).count) / Double(numRel)
        case .rr:
            for (i, d) in top.enumerated() where isRelevant(d) { return 1 / Double(i + 1) }
            return 0
        case .judged:
            // ir_measures' Judged@k: judged share of the top min(k, retrieved); any grade, even
            // negative, counts as judged.
            guard !top.isEmpty else { return 0 }
            return Double(top.filter { judged[$0] != nil }.count) / Double(top.count)
        }
    }
}
