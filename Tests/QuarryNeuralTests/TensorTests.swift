// Tensor operations against plain loops written independently here.
import XCTest
@testable import QuarryNeural

/// Deterministic pseudo-random floats for test inputs.
struct TestRandom {
    var state: UInt64
    init(seed: UInt64) { state = seed &* 0x9E37_79B9_7F4A_7C15 | 1 }
    mutating func next() -> Float {
        state ^= state << 13; state ^= state >> 7; state ^= state << 17
        return Float(state % 2_000_001) / 1_000_000 - 1
    }
    mutating func tensor(_ shape: [Int], scale: Float = 1) -> Tensor {
        Tensor(shape: shape, (0..<shape.reduce(1, *)).map { _ in next() * scale })
    }
}

func assertClose(_ a: [Float], _ b: [Float], tol: Float = 1e-5, _ message: String = "", file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(a.count, b.count, "count \(message)", file: file, line: line)
    var worst: Float = 0
    for (x, y) in zip(a, b) { worst = max(worst, abs(x - y)) }
    XCTAssertLessThanOrEqual(worst, tol, "max abs diff \(message)", file: file, line: line)
}

final class TensorTests: XCTestCase {
    func naiveMatmul(_ a: [Float], _ b: [Float], m: Int, k: Int, n: Int) -> [Float] {
        var c = [Float](repeating: 0, count: m * n)
        for i in 0..<m { for j in 0..<n { var s: Double = 0; for t in 0..<k { s += Double(a[i * k + t]) * Double(b[t * n + j]) }; c[i * n + j] = Float(s) } }
        return c
    }

    func testShapeViewsAndCopyOnWrite() {
        let t = Tensor(shape: [2, 3], [1, 2, 3, 4, 5, 6])
        XCTAssertEqual(t.rows, 2); XCTAssertEqual(t.columns, 3); XCTAssertEqual(t[1, 2], 6)
        var r = t.reshaped([3, -1])
        XCTAssertEqual(r.shape, [3, 2])
        r[0, 0] = 100
        XCTAssertEqual(t[0, 0], 1, "writing a reshaped copy must not change the original")
        XCTAssertEqual(t.slice(1).scalars, [4, 5, 6])
        XCTAssertEqual(t.transposed().scalars, [1, 4, 2, 5, 3, 6])
        let p = Tensor(shape: [2, 3, 4], (0..<24).map(Float.init)).permuted([2, 0, 1])
        XCTAssertEqual(p.shape, [4, 2, 3])
        XCTAssertEqual(p[3, 1, 2], Float(1 * 12 + 2 * 4 + 3))
        XCTAssertEqual(Tensor.concatenate([t, t.slice(0..<1)]).shape, [3, 3])
    }

    func testMatmulAndLinearMatchLoops() {
        var rng = TestRandom(seed: 1)
        for (m, k, n) in [(1, 7, 5), (4, 9, 3), (33, 64, 17)] {
            let a = rng.tensor([m, k]), b = rng.tensor([k, n])
            assertClose(Tensor.matmul(a, b).scalars, naiveMatmul(a.scalars, b.scalars, m: m, k: k, n: n), "matmul \(m)x\(k)x\(n)")
            // op(B) = (Bᵀ)ᵀ, and a one-row product (sgemv) must agree with sgemm.
            assertClose(Tensor.matmul(a, b.transposed(), transposeB: true).scalars, naiveMatmul(a.scalars, b.scalars, m: m, k: k, n: n), "matmul Bᵀ")
            assertClose(Tensor.matmul(a.transposed(), b, transposeA: true).scalars, naiveMatmul(a.scalars, b.scalars, m: m, k: k, n: n), "matmul Aᵀ")
            // Linear: W is [out, in].
            let w = rng.tensor([n, k]), bias = rng.tensor([n])
            let y = Linear(weight: w, bias: bias)(a.reshaped([1, m, k]))
            XCTAssertEqual(y.shape, [1, m, n])
            var expected = naiveMatmul(a.scalars, w.transposed().scalars, m: m, k: k, n: n)
            for i in 0..<m { for j in 0..<n { expected[i * n + j] += bias.scalars[j] } }
            assertClose(y.scalars, expected, "linear \(m)x\(k)x\(n)")
        }
    }

