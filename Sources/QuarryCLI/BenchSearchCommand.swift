// `quarry bench search`: search throughput with the start-up left out, for tools/bench/field.sh. The
// index is opened and the pipeline resolved once; one untimed warm-up pass, then timed passes over the
// topics, each query once per pass, exactly as `quarry run` searches them.
import ArgumentParser
import Foundation
import QuarryCore

struct SearchBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "search",
        abstract: "Queries per second of a pipeline over a topics file, the index opened once (JSON on stdout).",
        discussion: """
        Runs --warmup untimed passes, then --passes timed ones; every pass searches each topic once with \
        the pipeline, --k and --threads as `quarry run` would. Prints one JSON object: queries, the pass \
        times in seconds, their median, and queries per second at the median. --output writes the last \
        pass's run (TREC format), the same bytes `quarry run` writes.

        Example: quarry bench search --index /tmp/sample --topics corpora/sample/topics.tsv --k 10 --threads 2 --passes 5
        """
    )

    @Option(help: ArgumentHelp("Index directory.", valueName: "dir")) var index: String
    @OptionGroup var topicsOptions: TopicsOptions
    @Option(help: "Hits per query.") var k: Int = 1000
    @Option(help: "Queries searched at once.") var threads: Int = 1
    @Option(help: "Untimed passes before the timed ones.") var warmup: Int = 1
    @Option(help: "Timed passes.") var passes: Int = 3
    @Flag(help: "Drop a hit whose docid equals the query id (BEIR convention).") var removeQuery = false
    @Option(help: ArgumentHelp("Write the last pass's run here (TREC format).", valueName: "file")) var output: String?
    @OptionGroup var pipeline: PipelineOptions

    func validate() throws {
        if k < 1 { throw ValidationError("--k must be at least 1") }
        if threads < 1 { throw ValidationError("--threads must be at least 1") }
        if warmup < 0 { throw ValidationError("--warmup must be at least 0") }
        if passes < 1 { throw ValidationError("--passes must be at least 1") }
    }

    func run() async throws {
        let topicList = try topicsOptions.read()
        guard !topicList.isEmpty else { throw QuarryError("\(topicsOptions.topics): no topics") }
        let opened = DispatchTime.now()
        let idx = try Index(path: index)
        var runner = BatchRunner(index: idx, registry: QuarryMain.registry, base: try pipeline.spec())
        runner.k = k
        runner.threads = threads
        runner.removeQuery = removeQuery
        runner.progress = false
        let batch = try runner.prepare(topicList)
        let openSeconds = seconds(since: opened)

        var warmupSeconds: [Double] = []
        for _ in 0..<warmup {
            let t = DispatchTime.now()
            _ = try await batch.run()
            warmupSeconds.append(seconds(since: t))
        }
        var times: [Double] = []
        var last: [QueryResult] = []
        for _ in 0..<passes {
            let t = DispatchTime.now()
            last = try await batch.run()
            times.append(seconds(since: t))
        }
        if let output { try RunWriter.writeAtomically(RunWriter.format(last, format: .trec, tag: "quarry"), to: output) }

        let median = BenchStatistics.median(times)
        let report: [String: Any] = [
            "engine": "quarry", "version": Quarry.version, "index": idx.path, "documents": try idx.statistics().documents,
            "queries": topicList.count, "k": k, "threads": threads, "pipeline": try runner.pipelines(for: []).main.description,
            "openSeconds": openSeconds, "warmupSeconds": warmupSeconds, "passSeconds": times,
            "medianSeconds": median, "queriesPerSecond": Double(topicList.count) / max(median, 1e-9),
            "hits": last.reduce(0) { $0 + $1.hits.count },
        ]
        let data = try JSONSerialization.data(withJSONObject: report, options: [.sortedKeys, .withoutEscapingSlashes])
        print(String(decoding: data, as: UTF8.self))
    }
}

enum BenchStatistics {
    /// The middle value (the mean of the two middle ones for an even count).
    static func median(_ values: [Double]) -> Double {
        let s = values.sorted()
        guard !s.isEmpty else { return 0 }
        return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
    }
}
