// Row-wise normalisations over the last axis: softmax, layer norm, RMS norm. Sums are accumulated in
// double so the result does not depend on the order of the float additions.
import CNeuralKernels
import Foundation

extension Tensor {
    /// Softmax over each row (last axis), in place; numerically stable (the row's maximum is subtracted).
    /// A row of -infinity (every position masked) becomes zeros rather than NaN.
    public mutating func softmaxRows() {
        let c = columns
        let p = UncheckedSendable(mutablePointer())
        Parallel.forRows(rows, cost: c * 4) { range in
            for r in range { Tensor.softmax(p.value + r * c, count: c) }
        }
    }

    /// A copy with softmax applied over each row.
    public func softmaxedRows() -> Tensor {
        var t = self
        t.softmaxRows()
        return t
    }

    /// Softmax of one row in place (a vectorised C kernel: attention's hottest elementwise loop).
    @inline(__always) static func softmax(_ row: UnsafeMutablePointer<Float>, count n: Int) {
        qk_softmax(row, n)
    }

    /// Layer normalisation over the last axis: (x − mean) / √(var + eps) · weight + bias (biased variance).
    public func layerNorm(weight: Tensor, bias: Tensor, eps: Float) -> Tensor {
        var t = self
        t.layerNormInPlace(weight: weight, bias: bias, eps: eps)
        return t
    }

    /// Layer normalisation in place.
    public mutating func layerNormInPlace(weight: Tensor, bias: Tensor, eps: Float) {
        let c = columns
        precondition(weight.count == c && bias.count == c, "Tensor.layerNorm: weight \(weight.shape), bias \(bias.shape) for rows of \(c)")
        let p = UncheckedSendable(mutablePointer())
        withExtendedLifetime((weight, bias)) {
            let w = UncheckedSendable(weight.pointer), b = UncheckedSendable(bias.pointer)
            Parallel.forRows(rows, cost: c * 4) { range in
                for r in range {
                    let row = p.value + r * c
                    var s: Double = 0
                    for j in 0..<c { s += Double(row[j]) }
                    let mean = s / Double(c)
                    var v: Double = 0
                    for j in 0..<c { let d = Double(row[j]) - mean; v += d * d }
                    let inv = Float(1 / (v / Double(c) + Double(eps)).squareRoot())
                    let mf = Float(mean)
                    for j in 0..<c { row[j] = (row[j] - mf) * inv * w.value[j] + b.value[j] }
                }
            }
        }
    }

    /// RMS normalisation over the last axis, T5 style: x / √(mean(x²) + eps) · weight (no mean subtracted, no bias).
    public func rmsNorm(weight: Tensor, eps: Float) -> Tensor {
        var t = self
        t.rmsNormInPlace(weight: weight, eps: eps)
        return t
    }

    /// RMS normalisation in place.
    public mutating func rmsNormInPlace(weight: Tensor, eps: Float) {
        let c = columns
        precondition(weight.count == c, "Tensor.rmsNorm: weight \(weight.shape) for rows of \(c)")
        let p = UncheckedSendable(mutablePointer())
        withExtendedLifetime(weight) {
            let w = UncheckedSendable(weight.pointer)
            Parallel.forRows(rows, cost: c * 3) { range in
                for r in range {
                    let row = p.value + r * c
                    var s: Double = 0
                    for j in 0..<c { s += Double(row[j]) * Double(row[j]) }
                    let inv = Float(1 / (s / Double(c) + Double(eps)).squareRoot())
                    for j in 0..<c { row[j] = row[j] * inv * w.value[j] }
                }
            }
        }
    }
}
