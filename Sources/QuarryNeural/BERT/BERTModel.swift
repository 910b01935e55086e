// The BERT encoder (post-LN blocks) with its optional pooler and sequence-classification head, loaded from
// a Hugging Face checkpoint. A batch runs as [batch·sequence, hidden] matrices so each linear layer is one sgemm.
import Foundation

public final class BERTModel: @unchecked Sendable {
    struct Layer {
        /// Query, key and value fused into one [3·hidden, hidden] product.
        let qkv: Linear
        let attentionOutput: Linear
        let attentionNorm: (weight: Tensor, bias: Tensor)
        let intermediate: Linear
        let output: Linear
        let outputNorm: (weight: Tensor, bias: Tensor)
    }

    public let config: BERTConfig
    let wordEmbeddings: Tensor
    let positionEmbeddings: Tensor
    let tokenTypeEmbeddings: Tensor
    let embeddingNorm: (weight: Tensor, bias: Tensor)
    let layers: [Layer]
    /// Dense + tanh on [CLS], when the checkpoint has one.
    let pooler: Linear?
    /// The sequence-classification head, when the checkpoint has one.
    let classifier: Linear?

    /// Whether `classify` is available (the checkpoint has a pooler and a classifier).
    public var hasClassifier: Bool { pooler != nil && classifier != nil }

    /// Loads a Hugging Face BERT directory (BertModel, or Bert* with a "bert." prefix such as BertForSequenceClassification).
    public convenience init(directory: String) throws {
        try self.init(checkpoint: Checkpoint(directory: directory))
    }

    public init(checkpoint ck: Checkpoint) throws {
        let c = try BERTConfig(ck.config)
        config = c
        guard let p = ck.prefix(for: "embeddings.word_embeddings.weight", among: ["", "bert.", "model."]) else {
            throw CheckpointError("\(ck.directory): missing tensor 'embeddings.word_embeddings.weight' (with or without a 'bert.' prefix); not a BERT checkpoint?")
        }
        let h = c.hiddenSize
        func t(_ name: String, _ shape: [Int]) throws -> Tensor { try ck.tensor(p + name, shape: shape) }
        // Old TF-converted checkpoints name LayerNorm parameters gamma/beta.
        func norm(_ base: String) throws -> (weight: Tensor, bias: Tensor) {
            if ck.has(p + base + ".gamma") { return (try t(base + ".gamma", [h]), try t(base + ".beta", [h])) }
            return (try t(base + ".weight", [h]), try t(base + ".bias", [h]))
        }
        func linear(_ base: String, out: Int, in inFeatures: Int) throws -> Linear {
            Linear(weight: try t(base + ".weight", [out, inFeatures]), bias: try t(base + ".bias", [out]))
        }
        wordEmbeddings = try t("embeddings.word_embeddings.weight", [c.vocabSize, h])
        positionEmbeddings = try t("embeddings.position_embeddings.weight", [c.maxPositions, h])
        tokenTypeEmbeddings = try t("embeddings.token_type_embeddings.weight", [c.typeVocabSize, h])
        embeddingNorm = try norm("embeddings.LayerNorm")
        layers = try (0..<c.layers).map { i in
            let l = "encoder.layer.\(i)."
            return Layer(
                qkv: Linear.fused([try linear(l + "attention.self.query", out: h, in: h),
                                   try linear(l + "attention.self.key", out: h, in: h),
                                   try linear(l + "attention.self.value", out: h, in: h)]),
                attentionOutput: try linear(l + "attention.output.dense", out: h, in: h),
                attentionNorm: try norm(l + "attention.output.LayerNorm"),
                intermediate: try linear(l + "intermediate.dense", out: c.intermediateSize, in: h),
                output: try linear(l + "output.dense", out: h, in: c.intermediateSize),
                outputNorm: try norm(l + "output.LayerNorm"))
        }
        pooler = ck.has(p + "pooler.dense.weight") ? try linear("pooler.dense", out: h, in: h) : nil
        if ck.has("classifier.weight") {
            classifier = Linear(weight: try ck.tensor("classifier.weight", shape: [c.numLabels, h]), bias: try ck.tensor("classifier.bias", shape: [c.numLabels]))
        } else {
            classifier = nil
        }
    }

