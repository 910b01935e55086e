// keyterms: query reduction for verbose queries. Long, natural-language queries carry words that match
// many documents and little meaning; keeping only the query's rarest terms (highest idf) often searches
// better. The expander reads the index's statistics through the searcher handle.
import Foundation
import QuarryAPI

public struct KeyTermsExpander: QueryExpander {
    /// How many of the query's distinct terms to keep.
    let keep: Int
    /// Weight of the kept terms relative to the rest (0 drops the rest).
    let restWeight: Double

    public static let plugin = ExpanderPlugin(
        name: "keyterms",
        summary: "Query reduction: keeps the query's highest-idf terms (for verbose queries)",
        options: [
            OptionSpec("keep", .int, default: .int(3), help: "distinct query terms to keep, rarest first"),
            OptionSpec("restWeight", .double, default: .double(0), help: "weight of the other query terms (0 drops them)"),
        ],
        make: { options in
            let keep = options.int("keep") ?? 3
            let rest = options.double("restWeight") ?? 0
            guard keep >= 1 else { throw OptionError("keyterms.keep must be at least 1") }
            guard rest >= 0, rest <= 1 else { throw OptionError("keyterms.restWeight must be in [0, 1]") }
            return KeyTermsExpander(keep: keep, restWeight: rest)
        }
    )

    public func expand(_ query: Query, searcher: any Searcher) async throws -> WeightedQuery {
        let terms = try searcher.analyze(query.text)
        var counts: [String: Int] = [:]
        for t in terms { counts[t, default: 0] += 1 }
        let n = Double(searcher.documentCount)
        // idf as BM25 uses it. A term absent from the index matches nothing, so it is not a key term.
        let ranked = try counts.keys.compactMap { term -> (String, Double)? in
            let df = Double(try searcher.documentFrequency(term))
            return df == 0 ? nil : (term, log((n - df + 0.5) / (df + 0.5) + 1))
        }.sorted { $0.1 != $1.1 ? $0.1 > $1.1 : $0.0 < $1.0 }
        let kept = Set(ranked.prefix(keep).map(\.0))
        let weighted = counts.keys.sorted().compactMap { term -> WeightedTerm? in
            let w = kept.contains(term) ? 1.0 : restWeight
            return w > 0 ? WeightedTerm(term, w * Double(counts[term]!)) : nil
        }
        return .terms(weighted)
    }
}
