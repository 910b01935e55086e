// The LLM client against a fault-injecting server on loopback (Tests/Fixtures/llm_fault_server.py):
// retries, timeouts, Retry-After, clear errors, the cache, offline mode, and the API key kept out of it.
import XCTest
@testable import QuarryLLM

final class LLMClientTests: XCTestCase {
    static var port: Int { FaultServer.port }

    func config(_ mode: String, _ endpoint: LLMConfig.Endpoint = .chat) -> LLMConfig {
        var c = LLMConfig(baseURL: "http://127.0.0.1:\(Self.port)/\(mode)/v1", model: "test-model")
        c.endpoint = endpoint
        c.backoff = 0.01
        c.retries = 3
        c.connectTimeout = 2
        c.totalTimeout = 1.5
        return c
    }

    func client(_ mode: String, cache: ResponseCache? = nil, offline: Bool = false, _ edit: (inout LLMConfig) -> Void = { _ in }) throws -> LLMClient {
        var c = config(mode)
        edit(&c)
        return try LLMClient(config: c, cache: cache, limiter: ConcurrencyLimiter(limit: 4), offline: offline)
    }

    func stats() throws -> [String: Any] { try FaultServer.stats() }
    func count(_ mode: String) throws -> Int { try FaultServer.count(mode) }

    func testBothEndpoints() async throws {
        let chat = try await client("ok").complete("what is a glacier")
        XCTAssertEqual(chat, "echo: what is a glacier")
        let plain = try await client("ok") { $0.endpoint = .completions }.complete("bees")
        XCTAssertEqual(plain, "echo: bees")
    }

    func testRetriesServerErrorsAndRateLimits() async throws {
        let t0 = Date()
        let a = try await client("flaky").complete("p1")
        XCTAssertEqual(a, "echo: p1")
        XCTAssertEqual(try count("flaky"), 3)
        let b = try await client("ratelimit").complete("p2")
        XCTAssertEqual(b, "echo: p2")
        XCTAssertGreaterThanOrEqual(Date().timeIntervalSince(t0), 1.0, "Retry-After: 1 was not honoured")
    }

    func testTimeoutsAndGarbageExhaustRetries() async throws {
        for mode in ["slow", "drip", "garbage", "truncated", "empty"] {
            do {
                _ = try await client(mode) { $0.retries = 1 }.complete("q-\(mode)")
                XCTFail("\(mode): expected an error")
            } catch let e as LLMError {
                guard case .exhausted(let n, _) = e else { return XCTFail("\(mode): \(e)") }
                XCTAssertEqual(n, 2, mode)
            }
        }
        do {
            _ = try await client("huge") { $0.retries = 0; $0.totalTimeout = 30 }.complete("big")
            XCTFail("expected an error")
        } catch { XCTAssertTrue("\(error)".contains("larger than"), "\(error)") }
    }

    func testClientErrorsAreNotRetried() async throws {
        for (mode, text) in [("badrequest", "model 'nope' not found"), ("unauthorized", "invalid API key")] {
            let before = try count(mode)
            do {
                _ = try await client(mode).complete("x")
                XCTFail("expected an error")
            } catch let e as LLMError {
                XCTAssertTrue(e.description.contains(text), e.description)
            }
            XCTAssertEqual(try count(mode), before + 1, "a 4xx must not be retried")
        }
        do {
            _ = try await client("ok") { $0.baseURL = "http://127.0.0.1:1/v1"; $0.retries = 1 }.complete("x")
            XCTFail("expected an error")
        } catch let e as LLMError {
            XCTAssertTrue(e.description.contains("after 2 attempts"), e.description)
        }
    }

