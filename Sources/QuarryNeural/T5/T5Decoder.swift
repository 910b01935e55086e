// Incremental decoding: one token per row per step, the self-attention keys and values of earlier
// steps kept in a cache, the cross-attention keys and values of the encoder states computed once.
// Rows are hypotheses (beams); several rows may read the same encoder entry.
import Foundation

public final class T5DecoderState: @unchecked Sendable {
    let model: T5Model
    let encoder: T5Model.EncoderOutput
    /// Encoder entry each row attends to.
    public private(set) var entryOfRow: [Int]
    /// Tokens decoded so far (= the next position).
    public internal(set) var length = 0
    let capacity: Int
    /// Per layer: [rows, capacity, inner] keys and values of the decoder's own tokens.
    var selfKeys: [Tensor]
    var selfValues: [Tensor]
    /// Per layer: the keys and values of the encoder states, head-major — [entries, 2, heads, encoderLength, dKV]
    /// (keys then values): every decoding step reads all of them, and one head's block read in one
    /// sweep streams from memory about twice as fast as the same floats strided across rows.
    let crossKV: [Tensor]

    init(model: T5Model, encoder: T5Model.EncoderOutput, entryOfRow: [Int], capacity: Int) {
        self.model = model
        self.encoder = encoder
        self.entryOfRow = entryOfRow
        self.capacity = capacity
        let inner = model.config.inner
        selfKeys = model.decoderBlocks.map { _ in Tensor(zeros: [entryOfRow.count, capacity, inner]) }
        selfValues = model.decoderBlocks.map { _ in Tensor(zeros: [entryOfRow.count, capacity, inner]) }
        crossKV = model.decoderBlocks.map { block in
            T5DecoderState.headMajor(block.crossKV(encoder.states), entries: encoder.batch, length: encoder.length,
                                     heads: model.config.heads, headDim: model.config.dKV)
        }
    }

    public var rows: Int { entryOfRow.count }

    /// [entries·length, 2·heads·headDim] (k | v per row) → [entries, 2, heads, length, headDim].
    static func headMajor(_ kv: Tensor, entries: Int, length: Int, heads: Int, headDim d: Int) -> Tensor {
        var out = Tensor(uninitialized: kv.shape)
        let o = UncheckedSendable(out.mutablePointer())
        let width = 2 * heads * d
        withExtendedLifetime(kv) {
            let src = kv.pointer
            // One (entry, k|v, head) block per chunk of work: each writes its own block.
            Parallel.forRows(entries * 2 * heads, cost: length * d) { blocks in
                for block in blocks {
                    let e = block / (2 * heads), kh = block % (2 * heads)   // kh: k or v, then head
                    let dst = o.value + block * length * d
                    let from = src + e * length * width + kh * d
                    for t in 0..<length { (dst + t * d).update(from: from + t * width, count: d) }
                }
            }
        }
        return out
    }

    /// Keeps rows `sources` (a row may be copied into several): beam search's reordering.
    func reorder(_ sources: [Int]) {
        precondition(sources.count == rows, "T5DecoderState.reorder: \(sources.count) sources for \(rows) rows")
        guard sources != Array(0..<rows) else { return }
        let span = capacity * model.config.inner, used = length * model.config.inner
        func gather(_ cache: inout Tensor) {
            let snapshot = Tensor.concatenate([cache])   // a copy to read from while rows are overwritten
            let dst = cache.mutablePointer()
            withExtendedLifetime(snapshot) {
                for (r, s) in sources.enumerated() { (dst + r * span).update(from: snapshot.pointer + s * span, count: used) }
            }
        }
        for layer in 0..<selfKeys.count {
            gather(&selfKeys[layer])
            gather(&selfValues[layer])
        }
        entryOfRow = sources.map { entryOfRow[$0] }
    }
}

extension T5Model {
    /// A decoder state for `encoder`'s entries, `beams` rows per entry, room for `maxLength` tokens.
    public func decoderState(_ encoder: EncoderOutput, beams: Int = 1, maxLength: Int) -> T5DecoderState {
        T5DecoderState(model: self, encoder: encoder, entryOfRow: (0..<encoder.batch).flatMap { Array(repeating: $0, count: beams) },
                       capacity: max(1, maxLength))
    }

