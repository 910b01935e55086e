// `quarry serve`: the HTTP JSON API over one index (one or several locations searched as one: shards,
// tcp:// remotes), and the browser UI at / as its client. Loads the index, the operator's plugins (and
// their models) and any topics and judgments once, then answers until SIGTERM or SIGINT, which let
// requests in progress finish before it exits 0.
import ArgumentParser
import Foundation
import Hummingbird
import Logging
import NIOCore
import QuarryCLI
import QuarryCore

public struct ServeCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve an index over HTTP: a JSON search API with per-request pipelines.",
        discussion: """
        POST /search {"query": "...", "k": 10, "model": "bm25", "expander": "rm3", "reranker": "...", \
        "options": {"rm3.fbDocs": 20}} answers the expanded query and the hits; POST /batch {"queries": [...]} \
        answers many; GET /doc/ID answers a stored document; GET /plugins, GET /health and GET /metrics \
        (Prometheus text) describe the server. See docs/server.md and docs/openapi.yaml.

        A browser at http://HOST:PORT/ gets a page that compares two pipelines side by side. With \
        --topics (and --qrels) it offers a topic picker, marks judged documents with their grade, shows \
        nDCG@10 and AP per pipeline, and compares the pipelines over all topics (POST /experiment).

        The pipeline flags (--model, --expander, --reranker, --set, --config) are the defaults a request \
        starts from. A request may choose any registered model, expander or reranker and set their \
        options, but never an operator-only option (a file, URL, address or command: set those here) \
        and never a process plugin (exec:…). Port 0 picks a free port; the line "listening on \
        http://HOST:PORT" on standard output says which.

        Example: quarry serve --index /tmp/sample --port 8080 --set rm3.fbDocs=10 \\
                 --topics corpora/sample/topics.tsv --qrels corpora/sample/qrels.txt
        """
    )

    @OptionGroup var indexSelection: IndexSelection
    @Option(help: "Address to listen on (loopback by default; the API has no authentication).") var host = "127.0.0.1"
    @Option(help: "Port to listen on (0: any free port).") var port: Int
    @Option(help: "Searches run at once (each has its own Xapian searcher); more requests wait.") var workers = max(2, ProcessInfo.processInfo.activeProcessorCount)
    @Option(help: "Most hits one query may ask for (k).") var maxK = ServerLimits().maxK
    @Option(help: "Longest query text, in characters.") var maxQueryLength = ServerLimits().maxQueryLength
    @Option(help: "Largest request body, in bytes (larger: 413).") var maxBodyBytes = ServerLimits().maxBodyBytes
    @Option(help: "Most queries in one POST /batch.") var maxBatch = ServerLimits().maxBatch
    @Option(help: "Seconds one request (a whole batch) may take; then 504.") var timeLimit = ServerLimits().timeLimit
    @Option(help: "Distinct pipelines kept made (a pipeline holds its plugins and their models).") var pipelineCache = 32
    @Option(help: ArgumentHelp("Topics for the UI's topic picker and experiments.", valueName: "file")) var topics: String?
    @Option(help: ArgumentHelp("TREC qrels for those topics: grades, per-topic metrics, experiments (needs --topics).", valueName: "file")) var qrels: String?
    @Option(help: "Minimum grade that counts as relevant for binary measures (AP).") var relevanceLevel = 1
    @OptionGroup var pipeline: PipelineOptions

    public init() {}

    public func validate() throws {
        if !indexSelection.given { throw ValidationError("give an index with --index DIR (repeatable: shards, tcp://HOST:PORT)") }
        if !(0...65535).contains(port) { throw ValidationError("--port must be between 0 and 65535, got \(port)") }
        if workers < 1 { throw ValidationError("--workers must be at least 1") }
        if maxK < 1 { throw ValidationError("--max-k must be at least 1") }
        if maxQueryLength < 1 { throw ValidationError("--max-query-length must be at least 1") }
        if maxBodyBytes < 64 { throw ValidationError("--max-body-bytes must be at least 64") }
        if maxBatch < 1 { throw ValidationError("--max-batch must be at least 1") }
        if !(timeLimit > 0) { throw ValidationError("--time-limit must be more than 0 seconds") }
        if pipelineCache < 1 { throw ValidationError("--pipeline-cache must be at least 1") }
        if qrels != nil && topics == nil { throw ValidationError("--qrels needs --topics: the judgments are for topics the server searches") }
    }

    public func run() async throws {
        let index = try indexSelection.open()
        let base = try pipeline.spec()
        let registry = QuarryMain.pluginRegistry
        var limits = ServerLimits()
        limits.maxK = maxK
        limits.maxQueryLength = maxQueryLength
        limits.maxBodyBytes = maxBodyBytes
        limits.maxBatch = maxBatch
        limits.timeLimit = timeLimit
        let topicSet = try TopicSet.load(topics: topics, qrels: qrels, relevanceLevel: relevanceLevel)
        let metrics = ServerMetrics()
        let service = try SearchService(index: index, registry: registry, base: base, limits: limits, workers: workers,
                                        cacheCapacity: pipelineCache, metrics: metrics, topics: topicSet)
        for spec in try await service.preload() { printError("quarry serve: pipeline ready: \(spec)") }

        let router = try ServerRoutes.router(service: service, registry: registry, indexPaths: indexSelection.locations, metrics: metrics)
        var logger = Logger(label: "quarry.serve") { StreamLogHandler.standardError(label: $0) }
        logger.logLevel = Logger.Level.warning
        let host = self.host
        let app = Application(
            router: router,
            configuration: .init(address: .hostname(host, port: port), serverName: "quarry/\(Quarry.version)"),
            onServerRunning: { channel in
                // The one line on standard output: a caller that asked for port 0 reads the port here.
                // Written straight to the file descriptor: print's buffer would hold it when stdout is a pipe.
                FileHandle.standardOutput.write(Data("listening on http://\(host):\(channel.localAddress?.port ?? 0)\n".utf8))
            },
            logger: logger)
        do {
            try await app.runService()
        } catch {
            throw QuarryError("serve on \(host):\(port): \(error)")
        }
        printError("quarry serve: stopped")
    }
}
