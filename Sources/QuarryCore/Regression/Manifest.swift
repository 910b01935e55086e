// A regression manifest (`corpora/manifests/NAME.toml`): a collection under the data root, its
// topics and qrels, and the numbers each pipeline must land on, with tolerances — as Anserini's
// regressions do.
//
//     collection = "scifact/corpus.jsonl.gz"
//     format = "beir"
//     topics = "scifact/topics.beir-v1.0.0-scifact.test.tsv.gz"
//     qrels = "scifact/qrels.beir-v1.0.0-scifact.test.txt"
//     [[check]]
//     pipeline = "bm25"
//     spec = ""
//     metric = "nDCG@10"
//     expected = 0.6789
//     tolerance = 0.003
import Foundation
import TOMLKit

public struct Manifest: Sendable {
    public struct Check: Sendable {
        public var pipeline: String
        public var spec: String
        public var metric: Metric
        public var expected: Double
        public var tolerance: Double
        public var reference: String?
    }

    public var name: String
    public var collection: String
    public var format: CollectionFormat
    public var topics: String
    public var qrels: String
    public var removeQuery = false
    public var relevanceLevel = 1
    public var k = 1000
    public var topicField: TopicField = .title
    public var checks: [Check]

    public static func load(_ path: String) throws -> Manifest {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw QuarryError("\(path): cannot read manifest") }
        let t: TOMLTable
        do { t = try TOMLTable(string: text) } catch let e as TOMLParseError {
            throw QuarryError("\(path):\(e.source.begin.line): \(e.description)")
        }
        func string(_ key: String) throws -> String {
            guard let s = t[key]?.string else { throw QuarryError("\(path): missing string '\(key)'") }
            return s
        }
        guard let format = CollectionFormat(rawValue: try string("format")) else { throw QuarryError("\(path): unknown format") }
        var checks: [Check] = []
        for (i, item) in (t["check"]?.array ?? TOMLArray()).enumerated() {
            guard let c = item.table, let pipeline = c["pipeline"]?.string, let metricName = c["metric"]?.string,
                  let expected = c["expected"]?.double ?? c["expected"]?.int.map(Double.init) else {
                throw QuarryError("\(path): check \(i + 1) needs pipeline, metric and expected")
            }
            checks.append(Check(pipeline: pipeline, spec: c["spec"]?.string ?? "", metric: try Metric.parse(metricName),
                                expected: expected, tolerance: c["tolerance"]?.double ?? 0.001, reference: c["reference"]?.string))
        }
        if checks.isEmpty { throw QuarryError("\(path): no [[check]] entries") }
        var m = Manifest(name: PathName.last(path).replacingOccurrences(of: ".toml", with: ""), collection: try string("collection"),
                         format: format, topics: try string("topics"), qrels: try string("qrels"), checks: checks)
        m.removeQuery = t["removeQuery"]?.bool ?? false
        m.relevanceLevel = t["relevanceLevel"]?.int ?? 1
        m.k = t["k"]?.int ?? 1000
        if let f = t["topicField"]?.string {
            guard let tf = TopicField(rawValue: f) else { throw QuarryError("\(path): unknown topicField '\(f)'") }
            m.topicField = tf
        }
        return m
    }
}