    /// Checks one input against the vocabulary and limits.
    private func validate(_ input: BERTInput, at i: Int) throws {
        let n = input.tokenIds.count
        guard n > 0 else { throw CheckpointError("BERT input \(i): no tokens (an empty text still has [CLS] and [SEP])") }
        guard n <= config.maxPositions else {
            throw CheckpointError("BERT input \(i): \(n) tokens, more than max_position_embeddings \(config.maxPositions) (truncate when tokenizing)")
        }
        guard input.tokenTypeIds.count == n, input.attentionMask.count == n else {
            throw CheckpointError("BERT input \(i): \(n) token ids but \(input.tokenTypeIds.count) token types and \(input.attentionMask.count) mask entries")
        }
        if let bad = input.tokenIds.first(where: { $0 < 0 || $0 >= config.vocabSize }) {
            throw CheckpointError("BERT input \(i): token id \(bad) is outside the vocabulary (vocab_size \(config.vocabSize))")
        }
        if let bad = input.tokenTypeIds.first(where: { $0 < 0 || $0 >= config.typeVocabSize }) {
            throw CheckpointError("BERT input \(i): token type \(bad) is outside type_vocab_size \(config.typeVocabSize)")
        }
        if let bad = input.attentionMask.first(where: { $0 != 0 && $0 != 1 }) {
            throw CheckpointError("BERT input \(i): attention mask value \(bad) is not 0 or 1")
        }
    }

    /// Last hidden states of a batch; inputs of different lengths are right-padded to the longest.
    public func encode(_ inputs: [BERTInput]) throws -> BERTOutput {
        guard !inputs.isEmpty else { throw CheckpointError("BERT: empty batch") }
        for (i, x) in inputs.enumerated() { try validate(x, at: i) }
        let b = inputs.count, s = inputs.map(\.tokenIds.count).max()!, h = config.hiddenSize, n = b * s

        // Embeddings: word + position + token type, padding rows with the pad token and mask 0.
        var mask = Tensor(zeros: [b, s])
        var x = Tensor(uninitialized: [n, h])
        let xp = x.mutablePointer(), mp = mask.mutablePointer()
        withExtendedLifetime((wordEmbeddings, positionEmbeddings, tokenTypeEmbeddings)) {
            let we = wordEmbeddings.pointer, pe = positionEmbeddings.pointer, te = tokenTypeEmbeddings.pointer
            for (i, input) in inputs.enumerated() {
                for t in 0..<s {
                    let real = t < input.tokenIds.count
                    let id = real ? input.tokenIds[t] : config.padTokenId
                    let type = real ? input.tokenTypeIds[t] : 0
                    mp[i * s + t] = real ? Float(input.attentionMask[t]) : 0
                    let row = xp + (i * s + t) * h, w = we + id * h, p = pe + t * h, ty = te + type * h
                    for j in 0..<h { row[j] = w[j] + p[j] + ty[j] }
                }
            }
        }
        x.layerNormInPlace(weight: embeddingNorm.weight, bias: embeddingNorm.bias, eps: config.layerNormEps)

        let heads = config.heads, d = config.headDim, scale = 1 / Float(d).squareRoot()
        // Right padding is not attended from: its rows' outputs are never pooled, so they are skipped.
        let lengths = inputs.map { x in (x.attentionMask.lastIndex(of: 1) ?? -1) + 1 }
        for layer in layers {
            let qkv = layer.qkv(x)  // [n, 3h]: query | key | value side by side
            var context = Tensor(uninitialized: [n, h])
            let cp = context.mutablePointer()
            withExtendedLifetime(qkv) {
                let base = qkv.pointer
                Attention.compute(query: MatrixView(base: base, stride: 3 * h), key: MatrixView(base: base + h, stride: 3 * h),
                                  value: MatrixView(base: base + 2 * h, stride: 3 * h), output: cp, outputStride: h,
                                  batch: b, queryLength: s, keyLength: s, heads: heads, headDim: d, scale: scale, keyMask: mask, queryLengths: lengths)
            }
            var attended = layer.attentionOutput(context)
            attended.add(x)
            attended.layerNormInPlace(weight: layer.attentionNorm.weight, bias: layer.attentionNorm.bias, eps: config.layerNormEps)
            var ff = FeedForward.dense(attended, up: layer.intermediate, down: layer.output, activation: config.activation)
            ff.add(attended)
            ff.layerNormInPlace(weight: layer.outputNorm.weight, bias: layer.outputNorm.bias, eps: config.layerNormEps)
            x = ff
        }
        return BERTOutput(hidden: x.reshaped([b, s, h]), mask: mask)
    }

    /// The pooler's output, tanh(dense([CLS])): [batch, hidden].
    public func pooled(_ output: BERTOutput) throws -> Tensor {
        guard let pooler else { throw CheckpointError("BERT: the checkpoint has no pooler (pooler.dense.weight)") }
        var p = pooler(output.clsPooled())
        p.withUnsafeMutableBufferPointer { buf in for i in buf.indices { buf[i] = tanhf(buf[i]) } }
        return p
    }

    /// Sequence-classification logits (BertForSequenceClassification: classifier(pooler([CLS]))): [batch, numLabels].
    public func classify(_ inputs: [BERTInput]) throws -> Tensor {
        guard let classifier else {
            throw CheckpointError("BERT: the checkpoint has no classification head (classifier.weight); it is not a cross-encoder")
        }
        return classifier(try pooled(try encode(inputs)))
    }
}
