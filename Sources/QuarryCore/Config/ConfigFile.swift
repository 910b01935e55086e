// A TOML config file: top-level `model`, `expander`, `reranker`, and one `[plugin]` table of options
// per model or plugin, with the same camelCase keys as `--set plugin.key=value`; where plugins come
// from besides the built-ins: `plugin-path`, directories or files of `.so` plugins (as `--plugin-path`),
// and `plugin-exec`, commands of process plugins (as `--plugin-exec`).
//
//     plugin-path = ["Plugins/Examples/SharedLibrary/.build/debug"]
//     plugin-exec = ["python3 Plugins/Examples/wordnet-expander/wordnet_expander.py"]
//     model = "bm25"
//     expander = "rm3"
//     [bm25]
//     k1 = 0.9
//     [rm3]
//     fbDocs = 20
import Foundation
import QuarryAPI
import TOMLKit

public enum ConfigFile {
    /// Where a config file says plugins come from, besides the built-ins.
    public struct PluginSources: Sendable, Hashable {
        /// Commands of process plugins, each started for its handshake and registered by the name it announces.
        public var exec: [String] = []
        /// Directories or files of shared-library plugins, loaded at start-up.
        public var paths: [String] = []
        public init(exec: [String] = [], paths: [String] = []) {
            self.exec = exec
            self.paths = paths
        }
    }

    /// The spec a config file describes.
    public static func load(_ path: String) throws -> PipelineSpec {
        let table = try read(path)
        var spec = PipelineSpec()
        for (key, value) in table {
            switch key {
            case "plugin-exec", "plugin-path":
                continue  // read by pluginSources(_:)
            case "model":
                guard let s = value.string else { throw QuarryError("\(path): 'model' must be a string") }
                spec.model = s
            case "expander":
                guard let s = value.string else { throw QuarryError("\(path): 'expander' must be a string") }
                spec.expander = s.isEmpty || s == "none" ? nil : s
            case "reranker":
                guard let s = value.string else { throw QuarryError("\(path): 'reranker' must be a string") }
                spec.reranker = s.isEmpty || s == "none" ? nil : s
            default:
                guard let options = value.table else {
                    throw QuarryError("\(path): unknown top-level key '\(key)' (valid: model, expander, reranker, plugin-path, plugin-exec, and [plugin] tables)")
                }
                for (option, v) in options {
                    guard let parsed = optionValue(v) else {
                        throw QuarryError("\(path): [\(key)] \(option) must be a number, boolean or string")
                    }
                    spec.settings[key, default: [:]][option] = parsed
                }
            }
        }
        return spec
    }

    /// The plugin sources a config file names (`plugin-path = ["DIR", …]`, `plugin-exec = ["COMMAND", …]`).
    public static func pluginSources(_ path: String) throws -> PluginSources {
        let table = try read(path)
        func strings(_ key: String, example: String) throws -> [String] {
            guard let value = table[key] else { return [] }
            let items = value.array?.compactMap { $0.string }
            guard let items, items.count == value.array?.count else {
                throw QuarryError("\(path): '\(key)' must be a list of strings, e.g. \(key) = [\"\(example)\"]")
            }
            return items
        }
        return PluginSources(exec: try strings("plugin-exec", example: "python3 my_plugin.py"),
                             paths: try strings("plugin-path", example: "plugins/"))
    }

    private static func read(_ path: String) throws -> TOMLTable {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw QuarryError("\(path): cannot read config file")
        }
        do { return try TOMLTable(string: text) } catch let e as TOMLParseError {
            throw QuarryError("\(path):\(e.source.begin.line): \(e.description)")
        }
    }

    static func optionValue(_ v: TOMLValueConvertible) -> OptionValue? {
        if let b = v.bool { return .bool(b) }
        if let i = v.int { return .int(i) }
        if let d = v.double { return .double(d) }
        if let s = v.string { return .string(s) }
        return nil
    }
}
