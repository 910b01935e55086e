// Multi-head scaled dot-product attention over [tokens, heads·headDim] matrices. Each (batch, head) pair
// multiplies strided views of Q, K and V in place (lda = the row width), so heads are never copied out.
import Foundation

/// A [rows, columns] matrix inside a buffer whose rows are `stride` floats apart (e.g. the query part
/// of a fused QKV output). Heads sit side by side in a row unless `headStride` says they are blocks of
/// their own (a head-major [heads, rows, headDim] layout, where `stride` is the head size).
public struct MatrixView: @unchecked Sendable {
    public let base: UnsafePointer<Float>
    public let stride: Int
    /// Floats between one head's first element and the next's; nil: headDim (heads side by side).
    public let headStride: Int?
    public init(base: UnsafePointer<Float>, stride: Int, headStride: Int? = nil) {
        self.base = base
        self.stride = stride
        self.headStride = headStride
    }
}

public enum Attention {
    /// softmax(scale · Q·Kᵀ + bias + mask) · V for every batch entry and head.
    ///
    /// - query: [batch·queryLength, heads·headDim]; key, value: [batch·keyLength, heads·headDim].
    /// - keyMask: [batch, keyLength], 1 for real tokens and 0 for padding (padding gets no attention).
    /// - positionBias: added to the scores, [heads, queryLength, keyLength] (shared by the batch) or
    ///   [batch, heads, queryLength, keyLength] (T5's relative position bias).
    /// - causal: query i sees keys j ≤ i + (keyLength − queryLength) (the decoder; also right with a key/value cache).
    /// - Returns: [batch·queryLength, heads·headDim].
    public static func multiHead(
        query: Tensor, key: Tensor, value: Tensor, batch: Int, queryLength: Int, keyLength: Int,
        heads: Int, headDim: Int, scale: Float, keyMask: Tensor? = nil, positionBias: Tensor? = nil, causal: Bool = false
    ) -> Tensor {
        let width = heads * headDim
        precondition(query.count == batch * queryLength * width, "Attention: query \(query.shape) for batch \(batch) × \(queryLength) × \(width)")
        precondition(key.count == batch * keyLength * width && value.count == key.count, "Attention: key \(key.shape) / value \(value.shape) for batch \(batch) × \(keyLength) × \(width)")
        var out = Tensor(uninitialized: [batch * queryLength, width])
        let o = out.mutablePointer()
        withExtendedLifetime((query, key, value)) {
            compute(query: MatrixView(base: query.pointer, stride: width), key: MatrixView(base: key.pointer, stride: width),
                    value: MatrixView(base: value.pointer, stride: width), output: o, outputStride: width,
                    batch: batch, queryLength: queryLength, keyLength: keyLength, heads: heads, headDim: headDim,
                    scale: scale, keyMask: keyMask, positionBias: positionBias, causal: causal)
        }
        return out
    }

