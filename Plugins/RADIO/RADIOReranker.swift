// `radio`: seed paper 2's reranker at query time — a BERT-family model rescoring the first stage's top
// k1: a bi-encoder (mean-pooled embeddings, cosine; the paper's gte backbones) or a cross-encoder
// (sequence-classification head; its bge-reranker backbone). Fine-tuned on rationale-aligned data by
// tools/radio/, it is the paper's RADIO; untuned all-MiniLM-L6-v2 is its baseline.
import Foundation
import QuarryAPI
import QuarryNeural

public final class RADIOReranker: Reranker, @unchecked Sendable {
    public static let plugin = RerankerPlugin(
        name: "radio",
        summary: "RADIO: a BERT bi-encoder (cosine) or cross-encoder rescoring the top k1 candidates; keep k2",
        options: [
            OptionSpec("model", .string, default: nil, help: "Hugging Face / sentence-transformers directory; required", operatorOnly: true),
            OptionSpec("kind", .string, default: .string("bi"), help: "bi (mean-pooled embeddings, cosine) or cross (classification head on the pair)"),
            OptionSpec("k1", .int, default: .int(20), help: "candidates rescored (1–10000); the hits below follow in their first-stage order"),
            OptionSpec("k2", .int, default: nil, help: "keep only the top k2 after reranking (default: keep all)"),
            OptionSpec("alpha", .double, default: .double(1), help: "weight of the model's score against the first stage's, both min-max normalised (1: the model alone)"),
            OptionSpec("batchSize", .int, default: .int(32), help: "texts per forward pass, 1–1024"),
            OptionSpec("maxTokens", .int, default: nil, help: "tokens per text or pair, 2 to the model's max_position_embeddings (default: its max_seq_length)"),
        ],
        make: { try RADIOReranker(options: $0) })

    enum Scorer {
        case bi(DocumentEmbeddings)
        case cross(BERTModel)
    }

    let scorer: Scorer
    let tokenizer: WordPieceTokenizer
    let k1: Int
    let k2: Int?
    let alpha: Double
    let batchSize: Int
    let maxTokens: Int
    /// One query at a time through the model: it already uses every core.
    private let modelLock = NSLock()

    public var depth: Int? { k1 }
    public var keep: Int? { k2 }

    init(options o: Options) throws {
        guard let dir = o.string("model"), !dir.isEmpty else {
            throw OptionError("radio.model is required: a BERT-family model directory (e.g. all-MiniLM-L6-v2)")
        }
        k1 = o.int("k1") ?? 20
        k2 = o.int("k2")
        alpha = o.double("alpha") ?? 1
        batchSize = o.int("batchSize") ?? 32
        // Upper bounds too: a search request may set these, and each sizes the work of one query.
        guard (1...Self.maxK1).contains(k1) else { throw OptionError("radio.k1 must be between 1 and \(Self.maxK1), got \(k1)") }
        if let k2, k2 < 1 { throw OptionError("radio.k2 must be at least 1, got \(k2)") }
        guard (0...1).contains(alpha) else { throw OptionError("radio.alpha must be between 0 and 1, got \(alpha)") }
        guard (1...Self.maxBatchSize).contains(batchSize) else {
            throw OptionError("radio.batchSize must be between 1 and \(Self.maxBatchSize), got \(batchSize)")
        }
        let kind = o.string("kind") ?? "bi"
        let positions: Int
        do {
            tokenizer = try WordPieceTokenizer(directory: dir)
            switch kind {
            case "bi":
                let encoder = try SentenceEncoder(directory: dir)
                maxTokens = o.int("maxTokens") ?? encoder.maxSequenceLength
                positions = encoder.model.config.maxPositions
                scorer = .bi(DocumentEmbeddings(encoder: encoder, tokenizer: tokenizer, maxTokens: maxTokens, batchSize: batchSize))
            case "cross":
                let model = try BERTModel(directory: dir)
                guard model.hasClassifier else {
                    throw OptionError("radio.model \(dir): no classification head (classifier.weight); use radio.kind=bi for an embedding model")
                }
                scorer = .cross(model)
                maxTokens = o.int("maxTokens") ?? model.config.maxPositions
                positions = model.config.maxPositions
            default:
                throw OptionError("radio.kind must be bi or cross, got '\(kind)'")
            }
        } catch let e as CheckpointError {
            throw OptionError("radio.model: \(e.message)")
        } catch let e as TokenizerError {
            throw OptionError("radio.model: \(e.description)")
        }
        guard (2...positions).contains(maxTokens) else {
            throw OptionError("radio.maxTokens must be between 2 and the model's max_position_embeddings \(positions), got \(maxTokens)")
        }
    }

    static let maxK1 = 10_000
    static let maxBatchSize = 1024

    public func rerank(_ query: Query, candidates: [Candidate]) async throws -> [Double] {
        guard !candidates.isEmpty else { return [] }
        let model = try modelLock.withLock { try scores(query, candidates) }
        guard alpha < 1 else { return model }
        let m = RADIOScores.minMax(model), first = RADIOScores.minMax(candidates.map(\.score))
        return zip(m, first).map { alpha * $0 + (1 - alpha) * $1 }
    }

    func scores(_ query: Query, _ candidates: [Candidate]) throws -> [Double] {
        switch scorer {
        case .cross(let model):
            var out: [Double] = []
            for start in stride(from: 0, to: candidates.count, by: batchSize) {
                let chunk = candidates[start..<min(start + batchSize, candidates.count)]
                let inputs = try chunk.map { BERTInput(try tokenizer.encode(query.text, $0.passage, maxLength: maxTokens, truncation: .longestFirst)) }
                let logits = try model.classify(inputs)
                let labels = logits.columns
                out += (0..<chunk.count).map { Double(logits.scalars[$0 * labels]) }
            }
            return out
        case .bi(let cache):
            let (q, docs) = try cache.embed(query.text, documents: candidates.map { ($0.docid, $0.passage) })
            return docs.map { RADIOScores.cosine(q, $0) }
        }
    }
}
