// Effectiveness measures with trec_eval's semantics, named either as trec_eval does (`ndcg_cut_10`,
// `map`, `map_cut_100`, `P_30`, `recall_1000`, `recip_rank`; `P.30` as pytrec_eval spells them) or
// as ir_measures does (`nDCG@10`, `AP(rel=2)`, `R(rel=2)@100`, `RR@10`, `Judged@10`).
import Foundation

public struct Metric: Sendable, Hashable, CustomStringConvertible {
    public enum Kind: String, Sendable, CaseIterable { case ndcg, ap, p, r, rr, judged }
    public var kind: Kind
    public var cutoff: Int?
    /// Minimum grade counted as relevant for binary measures; nil = the evaluator's level.
    public var rel: Int?

    public init(_ kind: Kind, cutoff: Int? = nil, rel: Int? = nil) {
        self.kind = kind
        self.cutoff = cutoff
        self.rel = rel
    }

    /// The ir_measures-style name.
    public var description: String {
        let base: String
        switch kind {
        case .ndcg: base = "nDCG"
        case .ap: base = "AP"
        case .p: base = "P"
        case .r: base = "R"
        case .rr: base = "RR"
        case .judged: base = "Judged"
        }
        let relPart = rel.map { "(rel=\($0))" } ?? ""
        return base + relPart + (cutoff.map { "@\($0)" } ?? "")
    }

    public static func parse(_ text: String) throws -> Metric {
        let t = text.trimmingCharacters(in: .whitespaces)
        let lower = t.lowercased()
        // trec_eval names (`P_10`), also as pytrec_eval requests them (`P.10`).
        let trecNames: [(String, Kind)] = [("ndcg_cut", .ndcg), ("map_cut", .ap), ("p", .p), ("recall", .r), ("judged", .judged)]
        for (prefix, kind) in trecNames where lower.hasPrefix(prefix + "_") || lower.hasPrefix(prefix + ".") {
            guard let k = Int(lower.dropFirst(prefix.count + 1)), k > 0 else { throw unknown(text) }
            return Metric(kind, cutoff: k)
        }
        switch lower {
        case "map", "ap": return Metric(.ap)
        case "ndcg": return Metric(.ndcg)
        case "recip_rank", "mrr", "rr": return Metric(.rr)
        default: break
        }
        // ir_measures names: Base[(rel=N)][@K].
        var rest = Substring(t)
        var cutoff: Int? = nil
        if let at = rest.lastIndex(of: "@") {
            guard let k = Int(rest[rest.index(after: at)...]), k > 0 else { throw unknown(text) }
            cutoff = k
            rest = rest[..<at]
        }
        var rel: Int? = nil
        if let open = rest.firstIndex(of: "("), rest.hasSuffix(")") {
            let inner = rest[rest.index(after: open)..<rest.index(before: rest.endIndex)]
            guard inner.hasPrefix("rel="), let r = Int(inner.dropFirst(4)) else { throw unknown(text) }
            rel = r
            rest = rest[..<open]
        }
        let kind: Kind
        switch rest.lowercased() {
        case "ndcg": kind = .ndcg
        case "ap", "map": kind = .ap
        case "p": kind = .p
        case "r", "recall": kind = .r
        case "rr", "mrr": kind = .rr
        case "judged": kind = .judged
        default: throw unknown(text)
        }
        if kind == .ndcg, rel != nil { throw QuarryError("metric '\(text)': nDCG uses graded gains; rel= does not apply") }
        if kind == .judged, rel != nil { throw QuarryError("metric '\(text)': Judged counts every judged document; rel= does not apply") }
        if (kind == .p || kind == .judged) && cutoff == nil { throw QuarryError("metric '\(text)' needs a cutoff (e.g. \(rest)@10)") }
        return Metric(kind, cutoff: cutoff, rel: rel)
    }

    static func unknown(_ text: String) -> QuarryError {
        QuarryError("unknown metric '\(text)'; use nDCG@k, AP, P@k, R@k, RR[@k], Judged@k (ir_measures names, with (rel=N)) or ndcg_cut_k, map, map_cut_k, P_k, recall_k, recip_rank")
    }
}
