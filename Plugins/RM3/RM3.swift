// RM3 pseudo-relevance feedback, as Anserini implements it: a first BM25 pass; the top fbDocs
// documents' term vectors (raw term frequencies, terms of 2–20 characters matching [a-z0-9]+ and in at
// most 10% of documents), each pruned to its fbTerms heaviest terms; a relevance model
// weight(w) = Σ_d tf_d(w) / |d|₁ · score(d); pruned to fbTerms, L1-normalised, and interpolated with
// the L1-normalised query at originalQueryWeight. The second pass boosts each term by its weight.
import QuarryAPI

public struct RM3Expander: QueryExpander {
    public var fbDocs = 10
    public var fbTerms = 10
    public var originalQueryWeight = 0.5
    public var filterTerms = true

    public init(fbDocs: Int = 10, fbTerms: Int = 10, originalQueryWeight: Double = 0.5, filterTerms: Bool = true) {
        self.fbDocs = fbDocs
        self.fbTerms = fbTerms
        self.originalQueryWeight = originalQueryWeight
        self.filterTerms = filterTerms
    }

    public static let plugin = ExpanderPlugin(
        name: "rm3",
        summary: "RM3 pseudo-relevance feedback (Anserini's algorithm)",
        options: [
            OptionSpec("fbDocs", .int, default: .int(10), help: "feedback documents from the first pass"),
            OptionSpec("fbTerms", .int, default: .int(10), help: "terms kept per document and in the final model"),
            OptionSpec("originalQueryWeight", .double, default: .double(0.5), help: "weight of the original query in the interpolation"),
            OptionSpec("filterTerms", .bool, default: .bool(true), help: "keep only [a-z0-9]+ terms of 2–20 characters"),
        ],
        make: { o in
            let e = RM3Expander(fbDocs: o.int("fbDocs") ?? 10, fbTerms: o.int("fbTerms") ?? 10,
                                originalQueryWeight: o.double("originalQueryWeight") ?? 0.5, filterTerms: o.bool("filterTerms") ?? true)
            guard e.fbDocs >= 1, e.fbTerms >= 1 else { throw OptionError("rm3.fbDocs and rm3.fbTerms must be ≥ 1") }
            guard (0...1).contains(e.originalQueryWeight) else { throw OptionError("rm3.originalQueryWeight must be within 0…1") }
            return e
        })

    public func expand(_ query: Query, searcher: any Searcher) async throws -> WeightedQuery {
        let queryTerms = try searcher.analyze(query.text)
        guard !queryTerms.isEmpty else { return .text(query.text) }
        let original = Self.l1Normalized(Dictionary(queryTerms.map { ($0, 1.0) }, uniquingKeysWith: +))
        let feedback = try searcher.search(.text(query.text), k: fbDocs)
        guard !feedback.isEmpty else { return .terms(Self.sorted(original)) }

        let maxDF = Double(searcher.documentCount) * 0.1
        var dfCache: [String: Int] = [:]
        var docVectors: [[String: Double]] = []
        // All term vectors first, then the frequencies: a searcher over remote shards fetches the
        // frequencies of all their terms in one exchange.
        let termVectors = try feedback.map { try searcher.termVector($0.docid) }
        for termVector in termVectors {
            var vector: [String: Double] = [:]
            for tf in termVector {
                if filterTerms && !Self.isPlainTerm(tf.term) { continue }
                let df: Int
                if let cached = dfCache[tf.term] { df = cached } else {
                    df = try searcher.documentFrequency(tf.term)
                    dfCache[tf.term] = df
                }
                if Double(df) > maxDF { continue }
                vector[tf.term] = Double(tf.frequency)
            }
            docVectors.append(Dictionary(uniqueKeysWithValues: Self.top(vector, fbTerms).map { ($0.term, $0.weight) }))
        }

        var model: [String: Double] = [:]
        for (vector, hit) in zip(docVectors, feedback) {
            let norm = vector.values.reduce(0, +)
            guard norm > 0.001 else { continue }
            for (term, tf) in vector { model[term, default: 0] += tf / norm * hit.score }
        }
        let relevance = Self.l1Normalized(Dictionary(uniqueKeysWithValues: Self.top(model, fbTerms).map { ($0.term, $0.weight) }))

        var combined: [String: Double] = [:]
        for (t, w) in original { combined[t, default: 0] += originalQueryWeight * w }
        for (t, w) in relevance { combined[t, default: 0] += (1 - originalQueryWeight) * w }
        return .terms(Self.sorted(combined))
    }

    /// Anserini's filter: 2–20 characters from [a-z0-9].
    static func isPlainTerm(_ t: String) -> Bool {
        let u = t.utf8
        guard u.count >= 2, u.count <= 20 else { return false }
        return u.allSatisfy { ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) }
    }

    /// The n heaviest entries (ties: term ascending, so results never depend on hash order).
    static func top(_ v: [String: Double], _ n: Int) -> [WeightedTerm] {
        Array(sorted(v).prefix(n))
    }

    static func sorted(_ v: [String: Double]) -> [WeightedTerm] {
        v.map { WeightedTerm($0.key, $0.value) }.sorted { $0.weight != $1.weight ? $0.weight > $1.weight : $0.term < $1.term }
    }

    /// Summed in term order: a sum in hash order (random per process) differs in the last bit between
    /// runs, and runs are meant to be reproducible to the digit.
    static func l1Normalized(_ v: [String: Double]) -> [String: Double] {
        let sum = v.keys.sorted().reduce(0) { $0 + abs(v[$1]!) }
        guard sum > 0 else { return v }
        return v.mapValues { $0 / sum }
    }
}
