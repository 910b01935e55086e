// Stop word lists.

enum StopWords {
    /// Lucene's English stop words (EnglishAnalyzer.ENGLISH_STOP_WORDS_SET), the 33 Anserini removes.
    static let lucene: [String] = [
        "a", "an", "and", "are", "as", "at", "be", "but", "by", "for", "if", "in", "into", "is", "it", "no", "not",
        "of", "on", "or", "such", "that", "the", "their", "then", "there", "these", "they", "this", "to", "was",
        "will", "with",
    ]
}
