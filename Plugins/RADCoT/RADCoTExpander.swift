// `radcot`: seed paper 1's distilled student as an expander. A small Fusion-in-Decoder T5 reads the
// query with each of the top-K passages retrieved for it and writes the rationale the teacher LLM would
// have written; the query is then expanded by the same rule as `cot` (QuarryAPI's ExpansionRule).
import Foundation
import QuarryAPI
import QuarryCore
import QuarryNeural

public final class RADCoTExpander: QueryExpander, @unchecked Sendable {
    public static let plugin = ExpanderPlugin(
        name: "radcot",
        summary: "RADCoT: a distilled Fusion-in-Decoder T5 writes the rationale from retrieved passages; the query is repeated, then the rationale",
        options: [
            OptionSpec("model", .string, default: nil, help: "Hugging Face T5 directory (config.json, safetensors, spiece.model or tokenizer.json); required", operatorOnly: true),
            OptionSpec("passages", .int, default: .int(50), help: "passages retrieved per query (K), 0–1000; 0: none (the paper's p:0 ablation)"),
            OptionSpec("passageIndex", .string, default: nil, help: "index the passages come from (default: the index searched)", operatorOnly: true),
            OptionSpec("maxPassageTokens", .int, default: .int(300), help: "tokens per encoder input (query + passage, </s> included), 2–4096"),
            OptionSpec("maxNewTokens", .int, default: .int(50), help: "most tokens of rationale generated, 1–4096"),
            OptionSpec("beams", .int, default: .int(1), help: "beam search width, 1–64 (1: greedy, as in the paper)"),
            OptionSpec("promptFile", .string, default: nil, help: "prompt template file with {query} and {passage} (default: the paper's)", operatorOnly: true),
            OptionSpec("nc", .int, default: .int(5), help: "minimum query repeats (Nc), as in cot"),
            OptionSpec("lengthUnit", .string, default: .string("words"), help: "words or chars: how |rationale| / |query| is counted"),
        ],
        make: { try RADCoTExpander(options: $0) })

    let student: FusionInDecoder
    let prompt: RADCoTPrompt
    let passages: Int
    let maxPassageTokens: Int
    let generation: GenerationOptions
    let rule: ExpansionRule
    let passageIndex: SearcherPool?
    /// One query at a time through the model: it already uses every core (OpenBLAS and the runtime's
    /// threads), so queries in flight overlap their retrieval, not their matrix products.
    let modelLock = NSLock()

    init(options o: Options) throws {
        guard let dir = o.string("model"), !dir.isEmpty else {
            throw OptionError("radcot.model is required: a Hugging Face T5 directory (see tools/radcot/ to train one)")
        }
        passages = o.int("passages") ?? 50
        maxPassageTokens = o.int("maxPassageTokens") ?? 300
        let maxNew = o.int("maxNewTokens") ?? 50, beams = o.int("beams") ?? 1
        // Upper bounds too: a search request may set these, and each sizes the work of one query.
        guard (0...1000).contains(passages) else { throw OptionError("radcot.passages must be between 0 and 1000, got \(passages)") }
        guard (2...4096).contains(maxPassageTokens) else {
            throw OptionError("radcot.maxPassageTokens must be between 2 and 4096, got \(maxPassageTokens)")
        }
        guard (1...4096).contains(maxNew) else { throw OptionError("radcot.maxNewTokens must be between 1 and 4096, got \(maxNew)") }
        guard (1...64).contains(beams) else { throw OptionError("radcot.beams must be between 1 and 64, got \(beams)") }
        generation = GenerationOptions(maxNewTokens: maxNew, beams: beams)
        guard let unit = ExpansionRule.LengthUnit(rawValue: o.string("lengthUnit") ?? "words") else {
            throw OptionError("radcot.lengthUnit must be words or chars, got '\(o.string("lengthUnit") ?? "")'")
        }
        rule = .cot(nc: max(0, o.int("nc") ?? 5), unit: unit)
        if let file = o.string("promptFile") {
            guard let text = try? String(contentsOfFile: file, encoding: .utf8) else {
                throw OptionError("radcot.promptFile: cannot read \(file)")
            }
            prompt = try RADCoTPrompt(template: text, origin: "radcot.promptFile \(file)")
        } else {
            prompt = try RADCoTPrompt(template: RADCoTPrompt.paper)
        }
        do {
            student = try FusionInDecoder(directory: dir)
        } catch let e as CheckpointError {
            throw OptionError("radcot.model: \(e.message)")
        } catch let e as TokenizerError {
            throw OptionError("radcot.model: \(e.description)")
        }
        if let path = o.string("passageIndex") {
            do { passageIndex = try SearcherPool(index: Index(path: path)) } catch let e as QuarryError {
                throw OptionError("radcot.passageIndex: \(e.message)")
            }
        } else {
            passageIndex = nil
        }
    }

    public func expand(_ query: Query, searcher: any Searcher) async throws -> WeightedQuery {
        let t0 = DispatchTime.now()
        let texts = try retrieve(query.text, searcher: searcher)
        let retrieval = Double(DispatchTime.now().uptimeNanoseconds - t0.uptimeNanoseconds) / 1e9
        let sources = prompt.sources(query: query.text, passages: texts)
        let out = try modelLock.withLock {
            try student.generate(sources, maxSourceTokens: maxPassageTokens, options: generation)
        }
        RADCoTStats.shared.record(retrieval: retrieval, out.timings)
        return rule.expand(query: query.text, text: out.text)
    }

    /// The top-K passages' texts (title, then text), from the passage index or the searched one.
    func retrieve(_ text: String, searcher: any Searcher) throws -> [String] {
        guard passages > 0 else { return [] }
        let read = { (s: any Searcher) throws -> [String] in
            try s.search(.text(text), k: self.passages).map { hit in
                guard let d = try s.document(hit.docid) else { return "" }
                return d.passage
            }
        }
        if let passageIndex { return try passageIndex.with(read) }
        return try read(searcher)
    }
}

/// Searchers over one index for concurrent queries: one is taken per call and put back after.
final class SearcherPool: @unchecked Sendable {
    let index: Index
    private var idle: [IndexSearcher] = []
    private let lock = NSLock()

    init(index: Index) throws {
        self.index = index
        idle = [try index.searcher()]
    }

    func with<T>(_ body: (IndexSearcher) throws -> T) throws -> T {
        let s = try lock.withLock { idle.popLast() } ?? index.searcher()
        defer { lock.withLock { idle.append(s) } }
        return try body(s)
    }
}
