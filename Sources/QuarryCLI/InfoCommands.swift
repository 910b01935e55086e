// Small commands that show what is there: plugins, a document, index statistics, analyzer output.
import ArgumentParser
import Foundation
import QuarryAPI
import QuarryCore

struct PluginsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plugins",
        abstract: "List models, expanders and rerankers with their options.",
        discussion: "Example: quarry plugins --plugin-exec 'python3 Plugins/Examples/wordnet-expander/wordnet_expander.py'"
    )

    @Flag(help: "Print JSON.") var json = false
    @Option(help: ArgumentHelp("TOML config file whose plugin lists (plugin-exec) to load.", valueName: "file")) var config: String?
    @OptionGroup var plugins: PluginSourceOptions

    func run() throws {
        try plugins.register(config: config)
        let registry = QuarryMain.registry
        if json {
            print(String(decoding: try PluginCatalog.json(registry), as: UTF8.self))
            return
        }
        func describe(_ specs: [OptionSpec], prefix: String) -> [String] {
            specs.map { o in
                "    \(prefix).\(o.name) (\(o.type.rawValue), default \(o.defaultValue?.description ?? "none")\(o.operatorOnly ? ", operator only" : "")): \(o.help)"
            }
        }
        func expanderOrigin(_ name: String) -> String { registry.origin(ofExpander: name)?.rawValue ?? "unknown" }
        func rerankerOrigin(_ name: String) -> String { registry.origin(ofReranker: name)?.rawValue ?? "unknown" }
        print("models:")
        for name in FirstStageModel.names {
            print("  \(name)  \(name == "bm25" ? "Okapi BM25 (Xapian BM25Weight k1, 0, 0, b, 0)" : "query likelihood, Dirichlet smoothing (Xapian LMWeight)")")
            describe(FirstStageModel.optionSpecs[name] ?? [], prefix: name).forEach { print($0) }
        }
        print("expanders:")
        for p in registry.expanders {
            print("  \(p.name)  \(p.summary)  [\(expanderOrigin(p.name))]")
            describe(p.options, prefix: p.name).forEach { print($0) }
        }
        print("rerankers:")
        if registry.rerankers.isEmpty { print("  (none registered)") }
        for p in registry.rerankers {
            print("  \(p.name)  \(p.summary)  [\(rerankerOrigin(p.name))]")
            describe(p.options, prefix: p.name).forEach { print($0) }
        }
        print("(operator only: set on the command line or in a config file, never by a `quarry serve` request)")
    }
}

/// What `quarry plugins --json` prints (and `quarry serve` answers on GET /plugins): models,
/// expanders and rerankers with their options and where each plugin came from.
public enum PluginCatalog {
    public static func json(_ registry: PluginRegistry) throws -> Data {
        func opts(_ specs: [OptionSpec]) -> [[String: Any]] {
            specs.map { ["name": $0.name, "type": $0.type.rawValue, "default": $0.defaultValue?.description ?? NSNull(), "help": $0.help,
                         "operatorOnly": $0.operatorOnly] }
        }
        let obj: [String: Any] = [
            "models": FirstStageModel.names.map { ["name": $0, "options": opts(FirstStageModel.optionSpecs[$0] ?? [])] },
            "expanders": registry.expanders.map { ["name": $0.name, "summary": $0.summary, "options": opts($0.options),
                                                  "origin": registry.origin(ofExpander: $0.name)?.rawValue ?? "unknown"] },
            "rerankers": registry.rerankers.map { ["name": $0.name, "summary": $0.summary, "options": opts($0.options),
                                                  "origin": registry.origin(ofReranker: $0.name)?.rawValue ?? "unknown"] },
        ]
        return try JSONSerialization.data(withJSONObject: obj, options: [.prettyPrinted, .sortedKeys])
    }
}

