// Open-domain question files as published, for distillation (`quarry distill teacher`, RADIO's
// rationales):
//   - DPR's TSV (NQ, TriviaQA): question<TAB>answers, CRLF line ends, fields quoted as Python's csv
//     module writes them ("" inside quotes), answers as a Python list literal (['a', "b's", '\u200e']);
//   - JSONL (SQuAD, WebQuestions): {"question", "answer": [...]} (also "answers", and "qid"/"id");
//   - a topics file (qid<TAB>query, or any format TopicReader knows), without answers.
// Questions without an id get their 0-based line number.
import Foundation

public struct Question: Sendable, Hashable {
    public var id: String
    public var text: String
    public var answers: [String]
    /// The article a SQuAD question was asked about (for splitting by article), else "".
    public var article: String
    public init(id: String, text: String, answers: [String], article: String = "") {
        self.id = id
        self.text = text
        self.answers = answers
        self.article = article
    }
}

public enum QuestionFormat: String, Sendable, CaseIterable {
    case dprTSV = "dpr-tsv"
    case jsonl
    case topics
    /// SQuAD v1.1 JSON: data[].paragraphs[].qas[] with the article's title.
    case squad
}

public enum QuestionReader {
    public static func read(_ path: String, format: QuestionFormat? = nil) throws -> [Question] {
        let text = try decodeUTF8(try ByteStream(path: path).readAll(), file: path, line: nil)
        let f = format ?? detect(text)
        switch f {
        case .squad:
            return try squad(text, path: path)
        case .topics:
            return try TopicReader.read(path).map { Question(id: $0.id, text: $0.text, answers: []) }
        case .jsonl:
            return try lines(text).compactMap { n, line in try jsonQuestion(line, path: path, line: n) }
        case .dprTSV:
            return try lines(text).compactMap { n, line in try tsvQuestion(line, path: path, line: n) }
        }
    }

    /// A first line that is a whole JSON object without "data" makes JSON lines; any other text
    /// starting with "{" is SQuAD's one JSON document; a TSV whose second field is a list literal is DPR's; else topics.
    static func detect(_ text: String) -> QuestionFormat {
        guard let first = text.split(whereSeparator: { $0.isNewline }).first(where: { !$0.allSatisfy(\.isWhitespace) }) else { return .topics }
        if first.first == "{" {
            let obj = (try? JSONSerialization.jsonObject(with: Data(first.utf8))) as? [String: Any]
            return obj.map { $0["data"] == nil } ?? false ? .jsonl : .squad
        }
        let fields = first.split(separator: "\t", maxSplits: 1)
        if fields.count == 2, let f = fields[1].drop(while: { $0 == "\"" }).first, f == "[" { return .dprTSV }
        return .topics
    }

