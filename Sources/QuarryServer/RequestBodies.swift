// The POST endpoints from the body's bytes to the answer: parsed and checked (a bad body is a 400
// naming the field), then run under the time limit. The routes hand their collected bodies here;
// so do the fuzzers (tools/fuzz), which is why this takes bytes rather than an HTTP request.
import Foundation
import QuarryCore

extension SearchService {
    /// POST /search.
    public func search(body: Data) async throws -> SearchResponse {
        let search = try SearchRequest.parse(body, limits: limits)
        let spec = try spec(for: search)
        return try await timeLimited { try await self.search(search, spec: spec) }
    }

    /// POST /batch: every query is checked before any runs, so a bad one refuses the whole batch.
    public func batch(body: Data) async throws -> BatchResponse {
        let started = DispatchTime.now().uptimeNanoseconds
        let searches = try SearchRequest.parseBatch(body, limits: limits)
        let checked = try searches.map { ($0, try spec(for: $0)) }
        let results = try await timeLimited { try await self.batch(checked) }
        return BatchResponse(results: results, tookMs: Double(DispatchTime.now().uptimeNanoseconds - started) / 1e6)
    }

    /// POST /experiment.
    public func experiment(body: Data) async throws -> ExperimentResponse {
        let experiment = try ExperimentRequest.parse(body, limits: limits)
        let specs = try experiment.pipelines.map { try spec(for: $0) }
        return try await timeLimited { try await self.experiment(experiment, specs: specs) }
    }

    /// `work` on the search threads, answered with a 504 past the time limit.
    func timeLimited<T: Sendable>(_ work: @escaping @Sendable () async throws -> T) async throws -> T {
        let limits = self.limits
        return try await withTimeLimit(limits.timeLimit, on: threads, onTimeout: {
            APIError.timedOut("the request took longer than the time limit of \(limits.timeLimit) s (--time-limit)")
        }, work)
    }
}
