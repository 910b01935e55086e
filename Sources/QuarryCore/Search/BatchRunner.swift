// Runs many topics through pipelines on several threads. Each worker owns its own searcher; results
// come back in topic order, so the output is the same whatever the thread count.
import Foundation
import QuarryAPI

public struct BatchRunner: Sendable {
    public let index: Index
    public let registry: PluginRegistry
    public let base: PipelineSpec
    public var k = 1000
    public var threads = 1
    public var removeQuery = false
    public var progress: Bool = isatty(2) != 0

    public init(index: Index, registry: PluginRegistry, base: PipelineSpec) {
        self.index = index
        self.registry = registry
        self.base = base
    }

    /// Resolves the run's pipeline and every distinct per-query pipeline up front, so a bad spec fails
    /// before any work starts (naming the topic).
    public func pipelines(for topics: [Topic]) throws -> (main: Pipeline, perTopic: [Pipeline]) {
        let main = try registry.resolve(base)
        var cache: [String: Pipeline] = [:]
        var out: [Pipeline] = []
        for t in topics {
            guard let text = t.pipeline else { out.append(main); continue }
            if let p = cache[text] { out.append(p); continue }
            do {
                let p = try registry.resolve(try base.applyingTopicPipeline(text))
                cache[text] = p
                out.append(p)
            } catch {
                throw QuarryError("topic \(t.id): pipeline '\(text)': \(error)")
            }
        }
        return (main, out)
    }

    public func run(_ topics: [Topic]) async throws -> [QueryResult] {
        try await prepare(topics).run()
    }

    /// Resolves the pipelines and opens the workers' searchers once; the batch can then run any
    /// number of times (`quarry bench search` times repeated passes over the same open index).
    public func prepare(_ topics: [Topic]) throws -> PreparedBatch {
        let (main, perTopic) = try pipelines(for: topics)
        // LLM expanders wait on a server: more queries in flight than threads keep it busy.
        let width = perTopic.reduce(main.concurrency(threads: threads)) { max($0, $1.concurrency(threads: threads)) }
        let workers = max(1, min(width, topics.count))
        let searchers = try (0..<workers).map { _ in try index.searcher() }
        return PreparedBatch(topics: topics, perTopic: perTopic, searchers: searchers, k: k, removeQuery: removeQuery, progress: progress)
    }
}

/// Topics with their resolved pipelines and one open searcher per worker.
public struct PreparedBatch: Sendable {
    public let topics: [Topic]
    let perTopic: [Pipeline]
    let searchers: [IndexSearcher]
    let k: Int
    let removeQuery: Bool
    public var progress: Bool

    /// Searches every topic; results in topic order.
    public func run() async throws -> [QueryResult] {
        let topics = self.topics, perTopic = self.perTopic, searchers = self.searchers, k = self.k, removeQuery = self.removeQuery
        return try await mapInOrder(topics.count, width: searchers.count, label: "searching", progress: progress) { i, w in
            try await perTopic[i].run(Query(id: topics[i].id, text: topics[i].text), k: k, searcher: searchers[w], removeQuery: removeQuery)
        }
    }
}

/// A thread-safe counter.
final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var n = 0
    func increment() -> Int {
        lock.lock(); defer { lock.unlock() }
        n += 1
        return n
    }
    var value: Int {
        lock.lock(); defer { lock.unlock() }
        return n
    }
}
