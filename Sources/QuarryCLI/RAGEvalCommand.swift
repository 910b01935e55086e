// `quarry rag-eval`: does a retrieval pipeline give an answer generator what it needs? Retrieve k1,
// rerank, keep k2; score answer recall (a kept passage contains a gold answer) and, with a generator
// LLM, the answer it writes from the kept passages (SQuAD's exact match and token F1). RADIO's
// evaluation (seed paper 2).
import ArgumentParser
import Foundation
import QuarryAPI
import QuarryCore
import QuarryLLM

struct RAGEvalCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rag-eval",
        abstract: "Answer recall of retrieved passages and, with a generator LLM, exact match and F1 of its answers.",
        discussion: """
        For each question: run the pipeline (--model/--expander/--reranker/--set) for --k1 hits, keep the \
        top --k2, and record whether one of them contains a gold answer (SQuAD normalisation, as a token \
        run). With --generator, an OpenAI-compatible LLM (--set llm.KEY=VALUE, or $QUARRY_LLM_BASE_URL) \
        answers from the kept passages with RADIO's prompt (system part, then the question), scored by \
        exact match and token F1. Per-question results go to --output as JSONL, appended as they come, so \
        an interrupted or failed run resumes where it stopped. SQuAD questions split by article: the \
        article titles sorted, even positions train, odd test. --compare pairs the results with another \
        rag-eval output (wins, losses, paired t-test).

        Example: quarry rag-eval --index /tmp/squad --questions ../shared/corpora/squad/dev-v1.1.json.gz --split test --k1 20 --k2 5 --output /tmp/bm25.rag.jsonl
        """
    )

    /// RADIO, Table 5 (../shared/prompts/radio-rag-open-domain.txt): the system part, then the user part.
    static let systemPrompt = "Answer the question based on the given document. Only give me the answer and do not output any other words. The following are given documents.\n\n{reference}"
    static let userPrompt = "Question: {question}\n\nAnswer:"

    @OptionGroup var index: IndexSelection
    @OptionGroup var questionFile: QuestionsOptions
    @Option(help: "Hits retrieved (and reranked) per question.") var k1: Int = 20
    @Option(help: "Hits kept for the generator.") var k2: Int = 5
    @Flag(help: "Ask a generator LLM for each answer (settings: --set llm.KEY=VALUE).") var generator = false
    @Option(help: ArgumentHelp("Prompt file: the system part, a line ---, the user part ({reference}, {question}).", valueName: "file"))
    var promptFile: String?
    @Option(help: ArgumentHelp("Per-question results (JSONL; extended when it exists).", valueName: "file")) var output: String
    @Option(help: ArgumentHelp("Another rag-eval output to compare with, question by question.", valueName: "file")) var compare: String?
    @Option(help: "Questions worked on at once.") var threads: Int = 1
    @OptionGroup var pipeline: PipelineOptions

    func run() async throws {
        guard k1 >= 1, k2 >= 1, k2 <= k1 else { throw QuarryError("need 1 ≤ --k2 ≤ --k1") }
        guard threads >= 1 else { throw QuarryError("--threads must be at least 1") }
        let selected = try selectQuestions()
        // llm.* settings are the generator's; the rest are the pipeline's.
        var pipe = pipeline
        pipe.settings = pipeline.settings.filter { !$0.hasPrefix("llm.") }
        let resolved = try QuarryMain.registry.resolve(try pipe.spec())
        let client = generator
            ? try LLMRuntime.shared.client(try StandaloneLLM.config(pipeline.settings.filter { $0.hasPrefix("llm.") }, specs: LLMPluginOptions.specs(maxTokens: 32)))
            : nil
        let (system, user) = try prompts()
        let idx = try index.open()

        let done = try RAGResults.existing(output, needsPrediction: generator)
        let todo = selected.filter { done[$0.id] == nil }
        if !done.isEmpty { printError("\(output): \(done.count) questions already done; \(todo.count) to go") }
        let appender = try ResumableJSONL.Appender(path: output, keeping: selected.compactMap { done[$0.id]?.line })
        let width = max(1, min(max(threads, client?.limiter.limit ?? 1), todo.count))
        let searchers = try (0..<width).map { _ in try idx.searcher(model: resolved.model) }
        let failures = try await mapInOrder(todo.count, width: width, label: "rag-eval") { i, w -> String? in
            let q = todo[i], s = searchers[w]
            let result = try await resolved.run(Query(id: q.id, text: q.text), k: k1, searcher: s)
            let passages = try result.hits.map { h -> (String, String) in
                (h.docid, try s.document(h.docid)?.passage ?? "")
            }
            let kept = Array(passages.prefix(k2))
            var record: [String: Any] = [
                "qid": q.id, "question": q.text, "answers": q.answers, "passages": kept.map(\.0),
                "recall": kept.contains { AnswerMatching.hasAnswer($0.1, q.answers) } ? 1 : 0,
                "answerInCandidates": passages.contains { AnswerMatching.hasAnswer($0.1, q.answers) },
            ]
            if let client {
                let reference = kept.enumerated().map { "Document [\($0.offset + 1)]: \($0.element.1)" }.joined(separator: "\n\n")
                do {
                    let answer = try await client.complete(user.fill(["question": q.text]), system: system.fill(["reference": reference]))
                        .trimmingCharacters(in: .whitespacesAndNewlines)
                    record["prediction"] = answer
                    record["em"] = AnswerMatching.exactMatch(answer, q.answers)
                    record["f1"] = AnswerMatching.f1(answer, q.answers)
                } catch let e as LLMError {
                    return "\(q.id): \(e.description)"
                }
            }
            try appender.append(record)
            return nil
        }.compactMap { $0 }
        try appender.finish(order: selected.map(\.id))

        let results = try RAGResults.existing(output, needsPrediction: false).values.map(\.record)
        printError(RAGResults.summary(results, k1: k1, k2: k2))
        if let compare { printError(try RAGResults.comparison(results, with: compare)) }
        idx.warnIfPartial()
        if !failures.isEmpty {
            printError("warning: the generator failed on \(failures.count) questions; run again to retry them:")
            for f in failures.prefix(5) { printError("  \(f)") }
            throw ExitStatus(code: 3)
        }
    }

    func selectQuestions() throws -> [Question] {
        let all = try questionFile.read()
        if let q = all.first(where: { $0.answers.isEmpty }) { throw QuarryError("\(questionFile.questions): question \(q.id) has no gold answer") }
        return all
    }

    func prompts() throws -> (PromptTemplate, PromptTemplate) {
        guard let promptFile else {
            return (try PromptTemplate(Self.systemPrompt, requiring: ["reference"]), try PromptTemplate(Self.userPrompt, requiring: ["question"]))
        }
        guard let text = try? String(contentsOfFile: promptFile, encoding: .utf8) else { throw QuarryError("\(promptFile): cannot read") }
        let parts = text.components(separatedBy: "\n---\n")
        guard parts.count == 2 else { throw QuarryError("\(promptFile): expected the system part, a line ---, then the user part") }
        return (try PromptTemplate(parts[0], source: promptFile, requiring: ["reference"]),
                try PromptTemplate(parts[1].trimmingCharacters(in: .newlines), source: promptFile, requiring: ["question"]))
    }
}

