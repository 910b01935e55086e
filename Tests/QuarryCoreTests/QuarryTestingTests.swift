// QuarryTesting as a plugin author uses it: an expander and a reranker written in the test, checked
// against a real index of four documents in a few lines each.
import QuarryAPI
import QuarryCore
import QuarryTesting
import XCTest

/// Adds a fixed synonym for each query word it knows (weight settable): the kind of expander a
/// researcher writes first.
private struct SynonymExpander: QueryExpander {
    static let synonyms = ["car": "automobile", "film": "movie"]
    let weight: Double
    func expand(_ query: Query, searcher: any Searcher) async throws -> WeightedQuery {
        let extra = query.text.split(separator: " ").compactMap { Self.synonyms[String($0)] }.map { WeightedQuery.Part.text($0, weight: weight) }
        return WeightedQuery(parts: [.text(query.text, weight: 1)] + extra)
    }
    static let plugin = ExpanderPlugin(name: "synonyms", summary: "fixed synonyms",
                                       options: [OptionSpec("weight", .double, default: .double(0.5), help: "synonym weight")],
                                       make: { SynonymExpander(weight: $0.double("weight") ?? 0.5) })
}

/// Puts the shortest candidates first.
private struct ShortestFirst: Reranker {
    func rerank(_ query: Query, candidates: [Candidate]) async throws -> [Double] { candidates.map { -Double($0.text.count) } }
    static let plugin = RerankerPlugin(name: "shortest", summary: "shortest first", options: [], make: { _ in ShortestFirst() })
}

final class QuarryTestingTests: XCTestCase {
    func testAnExpanderAndARerankerAgainstARealIndex() async throws {
        let index = try TestIndex(documents: [
            .init(id: "d1", title: "Cars", text: "a car with four wheels and a long, long engine bay"),
            .init(id: "d2", text: "an automobile"),
            .init(id: "d3", text: "a film about an automobile race"),
            .init(id: "d4", text: "nothing relevant here"),
        ])
        index.register(SynonymExpander.plugin)
        index.register(ShortestFirst.plugin)
        XCTAssertEqual(index.registry.origin(ofExpander: "synonyms"), .package, "what `quarry plugins` shows as its origin")

        let plain = try await index.run("car")
        XCTAssertEqual(plain.hits.map(\.docid), ["d1"])
        let expanded = try await index.run("car", expander: "synonyms", settings: ["synonyms.weight=2"])
        XCTAssertEqual(Set(expanded.hits.map(\.docid)), ["d1", "d2", "d3"])
        XCTAssertEqual(expanded.terms.first { $0.term == "automobil" }?.weight, 2, "the option reached the plugin; the term is stemmed")
        let reranked = try await index.run("car", expander: "synonyms", reranker: "shortest")
        XCTAssertEqual(reranked.hits.map(\.docid), ["d2", "d3", "d1"])
        do {
            _ = try await index.run("car", expander: "synonyms", settings: ["synonyms.depth=3"])
            XCTFail("an unknown option is an error")
        } catch {
            XCTAssertTrue("\(error)".contains("depth"), "\(error)")
        }
    }
}
