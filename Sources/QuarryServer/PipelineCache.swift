// Resolved pipelines by spec. Making a plugin can load a model or open files, so each distinct spec
// is made once and kept (least recently used out first); concurrent requests for a spec that is
// still being made wait for that one making. A failed making is not kept: the next request retries.
import Foundation
import QuarryCore

final class PipelineCache: @unchecked Sendable {
    private let registry: PluginRegistry
    private let capacity: Int
    private let metrics: ServerMetrics
    /// Where plugins are made (making one may load a model: not on Swift's shared pool).
    private let executor: (any TaskExecutor)?
    private let lock = NSLock()
    private var entries: [PipelineSpec: Task<Pipeline, Error>] = [:]
    /// Least recently used first.
    private var order: [PipelineSpec] = []

    init(registry: PluginRegistry, capacity: Int, metrics: ServerMetrics, executor: (any TaskExecutor)? = nil) {
        self.registry = registry
        self.capacity = max(1, capacity)
        self.metrics = metrics
        self.executor = executor
    }

    var count: Int { lock.withLock { entries.count } }

    func pipeline(for spec: PipelineSpec) async throws -> Pipeline {
        let (task, hit) = lock.withLock { () -> (Task<Pipeline, Error>, Bool) in
            if let t = entries[spec] {
                order.removeAll { $0 == spec }
                order.append(spec)
                return (t, true)
            }
            let registry = self.registry
            let t = Task(executorPreference: executor) { try registry.resolve(spec) }
            entries[spec] = t
            order.append(spec)
            while order.count > capacity { entries[order.removeFirst()] = nil }
            return (t, false)
        }
        metrics.pipelineCache(hit: hit)
        do {
            return try await task.value
        } catch {
            lock.withLock {
                if entries[spec] == task {
                    entries[spec] = nil
                    order.removeAll { $0 == spec }
                }
            }
            throw error
        }
    }
}
