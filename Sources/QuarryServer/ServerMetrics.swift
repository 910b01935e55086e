// Counters for GET /metrics, written in Prometheus' text exposition format (version 0.0.4) by hand:
// requests by endpoint and status, a latency histogram per endpoint, searches, pipeline-cache hits
// and misses, errors by kind, and the LLM runtime's own counts (requests, cache hits, failures).
import Foundation
import QuarryLLM

public final class ServerMetrics: @unchecked Sendable {
    /// Latency histogram bucket bounds, in seconds.
    static let buckets: [Double] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]

    private struct Latency {
        var counts = [Int](repeating: 0, count: ServerMetrics.buckets.count)
        var sum = 0.0
        var count = 0
    }

    /// What an error answer was about, for `quarry_errors_total{kind}`.
    enum ErrorKind: String, CaseIterable {
        case badRequest = "bad_request", tooLarge = "too_large", plugin, timeout, notFound = "not_found", `internal`
    }

    private let lock = NSLock()
    private var requests: [String: [Int: Int]] = [:]
    private var latency: [String: Latency] = [:]
    private var errors: [ErrorKind: Int] = [:]
    private var searches = 0
    private var cacheHits = 0
    private var cacheMisses = 0
    private let started = Date()
    private let llm: LLMStats

    public init(llm: LLMStats = LLMRuntime.shared.stats) { self.llm = llm }

    func request(endpoint: String, status: Int, seconds: Double) {
        lock.withLock {
            requests[endpoint, default: [:]][status, default: 0] += 1
            var l = latency[endpoint] ?? Latency()
            for (i, bound) in Self.buckets.enumerated() where seconds <= bound { l.counts[i] += 1 }
            l.sum += seconds
            l.count += 1
            latency[endpoint] = l
        }
    }

    func error(_ kind: ErrorKind) { lock.withLock { errors[kind, default: 0] += 1 } }
    func search() { lock.withLock { searches += 1 } }
    func pipelineCache(hit: Bool) { lock.withLock { if hit { cacheHits += 1 } else { cacheMisses += 1 } } }

    /// The exposition text; `gauges` adds current values (pipelines cached, searchers busy).
    func text(gauges: [(name: String, help: String, value: Double)] = []) -> String {
        var out = ""
        func family(_ name: String, _ type: String, _ help: String) { out += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n" }
        func number(_ v: Double) -> String { v == v.rounded() && abs(v) < 1e15 ? String(Int(v)) : String(v) }
        /// A family of one unlabelled series.
        func single(_ name: String, _ type: String, _ help: String, _ value: String) {
            family(name, type, help)
            out += "\(name) \(value)\n"
        }
        lock.withLock {
            family("quarry_http_requests_total", "counter", "HTTP requests answered, by endpoint and status.")
            for endpoint in requests.keys.sorted() {
                for status in requests[endpoint]!.keys.sorted() {
                    out += "quarry_http_requests_total{endpoint=\"\(endpoint)\",status=\"\(status)\"} \(requests[endpoint]![status]!)\n"
                }
            }
            family("quarry_http_request_duration_seconds", "histogram", "Time from request to answer, by endpoint.")
            for endpoint in latency.keys.sorted() {
                let l = latency[endpoint]!
                for (i, bound) in Self.buckets.enumerated() {
                    out += "quarry_http_request_duration_seconds_bucket{endpoint=\"\(endpoint)\",le=\"\(number(bound))\"} \(l.counts[i])\n"
                }
                out += "quarry_http_request_duration_seconds_bucket{endpoint=\"\(endpoint)\",le=\"+Inf\"} \(l.count)\n"
                out += "quarry_http_request_duration_seconds_sum{endpoint=\"\(endpoint)\"} \(l.sum)\n"
                out += "quarry_http_request_duration_seconds_count{endpoint=\"\(endpoint)\"} \(l.count)\n"
            }
            single("quarry_searches_total", "counter", "Queries searched (each query of a batch counts).", "\(searches)")
            single("quarry_pipeline_cache_hits_total", "counter", "Requests whose pipeline was already made.", "\(cacheHits)")
            single("quarry_pipeline_cache_misses_total", "counter", "Requests whose pipeline had to be made (plugins built, models loaded).", "\(cacheMisses)")
            family("quarry_errors_total", "counter", "Error answers, by kind.")
            for kind in ErrorKind.allCases { out += "quarry_errors_total{kind=\"\(kind.rawValue)\"} \(errors[kind] ?? 0)\n" }
        }
        let c = llm.snapshot
        single("quarry_llm_requests_total", "counter", "Requests sent to LLM servers by LLM plugins.", "\(c.requests)")
        single("quarry_llm_cache_hits_total", "counter", "LLM prompts answered from the response cache.", "\(c.cacheHits)")
        single("quarry_llm_retries_total", "counter", "LLM requests retried.", "\(c.retries)")
        single("quarry_llm_failures_total", "counter", "LLM requests that failed after their retries.", "\(c.failures)")
        for g in gauges { single(g.name, "gauge", g.help, number(g.value)) }
        single("quarry_uptime_seconds", "gauge", "Seconds since the server started.", "\(Date().timeIntervalSince(started))")
        return out
    }
}
