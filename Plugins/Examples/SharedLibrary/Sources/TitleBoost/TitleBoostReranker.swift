// titleboost: a reranker that adds to each candidate's first-stage score a bonus for the share of the
// query's words that appear in its title — titles are written to name what a document is about, so a
// title match is stronger evidence than a body match (BM25F's intuition, as a rescoring step).
import QuarryAPI

public struct TitleBoostReranker: Reranker {
    let weight: Double
    public let depth: Int?

    public static let plugin = RerankerPlugin(
        name: "titleboost",
        summary: "Adds weight × (share of the query's words in the title) to the first-stage score",
        options: [
            OptionSpec("weight", .double, default: .double(1), help: "bonus for a title holding every query word"),
            OptionSpec("depth", .int, default: .int(100), help: "candidates rescored"),
        ],
        make: { options in
            let weight = options.double("weight") ?? 1
            let depth = options.int("depth") ?? 100
            guard weight.isFinite, weight >= 0 else { throw OptionError("titleboost.weight must be a number ≥ 0") }
            guard depth >= 1 else { throw OptionError("titleboost.depth must be at least 1") }
            return TitleBoostReranker(weight: weight, depth: depth)
        }
    )

    public func rerank(_ query: Query, candidates: [Candidate]) async throws -> [Double] {
        let queryWords = Set(Self.words(query.text))
        guard !queryWords.isEmpty else { return candidates.map(\.score) }
        return candidates.map { c in
            let inTitle = queryWords.intersection(Self.words(c.title)).count
            return c.score + weight * Double(inTitle) / Double(queryWords.count)
        }
    }

    /// Lower-cased runs of letters and digits.
    static func words(_ text: String) -> [String] {
        text.lowercased().split { !$0.isLetter && !$0.isNumber }.map(String.init)
    }
}

// The two entry points `quarry --plugin-path` looks for.
@_cdecl("quarry_plugin_api_version")
public func quarryPluginAPIVersion() -> Int32 { SharedLibraryPlugin.compiledVersion }

@_cdecl("quarry_plugin_register")
public func quarryPluginRegister(_ registrar: UnsafeMutableRawPointer) -> Int32 {
    SharedLibraryPlugin.register(registrar, rerankers: [TitleBoostReranker.plugin])
}
