// Expansions replayed from a file, and the repetition rules every text-generating expander shares.
import XCTest
import QuarryAPI
@testable import Precomputed

final class PrecomputedTests: XCTestCase {
    func testRepetitionRules() {
        let query = "how do glaciers move"  // 4 words, 20 characters
        let text = String(repeating: "ice flows downhill under its own weight ", count: 5)  // 35 words, 200 characters
        XCTAssertEqual(ExpansionRule.cot(nc: 5, unit: .words).repeats(query: query, text: text), 8)
        XCTAssertEqual(ExpansionRule.cot(nc: 5, unit: .chars).repeats(query: query, text: text), 10)
        XCTAssertEqual(ExpansionRule.cot(nc: 5, unit: .words).repeats(query: query, text: "short"), 5)
        XCTAssertEqual(ExpansionRule.fixed(repeats: 5).repeats(query: query, text: text), 5)
        let q = ExpansionRule.fixed(repeats: 3).expand(query: query, text: "melt")
        XCTAssertEqual(q.parts, [.text(query, weight: 3), .text("melt", weight: 1)])
        XCTAssertEqual(q.generatedText, "melt")
    }

    func testFilesInBothFormats() throws {
        let dir = try temporaryDirectory(self)
        try "{\"qid\": \"1\", \"query\": \"x\", \"expansion\": \"glaciers flow\"}\n{\"qid\": 2, \"expansion\": \"bees\"}\n".write(toFile: dir + "/e.jsonl", atomically: true, encoding: .utf8)
        XCTAssertEqual(try PrecomputedExpander.load(dir + "/e.jsonl"), ["1": "glaciers flow", "2": "bees"])
        try "1\tglaciers flow\r\n2\tbees\n".write(toFile: dir + "/e.tsv", atomically: true, encoding: .utf8)
        XCTAssertEqual(try PrecomputedExpander.load(dir + "/e.tsv"), ["1": "glaciers flow", "2": "bees"])
        try "{\"qid\": \"1\"}\n".write(toFile: dir + "/bad.jsonl", atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try PrecomputedExpander.load(dir + "/bad.jsonl")) { XCTAssertTrue("\($0)".contains("bad.jsonl:1"), "\($0)") }
        try "1\ta\n1\tb\n".write(toFile: dir + "/dup.tsv", atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try PrecomputedExpander.load(dir + "/dup.tsv")) { XCTAssertTrue("\($0)".contains("dup.tsv:2"), "\($0)") }
    }

    func testReplayThroughTheCommandLineCountsMissingQueriesAsFallbacks() throws {
        let dir = try temporaryDirectory(self)
        let docs = TestPaths.sample.appendingPathComponent("documents.jsonl").path
        XCTAssertEqual(try quarry("index", "--collection", docs, "--format", "beir", "--index", dir + "/idx").status, 0)
        try "1\tglacier\n2\tbee sting\n".write(toFile: dir + "/topics.tsv", atomically: true, encoding: .utf8)
        try "{\"qid\": \"1\", \"expansion\": \"Glaciers are rivers of ice that creep downhill under their own weight.\"}\n".write(toFile: dir + "/exp.jsonl", atomically: true, encoding: .utf8)
        let r = try quarry("run", "--index", dir + "/idx", "--topics", dir + "/topics.tsv", "--output", dir + "/run",
                           "--expander", "precomputed", "--set", "precomputed.file=\(dir)/exp.jsonl", "--save-queries", dir + "/q.jsonl")
        XCTAssertEqual(r.status, 3, r.stderr)  // the run is written; one query fell back
        XCTAssertTrue(r.stderr.contains("expansion failed for 1 of 2 queries"), r.stderr)
        let saved = try String(contentsOfFile: dir + "/q.jsonl", encoding: .utf8).split(separator: "\n").map {
            try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any]
        }
        XCTAssertEqual(saved[0]["fallback"] as? Bool, false)
        XCTAssertTrue((saved[0]["expansion"] as? String ?? "").hasPrefix("Glaciers are rivers"))
        // "glacier" repeated max(5, 12 words / 1 word) = 12 times, plus once from "Glaciers" in the text.
        let terms = saved[0]["terms"] as! [[String: Any]]
        XCTAssertEqual(terms.first { $0["term"] as? String == "glacier" }?["weight"] as? Double, 13)
        XCTAssertEqual(saved[1]["fallback"] as? Bool, true)
        XCTAssertNotNil(saved[1]["error"])
        XCTAssertTrue(try String(contentsOfFile: dir + "/run", encoding: .utf8).contains("2 Q0 S085 1"))
        let missing = try quarry("run", "--index", dir + "/idx", "--topics", dir + "/topics.tsv", "--output", dir + "/run2", "--expander", "precomputed")
        XCTAssertEqual(missing.status, 1)
        XCTAssertTrue(missing.stderr.contains("precomputed.file is required"), missing.stderr)
    }
}
