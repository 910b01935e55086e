import ArgumentParser
import Foundation
import QuarryAPI
import QuarryCore
import QuarryLLM
import RADCoT

struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Search every topic of a topics file and write a run.",
        discussion: """
        Topic formats are detected from the content: qid<TAB>text TSV (a third column may hold a pipeline \
        spec for that query alone, e.g. --expander rm3 --set rm3.fbDocs=20), TREC <top> topics, \
        <DOC><DOCNO> topics (CACM), BEIR queries JSONL (a "pipeline" field likewise). The run is the same \
        bytes whatever --threads is; RUN.json beside it records how it was made. --index may be repeated \
        (shards, local or tcp://HOST:PORT, searched as one); with --allow-partial a shard that is down \
        is left out and RUN.json records the run as partial.

        Example: quarry run --index /tmp/sample --topics corpora/sample/topics.tsv --output /tmp/sample.run --expander rm3
        """
    )

    @OptionGroup var index: IndexSelection
    @OptionGroup var topicsOptions: TopicsOptions
    @Option(help: ArgumentHelp("Run file to write.", valueName: "file")) var output: String
    @Option(help: "Hits per query.") var k: Int = 1000
    @Option(help: "Queries searched at once.") var threads: Int = 1
    @Option(help: "Run tag (last column).") var tag: String = "quarry"
    @Flag(help: "Drop a hit whose docid equals the query id (BEIR convention).") var removeQuery = false
    @Option(help: ArgumentHelp("Run format: trec or msmarco.", valueName: "trec|msmarco")) var outputFormat: String = "trec"
    @Option(help: ArgumentHelp("Write each query's final weighted terms (and any expansion) as JSONL.", valueName: "file"))
    var saveQueries: String?
    @OptionGroup var pipeline: PipelineOptions

    func validate() throws {
        if k < 1 { throw ValidationError("--k must be at least 1") }
        if threads < 1 { throw ValidationError("--threads must be at least 1") }
    }

    func run() async throws {
        guard let fmt = RunFormat(rawValue: outputFormat) else { throw QuarryError("unknown --output-format '\(outputFormat)'; valid: trec, msmarco") }
        let field = try topicsOptions.field
        let topics = topicsOptions.topics
        let topicList = try topicsOptions.read()
        let idx = try index.open()
        let spec = try pipeline.spec()
        var runner = BatchRunner(index: idx, registry: QuarryMain.registry, base: spec)
        runner.k = k
        runner.threads = threads
        runner.removeQuery = removeQuery
        let started = Date()
        let results = try await runner.run(topicList)
        let seconds = Date().timeIntervalSince(started)

        try RunWriter.writeAtomically(RunWriter.format(results, format: fmt, tag: tag), to: output)
        if let saveQueries { try RunWriter.writeAtomically(try RunWriter.savedQueries(results), to: saveQueries) }
        let main = try runner.pipelines(for: []).main
        let provenance: [String: Any] = [
            "quarry": ["version": Quarry.version, "commit": Provenance.commit, "xapian": xapianVersion],
            "index": ["path": idx.path, "locations": idx.locations, "shards": idx.shards.map(\.description),
                      "documents": try idx.documentCount(), "created": idx.metadata.created,
                      "inputs": idx.metadata.inputs.map { ["collection": $0.collection, "format": $0.format.rawValue, "documents": $0.documents] }],
            // Shards left out with --allow-partial: the run did not search the whole collection.
            "partial": idx.isPartial, "missingShards": idx.missingShards,
            "analyzer": ["stemmer": idx.metadata.analyzer.stemmer, "stopwords": idx.metadata.analyzer.stopwords],
            "pipeline": main.description, "pipelineSpec": spec.text,
            "perQueryPipelines": topicList.filter { $0.pipeline != nil }.count,
            "topics": ["path": topics, "sha256": Provenance.sha256(file: topics), "count": topicList.count, "field": field.rawValue],
            "k": k, "removeQuery": removeQuery, "threads": threads, "tag": tag, "outputFormat": fmt.rawValue,
            "date": Provenance.timestamp(), "seconds": seconds,
            "fallbacks": results.filter(\.fallback).count,
        ]
        let data = try JSONSerialization.data(withJSONObject: provenance, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        try RunWriter.writeAtomically(String(decoding: data, as: UTF8.self) + "\n", to: output + ".json")

        let empty = results.filter { $0.terms.isEmpty }.count
        if empty > 0 { printError("warning: \(empty) queries had no searchable terms and got no hits") }
        printError(String(format: "%d queries in %.2f s (%.1f queries/s) → %@", results.count, seconds, Double(results.count) / max(seconds, 1e-9), output))
        if let summary = LLMRuntime.shared.stats.summary { printError(summary) }
        ProcessPlugins.shared.summaries.forEach(printError)
        if let summary = RADCoTStats.shared.summary { printError(summary) }
        idx.warnIfPartial()
        let failed = results.filter(\.fallback)
        if !failed.isEmpty {
            printError("warning: expansion failed for \(failed.count) of \(results.count) queries; they were searched unexpanded:")
            for r in failed.prefix(5) { printError("  \(r.query.id): \(r.error ?? "")") }
            throw ExitStatus(code: 3)
        }
    }
}
