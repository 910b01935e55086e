// The `quarry` command as a library: a third party builds its own `quarry` by registering its
// plugins and calling `QuarryMain.run`.
import ArgumentParser
import Foundation
import QuarryAPI
import QuarryCore
import QuarryLLM
import QuarryNeural
import LLMCoT
import Precomputed
import Query2Doc
import RADCoT
import RADIO
import RM3

public enum QuarryMain {
    /// Plugins every `quarry` has.
    public static func builtinRegistry() -> PluginRegistry {
        let registry = PluginRegistry()
        registry.register(RM3Expander.plugin, origin: .builtIn)
        registry.register(PrecomputedExpander.plugin, origin: .builtIn)
        registry.register(CoTExpander.plugin, origin: .builtIn)
        registry.register(Query2DocExpander.plugin, origin: .builtIn)
        registry.register(RADCoTExpander.plugin, origin: .builtIn)
        registry.register(RADIOReranker.plugin, origin: .builtIn)
        return registry
    }

    nonisolated(unsafe) static var registry = builtinRegistry()
    /// The `--plugin-path` locations already loaded into `registry`.
    nonisolated(unsafe) static var loadedPluginLocations = Set<String>()

    /// The registry this `quarry` resolves plugin names against: the built-ins and whatever was
    /// registered at start-up (for front ends such as `quarry serve`).
    public static var pluginRegistry: PluginRegistry { registry }

    /// Subcommands a front end adds to the library's (the `quarry` executable adds `serve`, which the
    /// library leaves out so that a third party's `quarry` builds without the HTTP stack).
    nonisolated(unsafe) static var extraSubcommands: [ParsableCommand.Type] = []

    /// Parses the command line and runs it, with `expanders` and `rerankers` added to the built-ins
    /// and `subcommands` to the library's.
    public static func run(expanders: [ExpanderPlugin] = [], rerankers: [RerankerPlugin] = [],
                           subcommands: [ParsableCommand.Type] = [], arguments: [String]? = nil) async -> Never {
        extraSubcommands = subcommands
        for e in expanders { registry.register(e, origin: .package) }
        for r in rerankers { registry.register(r, origin: .package) }
        do {
            var command = try QuarryCommand.parseAsRoot(arguments)
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
            exit(0)
        } catch let e as ExitStatus {
            exit(e.code)
        } catch let e as QuarryError {
            fail(e.message)
        } catch let e as XapianError {
            fail(e.message)
        } catch let e as BadRecord {
            fail(e.description + " (use --skip-bad to skip such records)")
        } catch let e as OptionError {
            fail(e.message)
        } catch let e as ProcessPluginError {
            fail(e.message)
        } catch let e as LLMError {
            fail(e.description)
        } catch let e as CheckpointError {
            fail(e.message)
        } catch let e as TokenizerError {
            fail(e.description)
        } catch {
            QuarryCommand.exit(withError: error)
        }
    }

    static func fail(_ message: String) -> Never {
        printError("quarry: error: \(message)")
        exit(1)
    }
}

/// A non-zero exit after the work is done and written (e.g. some queries fell back).
struct ExitStatus: Error {
    let code: Int32
}

struct QuarryCommand: AsyncParsableCommand {
    static var configuration: CommandConfiguration { CommandConfiguration(
        commandName: "quarry",
        abstract: "A sparse search engine on Xapian with pluggable query expansion and reranking.",
        discussion: """
        Index a collection, search it with BM25 or query likelihood, expand queries (RM3, LLM \
        chain-of-thought, …), rerank, and evaluate runs with trec_eval's semantics.
        """,
        version: Quarry.version,
        subcommands: [IndexCommand.self, SearchCommand.self, RunCommand.self, ExpandCommand.self, EvalCommand.self, ExperimentCommand.self,
                      PluginsCommand.self, DocCommand.self, StatsCommand.self, AnalyzeCommand.self, RegressCommand.self,
                      FuseCommand.self, DistillCommand.self, RAGEvalCommand.self, EmbedCommand.self, GenerateCommand.self, BenchCommand.self] + QuarryMain.extraSubcommands
    ) }
}
