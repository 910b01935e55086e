// A T5 encoder-decoder loaded from a Hugging Face checkpoint: RMS-normed pre-LN blocks, attention
// without the 1/√d scaling, one learned relative-position bias per stack (in its first block, shared by
// all blocks), ReLU or gated-GELU feed-forward. The encoder runs a padded batch in one pass; the
// decoder runs one token at a time over a key/value cache (T5Decoder.swift).
import Foundation

public final class T5Model: @unchecked Sendable {
    public let config: T5Config

    struct FFN {
        let wi: Linear?      // v1.0
        let gate: Linear?    // v1.1: wi_0
        let up: Linear?      // v1.1: wi_1
        let wo: Linear
        let activation: Activation

        func callAsFunction(_ x: Tensor) -> Tensor {
            if let gate, let up { return FeedForward.gated(x, gate: gate, up: up, down: wo, activation: activation) }
            return FeedForward.dense(x, up: wi!, down: wo, activation: activation)
        }
    }

    struct EncoderBlock {
        let attentionNorm: Tensor
        let qkv: Linear      // q, k, v fused: [3·inner, d]
        let out: Linear
        let ffnNorm: Tensor
        let ffn: FFN
    }

    struct DecoderBlock {
        let selfNorm: Tensor
        let selfQKV: Linear
        let selfOut: Linear
        let crossNorm: Tensor
        let crossQ: Linear
        let crossKV: Linear  // k, v fused over the encoder states: [2·inner, d]
        let crossOut: Linear
        let ffnNorm: Tensor
        let ffn: FFN
    }

    let embedding: Tensor          // [vocab, d]
    let head: Linear               // [vocab, d]
    let encoderBias: Tensor        // [buckets, heads]
    let decoderBias: Tensor
    let encoderBlocks: [EncoderBlock]
    let decoderBlocks: [DecoderBlock]
    let encoderFinalNorm: Tensor
    let decoderFinalNorm: Tensor

    /// Loads the model in the Hugging Face directory `path` (config.json + safetensors).
    public convenience init(directory path: String) throws {
        try self.init(checkpoint: try Checkpoint(directory: path))
    }

    public init(checkpoint c: Checkpoint) throws {
        let cfg = try T5Config(c.config)
        config = cfg
        let d = cfg.dModel, inner = cfg.inner
        func t(_ name: String, _ shape: [Int]) throws -> Tensor { try c.tensor(name, shape: shape) }
        func linear(_ name: String, _ out: Int, _ inp: Int) throws -> Linear { Linear(weight: try t(name + ".weight", [out, inp])) }
        func ffn(_ p: String) throws -> FFN {
            if cfg.gated {
                return FFN(wi: nil, gate: try linear(p + ".wi_0", cfg.dFF, d), up: try linear(p + ".wi_1", cfg.dFF, d),
                           wo: try linear(p + ".wo", d, cfg.dFF), activation: cfg.activation)
            }
            return FFN(wi: try linear(p + ".wi", cfg.dFF, d), gate: nil, up: nil, wo: try linear(p + ".wo", d, cfg.dFF), activation: cfg.activation)
        }
        func qkv(_ p: String) throws -> Linear {
            Linear.fused([try linear(p + ".q", inner, d), try linear(p + ".k", inner, d), try linear(p + ".v", inner, d)])
        }

        guard let embeddingName = ["shared.weight", "encoder.embed_tokens.weight", "decoder.embed_tokens.weight"].first(where: c.has) else {
            throw CheckpointError("\(c.directory): no embedding matrix (shared.weight)")
        }
        embedding = try t(embeddingName, [cfg.vocabSize, d])
        if cfg.tiedHead {
            head = Linear(weight: embedding)
        } else {
            head = try linear("lm_head", cfg.vocabSize, d)
        }
        encoderBias = try t("encoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight", [cfg.buckets, cfg.heads])
        decoderBias = try t("decoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight", [cfg.buckets, cfg.heads])
        encoderBlocks = try (0..<cfg.encoderLayers).map { i in
            let p = "encoder.block.\(i).layer"
            return EncoderBlock(attentionNorm: try t("\(p).0.layer_norm.weight", [d]), qkv: try qkv("\(p).0.SelfAttention"),
                                out: try linear("\(p).0.SelfAttention.o", d, inner), ffnNorm: try t("\(p).1.layer_norm.weight", [d]),
                                ffn: try ffn("\(p).1.DenseReluDense"))
        }
        decoderBlocks = try (0..<cfg.decoderLayers).map { i in
            let p = "decoder.block.\(i).layer"
            return DecoderBlock(
                selfNorm: try t("\(p).0.layer_norm.weight", [d]), selfQKV: try qkv("\(p).0.SelfAttention"),
                selfOut: try linear("\(p).0.SelfAttention.o", d, inner),
                crossNorm: try t("\(p).1.layer_norm.weight", [d]), crossQ: try linear("\(p).1.EncDecAttention.q", inner, d),
                crossKV: Linear.fused([try linear("\(p).1.EncDecAttention.k", inner, d), try linear("\(p).1.EncDecAttention.v", inner, d)]),
                crossOut: try linear("\(p).1.EncDecAttention.o", d, inner),
                ffnNorm: try t("\(p).2.layer_norm.weight", [d]), ffn: try ffn("\(p).2.DenseReluDense"))
        }
        encoderFinalNorm = try t("encoder.final_layer_norm.weight", [d])
        decoderFinalNorm = try t("decoder.final_layer_norm.weight", [d])
    }

