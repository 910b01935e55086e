import ArgumentParser
import Foundation
import QuarryAPI
import QuarryCore
import QuarryLLM

/// Generates each topic's expansion text once, in exactly the input format of the `precomputed`
/// expander, so a costly LLM job is paid for once and replayed anywhere.
struct ExpandCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "expand",
        abstract: "Write every topic's generated expansion as JSONL, for --expander precomputed.",
        discussion: """
        Each line is {"qid","query","expansion"} plus the prompt and model an LLM expander used. Queries \
        whose expansion failed are left out and reported (exit status 3); run the command again to retry \
        them: answers already received come from the LLM cache at no cost.

        Example: quarry expand --topics corpora/sample/topics.tsv --expander cot --set cot.baseURL=http://127.0.0.1:18080/v1 --set cot.model=SmolLM2-135M-Instruct --output /tmp/cot.jsonl
        """
    )

    @OptionGroup var topicsOptions: TopicsOptions
    @Option(help: ArgumentHelp("JSONL file to write.", valueName: "file")) var output: String
    @OptionGroup var index: IndexSelection
    @Option(help: "Queries expanded at once (LLM expanders use at least --llm-concurrency).") var threads: Int = 1
    @OptionGroup var pipeline: PipelineOptions

    func validate() throws {
        if threads < 1 { throw ValidationError("--threads must be at least 1") }
    }

    func run() async throws {
        let topics = try topicsOptions.read()
        let spec = try pipeline.spec()
        guard let name = spec.expander else { throw QuarryError("give --expander (cot, query2doc, …)") }
        let resolved = try QuarryMain.registry.resolve(spec)
        // An index only for expanders that search it (RADCoT's passages).
        let idx = try index.openIfGiven()
        let width = max(1, min(resolved.concurrency(threads: threads), topics.count))
        let searchers = try (0..<width).map { _ in try idx?.searcher() }
        let llm = resolved.expander?.instance as? LLMExpander

        let started = Date()
        let expansions = try await mapInOrder(topics.count, width: width, label: "expanding") { i, w in
            await resolved.expand(Query(id: topics[i].id, text: topics[i].text), searcher: searchers[w])
        }
        let seconds = Date().timeIntervalSince(started)

        var out = ""
        var failed: [(String, String)] = []
        for (t, e) in zip(topics, expansions) {
            if e.fallback { failed.append((t.id, e.error ?? "")); continue }
            guard let text = e.generatedText else {
                throw QuarryError("expander \(name) writes no text (it returns terms); quarry expand is for text-generating expanders such as cot and query2doc")
            }
            var obj: [String: Any] = ["qid": t.id, "query": t.text, "expansion": text, "expander": name]
            if let llm {
                obj["prompt"] = llm.prompt(for: Query(id: t.id, text: t.text))
                obj["model"] = llm.client.config.model
            }
            let data = try JSONSerialization.data(withJSONObject: obj, options: [.sortedKeys, .withoutEscapingSlashes])
            out += String(decoding: data, as: UTF8.self) + "\n"
        }
        try RunWriter.writeAtomically(out, to: output)
        printError(String(format: "%d of %d queries expanded in %.2f s (%.2f queries/s) → %@",
                          topics.count - failed.count, topics.count, seconds, Double(topics.count) / max(seconds, 1e-9), output))
        if let summary = LLMRuntime.shared.stats.summary { printError(summary) }
        ProcessPlugins.shared.summaries.forEach(printError)
        idx?.warnIfPartial()
        if !failed.isEmpty {
            printError("warning: expansion failed for \(failed.count) queries; they are not in \(output) (run again to retry):")
            for (id, error) in failed.prefix(5) { printError("  \(id): \(error)") }
            throw ExitStatus(code: 3)
        }
    }
}