    func testCacheHitsOfflineAndTheKeyStaysOut() async throws {
        let dir = try temporaryDirectory(self)
        let cache = try ResponseCache(directory: dir)
        setenv("QUARRY_TEST_KEY", "sk-secret-123", 1)
        let c = try client("ok", cache: cache) { $0.apiKeyEnv = "QUARRY_TEST_KEY"; $0.seed = 7 }
        let before = try count("ok")
        let first = try await c.complete("cached prompt")
        let second = try await c.complete("cached prompt")
        XCTAssertEqual(first, second)
        XCTAssertEqual(try count("ok"), before + 1, "the second call must come from the cache")
        XCTAssertTrue((try stats()["auth"] as! [String]).contains("Bearer sk-secret-123"))
        // Another parameter is another entry.
        _ = try await client("ok", cache: cache) { $0.apiKeyEnv = "QUARRY_TEST_KEY"; $0.seed = 8 }.complete("cached prompt")
        XCTAssertEqual(cache.count, 2)
        // Offline: hits work, misses are errors.
        let offline = try client("ok", cache: try ResponseCache(directory: dir), offline: true) { $0.apiKeyEnv = "QUARRY_TEST_KEY"; $0.seed = 7 }
        let hit = try await offline.complete("cached prompt")
        XCTAssertEqual(hit, first)
        do {
            _ = try await offline.complete("never asked")
            XCTFail("expected an offline miss")
        } catch let e as LLMError { guard case .offlineMiss = e else { return XCTFail("\(e)") } }
        // The key is nowhere in the cache files.
        for f in try FileManager.default.contentsOfDirectory(atPath: dir) {
            let bytes = try Data(contentsOf: URL(fileURLWithPath: dir + "/" + f))
            XCTAssertNil(bytes.range(of: Data("sk-secret-123".utf8)), f)
        }
        XCTAssertThrowsError(try client("ok") { $0.apiKeyEnv = "QUARRY_UNSET_VARIABLE_X" })
    }

    func testDamagedCacheIsAClearErrorAndNothingIsOverwritten() throws {
        let dir = try temporaryDirectory(self)
        let junk = Data(repeating: 0x42, count: 4096)
        try junk.write(to: URL(fileURLWithPath: dir + "/llm-cache.sqlite"))
        XCTAssertThrowsError(try ResponseCache(directory: dir)) { XCTAssertTrue("\($0)".contains("llm-cache.sqlite"), "\($0)") }
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: dir + "/llm-cache.sqlite")), junk)
    }

    func testConcurrencyIsBounded() async throws {
        let limiter = ConcurrencyLimiter(limit: 2)
        let c = try LLMClient(config: config("slowish"), cache: nil, limiter: limiter)
        try await withThrowingTaskGroup(of: String.self) { group in
            for i in 0..<6 { group.addTask { try await c.complete("c\(i)") } }
            var n = 0
            for try await _ in group { n += 1 }
            XCTAssertEqual(n, 6)
        }
        XCTAssertEqual((try stats()["maxInFlight"] as! [String: Int])["slowish"], 2)
    }

    /// The hand-written request body is what JSONSerialization writes, so cache keys do not change.
    func testRequestBodyIsJSONSerializationsCanonicalForm() throws {
        let prompts = ["plain", "quote \" backslash \\ slash / </s>", "lines\nand\ttabs\r\u{8}\u{c}\u{1}\u{1f}\u{7f}", "é 東京 🐝 \u{2028}", ""]
        for endpoint in [LLMConfig.Endpoint.chat, .completions] {
            for (temperature, seed, stop) in [(0.0, 0 as Int?, [String]()), (0.7, nil, ["\nQuery:"]), (1.0, 42, ["a", "\"b\""]), (0.123456789, -3, [])] {
                var c = config("ok", endpoint)
                c.temperature = temperature
                c.seed = seed
                c.stop = stop
                c.maxTokens = 77
                let client = try LLMClient(config: c, cache: nil, limiter: ConcurrencyLimiter(limit: 1))
                for p in prompts {
                    var body: [String: Any] = ["model": c.model, "temperature": temperature, "max_tokens": 77]
                    if endpoint == .chat { body["messages"] = [["role": "user", "content": p]] } else { body["prompt"] = p }
                    if let seed { body["seed"] = seed }
                    if !stop.isEmpty { body["stop"] = stop }
                    let expected = try JSONSerialization.data(withJSONObject: body, options: [.sortedKeys, .withoutEscapingSlashes])
                    XCTAssertEqual(String(decoding: try client.requestBody(p), as: UTF8.self), String(decoding: expected, as: UTF8.self))
                    // With a system message: a first "system" message (chat), or the text before the prompt (completions).
                    let system = "be brief \"now\"\n"
                    if endpoint == .chat {
                        body["messages"] = [["role": "system", "content": system], ["role": "user", "content": p]]
                    } else {
                        body["prompt"] = system + "\n\n" + p
                    }
                    let withSystem = try JSONSerialization.data(withJSONObject: body, options: [.sortedKeys, .withoutEscapingSlashes])
                    XCTAssertEqual(String(decoding: try client.requestBody(p, system: system), as: UTF8.self), String(decoding: withSystem, as: UTF8.self))
                }
            }
        }
    }
}
