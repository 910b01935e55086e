// Greedy decoding and beam search over the T5 decoder, with the semantics of transformers'
// `generate` (4.x): sequences start with the decoder start token; greedy stops a row at </s>; beam
// search keeps `beams` hypotheses per input, ranks finished ones by sum of log-probabilities / length^α,
// and stops an input once no running beam can beat its worst kept hypothesis.
import Foundation

public struct GenerationOptions: Sendable, Hashable {
    /// Most tokens generated after the start token.
    public var maxNewTokens: Int = 50
    /// </s> is forbidden until this many tokens are out (benchmarks force a fixed length with it).
    public var minNewTokens: Int = 0
    /// 1: greedy.
    public var beams: Int = 1
    /// α in score / length^α for finished beams.
    public var lengthPenalty: Double = 1
    /// Stop an input as soon as `beams` hypotheses have finished.
    public var earlyStopping = false

    public init(maxNewTokens: Int = 50, minNewTokens: Int = 0, beams: Int = 1, lengthPenalty: Double = 1, earlyStopping: Bool = false) {
        self.maxNewTokens = maxNewTokens
        self.minNewTokens = minNewTokens
        self.beams = beams
        self.lengthPenalty = lengthPenalty
        self.earlyStopping = earlyStopping
    }
}

/// One generated sequence: token ids from the start token on (ending with </s> when it finished), and
/// for beam search its score.
public struct Generated: Sendable, Hashable {
    public var tokens: [Int]
    public var score: Double?
}

extension T5Model {
    /// Generates one sequence per encoder entry (use `encoder.fused()` for Fusion-in-Decoder).
    public func generate(_ encoder: EncoderOutput, options: GenerationOptions = GenerationOptions()) throws -> [Generated] {
        guard options.maxNewTokens > 0 else { throw CheckpointError("generation needs maxNewTokens ≥ 1") }
        guard options.beams >= 1 else { throw CheckpointError("generation needs beams ≥ 1") }
        return options.beams == 1 ? try greedy(encoder, options) : try beamSearch(encoder, options)
    }

    private func greedy(_ encoder: EncoderOutput, _ options: GenerationOptions) throws -> [Generated] {
        let cfg = config
        let state = decoderState(encoder, maxLength: options.maxNewTokens)
        var sequences = (0..<encoder.batch).map { _ in [cfg.decoderStartToken] }
        var finished = [Bool](repeating: false, count: encoder.batch)
        for step in 0..<options.maxNewTokens {
            // Finished rows keep feeding padding, as transformers does; their output is not used.
            let logits = try decode(sequences.map { $0.last! }, state: state)
            for r in 0..<encoder.batch {
                let next = finished[r] ? cfg.padToken : Self.argmax(logits, row: r, excluding: step < options.minNewTokens ? cfg.eosToken : nil)
                sequences[r].append(next)
                if next == cfg.eosToken { finished[r] = true }
            }
            if finished.allSatisfy({ $0 }) { break }
        }
        // Trailing padding after </s> belongs to the batch, not to the row.
        return sequences.map { seq in
            if let end = seq.dropFirst().firstIndex(of: cfg.eosToken) { return Generated(tokens: Array(seq[...end]), score: nil) }
            return Generated(tokens: seq, score: nil)
        }
    }

    static func argmax(_ logits: Tensor, row: Int, excluding banned: Int? = nil) -> Int {
        let v = logits.columns
        return withExtendedLifetime(logits) {
            let p = logits.pointer + row * v
            var best = banned == 0 ? 1 : 0
            for j in 0..<v where j != banned && p[j] > p[best] { best = j }
            return best
        }
    }

    /// Finished hypotheses of one input, best `capacity` kept.
    private struct Hypotheses {
        let capacity: Int
        let lengthPenalty: Double
        let earlyStopping: Bool
        var kept: [(score: Double, tokens: [Int])] = []
        var worst = 1e9

        mutating func add(_ tokens: [Int], sumLogProbs: Double, generated: Int) {
            let score = sumLogProbs / pow(Double(generated), lengthPenalty)
            guard kept.count < capacity || score > worst else { return }
            kept.append((score, tokens))
            if kept.count > capacity {
                let order = kept.indices.sorted { kept[$0].score < kept[$1].score }
                kept.remove(at: order[0])
                worst = kept[order[1] > order[0] ? order[1] - 1 : order[1]].score
            } else {
                worst = min(score, worst)
            }
        }

        /// Whether no running beam (best sum `best` at `generated` tokens) can still enter the list.
        func done(best: Double, generated: Int) -> Bool {
            guard kept.count >= capacity else { return false }
            if earlyStopping { return true }
            return worst >= best / pow(Double(generated), lengthPenalty)
        }
    }

