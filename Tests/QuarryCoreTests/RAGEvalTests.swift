// `quarry rag-eval`: SQuAD's answer normalisation, answer recall of the kept passages, the generator's
// answers scored by EM and F1 (against the fault-injecting server, which echoes its prompt), the split by
// article, resuming after a failure, and the paired comparison.
import Foundation
import XCTest
@testable import QuarryCore

final class RAGEvalTests: XCTestCase {
    func testSQuADNormalisationAndScores() {
        XCTAssertEqual(AnswerMatching.normalize("The  Denver Broncos!"), "denver broncos")
        XCTAssertEqual(AnswerMatching.exactMatch("the Denver Broncos.", ["Denver Broncos", "Broncos"]), 1)
        XCTAssertEqual(AnswerMatching.f1("Denver", ["Denver Broncos"]), 2 * 1 * 0.5 / 1.5, accuracy: 1e-12)
        XCTAssertEqual(AnswerMatching.f1("nothing", ["Denver Broncos"]), 0)
        XCTAssertTrue(AnswerMatching.hasAnswer("Super Bowl 50 was won by the Denver Broncos, 24-10.", ["denver broncos"]))
        XCTAssertFalse(AnswerMatching.hasAnswer("Denverite Broncosaurus", ["Denver Broncos"]), "token runs, not substrings")
    }

    func testRAGEvalEndToEnd() throws {
        let dir = try temporaryDirectory(self)
        // Two articles; sorted titles: "Alpha" (even: train), "Beta" (odd: test).
        let squad: [String: Any] = ["version": "1.1", "data": [
            ["title": "Beta", "paragraphs": [
                ["context": "Glaciers move by deformation of ice and by basal sliding.", "qas": [
                    ["id": "b1", "question": "How do glaciers move?", "answers": [["text": "basal sliding", "answer_start": 0]]],
                    ["id": "b2", "question": "What do zebras eat?", "answers": [["text": "grass", "answer_start": 0]]]]],
                ["context": "Bees communicate by dancing in the hive.", "qas": [
                    ["id": "b3", "question": "How do bees communicate?", "answers": [["text": "dancing", "answer_start": 0]]]]]]],
            ["title": "Alpha", "paragraphs": [
                ["context": "The aurora is caused by charged particles.", "qas": [
                    ["id": "a1", "question": "What causes the aurora?", "answers": [["text": "charged particles", "answer_start": 0]]]]]]],
        ]]
        let file = dir + "/squad.json"
        try JSONSerialization.data(withJSONObject: squad).write(to: URL(fileURLWithPath: file))
        XCTAssertEqual(try quarry("index", "--collection", file, "--format", "squad", "--index", dir + "/idx").status, 0)
        let out = dir + "/bm25.jsonl"
        let r = try quarry("rag-eval", "--index", dir + "/idx", "--questions", file, "--split", "test", "--k1", "2", "--k2", "1", "--output", out)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("3 questions: answer recall@1 0.6667"), r.stderr)
        XCTAssertTrue(r.stderr.contains("1 questions have no gold answer in any of the 2 candidates"), r.stderr)
        let records = try String(contentsOfFile: out, encoding: .utf8).split(separator: "\n").map {
            try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any]
        }
        XCTAssertEqual(records.map { $0["qid"] as! String }, ["b1", "b2", "b3"], "the test split holds article Beta only")

        // The generator: the server echoes "SYSTEM || USER", which contains the passage and the question.
        let gen = dir + "/gen.jsonl"
        func generate(_ mode: String) throws -> CommandResult {
            try builtQuarry(["rag-eval", "--index", dir + "/idx", "--questions", file, "--split", "test", "--k1", "2", "--k2", "1",
                             "--output", gen, "--generator", "--set", "llm.baseURL=\(FaultServer.url(mode))", "--set", "llm.model=m",
                             "--llm-cache", dir + "/cache-\(mode)", "--compare", out])
        }
        let failed = try generate("badrequest")
        XCTAssertEqual(failed.status, 3, failed.stderr)
        let ok = try generate("ok-rag")
        XCTAssertEqual(ok.status, 0, ok.stderr)
        XCTAssertEqual(try FaultServer.count("ok-rag"), 3)
        XCTAssertTrue(ok.stderr.contains("EM 0.0000"), ok.stderr)
        XCTAssertTrue(ok.stderr.contains("vs \(out): recall +0.0000 over 3 paired questions"), ok.stderr)
        let first = try JSONSerialization.jsonObject(with: Data(try String(contentsOfFile: gen, encoding: .utf8).split(separator: "\n")[0].utf8)) as! [String: Any]
        let prediction = try XCTUnwrap(first["prediction"] as? String)
        XCTAssertTrue(prediction.hasPrefix("echo: Answer the question based on the given document."), prediction)
        XCTAssertTrue(prediction.contains("Document [1]: Beta Glaciers move by deformation"), prediction)
        XCTAssertTrue(prediction.hasSuffix(" || Question: How do glaciers move?\n\nAnswer:"), prediction)
        XCTAssertGreaterThan(first["f1"] as! Double, 0, "the echo contains the answer's tokens")
        // A second run has nothing left to ask.
        let again = try generate("ok-rag")
        XCTAssertTrue(again.stderr.contains("3 questions already done; 0 to go"), again.stderr)
        XCTAssertEqual(try FaultServer.count("ok-rag"), 3)

        let noAnswers = try FixtureFiles.write("{\"question\": \"why?\", \"answer\": []}\n", dir + "/q.jsonl")
        let bad = try quarry("rag-eval", "--index", dir + "/idx", "--questions", noAnswers, "--output", dir + "/x.jsonl")
        XCTAssertEqual(bad.status, 1)
        XCTAssertTrue(bad.stderr.contains("has no gold answer"), bad.stderr)
    }
}
