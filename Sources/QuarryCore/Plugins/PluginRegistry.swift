// Names → plugins. Built-in and third-party plugins register the same way; a pipeline spec is
// resolved against the registry once, and unknown names or options fail with the valid choices.
import Foundation
import QuarryAPI

/// Where a plugin came from, as `quarry plugins` shows it.
public enum PluginOrigin: String, Sendable {
    /// Compiled into every `quarry`.
    case builtIn = "built in"
    /// Compiled into a `quarry` a third party built with its own Swift package.
    case package
    /// Loaded at start-up from a `.so` built against the same QuarryAPI (`--plugin-path`).
    case sharedLibrary = "shared library"
    /// An external program speaking the JSON-lines process protocol (`exec:COMMAND`, `--plugin-exec`).
    case process
}

public final class PluginRegistry: @unchecked Sendable {
    private let lock = NSLock()
    private var expanderTable: [String: ExpanderPlugin] = [:]
    private var rerankerTable: [String: RerankerPlugin] = [:]
    private var expanderOrigins: [String: PluginOrigin] = [:]
    private var rerankerOrigins: [String: PluginOrigin] = [:]

    public init() {}

    public func register(_ plugin: ExpanderPlugin, origin: PluginOrigin = .package) {
        lock.lock(); defer { lock.unlock() }
        expanderTable[plugin.name] = plugin
        expanderOrigins[plugin.name] = origin
    }

    public func register(_ plugin: RerankerPlugin, origin: PluginOrigin = .package) {
        lock.lock(); defer { lock.unlock() }
        rerankerTable[plugin.name] = plugin
        rerankerOrigins[plugin.name] = origin
    }

    /// Where a registered expander came from.
    public func origin(ofExpander name: String) -> PluginOrigin? {
        lock.lock(); defer { lock.unlock() }
        return expanderOrigins[name]
    }

    /// Where a registered reranker came from.
    public func origin(ofReranker name: String) -> PluginOrigin? {
        lock.lock(); defer { lock.unlock() }
        return rerankerOrigins[name]
    }

    public var expanders: [ExpanderPlugin] {
        lock.lock(); defer { lock.unlock() }
        return expanderTable.values.sorted { $0.name < $1.name }
    }

    public var rerankers: [RerankerPlugin] {
        lock.lock(); defer { lock.unlock() }
        return rerankerTable.values.sorted { $0.name < $1.name }
    }

    public func expander(_ name: String) throws -> ExpanderPlugin {
        lock.lock(); defer { lock.unlock() }
        guard let p = expanderTable[name] else {
            throw QuarryError("unknown expander '\(name)'; valid expanders: \(expanderTable.keys.sorted().joined(separator: ", "))")
        }
        return p
    }

    public func reranker(_ name: String) throws -> RerankerPlugin {
        lock.lock(); defer { lock.unlock() }
        guard let p = rerankerTable[name] else {
            let names = rerankerTable.keys.sorted()
            throw QuarryError("unknown reranker '\(name)'; valid rerankers: \(names.isEmpty ? "none registered" : names.joined(separator: ", "))")
        }
        return p
    }

    /// Every option namespace a spec may set, with its declarations.
    public func optionNamespaces() -> [String: [OptionSpec]] {
        var out = FirstStageModel.optionSpecs
        for p in expanders { out[p.name] = p.options }
        for p in rerankers { out[p.name] = p.options }
        return out
    }

    /// Checks a spec and builds its plugins.
    public func resolve(_ spec: PipelineSpec) throws -> Pipeline {
        let namespaces = optionNamespaces()
        for plugin in spec.settings.keys where namespaces[plugin] == nil {
            throw QuarryError("--set \(plugin).…: no model or plugin named '\(plugin)'; valid: \(namespaces.keys.sorted().joined(separator: ", "))")
        }
        func options(_ name: String) throws -> Options {
            do {
                return try Options.resolve(spec.settings[name] ?? [:], specs: namespaces[name] ?? [], plugin: name)
            } catch let e as OptionError { throw QuarryError(e.message) }
        }
        // Every setting is checked, also for plugins not in this pipeline (a config file may set many).
        for plugin in spec.settings.keys { _ = try options(plugin) }
        guard FirstStageModel.names.contains(spec.model) else {
            throw QuarryError("unknown model '\(spec.model)'; valid models: \(FirstStageModel.names.joined(separator: ", "))")
        }
        let model = try FirstStageModel.make(spec.model, options: try options(spec.model))
        var expander: Pipeline.Stage<any QueryExpander>? = nil
        if let name = spec.expander {
            let plugin = try self.expander(name)
            let opts = try options(name)
            expander = .init(name: name, options: opts, instance: try plugin.make(opts))
        }
        var reranker: Pipeline.Stage<any Reranker>? = nil
        if let name = spec.reranker {
            let plugin = try self.reranker(name)
            let opts = try options(name)
            reranker = .init(name: name, options: opts, instance: try plugin.make(opts))
        }
        return Pipeline(spec: spec, model: model, expander: expander, reranker: reranker)
    }
}
