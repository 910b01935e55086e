// One sequence for the BERT encoder: token ids with optional token types and attention mask (a tokenizer's output).
import Foundation

public struct BERTInput: Sendable, Equatable {
    public var tokenIds: [Int]
    /// Segment of each token (0 for the query / first text, 1 for the passage / second); zeros when omitted.
    public var tokenTypeIds: [Int]
    /// 1 for tokens to attend to, 0 for padding; ones when omitted.
    public var attentionMask: [Int]

    /// A tokenizer's encoding of one text or pair.
    public init(_ e: Encoding) {
        self.init(tokenIds: e.ids, tokenTypeIds: e.typeIds, attentionMask: e.attentionMask)
    }

    public init(tokenIds: [Int], tokenTypeIds: [Int]? = nil, attentionMask: [Int]? = nil) {
        self.tokenIds = tokenIds
        self.tokenTypeIds = tokenTypeIds ?? [Int](repeating: 0, count: tokenIds.count)
        self.attentionMask = attentionMask ?? [Int](repeating: 1, count: tokenIds.count)
    }
}

/// The encoder's last hidden states for a padded batch.
public struct BERTOutput: Sendable {
    /// [batch, sequence, hidden]; sequence is the longest input's length.
    public let hidden: Tensor
    /// [batch, sequence]: 1 for real tokens, 0 for padding.
    public let mask: Tensor

    public var batch: Int { hidden.shape[0] }
    public var sequenceLength: Int { hidden.shape[1] }
    public var hiddenSize: Int { hidden.shape[2] }

    /// Mean of the token vectors weighted by the attention mask (sentence-transformers' mean pooling): [batch, hidden].
    public func meanPooled() -> Tensor {
        let (b, s, h) = (batch, sequenceLength, hiddenSize)
        var out = Tensor(zeros: [b, h])
        let o = out.mutablePointer()
        withExtendedLifetime((hidden, mask)) {
            let x = hidden.pointer, m = mask.pointer
            for i in 0..<b {
                let row = o + i * h
                var n: Float = 0
                for t in 0..<s {
                    let w = m[i * s + t]
                    if w == 0 { continue }
                    n += w
                    let tok = x + (i * s + t) * h
                    for j in 0..<h { row[j] += w * tok[j] }
                }
                let inv = 1 / Swift.max(n, 1e-9)
                for j in 0..<h { row[j] *= inv }
            }
        }
        return out
    }

    /// The first token's ([CLS]) vector of each sequence: [batch, hidden].
    public func clsPooled() -> Tensor {
        let (b, s, h) = (batch, sequenceLength, hiddenSize)
        var out = Tensor(uninitialized: [b, h])
        let o = out.mutablePointer()
        withExtendedLifetime(hidden) {
            for i in 0..<b { (o + i * h).update(from: hidden.pointer + i * s * h, count: h) }
        }
        return out
    }
}
