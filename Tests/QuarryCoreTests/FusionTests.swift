// Run fusion against values worked out by hand, and `quarry fuse` end to end.
import Foundation
import XCTest
import QuarryAPI
@testable import QuarryCore

final class FusionTests: XCTestCase {
    let a = Run(["q": [Hit(docid: "d1", score: 9), Hit(docid: "d2", score: 5), Hit(docid: "d3", score: 1)]])
    let b = Run(["q": [Hit(docid: "d3", score: 0.9), Hit(docid: "d4", score: 0.5)], "only-b": [Hit(docid: "x", score: 1)]])

    func scores(_ run: Run, _ q: String = "q") -> [String: Double] {
        Dictionary(uniqueKeysWithValues: (run.results[q] ?? []).map { ($0.docid, $0.score) })
    }

    func testReciprocalRankFusion() {
        let f = Fusion(method: .rrf, weights: [1, 2], rrfK: 60).fuse([a, b])
        let s = scores(f)
        XCTAssertEqual(s["d1"]!, 1.0 / 61, accuracy: 1e-15)
        XCTAssertEqual(s["d3"]!, 1.0 / 63 + 2.0 / 61, accuracy: 1e-15)
        XCTAssertEqual(s["d4"]!, 2.0 / 62, accuracy: 1e-15)
        XCTAssertEqual(f.results["q"]!.map(\.docid), ["d3", "d4", "d1", "d2"])
        XCTAssertEqual(f.results["only-b"]!.map(\.docid), ["x"], "a query in one run only is kept")
    }

    func testCombSUMAndCombMNZNormalisePerRun() {
        let sum = scores(Fusion(method: .combsum, weights: [1, 1]).fuse([a, b]))
        // a: (9, 5, 1) → (1, 0.5, 0); b: (0.9, 0.5) → (1, 0).
        XCTAssertEqual(sum["d1"]!, 1, accuracy: 1e-12)
        XCTAssertEqual(sum["d2"]!, 0.5, accuracy: 1e-12)
        XCTAssertEqual(sum["d3"]!, 1, accuracy: 1e-12)
        XCTAssertEqual(sum["d4"]!, 0, accuracy: 1e-12)
        let mnz = scores(Fusion(method: .combmnz, weights: [1, 1]).fuse([a, b]))
        XCTAssertEqual(mnz["d3"]!, 2, accuracy: 1e-12, "d3 is in both runs")
        XCTAssertEqual(mnz["d1"]!, 1, accuracy: 1e-12)
        let oneHit = scores(Fusion(method: .combsum, weights: [1, 1]).fuse([a, b]), "only-b")
        XCTAssertEqual(oneHit["x"], 1, "a single hit normalises to 1, not NaN")
    }

    func testDepthCutsAndTextKeepsExactScores() throws {
        let f = Fusion(method: .rrf, weights: [1, 1], depth: 2).fuse([a, b])
        XCTAssertEqual(f.results["q"]!.count, 2)
        let text = Fusion.trecText(Fusion(method: .rrf, weights: [1, 1]).fuse([a, b]), tag: "t")
        let first = text.split(separator: "\n")[0].split(separator: " ")
        XCTAssertEqual(first[0], "only-b")
        let line = text.split(separator: "\n").first { $0.contains(" d3 ") }!.split(separator: " ")
        XCTAssertEqual(Double(line[4]), 1.0 / 63 + 1.0 / 61, "the score is written so it reads back exactly")
    }

    func testFuseCommand() throws {
        let dir = try temporaryDirectory(self)
        let r1 = try FixtureFiles.write("1 Q0 a 1 3.0 x\n1 Q0 b 2 2.0 x\n2 Q0 c 1 1.0 x\n", dir + "/1.run")
        let r2 = try FixtureFiles.write("1 Q0 b 1 7.0 y\n1 Q0 d 2 6.0 y\n", dir + "/2.run")
        let ok = try quarry("fuse", "--run", r1, "--run", r2, "--output", dir + "/f.run", "--tag", "fused")
        XCTAssertEqual(ok.status, 0, ok.stderr)
        let lines = try String(contentsOfFile: dir + "/f.run", encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(lines.first.map(String.init), "1 Q0 b 1 \(1.0 / 62 + 1.0 / 61) fused")
        XCTAssertEqual(lines.count, 4)
        for (args, message) in [(["--run", r1], "at least two"), (["--run", r1, "--run", r2, "--method", "borda"], "--method"),
                                (["--run", r1, "--run", r2, "--weights", "1,x"], "--weights"),
                                (["--run", r1, "--run", dir + "/none.run"], "none.run")] {
            let r = try builtQuarry(["fuse"] + args + ["--output", dir + "/bad.run"])
            XCTAssertEqual(r.status, 1, r.stderr)
            XCTAssertTrue(r.stderr.contains(message), r.stderr)
            XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/bad.run"))
        }
    }
}
