// A short excerpt of a document around its first query-term match. `quarry search` prints it with the
// matching words in [brackets]; `quarry serve` answers it as plain text with the matching words listed
// apart, so that a client highlights them without parsing markup out of document text.
import Foundation

public enum Snippet {
    /// An excerpt: whitespace-separated words of the text, each marked when it matches a query term.
    public struct Excerpt: Sendable {
        public var words: [(word: String, match: Bool)]
        /// Text was left out before / after the excerpt.
        public var cutBefore: Bool
        public var cutAfter: Bool

        /// The excerpt as plain text, "… " and " …" where text was left out.
        public var text: String {
            (cutBefore ? "… " : "") + words.map(\.word).joined(separator: " ") + (cutAfter ? " …" : "")
        }
    }

    /// Up to `width` words starting a little before the first word whose index terms (`analyze`)
    /// include one of `terms`.
    public static func excerpt(_ text: String, terms: Set<String>, analyze: (String) throws -> [String], width: Int = 30) rethrows -> Excerpt {
        let words = text.split(whereSeparator: { $0.isWhitespace })
        guard !words.isEmpty else { return Excerpt(words: [], cutBefore: false, cutAfter: false) }
        var marked: [(word: String, match: Bool)] = []
        var first: Int? = nil
        for (i, w) in words.enumerated() {
            let hit = try analyze(String(w)).contains { terms.contains($0) }
            if hit && first == nil { first = i }
            marked.append((String(w), hit))
        }
        let start = max(0, (first ?? 0) - 8)
        let end = min(marked.count, start + width)
        return Excerpt(words: Array(marked[start..<end]), cutBefore: start > 0, cutAfter: end < marked.count)
    }

    /// The excerpt with matching words in [brackets], as `quarry search` prints it.
    public static func make(_ text: String, terms: Set<String>, analyze: (String) throws -> [String], width: Int = 30) rethrows -> String {
        let e = try excerpt(text, terms: terms, analyze: analyze, width: width)
        return (e.cutBefore ? "… " : "") + e.words.map { $0.match ? "[\($0.word)]" : $0.word }.joined(separator: " ") + (e.cutAfter ? " …" : "")
    }
}
