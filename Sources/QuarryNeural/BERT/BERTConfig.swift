// BERT's hyper-parameters from a Hugging Face config.json; anything the encoder does not implement is an error.
import Foundation

public struct BERTConfig: Sendable, Equatable {
    public var vocabSize: Int
    public var hiddenSize: Int
    public var layers: Int
    public var heads: Int
    public var intermediateSize: Int
    public var activation: Activation
    public var layerNormEps: Float
    public var maxPositions: Int
    public var typeVocabSize: Int
    public var padTokenId: Int
    /// Outputs of a sequence-classification head (len(id2label), else num_labels, else 2 as in transformers).
    public var numLabels: Int

    public var headDim: Int { hiddenSize / heads }

    /// Reads and checks `config` (a BERT config.json).
    public init(_ config: ModelConfig) throws {
        let path = config.path
        let modelType = try config.string("model_type", default: "bert")
        guard modelType == "bert" else {
            throw CheckpointError("\(path): model_type '\(modelType)' is not supported by the BERT encoder (unsupported architecture)")
        }
        for arch in try config.strings("architectures") where !arch.hasPrefix("Bert") {
            throw CheckpointError("\(path): architecture '\(arch)' is not supported by the BERT encoder (unsupported architecture)")
        }
        let positionType = try config.string("position_embedding_type", default: "absolute")
        guard positionType == "absolute" else {
            throw CheckpointError("\(path): position_embedding_type '\(positionType)' is not supported (only absolute)")
        }
        let act = try config.string("hidden_act", default: "gelu")
        guard let activation = Activation(huggingFaceName: act) else {
            throw CheckpointError("\(path): hidden_act '\(act)' is not supported (unsupported activation; use gelu, gelu_new or relu)")
        }
        self.activation = activation
        vocabSize = try config.int("vocab_size")
        hiddenSize = try config.int("hidden_size")
        layers = try config.int("num_hidden_layers")
        heads = try config.int("num_attention_heads")
        intermediateSize = try config.int("intermediate_size")
        layerNormEps = Float(try config.double("layer_norm_eps", default: 1e-12))
        maxPositions = try config.int("max_position_embeddings", default: 512)
        typeVocabSize = try config.int("type_vocab_size", default: 2)
        padTokenId = try config.int("pad_token_id", default: 0)
        if let labels = config.values["id2label"] as? [String: Any] {
            numLabels = labels.count
        } else {
            numLabels = try config.int("num_labels", default: 2)
        }
        for (name, v) in [("vocab_size", vocabSize), ("hidden_size", hiddenSize), ("num_hidden_layers", layers), ("num_attention_heads", heads),
                          ("intermediate_size", intermediateSize), ("max_position_embeddings", maxPositions), ("type_vocab_size", typeVocabSize)] where v <= 0 {
            throw CheckpointError("\(path): '\(name)' must be positive, found \(v)")
        }
        guard hiddenSize % heads == 0 else {
            throw CheckpointError("\(path): hidden_size \(hiddenSize) is not a multiple of num_attention_heads \(heads)")
        }
    }
}
