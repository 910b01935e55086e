// An OpenAI-compatible completion client: /v1/chat/completions or /v1/completions over libcurl, with
// timeouts, retries (exponential backoff with jitter; Retry-After honoured) on timeouts, connection
// errors, 429 and 5xx, a clear error on other 4xx, a bounded number of requests in flight, and the
// shared response cache. The API key comes from an environment variable and goes nowhere else.
import Foundation

public enum LLMError: Error, CustomStringConvertible, Sendable {
    case client(status: Int, message: String)
    case exhausted(attempts: Int, last: String)
    case badResponse(String)
    case offlineMiss
    case cache(String)
    case configuration(String)

    public var description: String {
        switch self {
        case .client(let s, let m): return "LLM server refused the request (HTTP \(s)): \(m)"
        case .exhausted(let n, let last): return "LLM request failed after \(n) attempts: \(last)"
        case .badResponse(let m): return "LLM response unusable: \(m)"
        case .offlineMiss: return "not in the LLM cache, and --offline forbids a request"
        case .cache(let m): return "LLM cache: \(m)"
        case .configuration(let m): return m
        }
    }
}

/// Which OpenAI-compatible endpoint and generation parameters a plugin uses.
public struct LLMConfig: Sendable, Hashable {
    public enum Endpoint: String, Sendable, Hashable { case chat, completions }
    public var baseURL: String
    public var model: String
    public var apiKeyEnv: String?
    public var endpoint: Endpoint = .chat
    public var temperature: Double = 0
    public var maxTokens: Int = 256
    public var seed: Int? = nil
    public var stop: [String] = []
    public var connectTimeout: Double = 10
    public var totalTimeout: Double = 120
    public var retries: Int = 4
    /// Base of the exponential backoff, in seconds (tests shorten it).
    public var backoff: Double = 1

    public init(baseURL: String, model: String) {
        self.baseURL = baseURL
        self.model = model
    }

    var url: String {
        let base = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        return base + (endpoint == .chat ? "/chat/completions" : "/completions")
    }
}

/// Bounds the requests in flight across every client of one run.
public actor ConcurrencyLimiter {
    public nonisolated let limit: Int
    private var running = 0
    private var waiting: [CheckedContinuation<Void, Never>] = []

    public init(limit: Int) { self.limit = max(1, limit) }

    func acquire() async {
        if running < limit { running += 1; return }
        await withCheckedContinuation { waiting.append($0) }
    }

    func release() {
        if waiting.isEmpty { running -= 1 } else { waiting.removeFirst().resume() }
    }
}

/// What the clients of one run did, for the summary line at its end.
public final class LLMStats: @unchecked Sendable {
    private let lock = NSLock()
    private var counts = (cacheHits: 0, requests: 0, retries: 0, failures: 0)
    private var hitSeconds = 0.0

    public init() {}

    func add(cacheHit: Int = 0, request: Int = 0, retry: Int = 0, failure: Int = 0, hitSeconds: Double = 0) {
        lock.lock(); defer { lock.unlock() }
        self.hitSeconds += hitSeconds
        counts.cacheHits += cacheHit
        counts.requests += request
        counts.retries += retry
        counts.failures += failure
    }

    public var snapshot: (cacheHits: Int, requests: Int, retries: Int, failures: Int) {
        lock.lock(); defer { lock.unlock() }
        return counts
    }

    /// Mean time of a cache hit (key, lookup, decoding), in seconds.
    public var meanHitSeconds: Double? {
        lock.lock(); defer { lock.unlock() }
        return counts.cacheHits > 0 ? hitSeconds / Double(counts.cacheHits) : nil
    }

    /// "LLM: 40 answered from the cache, 3 requests (1 retries), 0 failed; a cache hit took 21 µs",
    /// or nil when nothing was asked.
    public var summary: String? {
        let c = snapshot
        guard c.cacheHits + c.requests + c.failures > 0 else { return nil }
        var line = "LLM: \(c.cacheHits) answered from the cache, \(c.requests) requests (\(c.retries) retries), \(c.failures) failed"
        if let t = meanHitSeconds { line += String(format: "; a cache hit took %.0f µs", t * 1e6) }
        return line
    }
}

public final class LLMClient: Sendable {
    public let config: LLMConfig
    let cache: ResponseCache?
    public let limiter: ConcurrencyLimiter
    let offline: Bool
    let stats: LLMStats

    public init(config: LLMConfig, cache: ResponseCache?, limiter: ConcurrencyLimiter, offline: Bool = false,
                stats: LLMStats = LLMStats()) throws {
        guard URL(string: config.baseURL)?.scheme?.hasPrefix("http") == true else {
            throw LLMError.configuration("LLM base URL '\(config.baseURL)' is not an http(s) URL")
        }
        if let env = config.apiKeyEnv, !env.isEmpty, ProcessInfo.processInfo.environment[env] == nil {
            throw LLMError.configuration("the API key variable \(env) is not set")
        }
        self.config = config
        self.cache = cache
        self.limiter = limiter
        self.offline = offline
        self.stats = stats
    }

