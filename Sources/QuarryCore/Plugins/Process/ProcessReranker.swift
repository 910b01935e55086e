// A reranker that is a process: the top `depth` candidates of each query go in one `rerank` request,
// one score per candidate comes back. A failed request fails the run, as any reranker's error does.
import QuarryAPI

struct ProcessReranker: Reranker {
    let client: ProcessPluginClient

    var depth: Int? { client.settings.depth }

    func rerank(_ query: Query, candidates: [Candidate]) async throws -> [Double] {
        let n = candidates.count
        return try await client.call({ ProcessProtocol.rerank(id: $0, query: query, candidates: candidates) }, answer: "scores",
                                     parse: { try ProcessProtocol.scores($0, count: n) })
    }
}