    /// Feeds one token per row and returns the next-token logits, [rows, vocab].
    public func decode(_ tokens: [Int], state: T5DecoderState) throws -> Tensor {
        let cfg = config, inner = cfg.inner, rows = state.rows
        precondition(tokens.count == rows, "T5.decode: \(tokens.count) tokens for \(rows) rows")
        guard state.length < state.capacity else { throw CheckpointError("T5: decoding past the length limit \(state.capacity)") }
        let t = state.length
        var x = try embed(tokens)
        // The token at position t sees positions 0…t, biased by how far back they are.
        let bias = RelativePosition.bias(table: decoderBias, heads: cfg.heads, queries: 1, keys: t + 1, queryOffset: t,
                                         bidirectional: false, buckets: cfg.buckets, maxDistance: cfg.maxDistance)
        let span = state.capacity * inner
        for (layer, block) in decoderBlocks.enumerated() {
            // Self-attention over the cache, this step's key and value appended first.
            let qkv = block.selfQKV(x.rmsNorm(weight: block.selfNorm, eps: cfg.eps))
            let keys = state.selfKeys[layer].mutablePointer(), values = state.selfValues[layer].mutablePointer()
            var attended = Tensor(uninitialized: [rows, inner])
            let o = attended.mutablePointer()
            withExtendedLifetime(qkv) {
                let p = qkv.pointer
                for r in 0..<rows {
                    (keys + r * span + t * inner).update(from: p + r * 3 * inner + inner, count: inner)
                    (values + r * span + t * inner).update(from: p + r * 3 * inner + 2 * inner, count: inner)
                    Attention.compute(query: MatrixView(base: p + r * 3 * inner, stride: 3 * inner),
                                      key: MatrixView(base: keys + r * span, stride: inner),
                                      value: MatrixView(base: values + r * span, stride: inner),
                                      output: o + r * inner, outputStride: inner, batch: 1, queryLength: 1, keyLength: t + 1,
                                      heads: cfg.heads, headDim: cfg.dKV, scale: 1, positionBias: bias)
                }
            }
            x.add(block.selfOut(attended))
            // Cross-attention over the row's encoder entry (no position bias).
            let q = block.crossQ(x.rmsNorm(weight: block.crossNorm, eps: cfg.eps))
            let crossed = crossAttention(q, layer: layer, state: state)
            x.add(block.crossOut(crossed))
            x.add(block.ffn(x.rmsNorm(weight: block.ffnNorm, eps: cfg.eps)))
        }
        state.length += 1
        x.rmsNormInPlace(weight: decoderFinalNorm, eps: cfg.eps)
        // t5 v1.0 ties the head to the embeddings and rescales first; v1.1 does neither.
        if cfg.tiedHead { x.scale(by: 1 / Float(cfg.dModel).squareRoot()) }
        return head(x)
    }

    /// Cross-attention of each row's query over its encoder entry. Rows reading the same entry (the beams
    /// of one input) go together, so the entry's keys and values are read once per step, not once per row.
    func crossAttention(_ q: Tensor, layer: Int, state: T5DecoderState) -> Tensor {
        let cfg = config, inner = cfg.inner, d = cfg.dKV, length = state.encoder.length
        var out = Tensor(uninitialized: [state.rows, inner])
        let o = out.mutablePointer()
        let kv = state.crossKV[layer]
        var rowsOfEntry: [Int: [Int]] = [:]
        for (r, e) in state.entryOfRow.enumerated() { rowsOfEntry[e, default: []].append(r) }
        withExtendedLifetime((q, kv)) {
            for (e, rows) in rowsOfEntry.sorted(by: { $0.key < $1.key }) {
                // The entry's query rows, contiguous.
                var queries = Tensor(uninitialized: [rows.count, inner])
                let qp = queries.mutablePointer()
                for (i, r) in rows.enumerated() { (qp + i * inner).update(from: q.pointer + r * inner, count: inner) }
                var result = Tensor(uninitialized: [rows.count, inner])
                let keys = kv.pointer + e * 2 * inner * length
                withExtendedLifetime(queries) {
                    Attention.compute(query: MatrixView(base: queries.pointer, stride: inner),
                                      key: MatrixView(base: keys, stride: d, headStride: length * d),
                                      value: MatrixView(base: keys + inner * length, stride: d, headStride: length * d),
                                      output: result.mutablePointer(), outputStride: inner, batch: 1, queryLength: rows.count,
                                      keyLength: length, heads: cfg.heads, headDim: d, scale: 1, keyMask: state.encoder.mask.slice(e))
                }
                withExtendedLifetime(result) {
                    for (i, r) in rows.enumerated() { (o + r * inner).update(from: result.pointer + i * inner, count: inner) }
                }
            }
        }
        return out
    }

    /// Logits for every position of `decoderInput` given the encoder output of one entry, [length, vocab]
    /// (teacher forcing, one step at a time through the cache).
    public func logits(decoderInput: [Int], encoder: EncoderOutput, entry: Int = 0) throws -> Tensor {
        let one = EncoderOutput(states: encoder.states.slice(entry * encoder.length..<(entry + 1) * encoder.length),
                                mask: encoder.mask.slice(entry..<(entry + 1)), batch: 1, length: encoder.length)
        let state = decoderState(one, maxLength: decoderInput.count)
        var steps: [Tensor] = []
        for token in decoderInput { steps.append(try decode([token], state: state)) }
        return Tensor.concatenate(steps)
    }
}
