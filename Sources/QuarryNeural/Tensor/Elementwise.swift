// Elementwise operations: activations, sums, scaling. Each has an in-place form (hot paths, no
// allocation) and a returning form. Loops run on raw pointers: no bounds checks or copy-on-write in the loop.
import CNeuralKernels
import Foundation

/// Activation functions by their Hugging Face names.
public enum Activation: String, Sendable, CaseIterable {
    /// Exact GELU: x · Φ(x) = 0.5 · x · (1 + erf(x / √2)).
    case gelu
    /// GELU, tanh approximation (HF "gelu_new", "gelu_pytorch_tanh", "gelu_fast" family).
    case geluTanh = "gelu_new"
    case relu
    /// x · sigmoid(x) ("silu", "swish").
    case silu

    /// The activation a Hugging Face config names, or nil when it is not supported.
    public init?(huggingFaceName name: String) {
        switch name {
        case "gelu": self = .gelu
        case "gelu_new", "gelu_pytorch_tanh": self = .geluTanh
        case "relu": self = .relu
        case "silu", "swish": self = .silu
        default: return nil
        }
    }

    /// Applies the activation to `n` floats in place.
    func apply(_ p: UnsafeMutablePointer<Float>, count n: Int) {
        switch self {
        case .gelu: qk_gelu_erf(p, n)
        case .geluTanh: qk_gelu_tanh(p, n)
        case .relu:
            for i in 0..<n { p[i] = Swift.max(p[i], 0) }
        case .silu:
            qk_silu(p, n)
        }
    }
}

extension Tensor {
    /// Applies `activation` to every element, in place.
    public mutating func apply(_ activation: Activation) {
        let p = UncheckedSendable(mutablePointer())
        let c = columns
        Parallel.forRows(rows, cost: c * 8) { r in
            activation.apply(p.value + r.lowerBound * c, count: r.count * c)
        }
    }

    /// A copy with `activation` applied.
    public func applying(_ activation: Activation) -> Tensor {
        var t = self
        t.apply(activation)
        return t
    }

    /// self += other (same number of elements).
    public mutating func add(_ other: Tensor) {
        precondition(other.count == count, "Tensor.add: \(shape) + \(other.shape)")
        let n = count
        let d = mutablePointer()
        withExtendedLifetime(other) {
            let s = other.pointer
            for i in 0..<n { d[i] += s[i] }
        }
    }

    /// self + other.
    public func adding(_ other: Tensor) -> Tensor {
        var t = self
        t.add(other)
        return t
    }

    /// self *= other elementwise (same number of elements), e.g. the gate of a gated feed-forward.
    public mutating func multiply(_ other: Tensor) {
        precondition(other.count == count, "Tensor.multiply: \(shape) × \(other.shape)")
        let n = count
        let d = mutablePointer()
        withExtendedLifetime(other) {
            let s = other.pointer
            for i in 0..<n { d[i] *= s[i] }
        }
    }

    /// Adds `bias` (a vector of `columns` floats) to every row, in place.
    public mutating func addBias(_ bias: Tensor) {
        precondition(bias.count == columns, "Tensor.addBias: bias \(bias.shape) for rows of \(columns)")
        let c = columns, rows = self.rows
        let d = mutablePointer()
        withExtendedLifetime(bias) {
            let b = bias.pointer
            for r in 0..<rows {
                let row = d + r * c
                for j in 0..<c { row[j] += b[j] }
            }
        }
    }

    /// Multiplies every element by `factor`, in place.
    public mutating func scale(by factor: Float) {
        let n = count
        let d = mutablePointer()
        for i in 0..<n { d[i] *= factor }
    }

    /// A copy with every element multiplied by `factor`.
    public func scaled(by factor: Float) -> Tensor {
        var t = self
        t.scale(by: factor)
        return t
    }

    /// Each row divided by its Euclidean norm (rows of zeros stay zero; like torch's F.normalize, eps 1e-12).
    public func l2NormalizedRows(eps: Float = 1e-12) -> Tensor {
        var t = self
        let c = columns, rows = self.rows
        let d = t.mutablePointer()
        for r in 0..<rows {
            let row = d + r * c
            var s: Double = 0
            for j in 0..<c { s += Double(row[j]) * Double(row[j]) }
            let inv = Float(1 / Swift.max(s.squareRoot(), Double(eps)))
            for j in 0..<c { row[j] *= inv }
        }
        return t
    }
}

/// Feed-forward blocks built from linear layers.
public enum FeedForward {
    /// down(act(up(x))): the plain transformer feed-forward (BERT, T5 v1.0 with ReLU).
    public static func dense(_ x: Tensor, up: Linear, down: Linear, activation: Activation) -> Tensor {
        var h = up(x)
        h.apply(activation)
        return down(h)
    }

    /// down(act(gate(x)) ⊙ up(x)): the gated feed-forward (T5 v1.1 / flan-T5 with gelu_new: gate is wi_0, up is wi_1).
    public static func gated(_ x: Tensor, gate: Linear, up: Linear, down: Linear, activation: Activation) -> Tensor {
        var g = gate(x)
        g.apply(activation)
        g.multiply(up(x))
        return down(g)
    }
}
