// Text → index terms: tokenize, drop English possessives, lowercase, remove stop words, stem.
// The same chain as Anserini's default English analyzer. Settings are stored in the index so that
// queries are always analyzed the way the index was built.
import Foundation

/// How an index analyzes text; saved in the index metadata.
public struct AnalyzerSettings: Codable, Sendable, Hashable {
    /// "porter" (Porter's original algorithm, as Lucene), "english" (Porter2) or "none".
    public var stemmer: String
    /// "lucene", "none", or "file" (the words are then in `stopwordList`).
    public var stopwords: String
    /// The stop words themselves (so a query analyzer needs no outside file).
    public var stopwordList: [String]

    public init(stemmer: String = "porter", stopwords: String = "lucene", stopwordList: [String]? = nil) {
        self.stemmer = stemmer
        self.stopwords = stopwords
        self.stopwordList = stopwordList ?? (stopwords == "lucene" ? StopWords.lucene : [])
    }

    public static let `default` = AnalyzerSettings()

    /// Builds settings from the command-line values (`--stemmer`, `--stopwords lucene|none|FILE`).
    public static func from(stemmer: String, stopwords: String) throws -> AnalyzerSettings {
        guard ["porter", "english", "none"].contains(stemmer) else {
            throw QuarryError("unknown stemmer '\(stemmer)'; valid: porter, english, none")
        }
        switch stopwords {
        case "lucene", "none":
            return AnalyzerSettings(stemmer: stemmer, stopwords: stopwords)
        default:
            guard let text = try? String(contentsOfFile: stopwords, encoding: .utf8) else {
                throw QuarryError("\(stopwords): cannot read stop word file (or use lucene|none)")
            }
            let words = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
                .filter { !$0.isEmpty && !$0.hasPrefix("#") }
            return AnalyzerSettings(stemmer: stemmer, stopwords: "file", stopwordList: words)
        }
    }
}

/// Analyzes text into index terms. Not thread-safe (it caches stems): one per thread.
public final class Analyzer {
    public let settings: AnalyzerSettings
    private let stemmer: XapianStemmer?
    private let stopSet: Set<String>
    private var stemCache: [Substring: String] = [:]
    private var tokens: [Substring] = []

    public init(_ settings: AnalyzerSettings) throws {
        self.settings = settings
        stemmer = settings.stemmer == "none" ? nil : try XapianStemmer(language: settings.stemmer)
        stopSet = Set(settings.stopwordList)
    }

    /// The index terms of `text`, in order (repeats kept).
    public func terms(_ text: String) -> [String] {
        var out: [String] = []
        analyze(text) { out.append($0) }
        return out
    }

    /// Calls `emit` with each index term of `text`.
    public func analyze(_ text: String, _ emit: (String) -> Void) {
        tokens.removeAll(keepingCapacity: true)
        Tokenizer.tokenize(text, into: &tokens)
        for token in tokens {
            if let cached = stemCache[token] {
                if !cached.isEmpty { emit(cached) }
                continue
            }
            let term = analyzeToken(token)
            if stemCache.count > 200_000 { stemCache.removeAll(keepingCapacity: true) }
            stemCache[token] = term
            if !term.isEmpty { emit(term) }
        }
    }

    /// One token → its term, or "" when it is dropped.
    private func analyzeToken(_ token: Substring) -> String {
        var word = token
        // English possessive: a trailing 's (or ’s) goes.
        if word.unicodeScalars.count >= 2 {
            let scalars = word.unicodeScalars
            let last = scalars[scalars.index(before: scalars.endIndex)]
            let prev = scalars[scalars.index(scalars.endIndex, offsetBy: -2)]
            if (last == "s" || last == "S") && (prev == "'" || prev == "\u{2019}" || prev == "\u{FF07}") {
                word = Substring(scalars[scalars.startIndex..<scalars.index(scalars.endIndex, offsetBy: -2)])
            }
        }
        let lower = word.lowercased()
        if lower.isEmpty || stopSet.contains(lower) { return "" }
        let stemmed = stemmer?.stem(lower) ?? lower
        if stemmed.utf8.count > Tokenizer.maxTokenBytes { return "" }
        return stemmed
    }
}
