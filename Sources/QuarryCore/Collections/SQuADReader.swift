// SQuAD v1.1 JSON: each paragraph of each article is a document, id `ARTICLE-PARAGRAPH` by position
// (both from 0), title = the article's title.
import Foundation

enum SQuADReader {
    static func read(_ file: String, _ body: (CollectionFormat.Record) throws -> Void) throws {
        let bytes = try ByteStream(path: file).readAll()
        guard let root = (try? JSONSerialization.jsonObject(with: Data(bytes))) as? [String: Any],
              let data = root["data"] as? [[String: Any]] else {
            throw QuarryError("\(file): not SQuAD JSON (expected an object with a \"data\" array)")
        }
        for (a, article) in data.enumerated() {
            let title = (article["title"] as? String ?? "").replacingOccurrences(of: "_", with: " ")
            guard let paragraphs = article["paragraphs"] as? [[String: Any]] else {
                try body(.failure(BadRecord(file: "\(file)[data[\(a)]]", line: nil, reason: "article without \"paragraphs\"")))
                continue
            }
            for (p, paragraph) in paragraphs.enumerated() {
                guard let context = paragraph["context"] as? String else {
                    try body(.failure(BadRecord(file: "\(file)[data[\(a)].paragraphs[\(p)]]", line: nil, reason: "paragraph without \"context\"")))
                    continue
                }
                try body(.success(RawDocument(id: "\(a)-\(p)", title: title, text: context, file: file, line: nil)))
            }
        }
    }
}