    func testFusedLinearEqualsSeparateLayers() {
        var rng = TestRandom(seed: 2)
        let x = rng.tensor([5, 8])
        let l1 = Linear(weight: rng.tensor([3, 8]), bias: rng.tensor([3])), l2 = Linear(weight: rng.tensor([4, 8]), bias: rng.tensor([4]))
        let f = Linear.fused([l1, l2])(x)
        for r in 0..<5 {
            assertClose(Array(f.slice(r).scalars[0..<3]), l1(x).slice(r).scalars)
            assertClose(Array(f.slice(r).scalars[3..<7]), l2(x).slice(r).scalars)
        }
    }

    func testActivationsKnownValues() {
        let x = Tensor(shape: [4], [-2, -0.5, 1, 3])
        // GELU exact: x·Φ(x); Φ from tables.
        assertClose(x.applying(.gelu).scalars, [-0.0455003, -0.1542687, 0.8413447, 2.9959502], tol: 1e-6)
        assertClose(x.applying(.geluTanh).scalars, [-0.0454023, -0.1542859, 0.8411920, 2.9963627], tol: 1e-6)
        XCTAssertEqual(x.applying(.relu).scalars, [0, 0, 1, 3])
        assertClose(x.applying(.silu).scalars, [-0.2384058, -0.1887703, 0.7310586, 2.8577223], tol: 1e-6)
        XCTAssertEqual(Activation(huggingFaceName: "gelu_new"), .geluTanh)
        XCTAssertNil(Activation(huggingFaceName: "quick_gelu"))
    }

    func testSoftmaxIsStableAndSumsToOne() {
        var t = Tensor(shape: [2, 3], [1000, 1001, 1002, -Float.infinity, 0, 0])
        t.softmaxRows()
        assertClose(t.scalars, [0.09003057, 0.24472847, 0.66524096, 0, 0.5, 0.5], tol: 1e-6)
        var allMasked = Tensor(shape: [1, 2], repeating: -Float.infinity)
        allMasked.softmaxRows()
        XCTAssertEqual(allMasked.scalars, [0, 0])
    }

    func testLayerNormAndRMSNorm() {
        let x = Tensor(shape: [2, 4], [1, 2, 3, 4, -1, 0, 0, 5])
        let w = Tensor(shape: [4], [1, 2, 0.5, 1]), b = Tensor(shape: [4], [0, 1, 0, -1])
        let ln = x.layerNorm(weight: w, bias: b, eps: 1e-5)
        var expected: [Float] = []
        for r in 0..<2 {
            let row = Array(x.scalars[r * 4..<(r + 1) * 4])
            let mean = row.reduce(0, +) / 4
            let v = row.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 4
            for j in 0..<4 { expected.append((row[j] - mean) / (v + 1e-5).squareRoot() * w.scalars[j] + b.scalars[j]) }
        }
        assertClose(ln.scalars, expected, tol: 1e-5)
        let rms = x.rmsNorm(weight: w, eps: 1e-6)
        expected = []
        for r in 0..<2 {
            let row = Array(x.scalars[r * 4..<(r + 1) * 4])
            let ms = row.map { $0 * $0 }.reduce(0, +) / 4
            for j in 0..<4 { expected.append(row[j] / (ms + 1e-6).squareRoot() * w.scalars[j]) }
        }
        assertClose(rms.scalars, expected, tol: 1e-5)
    }

    func testElementwiseHelpers() {
        var a = Tensor(shape: [2, 2], [1, 2, 3, 4])
        a.addBias(Tensor(shape: [2], [10, 20]))
        XCTAssertEqual(a.scalars, [11, 22, 13, 24])
        a.add(Tensor(shape: [4], [1, 1, 1, 1]))
        a.multiply(Tensor(shape: [2, 2], [2, 2, 0, 1]))
        XCTAssertEqual(a.scaled(by: 0.5).scalars, [12, 23, 0, 12.5])
        assertClose(Tensor(shape: [1, 2], [3, 4]).l2NormalizedRows().scalars, [0.6, 0.8])
    }

    func testGatedFeedForward() {
        var rng = TestRandom(seed: 3)
        let x = rng.tensor([3, 6])
        let gate = Linear(weight: rng.tensor([5, 6])), up = Linear(weight: rng.tensor([5, 6])), down = Linear(weight: rng.tensor([6, 5]))
        var g = gate(x); g.apply(.geluTanh)
        let u = up(x)
        var expected = g; expected.multiply(u)
        assertClose(FeedForward.gated(x, gate: gate, up: up, down: down, activation: .geluTanh).scalars, down(expected).scalars)
    }

