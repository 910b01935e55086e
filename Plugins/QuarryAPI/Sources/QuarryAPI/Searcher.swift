// The narrow handle an expander gets: enough to retrieve and read documents and term
// statistics (RM3 reads feedback documents; RADCoT reads the passages it retrieves), not the engine.

/// One retrieved document: its collection id and first-stage score.
public struct Hit: Sendable, Hashable {
    public var docid: String
    public var score: Double
    public init(docid: String, score: Double) {
        self.docid = docid
        self.score = score
    }
}

/// A stored document.
public struct Document: Sendable, Hashable {
    public var id: String
    public var title: String
    public var text: String
    public init(id: String, title: String, text: String) {
        self.id = id
        self.title = title
        self.text = text
    }
}

/// An index term and how often it occurs in one document.
public struct TermFrequency: Sendable, Hashable {
    public var term: String
    public var frequency: Int
    public init(term: String, frequency: Int) {
        self.term = term
        self.frequency = frequency
    }
}

/// Read access to one index for plugins. Implementations are safe to use from one task at a time
/// per handle; the engine gives each concurrent query its own handle.
public protocol Searcher: Sendable {
    /// Number of documents in the index.
    var documentCount: Int { get }
    /// Average document length in terms.
    var averageDocumentLength: Double { get }
    /// Terms the index's analyzer produces for `text` (stemmed, stop words removed), in order.
    func analyze(_ text: String) throws -> [String]
    /// Runs the pipeline's first-stage model (BM25 or QL, with its options) on `query`.
    func search(_ query: WeightedQuery, k: Int) throws -> [Hit]
    /// The stored document with collection id `docid`, or nil.
    func document(_ docid: String) throws -> Document?
    /// The document's terms with raw frequencies (its term vector).
    func termVector(_ docid: String) throws -> [TermFrequency]
    /// Number of documents containing `term` (an index term).
    func documentFrequency(_ term: String) throws -> Int
}

/// A document as the neural plugins read it: its title, a space, its text (the text alone without a
/// title). RADCoT's prompts, RADIO's scoring and tools/ scripts all use this form. API 1.2.
func passageText(title: String, text: String) -> String { title.isEmpty ? text : title + " " + text }

extension Document {
    public var passage: String { passageText(title: title, text: text) }
}

extension Candidate {
    public var passage: String { passageText(title: title, text: text) }
}
