// What the server answers: the JSON bodies of /search, /batch, /health, /doc, /topics and errors.
import Foundation

/// One query's answer.
public struct SearchResponse: Encodable, Sendable {
    struct Term: Encodable, Sendable {
        var term: String
        var weight: Double
    }
    struct Hit: Encodable, Sendable {
        var rank: Int
        var docid: String
        var score: Double
        var title: String
        /// With `"snippets": true`: an excerpt of the text around the first match, plain text.
        var snippet: String?
        /// With `"snippets": true`: the words of title and snippet (letter and digit runs, lower
        /// case) that analyze to a term of the final query, for a client to highlight.
        var highlight: [String]?
        /// The document's grade for the topic asked (`id`), when it is judged.
        var grade: Int?
    }
    /// How the hits score as the answer to a judged topic.
    struct Evaluation: Encodable, Sendable {
        var topic: String
        /// Metric name ("nDCG@10", "AP") → value over the hits answered.
        var metrics: [String: Double]
        /// Relevant documents the topic has.
        var relevant: Int
    }
    var id: String?
    var query: String
    /// The pipeline in force, as `quarry run` flags ("" for plain BM25).
    var pipeline: String
    /// The final weighted query, term by term, as the index analyzes it.
    var expanded: [Term]
    /// Text an expander generated (an LLM's rationale, a pseudo-document), when it made some.
    var generated: String?
    var hits: [Hit]
    /// When `id` names a judged topic of the server's --qrels.
    var evaluation: Evaluation?
    var tookMs: Double
}

/// GET /doc/{id}: a stored document.
struct DocumentResponse: Encodable, Sendable {
    var id: String
    var title: String
    var text: String
    /// Its grade for `?topic=`, when judged.
    var grade: Int?
}

/// GET /topics: the topics the server was given, with what their judgments hold.
struct TopicsResponse: Encodable, Sendable {
    struct Item: Encodable, Sendable {
        var id: String
        var query: String
        /// Documents judged for the topic / judged relevant (absent without --qrels).
        var judged: Int?
        var relevant: Int?
    }
    /// Whether the server has judgments (then searches for a topic answer grades and metrics, and
    /// POST /experiment works).
    var judgments: Bool
    /// The metrics searches for a judged topic answer.
    var metrics: [String]
    var topics: [Item]
}

/// One item of a batch answer: the answer, or why that query failed.
enum BatchItem: Encodable, Sendable {
    case answer(SearchResponse)
    case failure(id: String?, status: Int, error: String)

    func encode(to encoder: Encoder) throws {
        switch self {
        case .answer(let r): try r.encode(to: encoder)
        case .failure(let id, let status, let error):
            var c = encoder.container(keyedBy: FailureKeys.self)
            try c.encodeIfPresent(id, forKey: .id)
            try c.encode(status, forKey: .status)
            try c.encode(error, forKey: .error)
        }
    }
    private enum FailureKeys: String, CodingKey { case id, status, error }
}

public struct BatchResponse: Encodable, Sendable {
    var results: [BatchItem]
    var tookMs: Double
}

struct HealthResponse: Encodable, Sendable {
    var status = "ok"
    var version: String
    var index: [String]
    var documents: Int
    /// Most hits a query may ask for (--max-k): how deep a client may search.
    var maxK: Int
    var uptimeSeconds: Double
}

struct ErrorResponse: Encodable, Sendable {
    var error: String
}
