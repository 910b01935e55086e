import ArgumentParser
import Foundation
import QuarryAPI
import QuarryCore

struct ExperimentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "experiment",
        abstract: "Run several pipelines on the same topics and compare them in one table.",
        discussion: """
        Each --pipeline is NAME=SPEC (split at the first '='); SPEC uses the run flags' grammar and is \
        empty for plain BM25. The table gives each metric per pipeline, its change from the baseline \
        (the first pipeline unless --baseline), a paired t-test p-value (Holm-corrected across the other \
        pipelines by default) and per-query wins/losses.

        Example: quarry experiment --index /tmp/sample --topics corpora/sample/topics.tsv --qrels corpora/sample/qrels.txt \\
                 --pipeline bm25= --pipeline rm3='--expander rm3' --pipeline ql='--model ql'
        """
    )

    @OptionGroup var index: IndexSelection
    @Option(help: ArgumentHelp("Topics file.", valueName: "file")) var topics: String
    @Option(help: ArgumentHelp("TREC qrels file.", valueName: "file")) var qrels: String
    @Option(name: .customLong("pipeline"), help: ArgumentHelp("NAME=SPEC (repeatable).", valueName: "NAME=SPEC")) var pipelines: [String] = []
    @Option(name: .customLong("metric"), help: ArgumentHelp("Metric (repeatable; default nDCG@10 and AP).", valueName: "M")) var metrics: [String] = []
    @Option(help: "The pipeline others are compared with (default: the first).") var baseline: String?
    @Option(help: ArgumentHelp("Multiple-testing correction.", valueName: "holm|none")) var correction: String = "holm"
    @Option(help: "Hits per query.") var k: Int = 1000
    @Option(help: "Queries searched at once.") var threads: Int = 1
    @Option(help: "Minimum grade that counts as relevant for binary measures.") var relevanceLevel: Int = 1
    @Flag(help: "Drop a hit whose docid equals the query id.") var removeQuery = false
    @Option(help: ArgumentHelp("TOML config giving every pipeline's defaults.", valueName: "file")) var config: String?
    @Flag(help: "Print JSON.") var json = false
    @OptionGroup var plugins: PluginSourceOptions

    func run() async throws {
        guard !pipelines.isEmpty else { throw QuarryError("give at least one --pipeline NAME=SPEC") }
        guard ["holm", "none"].contains(correction) else { throw QuarryError("--correction must be holm or none") }
        let parsedMetrics = try (metrics.isEmpty ? ["nDCG@10", "AP"] : metrics).map(Metric.parse)
        try plugins.register(config: config)
        let base = try config.map(ConfigFile.load) ?? PipelineSpec()
        var named: [(String, PipelineSpec)] = []
        for p in pipelines {
            guard let eq = p.firstIndex(of: "=") else { throw QuarryError("--pipeline expects NAME=SPEC, got '\(p)'") }
            let name = String(p[..<eq])
            guard !name.isEmpty else { throw QuarryError("--pipeline '\(p)': empty name") }
            guard !named.contains(where: { $0.0 == name }) else { throw QuarryError("--pipeline name '\(name)' given twice") }
            var spec = base
            do { try spec.apply(words: try ShellWords.split(String(p[p.index(after: eq)...]))) } catch {
                throw QuarryError("--pipeline \(name): \(error)")
            }
            _ = try QuarryMain.registry.resolve(spec)
            named.append((name, spec))
        }
        let baseName = baseline ?? named[0].0
        guard named.contains(where: { $0.0 == baseName }) else { throw QuarryError("--baseline '\(baseName)' is not one of the pipelines") }
        let topicList = try TopicReader.read(topics)
        let idx = try index.open()
        let evaluator = Evaluator(qrels: try Qrels.read(qrels), relevanceLevel: relevanceLevel)
        var perQuery: [String: [Metric: [String: Double]]] = [:]
        for (name, spec) in named {
            var runner = BatchRunner(index: idx, registry: QuarryMain.registry, base: spec)
            runner.k = k
            runner.threads = threads
            runner.removeQuery = removeQuery
            let results = try await runner.run(topicList)
            let run = Run(Dictionary(results.map { ($0.query.id, $0.hits) }, uniquingKeysWith: { a, _ in a }))
            for m in parsedMetrics { perQuery[name, default: [:]][m] = evaluator.perQuery(m, run: run) }
        }
        let table = ExperimentTable.build(names: named.map(\.0), baseline: baseName, metrics: parsedMetrics, perQuery: perQuery, holm: correction == "holm")
        print(json ? table.json() : table.text())
        idx.warnIfPartial()
    }
}

