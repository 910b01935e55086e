// A plugin author's test bench: a small real Xapian index built from documents given in the test,
// and one call that runs a query through a pipeline holding the author's expander or reranker — the
// same Pipeline `quarry run` uses, so what passes here behaves the same on the command line.
import Foundation
import QuarryAPI
import QuarryCore

/// A temporary index of a handful of documents, deleted when the value goes away.
public final class TestIndex: @unchecked Sendable {
    /// One document: its id, an optional title and its text (indexed as BEIR's title + text).
    public struct Document: Sendable {
        public var id: String
        public var title: String
        public var text: String
        public init(id: String, title: String = "", text: String) {
            self.id = id
            self.title = title
            self.text = text
        }
    }

    /// Where the index lies (a fresh temporary directory).
    public let path: String
    public let index: Index
    /// The registry the pipelines resolve against: empty but for the plugins registered on it.
    public let registry = PluginRegistry()
    private let directory: String

    /// Builds the index with Quarry's default analyzer (Lucene-equal tokenizer, Porter, 33 stop words).
    public init(documents: [Document]) throws {
        guard !documents.isEmpty else { throw QuarryError("TestIndex: give at least one document") }
        directory = NSTemporaryDirectory() + "quarry-testindex-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let collection = directory + "/documents.jsonl"
        let lines = try documents.map { d -> String in
            let data = try JSONSerialization.data(withJSONObject: ["_id": d.id, "title": d.title, "text": d.text], options: [.sortedKeys])
            return String(decoding: data, as: UTF8.self)
        }
        try (lines.joined(separator: "\n") + "\n").write(toFile: collection, atomically: true, encoding: .utf8)
        path = directory + "/index"
        var options = IndexOptions(collection: collection, format: .beir, index: path)
        options.progress = false
        _ = try Indexer.run(options)
        index = try Index(path: path)
    }

    deinit { try? FileManager.default.removeItem(atPath: directory) }

    /// Registers an expander or reranker under test (and any it depends on).
    public func register(_ plugin: ExpanderPlugin) { registry.register(plugin) }
    public func register(_ plugin: RerankerPlugin) { registry.register(plugin) }

    /// Runs `query` through BM25 (or `model`), the named expander and reranker, with `settings` as
    /// `quarry run --set` takes them ("myplugin.depth=3"); returns the expanded terms, the generated text,
    /// the hits, and whether the expander failed and fell back to the plain query.
    public func run(_ query: String, id: String = "q", k: Int = 10, model: String = "bm25", expander: String? = nil,
                    reranker: String? = nil, settings: [String] = []) async throws -> QueryResult {
        var spec = PipelineSpec(model: model, expander: expander, reranker: reranker)
        for s in settings { try spec.set(s) }
        let pipeline = try registry.resolve(spec)
        let searcher = try index.searcher(model: pipeline.model)
        return try await pipeline.run(Query(id: id, text: query), k: k, searcher: searcher)
    }
}
