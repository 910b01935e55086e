// Text → index terms: tokenize, drop English possessives, lowercase, remove stop words, stem.
// The same chain as Anserini's default English analyzer (StandardTokenizer, EnglishPossessiveFilter,
// LowerCaseFilter, StopFilter, PorterStemFilter), term for term. Settings are stored in the index so that
// queries are always analyzed the way the index was built.
import Foundation

/// How an index analyzes text; saved in the index metadata.
public struct AnalyzerSettings: Codable, Sendable, Hashable {
    /// "porter" (Porter's original algorithm exactly as Lucene's PorterStemFilter), "english" (Xapian's Porter2)
    /// or "none".
    public var stemmer: String
    /// "lucene", "none", or "file" (the words are then in `stopwordList`).
    public var stopwords: String
    /// The stop words themselves (so a query analyzer needs no outside file).
    public var stopwordList: [String]
    /// Which revision of the analyzer wrote the index. 2: Lucene's StandardTokenizer and PorterStemmer term for
    /// term. Indexes from before (no such field: 1, Snowball's porter and an approximate tokenizer) analyze some
    /// words differently ("technologi", "u") and must be rebuilt.
    public var revision: Int

    public static let currentRevision = 2

    public init(stemmer: String = "porter", stopwords: String = "lucene", stopwordList: [String]? = nil) {
        self.stemmer = stemmer
        self.stopwords = stopwords
        self.stopwordList = stopwordList ?? (stopwords == "lucene" ? StopWords.lucene : [])
        revision = Self.currentRevision
    }

    enum CodingKeys: String, CodingKey { case stemmer, stopwords, stopwordList, revision }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        stemmer = try c.decode(String.self, forKey: .stemmer)
        stopwords = try c.decode(String.self, forKey: .stopwords)
        stopwordList = try c.decode([String].self, forKey: .stopwordList)
        revision = try c.decodeIfPresent(Int.self, forKey: .revision) ?? 1
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
    private var porter: PorterStemmer?
    private let stopSet: Set<String>
    private var stemCache: [TokenKey: String] = [:]
    private var tokens: [Substring] = []
    private var tokenizer = Tokenizer()

    public init(_ settings: AnalyzerSettings) throws {
        guard settings.revision == AnalyzerSettings.currentRevision else {
            throw QuarryError(settings.revision < AnalyzerSettings.currentRevision
                ? "the index was built by an older Quarry analyzer (revision \(settings.revision), now \(AnalyzerSettings.currentRevision)) that splits and stems some words differently; rebuild it (quarry index ... --overwrite)"
                : "the index was built by a newer Quarry analyzer (revision \(settings.revision)); this Quarry has \(AnalyzerSettings.currentRevision)")
        }
        self.settings = settings
        switch settings.stemmer {
        case "none": stemmer = nil
        case "porter": stemmer = nil; porter = PorterStemmer()
        default: stemmer = try XapianStemmer(language: settings.stemmer)
        }
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
        tokenizer.tokenize(text, into: &tokens)
        for token in tokens {
            let key = TokenKey(token)
            if let cached = stemCache[key] {
                if !cached.isEmpty { emit(cached) }
                continue
            }
            let term = analyzeToken(token)
            if stemCache.count > 200_000 { stemCache.removeAll(keepingCapacity: true) }
            stemCache[TokenKey(Substring(String(token)))] = term  // a copy: the key must not keep the text alive
            if !term.isEmpty { emit(term) }
        }
    }

    /// One token → its term, or "" when it is dropped.
    private func analyzeToken(_ token: Substring) -> String {
        var scalars = token.unicodeScalars[...]
        // English possessive (before lowercasing, as Lucene): a trailing 's, ’s or ＇s goes.
        if scalars.count >= 2 {
            let last = scalars[scalars.index(before: scalars.endIndex)]
            let prev = scalars[scalars.index(scalars.endIndex, offsetBy: -2)]
            if (last == "s" || last == "S") && (prev == "'" || prev == "\u{2019}" || prev == "\u{FF07}") {
                scalars = scalars[scalars.startIndex..<scalars.index(scalars.endIndex, offsetBy: -2)]
            }
        }
        let lower = Self.lowercase(scalars)
        if lower.isEmpty || stopSet.contains(lower) { return "" }
        let stemmed = porter?.stem(lower) ?? stemmer?.stem(lower) ?? lower
        if stemmed.utf8.count > Tokenizer.maxTokenBytes { return "" }
        return stemmed
    }

    /// Lowercases one scalar at a time with the simple case mapping, as Java's Character.toLowerCase
    /// (no context: a final capital sigma becomes σ, İ becomes i).
    static func lowercase(_ scalars: Substring.UnicodeScalarView) -> String {
        if scalars.allSatisfy({ $0.value < 0x80 }) {
            return String(String.UnicodeScalarView(scalars)).lowercased()
        }
        var out = String.UnicodeScalarView()
        for s in scalars {
            if s.value < 0x80 {
                out.append(s.value >= 0x41 && s.value <= 0x5A ? Unicode.Scalar(s.value + 32)! : s)
            } else if s.value == 0x130 {
                out.append("i")
            } else {
                let mapped = s.properties.lowercaseMapping.unicodeScalars
                out.append(mapped.count == 1 ? mapped.first! : s)
            }
        }
        return String(out)
    }
}

/// A token as a cache key: equal only when the scalars are (Swift's String equality is canonical equivalence,
/// under which "é" precomposed and decomposed, or a CJK compatibility ideograph and its unified twin, are equal,
/// but Lucene indexes them as different terms).
private struct TokenKey: Hashable {
    let text: Substring
    init(_ text: Substring) { self.text = text }

    static func == (a: TokenKey, b: TokenKey) -> Bool {
        let x = a.text.utf8, y = b.text.utf8
        guard x.count == y.count else { return false }
        let equal = x.withContiguousStorageIfAvailable { p in
            y.withContiguousStorageIfAvailable { q in p.count == 0 || memcmp(p.baseAddress!, q.baseAddress!, p.count) == 0 }
        }
        return (equal ?? nil) ?? x.elementsEqual(y)
    }

    /// FNV-1a of the UTF-8 bytes, fed to the hasher as one word (cheaper than hashing every byte with SipHash).
    func hash(into hasher: inout Hasher) {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 { h = (h ^ UInt64(byte)) &* 0x100_0000_01b3 }
        hasher.combine(h)
    }
}