    /// The request body for `prompt` (after a system message, when given), as canonical JSON (sorted
    /// keys: it is also the cache key). The completions endpoint has no roles: the system text goes first.
    func requestBody(_ prompt: String, system: String? = nil) throws -> Data {
        // Written by hand in sorted-key order, byte for byte what JSONSerialization with .sortedKeys
        // writes (a test checks), at a fraction of its cost: a cache hit is mostly this.
        var out = "{\"max_tokens\":\(config.maxTokens),"
        switch config.endpoint {
        case .chat:
            out += "\"messages\":["
            if let system { out += "{\"content\":" + CanonicalJSON.string(system) + ",\"role\":\"system\"}," }
            out += "{\"content\":" + CanonicalJSON.string(prompt) + ",\"role\":\"user\"}],"
        case .completions: break
        }
        out += "\"model\":" + CanonicalJSON.string(config.model) + ","
        if config.endpoint == .completions { out += "\"prompt\":" + CanonicalJSON.string(system.map { $0 + "\n\n" + prompt } ?? prompt) + "," }
        if let seed = config.seed { out += "\"seed\":\(seed)," }
        if !config.stop.isEmpty { out += "\"stop\":[" + config.stop.map(CanonicalJSON.string).joined(separator: ",") + "]," }
        out += "\"temperature\":" + CanonicalJSON.number(config.temperature) + "}"
        return Data(out.utf8)
    }

    /// The text the model writes for `prompt`: from the cache, or from the server (then cached).
    public func complete(_ prompt: String, system: String? = nil) async throws -> String {
        let started = DispatchTime.now().uptimeNanoseconds
        let body = try requestBody(prompt, system: system)
        let key = config.url + "\n" + String(decoding: body, as: UTF8.self)
        if let cache, let hit = try cache.get(key) {
            stats.add(cacheHit: 1, hitSeconds: Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9)
            return hit
        }
        if offline {
            stats.add(failure: 1)
            throw LLMError.offlineMiss
        }
        await limiter.acquire()
        let text: String
        do {
            text = try await send(body)
            await limiter.release()
            stats.add(request: 1)
        } catch {
            await limiter.release()
            stats.add(failure: 1)
            throw error
        }
        try cache?.put(key, endpoint: config.url, request: String(decoding: body, as: UTF8.self), response: text)
        return text
    }

    private func send(_ body: Data) async throws -> String {
        var headers = ["Content-Type": "application/json", "Accept": "application/json"]
        if let env = config.apiKeyEnv, let key = ProcessInfo.processInfo.environment[env] { headers["Authorization"] = "Bearer \(key)" }
        let attempts = max(1, config.retries + 1)
        var last = ""
        for attempt in 0..<attempts {
            var retryAfter: Double? = nil
            do {
                let response = try await Self.post(config.url, headers: headers, body: body, config: config)
                switch response.status {
                case 200..<300:
                    return try Self.parse(response.body, endpoint: config.endpoint)
                case 429, 500...599:
                    last = "HTTP \(response.status)"
                    retryAfter = response.headers["retry-after"].flatMap(Double.init)
                default:
                    throw LLMError.client(status: response.status, message: Self.errorMessage(response.body))
                }
            } catch let e as TransportError {
                last = e.message
            } catch let e as LLMError {
                guard case .badResponse(let m) = e else { throw e }
                last = m  // a truncated or garbled body is worth another try
            }
            if attempt + 1 < attempts {
                stats.add(retry: 1)
                let backoff = config.backoff * pow(2, Double(attempt)) * Double.random(in: 0.5...1.0)
                let wait = min(60, max(backoff, retryAfter ?? 0))
                try await Task.sleep(nanoseconds: UInt64(wait * 1e9))
            }
        }
        throw LLMError.exhausted(attempts: attempts, last: last)
    }

    private static func post(_ url: String, headers: [String: String], body: Data, config: LLMConfig) async throws -> HTTPResponse {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                do {
                    continuation.resume(returning: try HTTPClient.post(url, headers: headers, body: body, connectTimeout: config.connectTimeout, totalTimeout: config.totalTimeout))
                } catch {
                    continuation.resume(throwing: error)
                }
            }
        }
    }

    static func parse(_ data: Data, endpoint: LLMConfig.Endpoint) throws -> String {
        guard let obj = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw LLMError.badResponse("not JSON (\(data.count) bytes)")
        }
        guard let choice = (obj["choices"] as? [[String: Any]])?.first else { throw LLMError.badResponse("no choices") }
        let text: String?
        switch endpoint {
        case .chat: text = (choice["message"] as? [String: Any])?["content"] as? String
        case .completions: text = choice["text"] as? String
        }
        guard let text else { throw LLMError.badResponse("no text in the first choice") }
        guard !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { throw LLMError.badResponse("empty completion") }
        return text
    }

    static func errorMessage(_ data: Data) -> String {
        if let obj = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] {
            if let e = obj["error"] as? [String: Any], let m = e["message"] as? String { return m }
            if let m = obj["error"] as? String { return m }
        }
        return String(decoding: data.prefix(200), as: UTF8.self)
    }
}

/// JSON text the way JSONSerialization writes it with .withoutEscapingSlashes: quotes, backslashes and
/// control characters escaped, everything else (non-ASCII included) as it is; whole doubles without a
/// fraction.
enum CanonicalJSON {
    static func string(_ s: String) -> String {
        var out = "\""
        out.reserveCapacity(s.utf8.count + 2)
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{8}": out += "\\b"
            case "\u{c}": out += "\\f"
            case _ where u.value < 0x20:
                let hex = String(u.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(u)
            }
        }
        return out + "\""
    }

    static func number(_ d: Double) -> String {
        if d == d.rounded(), abs(d) < 1e15 { return String(Int64(d)) }
        return "\(d)"
    }
}
