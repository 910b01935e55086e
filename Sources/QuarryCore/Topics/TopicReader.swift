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
        var text = try decodeUTF8(try ByteStream(path: path).readAll(), file: path, line: nil)
        if text.hasPrefix("\u{FEFF}") { text.removeFirst() }
        let fmt = format ?? detect(text)
        let topics: [(topic: Topic, line: Int)]
        switch fmt {
        case .tsv: topics = try tsv(text, path: path)
        case .jsonl: topics = try jsonl(text, path: path)
        case .trec: topics = try trec(text, path: path, field: field)
        case .trecdoc: topics = try trecdoc(text, path: path)
        }
        if topics.isEmpty { throw QuarryError("\(path): no topics found (format \(fmt.rawValue))") }
        var seen: [String: Int] = [:]
        for (t, line) in topics {
            if let first = seen[t.id] { throw inputError(path, line: line, "topic id '\(t.id)' appears twice (first at line \(first))") }
            seen[t.id] = line
        }
        return topics.map(\.topic)
    }

    static func detect(_ text: String) -> TopicFormat {
        let head = text.drop { $0.isWhitespace }.prefix(5).lowercased()
        if head.hasPrefix("<top") { return .trec }
        if head.hasPrefix("<doc") { return .trecdoc }
        if head.hasPrefix("{") { return .jsonl }
        return .tsv
    }

    /// The lines of `text` with their numbers, blank lines left out.
    private static func numberedLines(_ text: String) -> [(line: Int, text: Substring)] {
        var out: [(Int, Substring)] = []
        // "\r\n" is one Character, so it is a separator of its own.
        for (i, line) in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }).enumerated() {
            if !line.allSatisfy(\.isWhitespace) { out.append((i + 1, line)) }
        }
        return out
    }

    static func tsv(_ text: String, path: String) throws -> [(topic: Topic, line: Int)] {
        try numberedLines(text).map { n, line in
            let cols = line.split(separator: "\t", maxSplits: 2, omittingEmptySubsequences: false)
            guard cols.count >= 2 else { throw inputError(path, line: n, "expected 'qid<TAB>text[<TAB>pipeline]'") }
            let id = cols[0].trimmingCharacters(in: .whitespaces)
            guard !id.isEmpty else { throw inputError(path, line: n, "empty query id") }
            let pipeline = cols.count > 2 ? cols[2].trimmingCharacters(in: .whitespaces) : ""
            return (Topic(id: id, text: String(cols[1]), pipeline: pipeline.isEmpty ? nil : pipeline), n)
        }
    }

    static func jsonl(_ text: String, path: String) throws -> [(topic: Topic, line: Int)] {
        try numberedLines(text).map { n, line in
            guard let obj = (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any] else {
                throw inputError(path, line: n, "not a JSON object")
            }
            guard let id = JSONLinesReader.scalarString(obj["_id"] ?? obj["id"] ?? obj["qid"]), !id.isEmpty else {
                throw inputError(path, line: n, "missing \"_id\"")
            }
            guard let q = (obj["text"] ?? obj["query"] ?? obj["title"]) as? String else {
                throw inputError(path, line: n, "missing \"text\"")
            }
            let pipeline = obj["pipeline"] as? String
            return (Topic(id: id, text: q, pipeline: pipeline?.isEmpty == false ? pipeline : nil), n)
        }
    }

    /// TREC `<top>` topics, both the closed form (`<num>1</num><title>…</title>`) and the classic one
    /// (`<num> Number: 301`, `<title>`, `<desc> Description:`, `<narr> Narrative:` left unclosed).
    static func trec(_ text: String, path: String, field: TopicField) throws -> [(topic: Topic, line: Int)] {
        try blocks("top", in: text, path: path).map { block, line in
            guard let num = fieldText("num", in: block) else { throw inputError(path, line: line, "a <top> without <num>") }
            var id = num
            for prefix in ["Number:", "number:"] where id.hasPrefix(prefix) { id = String(id.dropFirst(prefix.count)) }
            id = id.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !id.isEmpty else { throw inputError(path, line: line, "a <top> with an empty <num>") }
            guard var body = fieldText(field.rawValue, in: block) else {
                throw inputError(path, line: line, "topic \(id) has no <\(field.rawValue)> field")
            }
            for prefix in ["Topic:", "Description:", "Narrative:"] where body.hasPrefix(prefix) { body = String(body.dropFirst(prefix.count)) }
            return (Topic(id: id, text: collapse(body)), line)
        }
    }

    static func trecdoc(_ text: String, path: String) throws -> [(topic: Topic, line: Int)] {
        try blocks("DOC", in: text, path: path).map { block, line in
            guard let id = SGML.element("DOCNO", in: block)?.trimmingCharacters(in: .whitespacesAndNewlines), !id.isEmpty else {
                throw inputError(path, line: line, "a <DOC> without <DOCNO>")
            }
            return (Topic(id: id, text: collapse(SGML.removing("DOCNO", from: block))), line)
        }
    }

    /// The contents of each `<tag>…</tag>` (tag case ignored) with the line it opens on.
    static func blocks(_ tag: String, in text: String, path: String) throws -> [(block: String, line: Int)] {
        var out: [(String, Int)] = []
        var from = text.startIndex
        var line = 1
        var counted = text.startIndex
        func lineOf(_ i: String.Index) -> Int {
            line += text.utf8[counted..<i].reduce(0) { $1 == UInt8(ascii: "\n") ? $0 + 1 : $0 }
            counted = i
            return line
        }
        while let open = text.range(of: "<\(tag)>", options: .caseInsensitive, range: from..<text.endIndex) {
            if let stray = text[from..<open.lowerBound].firstIndex(where: { !$0.isWhitespace }) {
                throw inputError(path, line: lineOf(stray), "text outside <\(tag)>…</\(tag)>")
            }
            let openLine = lineOf(open.lowerBound)
            guard let close = text.range(of: "</\(tag)>", options: .caseInsensitive, range: open.upperBound..<text.endIndex) else {
                throw inputError(path, line: openLine, "<\(tag)> never closed")
            }
            if let next = text.range(of: "<\(tag)>", options: .caseInsensitive, range: open.upperBound..<close.lowerBound) {
                throw inputError(path, line: openLine, "<\(tag)> not closed before the next one at line \(lineOf(next.lowerBound))")
            }
            out.append((String(text[open.upperBound..<close.lowerBound]), openLine))
            from = close.upperBound
        }
        let rest = text[from...]
        if let c = rest.firstIndex(where: { !$0.isWhitespace }) {
            throw inputError(path, line: lineOf(c), "text outside <\(tag)>…</\(tag)>")
        }
        return out
    }

    /// The text after `<tag>` up to the next tag (TREC topic fields are often left unclosed).
    static func fieldText(_ tag: String, in block: String) -> String? {
        guard let open = block.range(of: "<\(tag)>", options: .caseInsensitive) else { return nil }
        let rest = block[open.upperBound...]
        let end = rest.firstIndex(of: "<") ?? rest.endIndex
        return rest[..<end].trimmingCharacters(in: .whitespacesAndNewlines)
    }

    static func collapse(_ s: String) -> String {
        s.split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
    }
}
