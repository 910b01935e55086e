// Relevance judgments (TREC qrels: `qid iter docid grade`) and run files (TREC six columns, or
// MS MARCO `qid<TAB>docid<TAB>rank`, read as score = -rank). A TREC run's rank column is ignored, as
// trec_eval ignores it: the Evaluator orders by score.
import Foundation
import QuarryAPI

public struct Qrels: Sendable {
    /// qid → docid → grade.
    public var judgments: [String: [String: Int]]

    public init(_ judgments: [String: [String: Int]]) { self.judgments = judgments }

    public static func read(_ path: String) throws -> Qrels {
        let text = try decodeUTF8(try ByteStream(path: path).readAll(), file: path, line: nil)
        var out: [String: [String: Int]] = [:]
        for (i, line) in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }).enumerated() {
            let cols = line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" })
            if cols.isEmpty { continue }
            guard cols.count == 4 else { throw inputError(path, line: i + 1, "expected 'qid iter docid grade', got \(cols.count) columns") }
            guard let grade = Int(cols[3]) else { throw inputError(path, line: i + 1, "grade '\(cols[3])' is not an integer") }
            // trec_eval stops on a document judged twice for a query ("duplicate docs"), as does
            // pytrec_eval.parse_qrel: which grade was meant is unknowable.
            guard out[String(cols[0]), default: [:]].updateValue(grade, forKey: String(cols[2])) == nil else {
                throw inputError(path, line: i + 1, "document '\(cols[2])' is judged twice for query '\(cols[0])'")
            }
        }
        if out.isEmpty { throw QuarryError("\(path): no judgments") }
        return Qrels(out)
    }
}

/// A run: per query, scored documents.
public struct Run: Sendable {
    public var results: [String: [Hit]]
    public init(_ results: [String: [Hit]]) { self.results = results }

    public static func read(_ path: String) throws -> Run {
        let text = try decodeUTF8(try ByteStream(path: path).readAll(), file: path, line: nil)
        var out: [String: [Hit]] = [:]
        var seen: [String: Set<String>] = [:]
        for (i, line) in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }).enumerated() {
            let cols = line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" })
            if cols.isEmpty { continue }
            let qid: String, docid: String, score: Double
            switch cols.count {
            case 6:
                guard let s = Double(cols[4]), s.isFinite else { throw inputError(path, line: i + 1, "score '\(cols[4])' is not a number") }
                qid = String(cols[0]); docid = String(cols[2]); score = s
            case 3:
                guard let rank = Int(cols[2]) else { throw inputError(path, line: i + 1, "rank '\(cols[2])' is not an integer") }
                qid = String(cols[0]); docid = String(cols[1]); score = -Double(rank)
            default:
                throw inputError(path, line: i + 1, "expected 6 columns (TREC) or 3 (MS MARCO), got \(cols.count)")
            }
            // trec_eval stops on a document ranked twice for a query ("duplicate docs"), as does
            // pytrec_eval.parse_run (ir_measures would silently keep the last line).
            guard seen[qid, default: []].insert(docid).inserted else {
                throw inputError(path, line: i + 1, "document '\(docid)' appears twice for query '\(qid)'")
            }
            out[qid, default: []].append(Hit(docid: docid, score: score))
        }
        return Run(out)
    }
}

