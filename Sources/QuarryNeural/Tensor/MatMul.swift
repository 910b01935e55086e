// Matrix products through OpenBLAS. Tensors are read as matrices [rows, columns] with all leading
// axes flattened, so a [batch, seq, hidden] activation multiplies a weight in one sgemm.
import COpenBLAS

public enum BLAS {
    /// C[m×n] = alpha · op(A) · op(B) + beta · C on raw row-major pointers with leading dimensions
    /// (lets callers multiply strided views, e.g. one attention head inside a [tokens, hidden] matrix).
    /// op(A) is m×k, op(B) is k×n. A one-row product goes through sgemv (several times faster).
    @inlinable public static func gemm(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Float = 1,
        a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        if m == 0 || n == 0 { return }
        if m == 1 && !transposeA {
            // Row vector times op(B): y[n] = op(B)ᵀ · x, i.e. sgemv on B (k×n or n×k row-major).
            // y is cleared first when beta is 0: sgemv may scale it by 0, which keeps a NaN from uninitialised memory.
            if beta == 0 { c.update(repeating: 0, count: n) }
            if transposeB {
                // B is n×k: y = B · x.
                cblas_sgemv(CblasRowMajor, CblasNoTrans, Int32(n), Int32(k), alpha, b, Int32(ldb), a, 1, beta, c, 1)
            } else {
                // B is k×n: y = Bᵀ · x.
                cblas_sgemv(CblasRowMajor, CblasTrans, Int32(k), Int32(n), alpha, b, Int32(ldb), a, 1, beta, c, 1)
            }
            return
        }
        cblas_sgemm(CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }
}

extension Tensor {
    /// The matrix product of `a` [m, k] (or [k, m] with transposeA) and `b` [k, n] (or [n, k] with transposeB),
    /// leading axes flattened into rows; the result is [m, n].
    public static func matmul(_ a: Tensor, _ b: Tensor, transposeA: Bool = false, transposeB: Bool = false, alpha: Float = 1) -> Tensor {
        let (ar, ac) = (a.rows, a.columns), (br, bc) = (b.rows, b.columns)
        let (m, k) = transposeA ? (ac, ar) : (ar, ac)
        let (k2, n) = transposeB ? (bc, br) : (br, bc)
        precondition(k == k2, "Tensor.matmul: inner dimensions differ: \(a.shape)\(transposeA ? "ᵀ" : "") × \(b.shape)\(transposeB ? "ᵀ" : "")")
        var out = Tensor(uninitialized: [m, n])
        let c = out.mutablePointer()
        withExtendedLifetime((a, b)) {
            BLAS.gemm(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: alpha,
                      a: a.pointer, lda: ac, b: b.pointer, ldb: bc, beta: 0, c: c, ldc: n)
        }
        return out
    }
}

/// A fully connected layer y = x · Wᵀ + b with W stored as Hugging Face stores it, [out, in]; the product
/// reads W transposed in place (no copy).
public struct Linear: Sendable {
    /// [outFeatures, inFeatures].
    public let weight: Tensor
    /// [outFeatures], or nil.
    public let bias: Tensor?

    public init(weight: Tensor, bias: Tensor? = nil) {
        precondition(weight.rank == 2, "Linear: weight must be [out, in], got \(weight.shape)")
        if let bias { precondition(bias.count == weight.shape[0], "Linear: bias \(bias.shape) for weight \(weight.shape)") }
        self.weight = weight
        self.bias = bias
    }

    public var inFeatures: Int { weight.shape[1] }
    public var outFeatures: Int { weight.shape[0] }

    /// x [..., in] → [..., out], all leading axes in one product.
    public func callAsFunction(_ x: Tensor) -> Tensor {
        precondition(x.columns == inFeatures, "Linear: input \(x.shape) for weight \(weight.shape)")
        let rows = x.rows
        var out = Tensor(uninitialized: Array(x.shape.dropLast()) + [outFeatures])
        let c = out.mutablePointer()
        var beta: Float = 0
        if let bias {
            // Start from the bias in every row and accumulate the product onto it (beta = 1).
            bias.withUnsafeBufferPointer { b in
                for r in 0..<rows { (c + r * outFeatures).update(from: b.baseAddress!, count: outFeatures) }
            }
            beta = 1
        }
        withExtendedLifetime((x, weight)) {
            BLAS.gemm(transposeA: false, transposeB: true, m: rows, n: outFeatures, k: inFeatures,
                      a: x.pointer, lda: inFeatures, b: weight.pointer, ldb: inFeatures, beta: beta, c: c, ldc: outFeatures)
        }
        return out
    }

    /// Several layers over the same input fused into one product (e.g. query, key and value): the
    /// weights are stacked once here, and the output's columns are the layers' outputs side by side.
    public static func fused(_ layers: [Linear]) -> Linear {
        precondition(!layers.isEmpty && layers.allSatisfy { $0.inFeatures == layers[0].inFeatures }, "Linear.fused: input sizes differ")
        let w = Tensor.concatenate(layers.map(\.weight))
        let hasBias = layers.contains { $0.bias != nil }
        let b: Tensor? = hasBias ? Tensor.concatenate(layers.map { $0.bias ?? Tensor(zeros: [$0.outFeatures]) }) : nil
        return Linear(weight: w, bias: b)
    }
}
