import Foundation
import QuarryNeural

/// Document embeddings computed once per run, by docid, safe to share between threads: the reranker and
/// `quarry distill radio-data` both see the same documents again and again (a question's candidates
/// overlap the next question's), so each is embedded once and each call embeds only what is new.
public final class DocumentEmbeddings: @unchecked Sendable {
    /// Embeds texts into one vector each, in order.
    public typealias Embed = ([String]) throws -> [[Float]]
    private let embed: Embed
    private var vectors: [String: [Float]] = [:]
    private let lock = NSLock()

    public init(embed: @escaping Embed) { self.embed = embed }

    /// Mean-pooled sentence embeddings of a BERT-family encoder, texts cut to `maxTokens`.
    public convenience init(encoder: SentenceEncoder, tokenizer: WordPieceTokenizer, maxTokens: Int, batchSize: Int = 32) {
        self.init { texts in
            let v = try encoder.embed(texts.map { BERTInput(tokenizer.encode($0, maxLength: maxTokens)) }, batchSize: batchSize)
            let d = encoder.dimension
            return (0..<texts.count).map { Array(v.scalars[$0 * d..<($0 + 1) * d]) }
        }
    }

    /// The vector of `text` (never cached: a query or a rationale) and of each document, in order; the
    /// text and the documents not yet seen go through the model in one call.
    public func embed(_ text: String, documents: [(id: String, text: String)]) throws -> (text: [Float], documents: [[Float]]) {
        var missing: [(id: String, text: String)] = [], seen = Set<String>()
        lock.withLock {
            for d in documents where vectors[d.id] == nil && seen.insert(d.id).inserted { missing.append(d) }
        }
        let fresh = try embed([text] + missing.map(\.text))
        return lock.withLock {
            for (i, d) in missing.enumerated() { vectors[d.id] = fresh[i + 1] }
            return (fresh[0], documents.map { vectors[$0.id]! })
        }
    }
}
