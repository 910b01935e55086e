// The keyterms expander against a small real index, through the same pipeline `quarry run` uses.
import KeyTerms
import QuarryAPI
import QuarryTesting
import XCTest

final class KeyTermsTests: XCTestCase {
    func makeIndex() throws -> TestIndex {
        let index = try TestIndex(documents: [
            .init(id: "d1", text: "the effect of the weather on the harvest in the valley"),
            .init(id: "d2", text: "a quasar is the bright core of a distant galaxy"),
            .init(id: "d3", text: "the effect of music on the mood of the listener"),
            .init(id: "d4", text: "the effect of sleep on memory and the effect of coffee"),
        ])
        index.register(KeyTermsExpander.plugin)
        return index
    }

    func testKeepsTheRarestTerms() async throws {
        let index = try makeIndex()
        let query = "what is the effect of a quasar on its galaxy"
        let plain = try await index.run(query)
        let reduced = try await index.run(query, expander: "keyterms", settings: ["keyterms.keep=2"])
        XCTAssertFalse(reduced.fallback)
        // "effect" is in three of four documents; "quasar" and "galaxi" (Porter) in one.
        XCTAssertEqual(Set(reduced.terms.map(\.term)), ["quasar", "galaxi"])
        XCTAssertEqual(reduced.hits.map(\.docid), ["d2"])
        XCTAssertGreaterThan(plain.hits.count, 1)
    }

    func testRestWeightKeepsTheOtherTermsDownWeighted() async throws {
        let index = try makeIndex()
        let reduced = try await index.run("effect of quasar", expander: "keyterms",
                                          settings: ["keyterms.keep=1", "keyterms.restWeight=0.25"])
        let weights = Dictionary(uniqueKeysWithValues: reduced.terms.map { ($0.term, $0.weight) })
        XCTAssertEqual(weights["quasar"], 1)
        XCTAssertEqual(weights["effect"], 0.25)
    }

    func testBadOptionIsAnError() async throws {
        let index = try makeIndex()
        do {
            _ = try await index.run("quasar", expander: "keyterms", settings: ["keyterms.keep=0"])
            XCTFail("keep=0 was accepted")
        } catch {
            XCTAssertTrue("\(error)".contains("keyterms.keep must be at least 1"), "\(error)")
        }
    }
}
