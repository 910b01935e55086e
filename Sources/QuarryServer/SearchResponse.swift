// What the server answers: the JSON bodies of /search, /batch, /health and errors.
import Foundation

/// One query's answer.
struct SearchResponse: Encodable, Sendable {
    struct Term: Encodable, Sendable {
        var term: String
        var weight: Double
    }
    struct Hit: Encodable, Sendable {
        var rank: Int
        var docid: String
        var score: Double
        var title: String
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
    var tookMs: Double
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

struct BatchResponse: Encodable, Sendable {
    var results: [BatchItem]
    var tookMs: Double
}

struct HealthResponse: Encodable, Sendable {
    var status = "ok"
    var version: String
    var index: [String]
    var documents: Int
    var uptimeSeconds: Double
}

struct ErrorResponse: Encodable, Sendable {
    var error: String
}