    /// Rows of the embedding matrix for `ids`, [ids.count, d]. An id outside the vocabulary is an error.
    func embed(_ ids: [Int]) throws -> Tensor {
        let d = config.dModel
        var out = Tensor(uninitialized: [ids.count, d])
        let o = out.mutablePointer()
        try withExtendedLifetime(embedding) {
            let e = embedding.pointer
            for (r, id) in ids.enumerated() {
                guard id >= 0 && id < config.vocabSize else { throw CheckpointError("token id \(id) is outside the vocabulary (0..<\(config.vocabSize))") }
                (o + r * d).update(from: e + id * d, count: d)
            }
        }
        return out
    }

    // MARK: Encoder

    /// A padded batch of inputs: token ids, and 1/0 for real tokens/padding, every row `length` long.
    public struct EncoderInput: Sendable {
        public var ids: [[Int]]
        public var mask: [[Int]]
        public init(ids: [[Int]], mask: [[Int]]? = nil) {
            self.ids = ids
            self.mask = mask ?? ids.map { $0.map { _ in 1 } }
        }
    }

    /// Encoder states for a batch: [batch·length, d] and the key mask [batch, length].
    public struct EncoderOutput: @unchecked Sendable {
        public let states: Tensor
        public let mask: Tensor
        public let batch: Int
        public let length: Int

        public init(states: Tensor, mask: Tensor, batch: Int, length: Int) {
            self.states = states
            self.mask = mask
            self.batch = batch
            self.length = length
        }

        /// Fusion-in-Decoder: the batch's entries side by side as one input of batch·length positions
        /// (the states are already laid out that way), so the decoder attends over all passages at once.
        public func fused() -> EncoderOutput {
            EncoderOutput(states: states, mask: mask.reshaped([1, batch * length]), batch: 1, length: batch * length)
        }
    }

    /// Encodes a padded batch in one pass.
    public func encode(_ input: EncoderInput) throws -> EncoderOutput {
        let batch = input.ids.count
        guard batch > 0 else { throw CheckpointError("T5: nothing to encode") }
        let length = input.ids[0].count
        guard length > 0 else { throw CheckpointError("T5: empty input (no tokens)") }
        guard input.ids.allSatisfy({ $0.count == length }), input.mask.count == batch, input.mask.allSatisfy({ $0.count == length }) else {
            throw CheckpointError("T5: a batch must be padded to one length, with a mask of the same shape")
        }
        let cfg = config, inner = cfg.inner
        var x = try embed(input.ids.flatMap { $0 })
        let mask = Tensor(shape: [batch, length], input.mask.flatMap { $0.map(Float.init) })
        let bias = RelativePosition.bias(table: encoderBias, heads: cfg.heads, queries: length, keys: length,
                                         bidirectional: true, buckets: cfg.buckets, maxDistance: cfg.maxDistance)
        for block in encoderBlocks {
            let qkv = block.qkv(x.rmsNorm(weight: block.attentionNorm, eps: cfg.eps))
            var attended = Tensor(uninitialized: [batch * length, inner])
            let o = attended.mutablePointer()
            withExtendedLifetime(qkv) {
                let p = qkv.pointer
                Attention.compute(query: MatrixView(base: p, stride: 3 * inner), key: MatrixView(base: p + inner, stride: 3 * inner),
                                  value: MatrixView(base: p + 2 * inner, stride: 3 * inner), output: o, outputStride: inner,
                                  batch: batch, queryLength: length, keyLength: length, heads: cfg.heads, headDim: cfg.dKV,
                                  scale: 1, keyMask: mask, positionBias: bias)
            }
            x.add(block.out(attended))
            x.add(block.ffn(x.rmsNorm(weight: block.ffnNorm, eps: cfg.eps)))
        }
        x.rmsNormInPlace(weight: encoderFinalNorm, eps: cfg.eps)
        return EncoderOutput(states: x, mask: mask, batch: batch, length: length)
    }
}
