// The vectorised elementwise kernels (Sources/CNeuralKernels) against libm, over a dense sweep of inputs
// including the ranges where their approximations switch or saturate.
import CNeuralKernels
import Foundation
import XCTest

final class KernelTests: XCTestCase {
    /// -20…20 in steps of 1/1024, plus extremes and special values.
    let sweep: [Float] = (-20_480...20_480).map { Float($0) / 1024 } + [-1e30, -200, -88, -87.5, 88, 88.5, 200, 1e30, 0, -0.0, 1e-30, -1e-30]

    func apply(_ f: (UnsafeMutablePointer<Float>, Int) -> Void, _ xs: [Float]) -> [Float] {
        var ys = xs
        ys.withUnsafeMutableBufferPointer { f($0.baseAddress!, $0.count) }
        return ys
    }

    func testGELUExactAgainstErf() {
        let ys = apply({ qk_gelu_erf($0, $1) }, sweep)
        var worst = 0.0
        for (x, y) in zip(sweep, ys) where abs(x) < 1e20 {
            let ref = 0.5 * Double(x) * (1 + erf(Double(x) / 2.0.squareRoot()))
            worst = max(worst, abs(Double(y) - ref) / max(1, abs(ref)))
        }
        XCTAssertLessThan(worst, 1e-6)
        XCTAssertEqual(apply({ qk_gelu_erf($0, $1) }, [1e30, -1e30]), [1e30, -0.0])
    }

    func testGELUTanhAgainstLibm() {
        let ys = apply({ qk_gelu_tanh($0, $1) }, sweep)
        var worst = 0.0
        for (x, y) in zip(sweep, ys) where abs(x) < 1e9 {
            let d = Double(x)
            let ref = 0.5 * d * (1 + tanh(0.79788456080286536 * (d + 0.044715 * d * d * d)))
            worst = max(worst, abs(Double(y) - ref) / max(1, abs(ref)))
        }
        XCTAssertLessThan(worst, 1e-6)
    }

    func testSiLU() {
        let ys = apply({ qk_silu($0, $1) }, sweep)
        for (x, y) in zip(sweep, ys) where abs(x) < 1e20 {
            let ref = Double(x) / (1 + exp(-Double(x)))
            XCTAssertEqual(Double(y), ref, accuracy: 1e-6 * max(1, abs(ref)), "silu(\(x))")
        }
    }

    func testSoftmaxAgainstDoublePrecision() {
        for n in [1, 2, 15, 16, 17, 33, 300, 15_001] {
            var rng = SystemRandomNumberGenerator()
            var row = (0..<n).map { _ in Float.random(in: -30...30, using: &rng) }
            if n > 2 { row[1] = -.infinity }   // a masked position
            let m = Double(row.max()!)
            let e = row.map { $0 == -.infinity ? 0 : exp(Double($0) - m) }
            let s = e.reduce(0, +)
            let ys = apply({ qk_softmax($0, $1) }, row)
            for (y, ref) in zip(ys, e.map { $0 / s }) { XCTAssertEqual(Double(y), ref, accuracy: 1e-6, "softmax of \(n)") }
            XCTAssertEqual(ys.reduce(0, +), 1, accuracy: 1e-5)
            if n > 2 { XCTAssertEqual(ys[1], 0, "a masked position gets exactly zero") }
        }
        XCTAssertEqual(apply({ qk_softmax($0, $1) }, [-.infinity, -.infinity]), [0, 0], "a fully masked row is zeros, not NaN")
    }
}
