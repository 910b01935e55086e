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
    private var processCommands: [String: String] = [:]

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

    /// Starts `command` for its handshake and registers the expander or reranker it announces, under
    /// its announced name (origin `.process`). A name that is taken is an error; the same command
    /// registered twice (a flag and the config file) counts once.
    public func registerProcess(_ command: String) throws {
        let a = try ProcessPlugins.shared.announcement(command)
        lock.lock()
        let previous = processCommands[a.name]
        lock.unlock()
        if previous == command { return }
        if let holder = previous.map({ "process plugin '\($0)'" }) ?? holder(of: a.name) {
            throw QuarryError("process plugin '\(command)' announces the name '\(a.name)', which \(holder) already has")
        }
        switch a.role {
        case .expander: register(ProcessPlugins.shared.expanderPlugin(command, a), origin: .process)
        case .reranker: register(ProcessPlugins.shared.rerankerPlugin(command, a), origin: .process)
        }
        lock.lock(); processCommands[a.name] = command; lock.unlock()
    }

    /// What already has `name` — an expander, a reranker, a model or a reserved option namespace — or nil.
    /// Plugins added at run time (shared libraries, processes) may not take a name that is held.
    public func holder(of name: String) -> String? {
        lock.lock(); defer { lock.unlock() }
        if let o = expanderOrigins[name] { return "the \(o.rawValue) expander" }
        if let o = rerankerOrigins[name] { return "the \(o.rawValue) reranker" }
        if FirstStageModel.names.contains(name) || name == ProcessPlugins.adHocNamespace { return "a model or namespace" }
        return nil
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

    /// Checks a spec and builds its plugins. `exec:COMMAND` names a process plugin ad hoc: it is started
    /// for its handshake first, since its options (`--set exec.KEY=VALUE`) are the ones it announces.
    public func resolve(_ spec: PipelineSpec) throws -> Pipeline {
        let exec = ProcessPlugins.adHocNamespace
        let startTimeout = spec.settings[exec]?["startTimeout"]?.converted(to: .double).flatMap { if case .double(let s) = $0, s > 0 { s } else { nil } }
        let adHocExpander = try spec.expander.flatMap(ProcessPlugins.adHocCommand).map {
            try ProcessPlugins.optionSpecs(ProcessPlugins.shared.announcement($0, as: .expander, startTimeout: startTimeout))
        }
        let adHocReranker = try spec.reranker.flatMap(ProcessPlugins.adHocCommand).map {
            try ProcessPlugins.optionSpecs(ProcessPlugins.shared.announcement($0, as: .reranker, startTimeout: startTimeout))
        }
        var namespaces = optionNamespaces()
        if adHocExpander != nil || adHocReranker != nil {
            // With an ad-hoc expander and reranker both, an exec setting goes to each that declares it.
            var union: [OptionSpec] = []
            for o in (adHocExpander ?? []) + (adHocReranker ?? []) where !union.contains(where: { $0.name == o.name }) { union.append(o) }
            namespaces[exec] = union
        }
        for plugin in spec.settings.keys where namespaces[plugin] == nil {
            let hint = plugin == exec ? " (exec settings are for an --expander or --reranker exec:COMMAND)" : ""
            throw QuarryError("--set \(plugin).…: no model or plugin named '\(plugin)'\(hint); valid: \(namespaces.keys.sorted().joined(separator: ", "))")
        }
        func options(_ name: String, specs: [OptionSpec]? = nil) throws -> Options {
            var given = spec.settings[name] ?? [:]
            if let specs { given = given.filter { key, _ in specs.contains { $0.name == key } } }
            do {
                return try Options.resolve(given, specs: specs ?? namespaces[name] ?? [], plugin: name)
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
            if let command = ProcessPlugins.adHocCommand(name), let specs = adHocExpander {
                let opts = try options(exec, specs: specs)
                expander = .init(name: name, options: opts, instance: try ProcessPlugins.shared.expander(command, options: opts, plugin: exec))
            } else {
                let plugin = try self.expander(name)
                let opts = try options(name)
                expander = .init(name: name, options: opts, instance: try plugin.make(opts))
            }
        }
        var reranker: Pipeline.Stage<any Reranker>? = nil
        if let name = spec.reranker {
            if let command = ProcessPlugins.adHocCommand(name), let specs = adHocReranker {
                let opts = try options(exec, specs: specs)
                reranker = .init(name: name, options: opts, instance: try ProcessPlugins.shared.reranker(command, options: opts, plugin: exec))
            } else {
                let plugin = try self.reranker(name)
                let opts = try options(name)
                reranker = .init(name: name, options: opts, instance: try plugin.make(opts))
            }
        }
        return Pipeline(spec: spec, model: model, expander: expander, reranker: reranker)
    }
}
