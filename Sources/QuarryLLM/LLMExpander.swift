// The expander both LLM plugins are: fill a prompt template with the query, ask the model, and
// expand the query with the generated text under a repetition rule (QuarryAPI's ExpansionRule).
// `cot` and `query2doc` differ only in their prompt and rule; RADCoT reuses the rule, not this type.
import Foundation
import QuarryAPI

public struct LLMExpander: QueryExpander {
    public let client: LLMClient
    public let template: PromptTemplate
    public let rule: ExpansionRule

    public init(client: LLMClient, template: PromptTemplate, rule: ExpansionRule) {
        self.client = client
        self.template = template
        self.rule = rule
    }

    public func prompt(for query: Query) -> String { template.fill(["query": query.text]) }

    /// The prompt sent and the text the model wrote (trimmed), for `quarry expand`.
    public func generate(_ query: Query) async throws -> (prompt: String, text: String) {
        let p = prompt(for: query)
        let text = try await client.complete(p).trimmingCharacters(in: .whitespacesAndNewlines)
        return (p, text)
    }

    public func expand(_ query: Query, searcher: any Searcher) async throws -> WeightedQuery {
        rule.expand(query: query.text, text: try await generate(query).text)
    }

    /// Requests wait on the network: keep as many queries going as the client may have in flight.
    public var preferredConcurrency: Int? { client.limiter.limit }
}

/// The options every LLM plugin declares (under its own prefix: `cot.model`, `query2doc.model`, …)
/// and their conversion to a client configuration.
public enum LLMPluginOptions {
    public static func specs(maxTokens: Int, stop: String? = nil) -> [OptionSpec] {
        [
            OptionSpec("baseURL", .string, default: nil, help: "OpenAI-compatible base URL, e.g. http://127.0.0.1:18080/v1 (default: $QUARRY_LLM_BASE_URL)", operatorOnly: true),
            OptionSpec("model", .string, default: nil, help: "model name sent to the server (default: $QUARRY_LLM_MODEL, else the one model the server lists)"),
            OptionSpec("apiKeyEnv", .string, default: nil, help: "name of the environment variable holding the API key (the key itself is never logged or cached)", operatorOnly: true),
            OptionSpec("endpoint", .string, default: .string("chat"), help: "chat (/chat/completions) or completions (/completions)"),
            OptionSpec("temperature", .double, default: .double(0), help: "sampling temperature"),
            OptionSpec("maxTokens", .int, default: .int(maxTokens), help: "most tokens generated, 1–1000000"),
            OptionSpec("seed", .int, default: .int(0), help: "sampling seed sent to the server (-1: none)"),
            OptionSpec("stop", .string, default: stop.map(OptionValue.string), help: "stop sequence, or a JSON array of them"),
            OptionSpec("timeout", .double, default: .double(120), help: "seconds allowed for one request, at most 86400"),
            OptionSpec("retries", .int, default: .int(4), help: "retries after a timeout, connection error, 429 or 5xx, 0–100"),
        ]
    }

    /// The client configuration the options describe; `plugin` names them in errors.
    public static func config(_ o: Options, plugin: String) throws -> LLMConfig {
        let env = ProcessInfo.processInfo.environment
        guard let baseURL = o.string("baseURL") ?? env["QUARRY_LLM_BASE_URL"], !baseURL.isEmpty else {
            throw OptionError("\(plugin).baseURL is required (or set QUARRY_LLM_BASE_URL), e.g. --set \(plugin).baseURL=http://127.0.0.1:18080/v1")
        }
        let apiKeyEnv = o.string("apiKeyEnv")
        var model = o.string("model") ?? env["QUARRY_LLM_MODEL"] ?? ""
        if model.isEmpty { model = try servedModel(baseURL: baseURL, apiKeyEnv: apiKeyEnv, plugin: plugin) }
        var c = LLMConfig(baseURL: baseURL, model: model)
        c.apiKeyEnv = apiKeyEnv
        guard let endpoint = LLMConfig.Endpoint(rawValue: o.string("endpoint") ?? "chat") else {
            throw OptionError("\(plugin).endpoint must be chat or completions, got '\(o.string("endpoint") ?? "")'")
        }
        c.endpoint = endpoint
        c.temperature = o.double("temperature") ?? 0
        guard c.temperature >= 0 else { throw OptionError("\(plugin).temperature must be at least 0") }
        // Upper bounds too: a search request may set these (a timeout of 1e300 s must not reach libcurl).
        c.maxTokens = o.int("maxTokens") ?? 256
        guard (1...1_000_000).contains(c.maxTokens) else { throw OptionError("\(plugin).maxTokens must be between 1 and 1000000, got \(c.maxTokens)") }
        let seed = o.int("seed") ?? 0
        c.seed = seed < 0 ? nil : seed
        c.stop = try stopSequences(o.string("stop"), plugin: plugin)
        c.totalTimeout = o.double("timeout") ?? 120
        guard c.totalTimeout > 0, c.totalTimeout <= 86_400 else { throw OptionError("\(plugin).timeout must be positive and at most 86400 s, got \(c.totalTimeout)") }
        c.connectTimeout = min(10, c.totalTimeout)
        c.retries = o.int("retries") ?? 4
        guard (0...100).contains(c.retries) else { throw OptionError("\(plugin).retries must be between 0 and 100, got \(c.retries)") }
        return c
    }

    /// The model a server serves when it serves exactly one (a local llama.cpp or vLLM server), so
    /// that a base URL alone is enough there; otherwise an error naming the choices.
    static func servedModel(baseURL: String, apiKeyEnv: String?, plugin: String) throws -> String {
        let base = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        var headers: [String: String] = [:]
        if let env = apiKeyEnv, let key = ProcessInfo.processInfo.environment[env] { headers["Authorization"] = "Bearer \(key)" }
        let response: HTTPResponse
        do {
            response = try HTTPClient.get(base + "/models", headers: headers)
        } catch {
            throw OptionError("\(plugin).model is not set and \(base)/models cannot be read (\(error)); set \(plugin).model or QUARRY_LLM_MODEL")
        }
        let obj = (try? JSONSerialization.jsonObject(with: response.body)) as? [String: Any]
        let ids = (obj?["data"] as? [[String: Any]])?.compactMap { $0["id"] as? String } ?? []
        guard response.status == 200, ids.count == 1 else {
            let listed = ids.isEmpty ? "none listed" : ids.joined(separator: ", ")
            throw OptionError("\(plugin).model is not set and \(base)/models does not name exactly one model (HTTP \(response.status); \(listed)); set \(plugin).model")
        }
        return ids[0]
    }

    static func stopSequences(_ text: String?, plugin: String) throws -> [String] {
        guard let text, !text.isEmpty else { return [] }
        guard text.hasPrefix("[") else { return [text] }
        guard let list = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String] else {
            throw OptionError("\(plugin).stop: '\(text)' is not a JSON array of strings")
        }
        return list
    }

    /// The prompt: the file named by `promptFile` if set, else `builtin`.
    public static func template(_ o: Options, builtin: String) throws -> PromptTemplate {
        if let file = o.string("promptFile"), !file.isEmpty { return try PromptTemplate.load(file) }
        return try PromptTemplate(builtin)
    }
}
