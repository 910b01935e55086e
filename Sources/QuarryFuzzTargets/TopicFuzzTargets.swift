// The readers of what comes beside a collection: topics (each format, and detection), questions,
// qrels and run files.
import Foundation
import QuarryAPI
import QuarryCore

enum TopicFuzzTargets {
    static let all: [FuzzTarget] = [
        FuzzTarget("topics", "topic reading with format detection, then each format forced", seeds: "topics") { data, context in
            let path = try context.file("topics", data)
            // Refused only when detection refuses it; the forced formats are read for their crashes.
            var detected: Error?
            for format in [nil] + TopicFormat.allCases.map(Optional.some) {
                do {
                    for t in try TopicReader.read(path, format: format) { precondition(!t.id.isEmpty, "a topic without an id") }
                } catch where format == nil {
                    detected = error
                } catch {}
            }
            if let detected { throw detected }
        },
        FuzzTarget("questions", "question reading (DPR TSV, JSONL, topics, SQuAD) with detection", seeds: "questions") { data, context in
            let path = try context.file("questions", data)
            for format in [nil] + QuestionFormat.allCases.map(Optional.some) {
                _ = try? QuestionReader.read(path, format: format)
            }
        },
        FuzzTarget("qrels", "the qrels reader, then an evaluation against a run of its own documents", seeds: "qrels") { data, context in
            let qrels = try Qrels.read(try context.file("qrels", data))
            // Every metric over a run that ranks the judged documents: the arithmetic must hold
            // for whatever the file held.
            var results: [String: [Hit]] = [:]
            for (q, docs) in qrels.judgments { results[q] = docs.keys.sorted().enumerated().map { Hit(docid: $1, score: -Double($0)) } }
            let evaluator = Evaluator(qrels: qrels)
            for metric in ["map", "ndcg_cut_10", "recall_1000", "P_10", "recip_rank"] {
                if let m = try? Metric.parse(metric) { _ = evaluator.mean(m, run: Run(results)) }
            }
        },
        FuzzTarget("run", "the TREC run reader", seeds: "run") { data, context in
            _ = try Run.read(try context.file("run", data))
        },
    ]
}
