// The query text path: any text through the analyzer into Xapian (BM25, query likelihood, RM3's
// second pass) on a small real index, and any text as a per-topic pipeline ("--expander rm3 --set …").
import Foundation
import QuarryAPI
import QuarryCLI
import QuarryCore
import QuarryTesting

enum QueryFuzzTargets {
    static let all: [FuzzTarget] = [
        FuzzTarget("query", "query text searched with BM25, query likelihood and BM25 + RM3 on a small index", seeds: "text") { data, context in
            let index = try context.shared("index") { try smallIndex() }
            let registry = context.shared("registry") { QuarryMain.builtinRegistry() }
            let query = Query(id: "q", text: text(data))
            for spec in [PipelineSpec(), PipelineSpec(model: "ql"), PipelineSpec(expander: "rm3")] {
                let pipeline = try registry.resolve(spec)
                let searcher = try index.index.searcher(model: pipeline.model)
                let result = try blocking { try await pipeline.run(query, k: 10, searcher: searcher) }
                for (a, b) in zip(result.hits, result.hits.dropFirst()) {
                    precondition(Ranking.before(a, b), "hits out of order for \(spec)")
                }
            }
        },
        FuzzTarget("pipeline", "a topics file's per-topic pipeline, applied to the run's and resolved against the built-in plugins", seeds: "pipeline") { data, _ in
            _ = try QuarryMain.builtinRegistry().resolve(try PipelineSpec().applyingTopicPipeline(text(data)))
        },
    ]

    static func smallIndex() throws -> TestIndex {
        try TestIndex(documents: [
            .init(id: "d1", title: "Glaciers", text: "Glaciers move slowly down the valley under their own weight."),
            .init(id: "d2", title: "Bees", text: "Honey bees beat their wings two hundred times a second."),
            .init(id: "d3", title: "Volcanoes", text: "Lava flows cool into basalt; glaciers melt near volcanoes."),
            .init(id: "d4", title: "氷河", text: "氷河は ゆっくり 動く. Über Gletscher, café au lait, naïve résumé."),
            .init(id: "d5", text: "AND OR NOT NEAR title:x* \"quoted phrase\" +plus -minus (paren) 3.14 1e9 C++ e-mail@host"),
        ])
    }
}