    /// The same on strided views; writes head h of row r at output + r·outputStride + h·headDim.
    /// With `queryLengths`, query rows at or past an entry's length (padding) are not computed: they are zeros.
    public static func compute(
        query: MatrixView, key: MatrixView, value: MatrixView, output: UnsafeMutablePointer<Float>, outputStride: Int,
        batch: Int, queryLength sq: Int, keyLength sk: Int, heads: Int, headDim d: Int,
        scale: Float, keyMask: Tensor? = nil, positionBias: Tensor? = nil, causal: Bool = false, queryLengths: [Int]? = nil
    ) {
        precondition(batch == 1 || (key.headStride == nil && value.headStride == nil), "Attention: head-major keys and values take one batch entry at a time")
        if let queryLengths { precondition(queryLengths.count == batch, "Attention: \(queryLengths.count) query lengths for batch \(batch)") }
        if let keyMask { precondition(keyMask.count == batch * sk, "Attention: key mask \(keyMask.shape) for batch \(batch) × \(sk)") }
        var biasPerBatch = false
        if let positionBias {
            if positionBias.count == batch * heads * sq * sk && batch > 1 { biasPerBatch = true }
            else { precondition(positionBias.count == heads * sq * sk, "Attention: position bias \(positionBias.shape) for \(heads) heads × \(sq) × \(sk)") }
        }
        let shift = sk - sq
        // Per entry: keys in use (with a right-padded mask, only the prefix up to the last real key —
        // padding would get exactly zero weight anyway, which keeps padded batches cheap), whether the mask
        // has holes inside that prefix, and the query rows to compute.
        var kLens = [Int](repeating: sk, count: batch), holesIn = [Bool](repeating: false, count: batch), qLens = [Int](repeating: sq, count: batch)
        withExtendedLifetime(keyMask) {
            for b in 0..<batch {
                if let keyMask {
                    let m = keyMask.pointer + b * sk
                    while kLens[b] > 0 && m[kLens[b] - 1] == 0 { kLens[b] -= 1 }
                    for j in 0..<kLens[b] where m[j] == 0 { holesIn[b] = true; break }
                }
                qLens[b] = min(sq, queryLengths?[b] ?? sq)
            }
        }
        let pairs = batch * heads
        let threads = NeuralRuntime.threads
        // Long sequences: (entry, head) pairs run on the runtime's threads with OpenBLAS single-threaded
        // inside each (its own threading of these small products costs more than it gains); short ones
        // (decoding steps) stay on one thread.
        let parallel = threads > 1 && pairs > 1 && sq * sk * d * pairs >= 1 << 22
        let workers = parallel ? min(threads, pairs) : 1
        if parallel { NeuralRuntime.setThreads(1) }
        defer { if parallel { NeuralRuntime.setThreads(threads) } }
        withExtendedLifetime((keyMask, positionBias)) {
            let body = { (worker: Int) in
                let scores = UnsafeMutablePointer<Float>.allocate(capacity: max(sq * sk, 1))
                defer { scores.deallocate() }
                for pair in stride(from: worker, to: pairs, by: workers) {
                    let b = pair / heads, h = pair % heads
                    let kLen = kLens[b], holes = holesIn[b], qLen = qLens[b]
                    let q = query.base + b * sq * query.stride + h * d
                    let k = key.base + b * sk * key.stride + h * (key.headStride ?? d)
                    let v = value.base + b * sk * value.stride + h * (value.headStride ?? d)
                    let out = output + b * sq * outputStride + h * d
                    for i in (kLen == 0 ? 0 : qLen)..<sq { (out + i * outputStride).update(repeating: 0, count: d) }
                    if kLen == 0 || qLen == 0 { continue }
                    // scores[qLen × kLen] = scale · Q_bh · K_bhᵀ  (rows of scores are kLen apart)
                    BLAS.gemm(transposeA: false, transposeB: true, m: qLen, n: kLen, k: d, alpha: scale,
                              a: q, lda: query.stride, b: k, ldb: key.stride, beta: 0, c: scores, ldc: kLen)
                    if let positionBias {
                        let pb = positionBias.pointer + ((biasPerBatch ? b * heads : 0) + h) * sq * sk
                        for i in 0..<qLen {
                            let row = scores + i * kLen, brow = pb + i * sk
                            for j in 0..<kLen { row[j] += brow[j] }
                        }
                    }
                    if holes, let keyMask {
                        let m = keyMask.pointer + b * sk
                        for i in 0..<qLen {
                            let row = scores + i * kLen
                            for j in 0..<kLen where m[j] == 0 { row[j] = -Float.infinity }
                        }
                    }
                    if causal {
                        for i in 0..<qLen {
                            let row = scores + i * kLen
                            let first = max(0, i + shift + 1)
                            if first < kLen { for j in first..<kLen { row[j] = -Float.infinity } }
                        }
                    }
                    // The rows' softmax over the runtime's threads: the products around it are threaded by
                    // OpenBLAS, this loop otherwise ran on one core and took a third of a long sequence's time.
                    let rows = UncheckedSendable(scores)
                    Parallel.forRows(qLen, cost: kLen * 8) { range in
                        for i in range { Tensor.softmax(rows.value + i * kLen, count: kLen) }
                    }
                    // out_bh[qLen × d] = P · V_bh
                    BLAS.gemm(transposeA: false, transposeB: false, m: qLen, n: d, k: kLen, alpha: 1,
                              a: scores, lda: kLen, b: v, ldb: value.stride, beta: 0, c: out, ldc: outputStride)
                }
            }
            if workers == 1 {
                body(0)
            } else {
                let task = UncheckedSendable(body)
                DispatchQueue.concurrentPerform(iterations: workers) { task.value($0) }
            }
        }
    }
}