/// The comparison table: per pipeline and metric, mean, change from baseline, p-value, wins/losses.
struct ExperimentTable {
    struct Cell {
        var mean: Double
        var delta: Double?
        var p: Double?
        var wins = 0, losses = 0
    }
    var names: [String]
    var baseline: String
    var metrics: [Metric]
    var cells: [String: [Metric: Cell]]
    var queries: Int

    static func build(names: [String], baseline: String, metrics: [Metric], perQuery: [String: [Metric: [String: Double]]], holm: Bool) -> ExperimentTable {
        var cells: [String: [Metric: Cell]] = [:]
        var queries = 0
        for m in metrics {
            let base = perQuery[baseline]![m]!
            queries = base.count
            var pending: [(String, Double)] = []
            for name in names {
                let values = perQuery[name]![m]!
                let mean = values.isEmpty ? 0 : values.values.reduce(0, +) / Double(values.count)
                var cell = Cell(mean: mean)
                if name != baseline {
                    let qids = base.keys.sorted()
                    let diffs = qids.map { (values[$0] ?? 0) - base[$0]! }
                    cell.delta = mean - (base.values.reduce(0, +) / Double(max(1, base.count)))
                    cell.wins = diffs.filter { $0 > 1e-12 }.count
                    cell.losses = diffs.filter { $0 < -1e-12 }.count
                    if let p = Significance.pairedTTest(diffs) { pending.append((name, p)) }
                }
                cells[name, default: [:]][m] = cell
            }
            let adjusted = holm ? Significance.holm(pending.map(\.1)) : pending.map(\.1)
            for (i, (name, _)) in pending.enumerated() { cells[name]![m]!.p = adjusted[i] }
        }
        return ExperimentTable(names: names, baseline: baseline, metrics: metrics, cells: cells, queries: queries)
    }

    func text() -> String {
        var header = "pipeline".padding(toLength: 16, withPad: " ", startingAt: 0)
        for m in metrics { header += m.description.padding(toLength: 38, withPad: " ", startingAt: 0) }
        var lines = [header.trimmingCharacters(in: .whitespaces)]
        for name in names {
            var line = name.padding(toLength: 16, withPad: " ", startingAt: 0)
            for m in metrics {
                let c = cells[name]![m]!
                var s = String(format: "%.4f", c.mean)
                if let d = c.delta {
                    s += String(format: " %+.4f", d)
                    s += c.p.map { String(format: " p=%.3f%@", $0, $0 < 0.05 ? "*" : " ") } ?? " p=n/a  "
                    s += " +\(c.wins)/-\(c.losses)"
                } else {
                    s += " (baseline)"
                }
                line += s.padding(toLength: 38, withPad: " ", startingAt: 0)
            }
            lines.append(line.trimmingCharacters(in: .whitespaces))
        }
        lines.append("\(queries) queries; Δ from \(baseline); paired t-test p-values\(metrics.isEmpty ? "" : ""), * p < 0.05; +wins/-losses per query")
        return lines.joined(separator: "\n")
    }

    func json() -> String {
        var obj: [String: Any] = ["baseline": baseline, "queries": queries]
        var rows: [[String: Any]] = []
        for name in names {
            var row: [String: Any] = ["pipeline": name]
            for m in metrics {
                let c = cells[name]![m]!
                var e: [String: Any] = ["mean": c.mean]
                if let d = c.delta { e["delta"] = d; e["wins"] = c.wins; e["losses"] = c.losses }
                if let p = c.p { e["p"] = p }
                row[m.description] = e
            }
            rows.append(row)
        }
        obj["pipelines"] = rows
        let data = (try? JSONSerialization.data(withJSONObject: obj, options: [.prettyPrinted, .sortedKeys])) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }
}
