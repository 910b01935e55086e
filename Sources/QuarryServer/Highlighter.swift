// Which words of a hit's title and snippet a client should highlight: the letter-and-digit runs
// (lower case) whose index terms include a term of the final query. The server decides, since only
// it can analyze (stem, drop stop words) as the index did; a client splits text into the same runs
// (JavaScript's /[\p{L}\p{N}]+/u) and marks those listed, so it never has to parse markup.
import Foundation

struct Highlighter {
    let terms: Set<String>
    let analyze: (String) throws -> [String]
    /// Runs already analyzed in this answer: run → matches.
    private var seen: [String: Bool] = [:]

    init(terms: Set<String>, analyze: @escaping (String) throws -> [String]) {
        self.terms = terms
        self.analyze = analyze
    }

    /// The distinct matching runs of `texts`, sorted.
    mutating func words(in texts: [String]) throws -> [String] {
        var out: Set<String> = []
        for text in texts {
            for run in Self.runs(text) {
                let word = run.lowercased()
                let match: Bool
                if let known = seen[word] { match = known } else {
                    match = try analyze(word).contains { terms.contains($0) }
                    seen[word] = match
                }
                if match { out.insert(word) }
            }
        }
        return out.sorted()
    }

    /// Maximal runs of letters and digits.
    static func runs(_ text: String) -> [Substring] {
        text.split(whereSeparator: { !($0.isLetter || $0.isNumber) })
    }
}
