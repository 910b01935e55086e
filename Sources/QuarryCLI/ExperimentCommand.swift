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