struct DocCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doc",
        abstract: "Print a stored document.",
        discussion: "Example: quarry doc --index /tmp/sample S001"
    )
    @OptionGroup var index: IndexSelection
    @Flag(help: "Print JSON.") var json = false
    @Argument(help: "Document id.") var id: String

    func run() throws {
        let idx = try index.open()
        let searcher = try idx.searcher()
        defer { idx.warnIfPartial() }
        guard let doc = try searcher.document(id) else { throw QuarryError("\(idx.path): no document with id '\(id)'") }
        if json {
            let data = try JSONSerialization.data(withJSONObject: ["id": doc.id, "title": doc.title, "text": doc.text], options: [.sortedKeys, .withoutEscapingSlashes])
            print(String(decoding: data, as: UTF8.self))
        } else {
            print("id: \(doc.id)")
            if !doc.title.isEmpty { print("title: \(doc.title)") }
            print("")
            print(doc.text)
        }
    }
}

struct StatsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats",
        abstract: "Print an index's collection statistics and metadata.",
        discussion: """
        Over several databases (a sharded index, or --index given more than once) the figures are those \
        of all of them together, then each shard's.

        Example: quarry stats --index /tmp/sample
        """
    )
    @OptionGroup var index: IndexSelection
    @Flag(help: "Print JSON.") var json = false

    func run() throws {
        let idx = try index.open()
        defer { idx.warnIfPartial() }
        let s = try idx.statistics()
        let m = idx.metadata
        if json {
            var obj: [String: Any] = [
                "documents": s.documents, "uniqueTerms": s.uniqueTerms, "totalTerms": s.totalTerms,
                "averageLength": s.averageLength, "sizeBytes": s.sizeBytes,
                "analyzer": ["stemmer": m.analyzer.stemmer, "stopwords": m.analyzer.stopwords],
                "created": m.created, "updated": m.updated, "quarryVersion": m.quarryVersion,
                "inputs": m.inputs.map { ["collection": $0.collection, "format": $0.format.rawValue, "documents": $0.documents, "skipped": $0.skipped] },
            ]
            if let shards = s.shards {
                obj["shards"] = shards.map { sh -> [String: Any] in
                    ["location": sh.location, "documents": sh.documents, "totalTerms": sh.totalTerms, "averageLength": sh.averageLength,
                     "sizeBytes": sh.sizeBytes.map { $0 as Any } ?? NSNull()]
                }
                obj["missingShards"] = idx.missingShards
            }
            print(String(decoding: try JSONSerialization.data(withJSONObject: obj, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]), as: UTF8.self))
            return
        }
        print("index:          \(idx.path)")
        print("documents:      \(s.documents)")
        print("unique terms:   \(s.uniqueTerms)")
        print("total terms:    \(s.totalTerms)")
        print(String(format: "average length: %.2f", s.averageLength))
        let remote = idx.shards.contains(where: \.isRemote)
        print(String(format: "size on disk:   %.1f MiB", Double(s.sizeBytes) / 1_048_576) + (remote ? " (local shards only)" : ""))
        print("analyzer:       stemmer=\(m.analyzer.stemmer) stopwords=\(m.analyzer.stopwords) (\(m.analyzer.stopwordList.count) words)")
        print("created:        \(m.created) (Quarry \(m.quarryVersion)); updated \(m.updated)")
        for i in m.inputs { print("input:          \(i.collection) (\(i.format.rawValue)): \(i.documents) documents, \(i.skipped) skipped") }
        if let shards = s.shards {
            print("shards:         \(shards.count)\(idx.isPartial ? " of \(idx.shards.count) (missing: \(idx.missingShards.joined(separator: ", ")))" : "")")
            for sh in shards {
                let size = sh.sizeBytes.map { String(format: ", %.1f MiB", Double($0) / 1_048_576) } ?? " (remote)"
                print(String(format: "  %@: %d documents, %llu terms, average length %.2f", sh.location as NSString, sh.documents, sh.totalTerms, sh.averageLength) + size)
            }
        }
    }
}

struct AnalyzeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "analyze",
        abstract: "Print the terms the index's analyzer produces for a text.",
        discussion: "Example: quarry analyze --index /tmp/sample \"The bee's wings beat 200 times a second\""
    )
    @OptionGroup var index: IndexSelection
    @Argument(help: "Text to analyze.") var text: [String]

    func run() throws {
        // The index's analyzer settings, else the default.
        let settings = try index.openIfGiven()?.metadata.analyzer ?? .default
        print(try Analyzer(settings).terms(text.joined(separator: " ")).joined(separator: " "))
    }
}
