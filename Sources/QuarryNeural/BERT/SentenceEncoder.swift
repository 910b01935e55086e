// A sentence-transformers model directory: the BERT encoder, then the pooling its modules.json names
// (1_Pooling/config.json: mean or CLS), then L2 normalisation when a Normalize module is listed.
import Foundation

public final class SentenceEncoder: @unchecked Sendable {
    public enum Pooling: String, Sendable { case mean, cls }

    public let model: BERTModel
    public let pooling: Pooling
    /// Whether embeddings are scaled to unit length (a sentence_transformers.models.Normalize module).
    public let normalize: Bool
    /// sentence_bert_config.json's max_seq_length (the tokenizer should truncate to it), else max_position_embeddings.
    public let maxSequenceLength: Int

    /// Loads `directory`; without modules.json it is a plain BERT with mean pooling and no normalisation.
    public init(directory: String) throws {
        let ck = try Checkpoint(directory: directory)
        model = try BERTModel(checkpoint: ck)
        let dir = URL(fileURLWithPath: directory)
        var pooling = Pooling.mean
        var normalize = false
        let modulesPath = dir.appendingPathComponent("modules.json").path
        if FileManager.default.fileExists(atPath: modulesPath) {
            guard let data = FileManager.default.contents(atPath: modulesPath),
                  let modules = (try? JSONSerialization.jsonObject(with: data)) as? [[String: Any]] else {
                throw CheckpointError("\(modulesPath): not a list of modules")
            }
            for m in modules {
                let type = m["type"] as? String ?? ""
                let path = m["path"] as? String ?? ""
                switch type.split(separator: ".").last.map(String.init) ?? "" {
                case "Transformer": break
                case "Normalize": normalize = true
                case "Pooling":
                    let cfg = try ModelConfig(path: dir.appendingPathComponent(path).appendingPathComponent("config.json").path)
                    if try cfg.bool("pooling_mode_cls_token", default: false) { pooling = .cls }
                    else if try cfg.bool("pooling_mode_mean_tokens", default: false) { pooling = .mean }
                    else { throw CheckpointError("\(cfg.path): only mean or CLS pooling is supported") }
                default:
                    throw CheckpointError("\(modulesPath): module type '\(type)' is not supported (Transformer, Pooling and Normalize are)")
                }
            }
        }
        self.pooling = pooling
        self.normalize = normalize
        let stPath = dir.appendingPathComponent("sentence_bert_config.json").path
        if FileManager.default.fileExists(atPath: stPath) {
            maxSequenceLength = try ModelConfig(path: stPath).int("max_seq_length", default: model.config.maxPositions)
        } else {
            maxSequenceLength = model.config.maxPositions
        }
    }

    public var dimension: Int { model.config.hiddenSize }

    /// Embeddings of `inputs`, [count, hidden], in input order. Inputs run in padded batches of up to
    /// `batchSize`, grouped by length so that little padding is computed.
    public func embed(_ inputs: [BERTInput], batchSize: Int = 32) throws -> Tensor {
        guard !inputs.isEmpty else { return Tensor(zeros: [0, dimension]) }
        let order = inputs.indices.sorted { (inputs[$0].tokenIds.count, $0) < (inputs[$1].tokenIds.count, $1) }
        var out = Tensor(uninitialized: [inputs.count, dimension])
        let op = out.mutablePointer()
        var start = 0
        while start < order.count {
            let chunk = Array(order[start..<min(start + max(batchSize, 1), order.count)])
            let e = try embedBatch(chunk.map { inputs[$0] })
            withExtendedLifetime(e) {
                for (k, i) in chunk.enumerated() { (op + i * dimension).update(from: e.pointer + k * dimension, count: dimension) }
            }
            start += chunk.count
        }
        return out
    }

    /// Embeddings of one padded batch, exactly as given: [batch, hidden].
    public func embedBatch(_ inputs: [BERTInput]) throws -> Tensor {
        let output = try model.encode(inputs)
        let pooled = pooling == .mean ? output.meanPooled() : output.clsPooled()
        return normalize ? pooled.l2NormalizedRows() : pooled
    }
}
