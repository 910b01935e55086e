// How generated text (an LLM rationale, a pseudo-document) expands a sparse query: the query
// repeated N times followed by the text. Shared by every text-generating expander so that they all
// weigh the query the same way.

/// The repetition rule of an expansion.
public enum ExpansionRule: Sendable, Hashable {
    /// Chain-of-thought rule (seed paper 1): N = max(nc, ⌊|text| / |query|⌋).
    case cot(nc: Int, unit: LengthUnit)
    /// A fixed number of repeats (query2doc: 5).
    case fixed(repeats: Int)

    /// How lengths are counted: words (whitespace-separated) or characters (the released code).
    public enum LengthUnit: String, Sendable, Hashable, CaseIterable {
        case words, chars
        func length(_ s: String) -> Int {
            switch self {
            case .words: return s.split(whereSeparator: { $0.isWhitespace }).count
            case .chars: return s.count
            }
        }
    }

    /// How many times the query is repeated before `text`.
    public func repeats(query: String, text: String) -> Int {
        switch self {
        case .fixed(let n): return n
        case .cot(let nc, let unit):
            let q = unit.length(query)
            guard q > 0 else { return nc }
            return max(nc, unit.length(text) / q)
        }
    }

    /// The expanded query: the query's terms counted N times, the text's once each.
    public func expand(query: String, text: String) -> WeightedQuery {
        let n = repeats(query: query, text: text)
        return WeightedQuery(parts: [.text(query, weight: Double(n)), .text(text, weight: 1)], generatedText: text)
    }
}
