import ArgumentParser
import Foundation
import QuarryCore

struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Evaluate a run against relevance judgments (trec_eval semantics).",
        discussion: """
        Each query's hits are ordered by score, ties by docid descending (the rank column is ignored). \
        Means are over queries in both qrels and run, or over every judged query with --complete (as \
        trec_eval -c). The relevance level applies to binary measures (AP, P, R, RR), never to nDCG's \
        graded gains. Metric names: trec_eval's (ndcg_cut_10, map, P_30, recall_1000, recip_rank) or \
        ir_measures' (nDCG@10, AP(rel=2), R(rel=2)@100, RR@10, Judged@10).

        Example: quarry eval --qrels corpora/sample/qrels.txt --run /tmp/sample.run --metric nDCG@10 --metric AP
        """
    )

    @Option(help: ArgumentHelp("TREC qrels file.", valueName: "file")) var qrels: String
    @Option(name: .customLong("run"), help: ArgumentHelp("Run file (TREC or MS MARCO format).", valueName: "file")) var runFile: String
    @Option(name: .customLong("metric"), help: ArgumentHelp("A metric (repeatable; default AP, nDCG@10, P@10, R@1000, RR).", valueName: "M"))
    var metrics: [String] = []
    @Option(help: "Minimum grade that counts as relevant for binary measures (trec_eval -l).") var relevanceLevel: Int = 1
    @Flag(help: "Average over every query in the qrels; missing ones score 0 (trec_eval -c).") var complete = false
    @Flag(help: "Print each query's value too.") var perQuery = false
    @Flag(help: "Print JSON.") var json = false

    func run() throws {
        let parsed = try (metrics.isEmpty ? ["AP", "nDCG@10", "P@10", "R@1000", "RR"] : metrics).map(Metric.parse)
        let evaluator = Evaluator(qrels: try Qrels.read(qrels), relevanceLevel: relevanceLevel, complete: complete)
        let runData = try Run.read(runFile)
        if json {
            var obj: [String: Any] = [:]
            for m in parsed {
                let values = evaluator.perQuery(m, run: runData)
                var entry: [String: Any] = ["mean": values.isEmpty ? 0 : values.values.reduce(0, +) / Double(values.count), "queries": values.count]
                if perQuery { entry["perQuery"] = values }
                obj[m.description] = entry
            }
            let data = try JSONSerialization.data(withJSONObject: obj, options: [.prettyPrinted, .sortedKeys])
            print(String(decoding: data, as: UTF8.self))
            return
        }
        for m in parsed {
            let values = evaluator.perQuery(m, run: runData)
            if perQuery {
                for qid in values.keys.sorted(by: naturalOrder) {
                    print("\(m.description.padding(toLength: 16, withPad: " ", startingAt: 0))\t\(qid)\t\(String(format: "%.4f", values[qid]!))")
                }
            }
            let mean = values.isEmpty ? 0 : values.values.reduce(0, +) / Double(values.count)
            print("\(m.description.padding(toLength: 16, withPad: " ", startingAt: 0))\tall\t\(String(format: "%.4f", mean))")
        }
    }
}

/// Numeric ids in numeric order, others as strings.
func naturalOrder(_ a: String, _ b: String) -> Bool {
    if let x = Int(a), let y = Int(b) { return x < y }
    return a < b
}
