// A pipeline spec: first-stage model, optional expander and reranker, and option settings. The same
// grammar everywhere: command-line flags, a per-query topics column, `experiment`'s NAME=SPEC.
import QuarryAPI

public struct PipelineSpec: Sendable, Hashable {
    public var model: String = "bm25"
    public var expander: String? = nil
    public var reranker: String? = nil
    /// plugin → option → value, as set (`--set rm3.fbDocs=20`).
    public var settings: [String: [String: OptionValue]] = [:]

    public init(model: String = "bm25", expander: String? = nil, reranker: String? = nil,
                settings: [String: [String: OptionValue]] = [:]) {
        self.model = model
        self.expander = expander
        self.reranker = reranker
        self.settings = settings
    }

    /// Adds one `plugin.key=value` setting.
    public mutating func set(_ assignment: String) throws {
        guard let eq = assignment.firstIndex(of: "=") else {
            throw QuarryError("--set expects plugin.key=value, got '\(assignment)'")
        }
        let key = String(assignment[..<eq])
        let value = String(assignment[assignment.index(after: eq)...])
        let parts = key.split(separator: ".", maxSplits: 1)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
            throw QuarryError("--set expects plugin.key=value (e.g. rm3.fbDocs=20), got '\(assignment)'")
        }
        settings[String(parts[0]), default: [:]][String(parts[1])] = .string(value)
    }

    /// Parses spec words (`--expander rm3 --set rm3.fbDocs=20`).
    public static func parse(words: [String]) throws -> PipelineSpec {
        var spec = PipelineSpec()
        try spec.apply(words: words)
        return spec
    }

    /// Parses a spec written as one string, split as a shell splits words.
    public static func parse(_ text: String) throws -> PipelineSpec {
        try parse(words: try ShellWords.split(text))
    }

    /// Applies spec words on top of this spec (a per-query spec over the run's).
    public mutating func apply(words: [String]) throws {
        var i = 0
        func value(_ flag: String) throws -> String {
            i += 1
            guard i < words.count else { throw QuarryError("pipeline spec: \(flag) needs a value") }
            return words[i]
        }
        while i < words.count {
            var word = words[i]
            var inline: String? = nil
            if word.hasPrefix("--"), let eq = word.firstIndex(of: "=") {
                inline = String(word[word.index(after: eq)...])
                word = String(word[..<eq])
            }
            let v = { (flag: String) throws -> String in try inline ?? value(flag) }
            switch word {
            case "--model": model = try v(word)
            case "--expander":
                let name = try v(word)
                expander = name == "none" || name.isEmpty ? nil : name
            case "--reranker":
                let name = try v(word)
                reranker = name == "none" || name.isEmpty ? nil : name
            case "--set": try set(try v(word))
            default:
                throw QuarryError("pipeline spec: unexpected '\(words[i])' (valid: --model, --expander, --reranker, --set plugin.key=value)")
            }
            i += 1
        }
    }

    /// A per-topic pipeline (a topics file's third column or "pipeline" field) over this, the run's spec.
    /// A topics file is data, often from elsewhere: it chooses among the plugins the engine has, but never
    /// starts a program — a process plugin (`exec:COMMAND`) is named on the command line or in the config
    /// file only (a fuzzer found topics could start any command).
    public func applyingTopicPipeline(_ text: String) throws -> PipelineSpec {
        var spec = self
        try spec.apply(words: try ShellWords.split(text))
        for (role, name, before) in [("expander", spec.expander, expander), ("reranker", spec.reranker, reranker)] {
            if let name, name != before, name.hasPrefix("exec:") {
                throw QuarryError("\(role) '\(name)': a topics file cannot start a process plugin (exec:…); name it on the command line or in the config file")
            }
        }
        return spec
    }

    /// The spec as words that parse back to it, in a fixed order.
    public var words: [String] {
        var out: [String] = []
        if model != "bm25" { out += ["--model", model] }
        if let expander { out += ["--expander", expander] }
        if let reranker { out += ["--reranker", reranker] }
        for plugin in settings.keys.sorted() {
            for key in settings[plugin]!.keys.sorted() {
                out += ["--set", "\(plugin).\(key)=\(settings[plugin]![key]!)"]
            }
        }
        return out
    }

    public var text: String { words.map(ShellWords.quote).joined(separator: " ") }
}

/// Splitting and quoting words the way a POSIX shell does (quotes and backslashes; no expansion).
public enum ShellWords {
    public static func split(_ text: String) throws -> [String] {
        var words: [String] = []
        var current = ""
        var inWord = false
        var quote: Character? = nil
        var escape = false
        for c in text {
            if escape {
                current.append(c)
                escape = false
                continue
            }
            if let q = quote {
                if c == q { quote = nil } else if c == "\\" && q == "\"" { escape = true } else { current.append(c) }
                continue
            }
            switch c {
            case "\\": escape = true; inWord = true
            case "'", "\"": quote = c; inWord = true
            case " ", "\t", "\n":
                if inWord { words.append(current); current = ""; inWord = false }
            default: current.append(c); inWord = true
            }
        }
        if quote != nil { throw QuarryError("pipeline spec: unclosed quote in '\(text)'") }
        if escape { current.append("\\") }
        if inWord { words.append(current) }
        return words
    }

    public static func quote(_ word: String) -> String {
        if !word.isEmpty, word.allSatisfy({ $0.isLetter || $0.isNumber || "-_.=/:,@+".contains($0) }) { return word }
        return "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
