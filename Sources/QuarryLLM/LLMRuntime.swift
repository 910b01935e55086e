// What every LLM plugin of one process shares: the response cache, the bound on requests in flight
// and the offline switch. The command line configures it once (`--llm-cache`, `--llm-concurrency`,
// `--offline`); plugins ask it for clients, so a run's requests are bounded together however many
// pipelines it holds.
import Foundation

public final class LLMRuntime: @unchecked Sendable {
    public static let shared = LLMRuntime()

    private let lock = NSLock()
    private var concurrency = 4
    private var cacheDirectory: String? = nil
    private var offline = false
    private var limiter: ConcurrencyLimiter? = nil
    private var cache: ResponseCache? = nil
    /// Counts over every client this runtime made.
    public let stats = LLMStats()

    public init() {}

    /// Sets the shared settings; nil leaves a setting as it is. Call before the first client is made.
    public func configure(concurrency: Int? = nil, cacheDirectory: String? = nil, offline: Bool? = nil) {
        lock.lock(); defer { lock.unlock() }
        if let concurrency, concurrency != self.concurrency {
            self.concurrency = max(1, concurrency)
            limiter = nil
        }
        if let cacheDirectory, cacheDirectory != self.cacheDirectory {
            self.cacheDirectory = cacheDirectory
            cache = nil
        }
        if let offline { self.offline = offline }
    }

    /// `$QUARRY_LLM_CACHE`, else `$XDG_CACHE_HOME/quarry`, else `~/.cache/quarry`.
    public static var defaultCacheDirectory: String {
        let env = ProcessInfo.processInfo.environment
        if let d = env["QUARRY_LLM_CACHE"], !d.isEmpty { return d }
        if let d = env["XDG_CACHE_HOME"], !d.isEmpty { return d + "/quarry" }
        return (env["HOME"] ?? NSTemporaryDirectory()) + "/.cache/quarry"
    }

    /// The limit on requests in flight.
    public var maxInFlight: Int {
        lock.lock(); defer { lock.unlock() }
        return concurrency
    }

    /// A client for `config` sharing this runtime's cache and limiter. Opens the cache on first use,
    /// so a damaged cache file is reported before any work starts.
    public func client(_ config: LLMConfig) throws -> LLMClient {
        lock.lock(); defer { lock.unlock() }
        if limiter == nil { limiter = ConcurrencyLimiter(limit: concurrency) }
        if cache == nil { cache = try ResponseCache(directory: cacheDirectory ?? Self.defaultCacheDirectory) }
        return try LLMClient(config: config, cache: cache, limiter: limiter!, offline: offline, stats: stats)
    }
}
