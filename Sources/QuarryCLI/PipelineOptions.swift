// The pipeline flags every searching command shares (public: `quarry serve` takes them too, as the
// operator's defaults).
import ArgumentParser
import QuarryAPI
import QuarryCore
import QuarryLLM

public struct PipelineOptions: ParsableArguments, Sendable {
    public init() {}

    @Option(help: ArgumentHelp("First-stage model: bm25 or ql (query likelihood, Dirichlet).", valueName: "bm25|ql"))
    var model: String?

    @Option(help: ArgumentHelp("Query expander to apply (see `quarry plugins`).", valueName: "name"))
    var expander: String?

    @Option(help: ArgumentHelp("Reranker to apply (see `quarry plugins`).", valueName: "name"))
    var reranker: String?

    @Option(name: .customLong("set"), help: ArgumentHelp("Set a model or plugin option, e.g. rm3.fbDocs=20 (repeatable).", valueName: "plugin.key=value"))
    var settings: [String] = []

    @Option(help: ArgumentHelp("TOML config file: model, expander, reranker and [plugin] option tables; flags override it.", valueName: "file"))
    var config: String?

    @OptionGroup var llm: LLMRuntimeOptions

    @OptionGroup var plugins: PluginSourceOptions

    /// The spec these flags describe, over the config file's. Also hands the LLM settings to the
    /// runtime every LLM plugin shares and registers the plugins named on the command line or in the
    /// config file, before any plugin is made.
    public func spec() throws -> PipelineSpec {
        try llm.apply()
        try plugins.register(config: config)
        var spec = try config.map(ConfigFile.load) ?? PipelineSpec()
        if let model { spec.model = model }
        if let expander { spec.expander = expander == "none" ? nil : expander }
        if let reranker { spec.reranker = reranker == "none" ? nil : reranker }
        for s in settings { try spec.set(s) }
        return spec
    }
}

/// The LLM runtime's flags (shared by every LLM plugin of a process): requests in flight, the response
/// cache, offline replay.
public struct LLMRuntimeOptions: ParsableArguments, Sendable {
    public init() {}

    @Option(help: ArgumentHelp("Most LLM requests in flight at once, over all LLM plugins (default 4).", valueName: "n"))
    var llmConcurrency: Int?

    @Option(help: ArgumentHelp("Directory of the LLM response cache (default: $QUARRY_LLM_CACHE, else ~/.cache/quarry).", valueName: "dir"))
    var llmCache: String?

    @Flag(help: "Answer LLM prompts only from the cache: a miss is an error (that query falls back), never a request.")
    var offline = false

    func apply() throws {
        if let n = llmConcurrency, n < 1 { throw QuarryError("--llm-concurrency must be at least 1") }
        LLMRuntime.shared.configure(concurrency: llmConcurrency, cacheDirectory: llmCache, offline: offline)
    }
}

/// A stand-alone LLM (a teacher, a generator) configured as the LLM plugins are, with `--set llm.KEY=VALUE`
/// settings (keys as `LLMPluginOptions.specs`) and the environment's defaults.
enum StandaloneLLM {
    static func config(_ settings: [String], specs: [OptionSpec]) throws -> LLMConfig {
        var given: [String: OptionValue] = [:]
        for s in settings {
            guard let eq = s.firstIndex(of: "="), s.hasPrefix("llm.") else { throw QuarryError("--set expects llm.KEY=VALUE, got '\(s)'") }
            given[String(s[s.index(s.startIndex, offsetBy: 4)..<eq])] = .string(String(s[s.index(after: eq)...]))
        }
        return try LLMPluginOptions.config(try Options.resolve(given, specs: specs, plugin: "llm"), plugin: "llm")
    }
}