    /// Non-blank lines with their 0-based line numbers (CRLF or LF; "\r\n" is one Character in Swift).
    static func lines(_ text: String) -> [(Int, Substring)] {
        text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }).enumerated().compactMap { n, line in
            line.allSatisfy(\.isWhitespace) ? nil : (n, line)
        }
    }

    /// SQuAD v1.1: every question with its answers' texts and its article's title (underscores as spaces).
    static func squad(_ text: String, path: String) throws -> [Question] {
        guard let obj = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any], let data = obj["data"] as? [[String: Any]] else {
            throw inputError(path, line: nil, "not SQuAD JSON (an object with a \"data\" array of articles)")
        }
        var out: [Question] = []
        for (a, article) in data.enumerated() {
            let title = (article["title"] as? String ?? "").replacingOccurrences(of: "_", with: " ")
            for paragraph in article["paragraphs"] as? [[String: Any]] ?? [] {
                for qa in paragraph["qas"] as? [[String: Any]] ?? [] {
                    guard let q = qa["question"] as? String, let id = qa["id"] as? String else {
                        throw inputError(path, line: nil, "data[\(a)]: a question without \"id\" or \"question\"")
                    }
                    let answers = (qa["answers"] as? [[String: Any]] ?? []).compactMap { $0["text"] as? String }
                    out.append(Question(id: id, text: q, answers: answers, article: title))
                }
            }
        }
        return out
    }

    static func jsonQuestion(_ line: Substring, path: String, line n: Int) throws -> Question {
        guard let obj = (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any] else {
            throw inputError(path, line: n + 1, "not a JSON object")
        }
        guard let q = obj["question"] as? String ?? obj["query"] as? String, !q.isEmpty else {
            throw inputError(path, line: n + 1, "no \"question\" string")
        }
        let raw = obj["answer"] ?? obj["answers"]
        var answers: [String] = []
        if let list = raw as? [Any] {
            answers = try list.map { a in
                guard let s = a as? String else { throw inputError(path, line: n + 1, "\"answer\" holds a non-string") }
                return s
            }
        } else if let s = raw as? String {
            answers = [s]
        } else if raw != nil {
            throw inputError(path, line: n + 1, "\"answer\" must be a string or a list of strings")
        }
        let id = (obj["qid"] ?? obj["id"]).map { "\($0)" } ?? String(n)
        return Question(id: id, text: q, answers: answers)
    }

    static func tsvQuestion(_ line: Substring, path: String, line n: Int) throws -> Question {
        let fields = try csvFields(line, path: path, line: n + 1)
        guard fields.count == 2 else { throw inputError(path, line: n + 1, "expected question<TAB>answers, got \(fields.count) fields") }
        let answers = try PythonLiteral.stringList(fields[1], path: path, line: n + 1)
        return Question(id: String(n), text: fields[0], answers: answers)
    }

    /// Tab-separated fields, each optionally quoted with "" standing for a quote (Python csv's default dialect).
    static func csvFields(_ line: Substring, path: String, line n: Int) throws -> [String] {
        var fields: [String] = [], field = "", i = 0
        let chars = Array(line)
        var quoted = false, atStart = true
        while i < chars.count {
            let c = chars[i]
            if quoted {
                if c == "\"" {
                    if i + 1 < chars.count && chars[i + 1] == "\"" { field.append("\""); i += 2; continue }
                    quoted = false
                } else {
                    field.append(c)
                }
            } else if c == "\t" {
                fields.append(field); field = ""; atStart = true; i += 1; continue
            } else if c == "\"" && atStart {
                quoted = true
            } else {
                field.append(c)
            }
            atStart = false
            i += 1
        }
        if quoted { throw inputError(path, line: n, "unterminated quoted field") }
        fields.append(field)
        return fields
    }
}

/// The subset of Python literals DPR's answer lists use: a list of str with ' or " quotes and
/// backslash escapes (\\ \' \" \n \t \r \xHH \uHHHH \UHHHHHHHH).
enum PythonLiteral {
    static func stringList(_ text: String, path: String, line: Int) throws -> [String] {
        func fail(_ why: String) -> Error { inputError(path, line: line, "answers: \(why) in \(text.prefix(80))") }
        let s = Array(text.unicodeScalars)
        var i = 0, out: [String] = []
        func skipSpace() { while i < s.count && (s[i] == " " || s[i] == "\t") { i += 1 } }
        skipSpace()
        guard i < s.count, s[i] == "[" else { throw fail("expected a list literal [...]") }
        i += 1
        skipSpace()
        if i < s.count && s[i] == "]" { return [] }
        while true {
            skipSpace()
            guard i < s.count, s[i] == "'" || s[i] == "\"" else { throw fail("expected a quoted string") }
            let quote = s[i]
            i += 1
            var str = String.UnicodeScalarView()
            while true {
                guard i < s.count else { throw fail("unterminated string") }
                let c = s[i]
                if c == quote { i += 1; break }
                if c == "\\" {
                    guard i + 1 < s.count else { throw fail("dangling backslash") }
                    let e = s[i + 1]
                    i += 2
                    switch e {
                    case "n": str.append("\n")
                    case "t": str.append("\t")
                    case "r": str.append("\r")
                    case "x", "u", "U":
                        let width = e == "x" ? 2 : e == "u" ? 4 : 8
                        guard i + width <= s.count, let v = UInt32(String(String.UnicodeScalarView(s[i..<i + width])), radix: 16),
                              let scalar = Unicode.Scalar(v) else { throw fail("bad \\\(e) escape") }
                        str.append(scalar)
                        i += width
                    default: str.append(e)   // \\ \' \" and anything else taken literally
                    }
                    continue
                }
                str.append(c)
                i += 1
            }
            out.append(String(str))
            skipSpace()
            guard i < s.count else { throw fail("unterminated list") }
            if s[i] == "," { i += 1; skipSpace(); if i < s.count && s[i] == "]" { return out }; continue }
            if s[i] == "]" { return out }
            throw fail("expected , or ]")
        }
    }
}
