// The parts of a Hugging Face T5 config.json the model needs, checked: t5 v1.0 (ReLU feed-forward,
// output head tied to the embeddings and scaled by d_model^-0.5) and v1.1 / flan-t5 (gated GELU,
// untied head, no scaling).
import Foundation

public struct T5Config: Sendable, Hashable {
    public var vocabSize: Int
    public var dModel: Int
    public var dKV: Int
    public var dFF: Int
    public var encoderLayers: Int
    public var decoderLayers: Int
    public var heads: Int
    public var buckets: Int
    public var maxDistance: Int
    public var eps: Float
    /// Gated feed-forward (wi_0, wi_1) instead of one input projection (wi).
    public var gated: Bool
    public var activation: Activation
    /// Output head shares the embedding matrix and the decoder output is scaled by d_model^-0.5 (v1.0).
    public var tiedHead: Bool
    public var decoderStartToken: Int
    public var eosToken: Int
    public var padToken: Int

    public var inner: Int { heads * dKV }

    public init(_ c: ModelConfig) throws {
        let type = try c.string("model_type", default: "t5")
        guard type == "t5" else { throw CheckpointError("\(c.path): model_type '\(type)' is not t5") }
        let archs = try c.strings("architectures")
        if let a = archs.first, !["T5ForConditionalGeneration", "T5Model", "T5EncoderModel"].contains(a) {
            throw CheckpointError("\(c.path): architecture '\(a)' is not supported (T5ForConditionalGeneration is)")
        }
        vocabSize = try c.int("vocab_size")
        dModel = try c.int("d_model")
        dKV = try c.int("d_kv")
        dFF = try c.int("d_ff")
        encoderLayers = try c.int("num_layers")
        decoderLayers = try c.int("num_decoder_layers", default: encoderLayers)
        heads = try c.int("num_heads")
        buckets = try c.int("relative_attention_num_buckets", default: 32)
        maxDistance = try c.int("relative_attention_max_distance", default: 128)
        eps = Float(try c.double("layer_norm_epsilon", default: 1e-6))
        let proj = try c.string("feed_forward_proj", default: "relu")
        let parts = proj.split(separator: "-").map(String.init)
        gated = parts.count == 2 && parts[0] == "gated"
        guard parts.count == 1 || gated else {
            throw CheckpointError("\(c.path): feed_forward_proj '\(proj)' is not supported (relu, gelu, gated-gelu, gated-relu, gated-silu)")
        }
        // As transformers does: "gated-gelu" means the tanh approximation.
        let name = proj == "gated-gelu" ? "gelu_new" : parts.last!
        guard let act = Activation(huggingFaceName: name) else {
            throw CheckpointError("\(c.path): activation '\(name)' (feed_forward_proj '\(proj)') is not supported")
        }
        activation = act
        tiedHead = try c.bool("tie_word_embeddings", default: true)
        decoderStartToken = try c.int("decoder_start_token_id", default: 0)
        eosToken = try c.int("eos_token_id", default: 1)
        padToken = try c.int("pad_token_id", default: 0)
        for (key, v) in [("vocab_size", vocabSize), ("d_model", dModel), ("d_kv", dKV), ("d_ff", dFF), ("num_heads", heads),
                         ("num_layers", encoderLayers), ("relative_attention_num_buckets", buckets)] where v <= 0 {
            throw CheckpointError("\(c.path): '\(key)' must be positive, found \(v)")
        }
    }
}