/// rag-eval's per-question JSONL: read back, summarised, compared.
enum RAGResults {
    static func existing(_ path: String, needsPrediction: Bool) throws -> [String: (line: String, record: [String: Any])] {
        try ResumableJSONL.existing(path, kind: "a rag-eval record") { $0["recall"] != nil }
            .filter { !needsPrediction || $0.value.record["prediction"] != nil }
    }

    static func mean(_ xs: [Double]) -> Double { xs.isEmpty ? 0 : xs.reduce(0, +) / Double(xs.count) }

    static func summary(_ results: [[String: Any]], k1: Int, k2: Int) -> String {
        let recall = mean(results.map { ($0["recall"] as? NSNumber)?.doubleValue ?? 0 })
        let absent = results.filter { ($0["answerInCandidates"] as? Bool) == false }.count
        var line = String(format: "%d questions: answer recall@%d %.4f", results.count, k2, recall)
        let generated = results.filter { $0["prediction"] != nil }
        if !generated.isEmpty {
            line += String(format: ", EM %.4f, F1 %.4f (%d answered)", mean(generated.map { ($0["em"] as! NSNumber).doubleValue }),
                           mean(generated.map { ($0["f1"] as! NSNumber).doubleValue }), generated.count)
        }
        return line + "; \(absent) questions have no gold answer in any of the \(k1) candidates"
    }

    static func comparison(_ mine: [[String: Any]], with path: String) throws -> String {
        let other = try existing(path, needsPrediction: false)
        var lines: [String] = []
        for metric in ["recall", "em", "f1"] {
            var d: [Double] = []
            for r in mine {
                guard let qid = r["qid"] as? String, let a = (r[metric] as? NSNumber)?.doubleValue,
                      let b = (other[qid]?.record[metric] as? NSNumber)?.doubleValue else { continue }
                d.append(a - b)
            }
            guard !d.isEmpty else { continue }
            let p = Significance.pairedTTest(d).map { String(format: "%.4g", $0) } ?? "n/a"
            lines.append(String(format: "vs %@: %@ %+.4f over %d paired questions (%d better, %d worse), paired t-test p = %@",
                                path, metric, mean(d), d.count, d.filter { $0 > 0 }.count, d.filter { $0 < 0 }.count, p))
        }
        return lines.isEmpty ? "vs \(path): no question in common" : lines.joined(separator: "\n")
    }
}
