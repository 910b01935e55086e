import ArgumentParser
import Foundation
import QuarryAPI
import QuarryCore

struct RegressCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "regress",
        abstract: "Run a regression manifest and check its numbers.",
        discussion: """
        NAME is a manifest in corpora/manifests/ (or a path to one). The collection, topics and qrels \
        paths are relative to the data root: --corpora, else $QUARRY_CORPORA, else ../shared/corpora \
        beside the checkout. Indexes the collection (into --index, reused when it exists), runs each \
        pipeline, and reports PASS/FAIL for each expected number; exits non-zero on any FAIL. With \
        --shards N the index is built sharded; --index given more than once (or as tcp://HOST:PORT) runs \
        the regression over those existing shards, which must give the same numbers as one index.

        Example: quarry regress scifact
        """
    )

    @Argument(help: "Manifest name (scifact, cacm, vaswani, msmarco-dl19) or path.") var name: String
    @Option(help: ArgumentHelp("Data root holding the collections.", valueName: "dir")) var corpora: String?
    @Option(help: ArgumentHelp("Manifests directory.", valueName: "dir")) var manifests: String?
    @Option(name: .customLong("index"),
            help: ArgumentHelp("Index directory to build or reuse (default: a temporary one); repeated, or tcp://HOST:PORT: existing shards to search as one.",
                               valueName: "dir|tcp://host:port"))
    var indexes: [String] = []
    @Option(help: ArgumentHelp("Build the index with N shards.", valueName: "N")) var shards: Int?
    @Option(help: "Threads for indexing and searching.") var threads: Int = 2

    func run() async throws {
        let manifestPath = try locateManifest()
        let manifest = try Manifest.load(manifestPath)
        let root = try dataRoot(manifestPath: manifestPath)
        func data(_ rel: String) -> String { PathName.join(root, rel) }
        let fm = FileManager.default
        for p in [manifest.collection, manifest.topics, manifest.qrels] where !fm.fileExists(atPath: data(p)) {
            throw QuarryError("\(data(p)): not found (data root \(root); set --corpora or QUARRY_CORPORA)")
        }
        let existing = indexes.count > 1 || indexes.contains { $0.hasPrefix("tcp://") }
        if existing && shards != nil { throw QuarryError("--shards builds a new index; it does not apply to existing shards given with --index") }
        var indexPath = indexes.first ?? PathName.join(NSTemporaryDirectory(), "quarry-regress-\(manifest.name)-\(getpid())")
        let temporary = indexes.isEmpty
        defer { if temporary { try? fm.removeItem(atPath: indexPath) } }
        if !existing && !fm.fileExists(atPath: indexPath) {
            var options = IndexOptions(collection: data(manifest.collection), format: manifest.format, index: indexPath)
            options.threads = threads
            options.shards = shards
            let report = try Indexer.run(options)
            printError("indexed \(report.added) documents in \(String(format: "%.1f", report.seconds)) s" + (report.shards > 1 ? " into \(report.shards) shards" : ""))
        }
        indexPath = PathName.standardized(indexPath)
        let idx = try existing ? Index(locations: indexes) : Index(path: indexPath)
        let topics = try TopicReader.read(data(manifest.topics), field: manifest.topicField)
        let evaluator = Evaluator(qrels: try Qrels.read(data(manifest.qrels)), relevanceLevel: manifest.relevanceLevel)
        var runs: [String: Run] = [:]
        var failures = 0
        print("regression \(manifest.name): \(topics.count) topics, \(idx.metadata.inputs.map(\.documents).reduce(0, +)) documents")
        for check in manifest.checks {
            if runs[check.pipeline] == nil {
                // `{corpora}` in a spec stands for the data root (e.g. a file of precomputed expansions).
                let spec = check.spec.replacingOccurrences(of: "{corpora}", with: ShellWords.quote(root))
                var runner = BatchRunner(index: idx, registry: QuarryMain.registry, base: try PipelineSpec.parse(spec))
                runner.k = manifest.k
                runner.threads = threads
                runner.removeQuery = manifest.removeQuery
                let results = try await runner.run(topics)
                runs[check.pipeline] = Run(Dictionary(results.map { ($0.query.id, $0.hits) }, uniquingKeysWith: { a, _ in a }))
            }
            let value = evaluator.mean(check.metric, run: runs[check.pipeline]!)
            let ok = abs(value - check.expected) <= check.tolerance + 1e-9
            if !ok { failures += 1 }
            let ref = check.reference.map { "  (\($0))" } ?? ""
            let label = check.pipeline.padding(toLength: 8, withPad: " ", startingAt: 0) + " "
                + check.metric.description.padding(toLength: 12, withPad: " ", startingAt: 0)
            print((ok ? "PASS  " : "FAIL  ") + label + String(format: " %.4f  expected %.4f ± %.4f", value, check.expected, check.tolerance) + ref)
        }
        if failures > 0 { throw QuarryError("regression \(manifest.name): \(failures) of \(manifest.checks.count) checks failed") }
        print("all \(manifest.checks.count) checks passed")
    }

    func locateManifest() throws -> String {
        let fm = FileManager.default
        if name.hasSuffix(".toml"), fm.fileExists(atPath: name) { return name }
        var dirs: [String] = []
        if let manifests { dirs.append(manifests) }
        if let env = ProcessInfo.processInfo.environment["QUARRY_MANIFESTS"] { dirs.append(env) }
        dirs.append("corpora/manifests")
        if let root = RepositoryLocator.root() { dirs.append(PathName.join(root, "corpora/manifests")) }
        for d in dirs {
            let p = PathName.join(d, name + ".toml")
            if fm.fileExists(atPath: p) { return p }
        }
        throw QuarryError("no manifest '\(name)' (looked in \(dirs.joined(separator: ", ")))")
    }

    func dataRoot(manifestPath: String) throws -> String {
        if let corpora { return corpora }
        if let env = ProcessInfo.processInfo.environment["QUARRY_CORPORA"], !env.isEmpty { return env }
        // The manifests sit in <checkout>/corpora/manifests; the shared data beside the checkout.
        let checkout = PathName.join(PathName.parent(PathName.standardized(manifestPath)), "../..")
        for candidate in [PathName.join(checkout, "../shared/corpora"), "../shared/corpora"] {
            let p = PathName.standardized(candidate)
            if FileManager.default.fileExists(atPath: p) { return p }
        }
        throw QuarryError("no data root: give --corpora DIR or set QUARRY_CORPORA")
    }
}

/// Finds the checkout a built `quarry` lives in (for its manifests), by walking up from the executable.
enum RepositoryLocator {
    static func root() -> String? {
        var dir = URL(fileURLWithPath: CommandLine.arguments.first ?? "").resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<8 {
            if FileManager.default.fileExists(atPath: dir.appendingPathComponent("corpora/manifests").path) { return dir.path }
            dir.deleteLastPathComponent()
        }
        return nil
    }
}