    private func beamSearch(_ encoder: EncoderOutput, _ options: GenerationOptions) throws -> [Generated] {
        let cfg = config, k = options.beams, entries = encoder.batch, vocab = cfg.vocabSize
        let maxLength = 1 + options.maxNewTokens
        let state = decoderState(encoder, beams: k, maxLength: options.maxNewTokens)
        var sequences = [[Int]](repeating: [cfg.decoderStartToken], count: entries * k)
        // Only the first beam of each input is live at the start, so the first step does not pick k copies.
        var beamScores = (0..<entries * k).map { $0 % k == 0 ? Float(0) : Float(-1e9) }
        var hypotheses = (0..<entries).map { _ in Hypotheses(capacity: k, lengthPenalty: options.lengthPenalty, earlyStopping: options.earlyStopping) }
        var done = [Bool](repeating: false, count: entries)
        var length = 1
        while true {
            let logits = try decode(sequences.map { $0.last! }, state: state)
            var nextTokens = [Int](repeating: cfg.padToken, count: entries * k)
            var nextScores = [Float](repeating: 0, count: entries * k)
            var sources = [Int](repeating: 0, count: entries * k)
            try withExtendedLifetime(logits) {
                let p = logits.pointer
                for e in 0..<entries where !done[e] {
                    // Each beam's log-softmax plus its running score; the best 2k over all beams × vocabulary.
                    var candidates: [(score: Float, beam: Int, token: Int)] = []
                    candidates.reserveCapacity(2 * k * k)
                    for b in 0..<k {
                        let row = e * k + b
                        var scores = Self.logSoftmax(p + row * vocab, count: vocab)
                        if length - 1 < options.minNewTokens { scores[cfg.eosToken] = -.infinity }
                        for (token, s) in Self.top(scores, 2 * k) { candidates.append((s + beamScores[row], b, token)) }
                    }
                    candidates.sort { $0.score != $1.score ? $0.score > $1.score : ($0.beam, $0.token) < ($1.beam, $1.token) }
                    var filled = 0
                    for (rank, c) in candidates.prefix(2 * k).enumerated() {
                        let row = e * k + c.beam
                        if c.token == cfg.eosToken {
                            if rank >= k { continue }
                            hypotheses[e].add(sequences[row], sumLogProbs: Double(c.score), generated: length)
                        } else {
                            nextTokens[e * k + filled] = c.token
                            nextScores[e * k + filled] = c.score
                            sources[e * k + filled] = row
                            filled += 1
                        }
                        if filled == k { break }
                    }
                    guard filled == k else { throw CheckpointError("beam search: fewer than \(k) continuations") }
                    done[e] = done[e] || hypotheses[e].done(best: Double(candidates[0].score), generated: length)
                }
            }
            state.reorder(sources)
            sequences = zip(sources, nextTokens).map { sequences[$0] + [$1] }
            beamScores = nextScores
            length += 1
            if done.allSatisfy({ $0 }) || length >= maxLength { break }
        }
        var out: [Generated] = []
        for e in 0..<entries {
            if !done[e] {
                for b in 0..<k {
                    let row = e * k + b
                    hypotheses[e].add(sequences[row], sumLogProbs: Double(beamScores[row]), generated: sequences[row].count - 1)
                }
            }
            guard let best = hypotheses[e].kept.max(by: { $0.score < $1.score }) else { throw CheckpointError("beam search: no hypothesis") }
            // A hypothesis that finished is stored without its </s>; it is put back unless the length limit cut it.
            let tokens = best.tokens.count < maxLength ? best.tokens + [cfg.eosToken] : best.tokens
            out.append(Generated(tokens: tokens, score: best.score))
        }
        return out
    }

    /// log-softmax of `count` logits (float32, max-shifted).
    static func logSoftmax(_ p: UnsafePointer<Float>, count: Int) -> [Float] {
        var m = -Float.infinity
        for j in 0..<count { m = max(m, p[j]) }
        var s: Float = 0
        for j in 0..<count { s += expf(p[j] - m) }
        let l = m + logf(s)
        return (0..<count).map { p[$0] - l }
    }

    /// The `n` largest (index, value) pairs, largest first.
    static func top(_ values: [Float], _ n: Int) -> [(Int, Float)] {
        var best: [(Int, Float)] = []
        for (i, v) in values.enumerated() where best.count < n || v > best[best.count - 1].1 {
            let at = best.firstIndex { v > $0.1 } ?? best.count
            best.insert((i, v), at: at)
            if best.count > n { best.removeLast() }
        }
        return best
    }
}
