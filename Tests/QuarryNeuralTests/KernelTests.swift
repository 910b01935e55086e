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

    /// The kernels built and run under ThreadSanitizer and AddressSanitizer, as tools/reliability/tsan.sh
    /// and tools/fuzz/run.sh build them: their load-time dispatch (target_clones' ifunc resolvers) once
    /// crashed every TSan binary before main.
    func testKernelsLoadUnderSanitizers() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let dir = NSTemporaryDirectory() + "quarry-kernels-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let main = dir + "/main.c"
        try """
            #include <stdio.h>
            #include "neural_kernels.h"
            int main(void) {
                float x[8] = {-2, -1, -0.5f, 0, 0.5f, 1, 2, 3};
                qk_gelu_erf(x, 8);
                qk_softmax(x, 8);
                printf("%.4f\\n", x[7]);
                return 0;
            }
            """.write(toFile: main, atomically: true, encoding: .utf8)
        let kernels = root.appendingPathComponent("Sources/CNeuralKernels")
        // The toolchain's clang, whose TSan runtime wants the toolchain's libdispatch beside it.
        let paths = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map(String.init)
        let clang = try XCTUnwrap(paths.map { $0 + "/clang" }.first { FileManager.default.isExecutableFile(atPath: $0) }, "no clang on PATH")
        let swiftLibs = URL(fileURLWithPath: clang).resolvingSymlinksInPath().deletingLastPathComponent()
            .appendingPathComponent("../lib/swift/linux").standardizedFileURL.path
        for sanitizer in ["thread", "address"] {
            let exe = dir + "/kernels-" + sanitizer
            let cc = Process()
            cc.executableURL = URL(fileURLWithPath: clang)
            cc.arguments = ["-O1", "-fsanitize=" + sanitizer, "-I", kernels.appendingPathComponent("include").path,
                            kernels.appendingPathComponent("neural_kernels.c").path, main, "-lm", "-o", exe,
                            "-L", swiftLibs, "-Wl,-rpath," + swiftLibs, "-ldispatch", "-lBlocksRuntime"]
            try cc.run()
            cc.waitUntilExit()
            XCTAssertEqual(cc.terminationStatus, 0, "clang -fsanitize=\(sanitizer) failed")
            let run = Process()
            run.executableURL = URL(fileURLWithPath: exe)
            let out = Pipe()
            run.standardOutput = out
            try run.run()
            let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            run.waitUntilExit()
            XCTAssertEqual(run.terminationReason, .exit, "the \(sanitizer)-sanitized kernels crashed")
            XCTAssertEqual(run.terminationStatus, 0)
            XCTAssertFalse(text.isEmpty)
        }
    }
}
