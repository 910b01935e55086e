// A query expander that is a process: each query is an `expand` request, each answer a weighted query.
// A failed request throws, and the pipeline searches the plain query instead (a counted fallback).
import QuarryAPI

struct ProcessExpander: QueryExpander {
    let client: ProcessPluginClient

    func expand(_ query: Query, searcher: any Searcher) async throws -> WeightedQuery {
        try await client.call({ ProcessProtocol.expand(id: $0, query: query) }, answer: "expansion",
                              parse: ProcessProtocol.expansion)
    }
    // One request at a time per process: more queries in flight would only queue.
}
