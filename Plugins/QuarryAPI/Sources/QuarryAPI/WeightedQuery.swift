// What an expander returns: a query the engine turns into a Xapian query.

/// An analyzed index term with a weight (a boost on its BM25 contribution).
public struct WeightedTerm: Sendable, Hashable, Codable {
    public var term: String
    public var weight: Double
    public init(_ term: String, _ weight: Double) {
        self.term = term
        self.weight = weight
    }
}

/// A weighted query: text to analyze (each occurrence of a term adds `weight`) and/or
/// already-analyzed terms with weights. The engine merges the parts into one weight per term.
public struct WeightedQuery: Sendable, Hashable {
    public enum Part: Sendable, Hashable {
        /// Raw text, analyzed the way the index was built; repeated terms add up.
        case text(String, weight: Double)
        /// An index term exactly as stored (already analyzed).
        case term(String, weight: Double)
    }

    public var parts: [Part]
    /// Text a plugin generated (an LLM rationale, a pseudo-document), recorded in `--save-queries`.
    public var generatedText: String?

    public init(parts: [Part], generatedText: String? = nil) {
        self.parts = parts
        self.generatedText = generatedText
    }

    /// The plain query: its text, each term counted as often as it occurs.
    public static func text(_ text: String) -> WeightedQuery {
        WeightedQuery(parts: [.text(text, weight: 1)])
    }

    /// A query made of analyzed terms with weights.
    public static func terms(_ terms: [WeightedTerm]) -> WeightedQuery {
        WeightedQuery(parts: terms.map { .term($0.term, weight: $0.weight) })
    }
}
