// Text in, text out for a T5 model with its tokenizer, as Fusion-in-Decoder: every source text is
// encoded apart (one padded batch), the encoder states are concatenated, and the decoder reads all of
// them. One source is plain T5 generation. Used by `quarry generate` and the RADCoT expander.
import Foundation

public final class FusionInDecoder: @unchecked Sendable {
    public let model: T5Model
    public let tokenizer: UnigramTokenizer

    /// Time spent per phase of one call, in seconds, and the tokens read and written.
    public struct Timings: Sendable {
        public var tokenize = 0.0, encode = 0.0, decode = 0.0
        public var sourceTokens = 0, generatedTokens = 0
        public init() {}
        public mutating func add(_ o: Timings) {
            tokenize += o.tokenize; encode += o.encode; decode += o.decode
            sourceTokens += o.sourceTokens; generatedTokens += o.generatedTokens
        }
    }

    public struct Output: Sendable {
        /// The generated text (special tokens dropped).
        public var text: String
        /// The generated ids, the decoder start token first.
        public var tokens: [Int]
        public var timings: Timings
    }

    /// Loads a Hugging Face T5 directory: config.json, safetensors, and spiece.model or tokenizer.json.
    public convenience init(directory: String) throws {
        try self.init(model: T5Model(directory: directory), tokenizer: UnigramTokenizer(directory: directory))
    }

    public init(model: T5Model, tokenizer: UnigramTokenizer) {
        self.model = model
        self.tokenizer = tokenizer
    }

    /// Generates from `sources` (≥ 1), each cut to `maxSourceTokens` tokens, </s> included.
    public func generate(_ sources: [String], maxSourceTokens: Int, options: GenerationOptions) throws -> Output {
        guard !sources.isEmpty else { throw CheckpointError("Fusion-in-Decoder needs at least one source text") }
        var timings = Timings()
        var start = DispatchTime.now()
        func lap() -> Double {
            let now = DispatchTime.now()
            defer { start = now }
            return Double(now.uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
        }
        let batch = tokenizer.encodeBatch(sources, maxLength: maxSourceTokens)
        timings.sourceTokens = batch.attentionMask.reduce(0) { $0 + $1.reduce(0, +) }
        timings.tokenize = lap()
        let encoded = try model.encode(.init(ids: batch.ids, mask: batch.attentionMask))
        timings.encode = lap()
        let generated = try model.generate(sources.count == 1 ? encoded : encoded.fused(), options: options)[0]
        timings.decode = lap()
        timings.generatedTokens = generated.tokens.count - 1
        return Output(text: try tokenizer.decode(generated.tokens), tokens: generated.tokens, timings: timings)
    }
}