    /// Attention with masks, bias and causality against a direct implementation.
    func testAttentionMatchesDirectComputation() {
        var rng = TestRandom(seed: 4)
        let (batch, heads, d) = (2, 3, 4)
        for (sq, sk, causal) in [(5, 5, false), (5, 5, true), (1, 6, false), (3, 6, true)] {
            let q = rng.tensor([batch * sq, heads * d]), k = rng.tensor([batch * sk, heads * d]), v = rng.tensor([batch * sk, heads * d])
            // Entry 0 right-padded (last two keys), entry 1 with a hole in the middle.
            var mask = Tensor(shape: [batch, sk], repeating: 1)
            mask[0, sk - 1] = 0; mask[0, sk - 2] = 0; mask[1, 1] = 0
            let bias = rng.tensor([heads, sq, sk])
            let out = Attention.multiHead(query: q, key: k, value: v, batch: batch, queryLength: sq, keyLength: sk, heads: heads, headDim: d,
                                          scale: 0.5, keyMask: mask, positionBias: bias, causal: causal)
            var expected = [Float](repeating: 0, count: batch * sq * heads * d)
            for b in 0..<batch { for h in 0..<heads { for i in 0..<sq {
                var s = [Double](repeating: -.infinity, count: sk)
                for j in 0..<sk where mask[b, j] == 1 && (!causal || j <= i + sk - sq) {
                    var dot: Double = 0
                    for t in 0..<d { dot += Double(q[b * sq + i, h * d + t]) * Double(k[b * sk + j, h * d + t]) }
                    s[j] = 0.5 * dot + Double(bias[h, i, j])
                }
                let m = s.max()!
                let e = s.map { $0 == -.infinity ? 0 : exp($0 - m) }
                let z = e.reduce(0, +)
                for t in 0..<d {
                    var acc: Double = 0
                    for j in 0..<sk { acc += e[j] / z * Double(v[b * sk + j, h * d + t]) }
                    expected[(b * sq + i) * heads * d + h * d + t] = Float(acc)
                }
            } } }
            assertClose(out.scalars, expected, tol: 1e-5, "attention sq \(sq) sk \(sk) causal \(causal)")
        }
    }

    func testAttentionSkipsPaddedQueryRows() {
        var rng = TestRandom(seed: 5)
        let (batch, s, heads, d) = (2, 4, 2, 3)
        let q = rng.tensor([batch * s, heads * d]), k = rng.tensor([batch * s, heads * d]), v = rng.tensor([batch * s, heads * d])
        let mask = Tensor(shape: [batch, s], [1, 1, 0, 0, 1, 1, 1, 1])
        let full = Attention.multiHead(query: q, key: k, value: v, batch: batch, queryLength: s, keyLength: s, heads: heads, headDim: d, scale: 1, keyMask: mask)
        var skipped = Tensor(uninitialized: [batch * s, heads * d])
        let o = skipped.mutablePointer()
        Attention.compute(query: MatrixView(base: q.pointer, stride: heads * d), key: MatrixView(base: k.pointer, stride: heads * d),
                          value: MatrixView(base: v.pointer, stride: heads * d), output: o, outputStride: heads * d, batch: batch,
                          queryLength: s, keyLength: s, heads: heads, headDim: d, scale: 1, keyMask: mask, queryLengths: [2, 4])
        for r in [0, 1, 4, 5, 6, 7] { XCTAssertEqual(skipped.slice(r).scalars, full.slice(r).scalars) }
        for r in [2, 3] { XCTAssertEqual(skipped.slice(r).scalars, [Float](repeating: 0, count: heads * d)) }
    }

    func testParallelRowsCoverEveryRow() {
        let before = NeuralRuntime.threads
        NeuralRuntime.setThreads(2)
        defer { NeuralRuntime.setThreads(before) }
        var t = Tensor(shape: [4096, 64], repeating: -1)
        t.apply(.relu)
        XCTAssertEqual(t.scalars.reduce(0, +), 0)
        var s = Tensor(shape: [4096, 64], repeating: 3)
        s.softmaxRows()
        assertClose(Array(s.scalars.suffix(64)), [Float](repeating: 1.0 / 64, count: 64))
    }
}
