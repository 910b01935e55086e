// Writing results: TREC run files (`qid Q0 docid rank score tag`, scores to 6 decimals) or MS MARCO
// (`qid<TAB>docid<TAB>rank`), and the `--save-queries` JSONL.
import Foundation
import QuarryAPI

public enum RunFormat: String, CaseIterable, Sendable { case trec, msmarco }

public enum RunWriter {
    public static func format(_ results: [QueryResult], format: RunFormat, tag: String) -> String {
        var out = ""
        out.reserveCapacity(results.count * 1000 * 40)
        for r in results {
            for (i, hit) in r.hits.enumerated() {
                switch format {
                case .trec: out += "\(r.query.id) Q0 \(hit.docid) \(i + 1) \(String(format: "%.6f", hit.score)) \(tag)\n"
                case .msmarco: out += "\(r.query.id)\t\(hit.docid)\t\(i + 1)\n"
                }
            }
        }
        return out
    }

    /// One JSON object per query: what was searched and how.
    public static func savedQueries(_ results: [QueryResult]) throws -> String {
        var out = ""
        for r in results {
            var obj: [String: Any] = [
                "qid": r.query.id, "query": r.query.text, "pipeline": r.pipeline,
                "terms": r.terms.map { ["term": $0.term, "weight": $0.weight] as [String: Any] },
                "fallback": r.fallback,
            ]
            if let g = r.generatedText { obj["expansion"] = g }
            if let e = r.error { obj["error"] = e }
            let data = try JSONSerialization.data(withJSONObject: obj, options: [.sortedKeys, .withoutEscapingSlashes])
            out += String(decoding: data, as: UTF8.self) + "\n"
        }
        return out
    }

    /// Writes `text` to `path` atomically (a temporary file renamed into place).
    public static func writeAtomically(_ text: String, to path: String) throws {
        do {
            try Data(text.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw QuarryError("\(path): cannot write (\(error.localizedDescription))")
        }
    }
}
