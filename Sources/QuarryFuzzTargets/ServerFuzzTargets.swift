// The JSON bodies of `quarry serve`'s POST endpoints (/search, /batch, /experiment), taken from the
// bytes to the answer the way the routes take them, on a small index with topics and judgments.
import Foundation
import QuarryAPI
import QuarryCLI
import QuarryCore
import QuarryServer

enum ServerFuzzTargets {
    static let all: [FuzzTarget] = ["search", "batch", "experiment"].map { endpoint in
        FuzzTarget("server-\(endpoint)", "a POST /\(endpoint) body, parsed, checked and answered", seeds: "server-\(endpoint)") { data, context in
            let service = try context.shared("service") { try makeService(context) }
            switch endpoint {
            case "search": _ = try blocking { try await service.search(body: data) }
            case "batch": _ = try blocking { try await service.batch(body: data) }
            default: _ = try blocking { try await service.experiment(body: data) }
            }
        }
    }

    static func makeService(_ context: FuzzContext) throws -> SearchService {
        let index = try context.shared("index") { try QueryFuzzTargets.smallIndex() }
        let topics = TopicSet(topics: [Topic(id: "1", text: "glaciers valley"), Topic(id: "2", text: "honey bees")],
                              qrels: Qrels(["1": ["d1": 2, "d3": 1], "2": ["d2": 1, "d9": 1]]))
        var limits = ServerLimits()
        limits.timeLimit = 5
        return try SearchService(index: index.index, registry: QuarryMain.builtinRegistry(), base: PipelineSpec(), limits: limits,
                                 workers: 1, cacheCapacity: 8, metrics: ServerMetrics(), topics: topics)
    }
}
