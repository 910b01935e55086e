import ArgumentParser
import Foundation
import QuarryAPI
import QuarryCore

struct SearchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "search",
        abstract: "Search an index with one query.",
        discussion: """
        Prints rank, docid, score, title and a snippet. The query is plain text: Xapian query syntax has \
        no special meaning. --explain shows the final weighted query term by term.

        Example: quarry search --index /tmp/sample --expander rm3 --explain "how do glaciers move"
        """
    )

    @OptionGroup var index: IndexSelection
    @Option(help: "Number of hits.") var k: Int = 10
    @OptionGroup var pipeline: PipelineOptions
    @Flag(help: "Show the final weighted query, term by term.") var explain = false
    @Flag(help: "Print JSON instead of text.") var json = false
    @Argument(help: "The query text.") var query: [String]

    func run() async throws {
        let text = query.joined(separator: " ")
        guard !text.trimmingCharacters(in: .whitespaces).isEmpty else { throw QuarryError("empty query") }
        let idx = try index.open()
        let pipe = try QuarryMain.registry.resolve(try pipeline.spec())
        let searcher = try idx.searcher()
        let result = try await pipe.run(Query(id: "q", text: text), k: k, searcher: searcher)
        if let e = result.error { printError("warning: \(e); searched the plain query instead") }
        if result.terms.isEmpty { throw QuarryError("the query '\(text)' has no searchable terms (all stop words or punctuation)") }
        let analyzer = try Analyzer(idx.metadata.analyzer)
        let queryTerms = Set(result.terms.map(\.term))
        if json {
            var hits: [[String: Any]] = []
            for (i, h) in result.hits.enumerated() {
                let doc = try searcher.document(h.docid)
                hits.append(["rank": i + 1, "docid": h.docid, "score": h.score, "title": doc?.title ?? "",
                             "snippet": Snippet.make(doc?.text ?? "", terms: queryTerms, analyze: analyzer.terms)])
            }
            var obj: [String: Any] = ["query": text, "pipeline": pipe.description, "hits": hits,
                                      "terms": result.terms.map { ["term": $0.term, "weight": $0.weight] }]
            if let g = result.generatedText { obj["expansion"] = g }
            if let e = result.error { obj["error"] = e }
            if idx.isPartial { obj["partial"] = true; obj["missingShards"] = idx.missingShards }
            let data = try JSONSerialization.data(withJSONObject: obj, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
            print(String(decoding: data, as: UTF8.self))
            idx.warnIfPartial()
            return
        }
        defer { idx.warnIfPartial() }
        if explain {
            print("pipeline: \(pipe.description.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " "))")
            if let g = result.generatedText { print("generated: \(g)") }
            print("query terms (\(result.terms.count)):")
            for t in result.terms { print(String(format: "  %-24@ %.6f", t.term as NSString, t.weight)) }
            print("")
        }
        if result.hits.isEmpty { print("no documents match"); return }
        for (i, h) in result.hits.enumerated() {
            let doc = try searcher.document(h.docid)
            let title = doc?.title.isEmpty == false ? "  \(doc!.title)" : ""
            print(String(format: "%3d  %@  %.4f", i + 1, h.docid as NSString, h.score) + title)
            print("     " + Snippet.make(doc?.text ?? "", terms: queryTerms, analyze: analyzer.terms))
        }
    }
}
