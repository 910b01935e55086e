// `quarry regress` on the four shipped manifests, against the real shared collections: the parity
// numbers (Anserini 0.21 on the same files) and Quarry's own numbers must hold.
import XCTest

final class RegressionTests: XCTestCase {
    func regress(_ name: String) throws {
        let corpora = TestPaths.corpora.path
        guard FileManager.default.fileExists(atPath: corpora) else {
            XCTFail("shared corpora not found at \(corpora) (set QUARRY_CORPORA)")
            return
        }
        let r = try quarry("regress", name, "--corpora", corpora)
        XCTAssertEqual(r.status, 0, "\(r.stdout)\n\(r.stderr)")
        XCTAssertTrue(r.stdout.contains("checks passed"), r.stdout)
        XCTAssertFalse(r.stdout.contains("FAIL"), r.stdout)
    }

    func testSciFact() throws { try regress("scifact") }
    func testCACM() throws { try regress("cacm") }
    func testVaswani() throws { try regress("vaswani") }
    func testMSMARCODL19() throws { try regress("msmarco-dl19") }

    func testAFailingCheckFails() throws {
        let dir = try temporaryDirectory(self)
        let manifest = dir + "/wrong.toml"
        try """
        collection = "documents.jsonl"
        format = "beir"
        topics = "topics.tsv"
        qrels = "qrels.txt"
        [[check]]
        pipeline = "bm25"
        spec = ""
        metric = "nDCG@10"
        expected = 0.1
        tolerance = 0.01
        """.write(toFile: manifest, atomically: true, encoding: .utf8)
        let r = try quarry("regress", manifest, "--corpora", TestPaths.sample.path)
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.stdout.contains("FAIL"), r.stdout)
    }
}
