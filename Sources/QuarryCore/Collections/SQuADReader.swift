// SQuAD v1.1 JSON: each paragraph of each article is a document, id `ARTICLE-PARAGRAPH` by position
// (both from 0), title = the article's title (underscores as spaces). The file is streamed: one
// article at a time is parsed, so memory does not grow with the number of articles.
import Foundation

enum SQuADReader {
    static func read(_ file: String, _ body: (CollectionFormat.Record) throws -> Void) throws {
        let json = JSONValueScanner(try ByteStream(path: file), file: file)
        guard try json.peekToken() == UInt8(ascii: "{") else {
            throw inputError(file, line: json.line, "not SQuAD JSON (expected an object with a \"data\" array)")
        }
        try json.expect("{")
        var sawData = false
        if try json.peekToken() == UInt8(ascii: "}") { try json.expect("}") } else {
            repeat {
                let key = try json.key()
                try json.expect(":")
                if key == "data" {
                    sawData = true
                    try articles(json, file: file, body)
                } else {
                    try json.value(keep: false)
                }
            } while try json.expect(",}") == UInt8(ascii: ",")
        }
        guard sawData else { throw inputError(file, line: json.line, "not SQuAD JSON (no \"data\" array)") }
        if try json.peekToken() != nil { throw json.error("text after the end of the top-level object") }
    }

    /// The `data` array: each element parsed on its own.
    private static func articles(_ json: JSONValueScanner, file: String, _ body: (CollectionFormat.Record) throws -> Void) throws {
        try json.expect("[")
        if try json.peekToken() == UInt8(ascii: "]") { try json.expect("]"); return }
        var a = 0
        repeat {
            _ = try json.peekToken()
            let line = json.line
            let raw = try json.value(keep: true)
            func bad(_ reason: String) throws { try body(.failure(BadRecord(file: file, line: line, reason: reason))) }
            if let article = (try? JSONSerialization.jsonObject(with: Data(raw))) as? [String: Any] {
                try paragraphs(of: article, index: a, file: file, line: line, body)
            } else if String(validating: raw, as: UTF8.self) == nil {
                try bad("data[\(a)]: invalid UTF-8")
            } else {
                try bad("data[\(a)]: not a JSON object")
            }
            a += 1
        } while try json.expect(",]") == UInt8(ascii: ",")
    }

    private static func paragraphs(of article: [String: Any], index a: Int, file: String, line: Int,
                                   _ body: (CollectionFormat.Record) throws -> Void) throws {
        func bad(_ reason: String) throws { try body(.failure(BadRecord(file: file, line: line, reason: reason))) }
        let title = (article["title"] as? String ?? "").replacingOccurrences(of: "_", with: " ")
        guard let paragraphs = article["paragraphs"] as? [Any] else {
            try bad("data[\(a)]: article without a \"paragraphs\" array")
            return
        }
        for (p, item) in paragraphs.enumerated() {
            guard let context = (item as? [String: Any])?["context"] as? String else {
                try bad("data[\(a)].paragraphs[\(p)]: paragraph without a \"context\" string")
                continue
            }
            try body(.success(RawDocument(id: "\(a)-\(p)", title: title, text: context, file: file, line: line)))
        }
    }
}
