// Replays expansions generated elsewhere: `{"qid","expansion"}` JSONL (other fields ignored) or
// `qid<TAB>text`, kept verbatim and applied with the `cot` rule or a fixed repeat count. A query the
// file lacks fails its expansion, which the engine counts as a fallback to the plain query.
import Foundation
import QuarryAPI

public struct PrecomputedExpander: QueryExpander {
    public let expansions: [String: String]
    public let rule: ExpansionRule

    public init(expansions: [String: String], rule: ExpansionRule) {
        self.expansions = expansions
        self.rule = rule
    }

    public static let plugin = ExpanderPlugin(
        name: "precomputed",
        summary: "replays expansions from a file ({\"qid\",\"expansion\"} JSONL or qid<TAB>text)",
        options: [
            OptionSpec("file", .string, default: nil, help: "the expansions file (required)", operatorOnly: true),
            OptionSpec("rule", .string, default: .string("cot"), help: "cot: N = max(nc, |expansion|/|query|) query repeats; fixed: `repeats`"),
            OptionSpec("nc", .int, default: .int(5), help: "minimum query repeats under the cot rule"),
            OptionSpec("repeats", .int, default: .int(5), help: "query repeats under the fixed rule (query2doc: 5)"),
            OptionSpec("lengthUnit", .string, default: .string("words"), help: "words or chars, for the cot rule's lengths"),
        ],
        make: { o in
            guard let file = o.string("file"), !file.isEmpty else { throw OptionError("precomputed.file is required (a JSONL or TSV of expansions)") }
            let rule: ExpansionRule
            switch o.string("rule") ?? "cot" {
            case "cot":
                guard let unit = ExpansionRule.LengthUnit(rawValue: o.string("lengthUnit") ?? "words") else {
                    throw OptionError("precomputed.lengthUnit must be words or chars")
                }
                rule = .cot(nc: max(0, o.int("nc") ?? 5), unit: unit)
            case "fixed": rule = .fixed(repeats: max(0, o.int("repeats") ?? 5))
            case let other: throw OptionError("precomputed.rule must be cot or fixed, got '\(other)'")
            }
            return PrecomputedExpander(expansions: try load(file), rule: rule)
        })

    public func expand(_ query: Query, searcher: any Searcher) async throws -> WeightedQuery {
        guard let text = expansions[query.id] else { throw OptionError("no expansion for query \(query.id) in the file") }
        return rule.expand(query: query.text, text: text)
    }

    /// Reads qid → expansion from JSONL (`qid`, `expansion`) or TSV (`qid<TAB>text`).
    public static func load(_ path: String) throws -> [String: String] {
        guard let data = FileManager.default.contents(atPath: path) else { throw OptionError("\(path): cannot read expansions file") }
        guard let text = String(data: data, encoding: .utf8) else { throw OptionError("\(path): not UTF-8") }
        var out: [String: String] = [:]
        for (i, raw) in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty { continue }
            let qid: String, expansion: String
            if line.hasPrefix("{") {
                guard let obj = (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any] else {
                    throw OptionError("\(path):\(i + 1): not a JSON object")
                }
                guard let id = (obj["qid"] as? String) ?? (obj["qid"] as? NSNumber)?.stringValue, !id.isEmpty else {
                    throw OptionError("\(path):\(i + 1): missing \"qid\"")
                }
                guard let e = obj["expansion"] as? String else { throw OptionError("\(path):\(i + 1): missing \"expansion\"") }
                qid = id
                expansion = e
            } else {
                guard let tab = raw.firstIndex(of: "\t") else { throw OptionError("\(path):\(i + 1): expected JSON or 'qid<TAB>text'") }
                qid = raw[..<tab].trimmingCharacters(in: .whitespaces)
                expansion = String(raw[raw.index(after: tab)...])
            }
            if out[qid] != nil { throw OptionError("\(path):\(i + 1): query \(qid) appears twice") }
            out[qid] = expansion
        }
        if out.isEmpty { throw OptionError("\(path): no expansions") }
        return out
    }
}
