// Topics (queries) in the forms the field publishes them: `qid<TAB>text` TSV (an optional third
// column holds a per-query pipeline spec), TREC `<top><num>…<title>…</top>`, TREC-document style
// `<DOC><DOCNO> 1 </DOCNO> text </DOC>` (CACM), and BEIR queries JSONL (`_id`, `text`, `pipeline`).
import Foundation

public struct Topic: Sendable, Hashable {
    public var id: String
    public var text: String
    /// A pipeline spec for this query alone, if the topics file gives one.
    public var pipeline: String?
    public init(id: String, text: String, pipeline: String? = nil) {
        self.id = id
        self.text = text
        self.pipeline = pipeline
    }
}

public enum TopicFormat: String, CaseIterable, Sendable {
    case tsv, trec, trecdoc, jsonl
}

public enum TopicField: String, CaseIterable, Sendable {
    case title, desc, narr
}

public enum TopicReader {
    /// Reads topics from `path` (plain or .gz), detecting the format from the content unless given.
    public static func read(_ path: String, format: TopicFormat? = nil, field: TopicField = .title) throws -> [Topic] {
        let bytes = try ByteStream(path: path).readAll()
        let text = try decodeUTF8(bytes, file: path, line: nil)
        let fmt = format ?? detect(text)
        let topics: [Topic]
        switch fmt {
        case .tsv: topics = try tsv(text, path: path)
        case .jsonl: topics = try jsonl(text, path: path)
        case .trec: topics = try trec(text, path: path, field: field)
        case .trecdoc: topics = try trecdoc(text, path: path)
        }
        if topics.isEmpty { throw QuarryError("\(path): no topics found (format \(fmt.rawValue))") }
        var seen: [String: Int] = [:]
        for (i, t) in topics.enumerated() {
            if let first = seen[t.id] { throw QuarryError("\(path): topic id '\(t.id)' appears twice (topics \(first + 1) and \(i + 1))") }
            seen[t.id] = i
        }
        return topics
    }

    static func detect(_ text: String) -> TopicFormat {
        let head = text.drop { $0.isWhitespace }
        if head.hasPrefix("<top") { return .trec }
        if head.hasPrefix("<DOC") { return .trecdoc }
        if head.hasPrefix("{") { return .jsonl }
        return .tsv
    }

    static func tsv(_ text: String, path: String) throws -> [Topic] {
        var out: [Topic] = []
        for (i, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.hasSuffix("\r") ? raw.dropLast() : raw
            if line.trimmingCharacters(in: .whitespaces).isEmpty { continue }
            let cols = line.split(separator: "\t", maxSplits: 2, omittingEmptySubsequences: false)
            guard cols.count >= 2 else { throw inputError(path, line: i + 1, "expected 'qid<TAB>text[<TAB>pipeline]'") }
            let id = cols[0].trimmingCharacters(in: .whitespaces)
            guard !id.isEmpty else { throw inputError(path, line: i + 1, "empty query id") }
            let pipeline = cols.count > 2 ? cols[2].trimmingCharacters(in: .whitespaces) : ""
            out.append(Topic(id: id, text: String(cols[1]), pipeline: pipeline.isEmpty ? nil : pipeline))
        }
        return out
    }

    static func jsonl(_ text: String, path: String) throws -> [Topic] {
        var out: [Topic] = []
        for (i, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            if line.trimmingCharacters(in: .whitespaces).isEmpty { continue }
            guard let obj = (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any] else {
                throw inputError(path, line: i + 1, "not a JSON object")
            }
            guard let id = JSONLinesReader.scalarString(obj["_id"] ?? obj["id"] ?? obj["qid"]), !id.isEmpty else {
                throw inputError(path, line: i + 1, "missing \"_id\"")
            }
            guard let q = (obj["text"] ?? obj["query"] ?? obj["title"]) as? String else {
                throw inputError(path, line: i + 1, "missing \"text\"")
            }
            let pipeline = obj["pipeline"] as? String
            out.append(Topic(id: id, text: q, pipeline: pipeline?.isEmpty == false ? pipeline : nil))
        }
        return out
    }

    static func trec(_ text: String, path: String, field: TopicField) throws -> [Topic] {
        var out: [Topic] = []
        for block in SGML.elements("top", in: text) {
            guard let num = fieldText("num", in: block) else { throw QuarryError("\(path): a <top> without <num>") }
            var id = num
            for prefix in ["Number:", "number:"] where id.hasPrefix(prefix) { id = String(id.dropFirst(prefix.count)) }
            id = id.trimmingCharacters(in: .whitespacesAndNewlines)
            var body = fieldText(field.rawValue, in: block) ?? ""
            for prefix in ["Topic:", "Description:", "Narrative:"] where body.hasPrefix(prefix) { body = String(body.dropFirst(prefix.count)) }
            body = collapse(body)
            guard !id.isEmpty else { throw QuarryError("\(path): a <top> with an empty <num>") }
            out.append(Topic(id: id, text: body))
        }
        return out
    }

    static func trecdoc(_ text: String, path: String) throws -> [Topic] {
        var out: [Topic] = []
        for block in SGML.elements("DOC", in: text) {
            guard let id = SGML.element("DOCNO", in: block)?.trimmingCharacters(in: .whitespacesAndNewlines), !id.isEmpty else {
                throw QuarryError("\(path): a <DOC> without <DOCNO>")
            }
            out.append(Topic(id: id, text: collapse(SGML.removing("DOCNO", from: block))))
        }
        return out
    }

    /// The text after `<tag>` up to the next tag (TREC topic fields are often left unclosed).
    static func fieldText(_ tag: String, in block: String) -> String? {
        guard let open = block.range(of: "<\(tag)>") else { return nil }
        let rest = block[open.upperBound...]
        let end = rest.firstIndex(of: "<") ?? rest.endIndex
        return rest[..<end].trimmingCharacters(in: .whitespacesAndNewlines)
    }

    static func collapse(_ s: String) -> String {
        s.split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
    }
}
