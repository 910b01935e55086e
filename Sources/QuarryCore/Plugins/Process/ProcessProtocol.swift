// The JSON-lines process protocol, version 1 (docs/process-protocol.md): the messages the engine writes
// and how it reads the plugin's. One JSON object per line each way; unknown fields are ignored.
import Foundation
import QuarryAPI

public enum ProcessProtocol {
    /// The protocol version this engine speaks.
    public static let version = 1

    /// What a process plugin does.
    public enum Role: String, Sendable {
        case expander, reranker
    }

    /// What a process says about itself in its `hello`.
    public struct Announcement: Sendable {
        public var name: String
        public var summary: String
        public var role: Role
        public var options: [OptionSpec]
    }

    /// Option names the engine keeps for itself (timeouts, restarts, reranking depth); a plugin may not
    /// declare them.
    static let reservedOptions: Set<String> = ["timeout", "startTimeout", "restarts", "depth"]

    // MARK: Writing

    /// One message as a line of JSON (no newline inside: strings escape theirs).
    static func line(_ message: [String: Any]) -> String {
        let data = (try? JSONSerialization.data(withJSONObject: message, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }

    static var hello: [String: Any] { ["type": "hello", "protocol": version] }
    static var bye: [String: Any] { ["type": "bye"] }

    static func configure(_ options: Options) -> [String: Any] {
        ["type": "configure", "options": options.values.mapValues(json)]
    }

    static func expand(id: Int, query: Query) -> [String: Any] {
        ["type": "expand", "id": id, "query": ["id": query.id, "text": query.text]]
    }

    static func rerank(id: Int, query: Query, candidates: [Candidate]) -> [String: Any] {
        ["type": "rerank", "id": id, "query": ["id": query.id, "text": query.text],
         "candidates": candidates.map { ["docid": $0.docid, "title": $0.title, "text": $0.text, "score": $0.score] as [String: Any] }]
    }

    static func json(_ v: OptionValue) -> Any {
        switch v {
        case .int(let x): return x
        case .double(let x): return x
        case .bool(let x): return x
        case .string(let x): return x
        }
    }

    // MARK: Reading

    /// A line the process wrote, as a message object with a `type`.
    static func message(_ line: String) throws -> [String: Any] {
        guard let obj = (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any] else {
            throw ChildFault(kind: .malformed, message: "wrote a line that is not a JSON object: \(excerpt(line))")
        }
        guard obj["type"] is String else {
            throw ChildFault(kind: .malformed, message: "wrote a message without a \"type\": \(excerpt(line))")
        }
        return obj
    }

    /// One line from a process, read the way the engine reads the message of its `type` (a hello, an
    /// expansion, scores for `candidates` candidates); throws what the engine would report. The fuzzers'
    /// way into the protocol's reading without a process (tools/fuzz).
    public static func read(_ line: String, candidates: Int) throws {
        let m = try message(line)
        switch m["type"] as? String {
        case "hello": _ = try announcement(m)
        case "expansion": _ = try expansion(m)
        case "scores": _ = try scores(m, count: candidates)
        default: break
        }
    }

    static func excerpt(_ line: String) -> String {
        let s = line.count > 80 ? String(line.prefix(80)) + "…" : line
        return "'" + s + "'"
    }

    /// The process's `hello`; an error naming what is wrong otherwise.
    static func announcement(_ m: [String: Any]) throws -> Announcement {
        if m["type"] as? String == "error" {
            throw QuarryError("refused the handshake: \(m["message"] as? String ?? "(no message)")")
        }
        guard m["type"] as? String == "hello" else {
            throw QuarryError("answered the engine's hello with a '\(m["type"] as? String ?? "?")' message, not a hello")
        }
        guard let p = m["protocol"], !isBool(p), let version = (p as? NSNumber)?.intValue else {
            throw QuarryError("its hello has no \"protocol\" version")
        }
        guard version == Self.version else {
            throw QuarryError("speaks process protocol \(version); this quarry speaks protocol \(Self.version)")
        }
        guard let name = m["name"] as? String, isPluginName(name) else {
            throw QuarryError("its hello needs a \"name\" of lower-case letters, digits, '-' and '_' (got \(m["name"].map { "\($0)" } ?? "none"))")
        }
        guard let roleText = m["role"] as? String, let role = Role(rawValue: roleText) else {
            throw QuarryError("its hello needs a \"role\": \"expander\" or \"reranker\"")
        }
        var options: [OptionSpec] = []
        for (i, o) in ((m["options"] as? [Any]) ?? []).enumerated() {
            guard let o = o as? [String: Any] else { throw QuarryError("options[\(i)] is not an object") }
            options.append(try optionSpec(o, index: i))
        }
        if let m = m["options"], !(m is [Any]) { throw QuarryError("\"options\" must be a list") }
        let names = options.map(\.name)
        if let dup = names.first(where: { n in names.filter { $0 == n }.count > 1 }) {
            throw QuarryError("declares option '\(dup)' twice")
        }
        return Announcement(name: name, summary: m["summary"] as? String ?? "", role: role, options: options)
    }

    static func isPluginName(_ s: String) -> Bool {
        guard let f = s.unicodeScalars.first, ("a"..."z").contains(f) else { return false }
        return s.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" || $0 == "_" }
    }

    static func optionSpec(_ o: [String: Any], index i: Int) throws -> OptionSpec {
        guard let name = o["name"] as? String, let f = name.unicodeScalars.first, f.properties.isAlphabetic, f.isASCII,
              name.unicodeScalars.allSatisfy({ $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "_") }) else {
            throw QuarryError("options[\(i)] needs a \"name\" of ASCII letters, digits and '_'")
        }
        guard !reservedOptions.contains(name) else {
            throw QuarryError("option '\(name)' is reserved for the engine (\(reservedOptions.sorted().joined(separator: ", ")))")
        }
        guard let typeText = o["type"] as? String, let type = OptionType(rawValue: typeText) else {
            throw QuarryError("option '\(name)' needs a \"type\": int, double, bool or string")
        }
        var value: OptionValue? = nil
        if let d = o["default"], !(d is NSNull) {
            guard let v = optionValue(d, as: type) else {
                throw QuarryError("option '\(name)': default \(d) is not a \(type.rawValue)")
            }
            value = v
        }
        return OptionSpec(name, type, default: value, help: o["help"] as? String ?? "")
    }

    /// A JSON value as an option value of `type`.
    static func optionValue(_ any: Any, as type: OptionType) -> OptionValue? {
        switch type {
        case .string: return (any as? String).map(OptionValue.string)
        case .bool: return isBool(any) ? (any as? Bool).map(OptionValue.bool) : nil
        case .int:
            guard let n = any as? NSNumber, !isBool(any) else { return nil }
            let d = n.doubleValue
            return d == d.rounded() && abs(d) < 1e15 ? .int(Int(d)) : nil
        case .double:
            guard let n = any as? NSNumber, !isBool(any), n.doubleValue.isFinite else { return nil }
            return .double(n.doubleValue)
        }
    }

    /// Whether a decoded JSON value was `true` or `false` (Foundation decodes numbers and booleans
    /// alike as NSNumber, and a 1 even casts to Bool; only the boolean's type code tells them apart).
    static func isBool(_ any: Any) -> Bool {
        guard let n = any as? NSNumber else { return false }
        return String(cString: n.objCType) == "c"
    }

    /// The weighted query of an `expansion`: `text` (analyzed, weight 1), `texts` (analyzed, each with a
    /// weight), `terms` (index terms as stored, each with a weight), merged; `generated` is recorded.
    static func expansion(_ m: [String: Any]) throws -> WeightedQuery {
        var parts: [WeightedQuery.Part] = []
        if let t = m["text"] {
            guard let text = t as? String else { throw malformed("\"text\" must be a string") }
            parts.append(.text(text, weight: 1))
        }
        for (field, isTerm) in [("texts", false), ("terms", true)] {
            guard let list = m[field] else { continue }
            guard let items = list as? [Any] else { throw malformed("\"\(field)\" must be a list") }
            let key = isTerm ? "term" : "text"
            for (i, item) in items.enumerated() {
                guard let o = item as? [String: Any], let s = o[key] as? String else {
                    throw malformed("\(field)[\(i)] needs a \"\(key)\" string")
                }
                let weight = try number(o["weight"] ?? 1.0, "\(field)[\(i)].weight")
                parts.append(isTerm ? .term(s, weight: weight) : .text(s, weight: weight))
            }
        }
        guard m["text"] != nil || m["texts"] != nil || m["terms"] != nil else {
            throw malformed("an expansion needs \"text\", \"texts\" or \"terms\"")
        }
        var generated: String? = nil
        if let g = m["generated"], !(g is NSNull) {
            guard let s = g as? String else { throw malformed("\"generated\" must be a string") }
            generated = s
        }
        return WeightedQuery(parts: parts, generatedText: generated)
    }

    /// The scores of a `scores` message, one per candidate.
    static func scores(_ m: [String: Any], count: Int) throws -> [Double] {
        guard let list = m["scores"] as? [Any] else { throw malformed("\"scores\" must be a list of numbers") }
        guard list.count == count else { throw malformed("sent \(list.count) scores for \(count) candidates") }
        return try list.enumerated().map { try number($1, "scores[\($0)]") }
    }

    private static func number(_ any: Any, _ what: String) throws -> Double {
        guard let n = any as? NSNumber, !isBool(any), n.doubleValue.isFinite else {
            throw malformed("\(what) must be a finite number")
        }
        return n.doubleValue
    }

    private static func malformed(_ why: String) -> ChildFault { ChildFault(kind: .malformed, message: why) }
}
