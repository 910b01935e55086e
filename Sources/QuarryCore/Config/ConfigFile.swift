// A TOML config file: top-level `model`, `expander`, `reranker`, and one `[plugin]` table of options
// per model or plugin, with the same camelCase keys as `--set plugin.key=value`.
//
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
    /// The spec a config file describes.
    public static func load(_ path: String) throws -> PipelineSpec {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw QuarryError("\(path): cannot read config file")
        }
        let table: TOMLTable
        do { table = try TOMLTable(string: text) } catch let e as TOMLParseError {
            throw QuarryError("\(path):\(e.source.begin.line): \(e.description)")
        }
        var spec = PipelineSpec()
        for (key, value) in table {
            switch key {
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
                    throw QuarryError("\(path): unknown top-level key '\(key)' (valid: model, expander, reranker, and [plugin] tables)")
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

    static func optionValue(_ v: TOMLValueConvertible) -> OptionValue? {
        if let b = v.bool { return .bool(b) }
        if let i = v.int { return .int(i) }
        if let d = v.double { return .double(d) }
        if let s = v.string { return .string(s) }
        return nil
    }
}
