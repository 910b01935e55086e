// The topics and judgments `quarry serve --topics FILE --qrels FILE` was given: the UI's topic picker
// (GET /topics), the grades and per-topic metrics a search for a topic answers, and the topics and
// evaluator POST /experiment runs. Metrics come from the same Evaluator as `quarry eval` and
// `quarry experiment`.
import Foundation
import QuarryAPI
import QuarryCore

public struct TopicSet: Sendable {
    public let topics: [Topic]
    /// nil when the server has topics but no judgments.
    public let evaluator: Evaluator?
    /// The metrics a search for a judged topic answers, and the experiment's defaults.
    static let metrics = [Metric(.ndcg, cutoff: 10), Metric(.ap)]

    private let byID: [String: Topic]

    public init(topics: [Topic], qrels: Qrels?, relevanceLevel: Int = 1) {
        self.topics = topics
        evaluator = qrels.map { Evaluator(qrels: $0, relevanceLevel: relevanceLevel) }
        byID = Dictionary(topics.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
    }

    /// Reads the files given on the command line (`qrels` needs `topics`).
    public static func load(topics: String?, qrels: String?, relevanceLevel: Int = 1) throws -> TopicSet? {
        guard let topics else { return nil }
        return TopicSet(topics: try TopicReader.read(topics), qrels: try qrels.map(Qrels.read), relevanceLevel: relevanceLevel)
    }

    func topic(_ id: String) -> Topic? { byID[id] }

    /// A topic's judgments (docid → grade), nil when it has none or there are no qrels.
    func judgments(_ id: String) -> [String: Int]? { evaluator?.qrels.judgments[id] }

    /// The metrics of `hits` as the answer to judged topic `id`: metric name → value.
    func evaluate(_ id: String, hits: [Hit]) -> [String: Double]? {
        guard let evaluator, judgments(id) != nil else { return nil }
        let run = Run([id: hits])
        var out: [String: Double] = [:]
        for m in Self.metrics { out[m.description] = evaluator.perQuery(m, run: run)[id] ?? 0 }
        return out
    }

    /// Relevant documents of a topic (grade at or above the relevance level).
    func relevantCount(_ id: String) -> Int {
        guard let evaluator, let judged = judgments(id) else { return 0 }
        return judged.values.filter { $0 >= max(evaluator.relevanceLevel, 0) }.count
    }
}
