// Run fusion: several runs over the same queries combined into one ranking. RADCoT's Table 3 fuses
// the student's run with the teacher's. Ranks follow trec_eval's order (score descending, then
// document id descending), so a fused run evaluates the same as its inputs would.
import Foundation
import QuarryAPI

public enum FusionMethod: String, Sendable, CaseIterable {
    /// Reciprocal rank fusion: Σ wᵢ / (k + rankᵢ(d)), rank from 1 (Cormack et al., k = 60).
    case rrf
    /// Σ wᵢ · scoreᵢ(d), each run's scores min-max normalised per query (a missing document adds 0).
    case combsum
    /// CombSUM times the number of runs that retrieved the document.
    case combmnz
}

public struct Fusion: Sendable {
    public var method: FusionMethod
    public var weights: [Double]
    public var rrfK: Double
    public var depth: Int

    public init(method: FusionMethod, weights: [Double], rrfK: Double = 60, depth: Int = 1000) {
        self.method = method
        self.weights = weights
        self.rrfK = rrfK
        self.depth = depth
    }

    /// trec_eval's order of a query's hits.
    static func ranked(_ hits: [Hit]) -> [Hit] {
        hits.sorted { $0.score != $1.score ? $0.score > $1.score : $0.docid > $1.docid }
    }

    /// The fused run: every query of any input, its top `depth` documents.
    public func fuse(_ runs: [Run]) -> Run {
        precondition(runs.count == weights.count, "Fusion: \(runs.count) runs, \(weights.count) weights")
        let queries = Set(runs.flatMap { $0.results.keys })
        var out: [String: [Hit]] = [:]
        for q in queries {
            var score: [String: Double] = [:], seenIn: [String: Int] = [:]
            for (run, w) in zip(runs, weights) {
                let hits = Fusion.ranked(run.results[q] ?? [])
                guard let top = hits.first?.score, let bottom = hits.last?.score else { continue }
                for (i, h) in hits.enumerated() {
                    let contribution: Double
                    switch method {
                    case .rrf: contribution = w / (rrfK + Double(i + 1))
                    case .combsum, .combmnz: contribution = w * (top > bottom ? (h.score - bottom) / (top - bottom) : 1)
                    }
                    score[h.docid, default: 0] += contribution
                    seenIn[h.docid, default: 0] += 1
                }
            }
            let fused = score.map { docid, s in Hit(docid: docid, score: method == .combmnz ? s * Double(seenIn[docid]!) : s) }
            out[q] = Array(Fusion.ranked(fused).prefix(depth))
        }
        return Run(out)
    }

    /// A run as TREC lines (qid Q0 docid rank score tag), queries in order.
    public static func trecText(_ run: Run, tag: String) -> String {
        var out = ""
        for q in run.results.keys.sorted() {
            for (i, h) in ranked(run.results[q]!).enumerated() {
                // The shortest text that reads back as the same double: fixed decimals would tie deep RRF ranks.
                out += "\(q) Q0 \(h.docid) \(i + 1) \(h.score) \(tag)\n"
            }
        }
        return out
    }
}
