// BERT WordPiece (all-MiniLM-L6-v2's uncased vocabulary) against the Hugging Face fast tokenizer's ids,
// recorded by tools/neural/make_tokenizer_fixtures.py: single texts from the shared collections and
// hand-written hard cases, pairs, truncation, padded batches and a sweep over the code points.
import Foundation
import XCTest
@testable import QuarryNeural

/// The records of a gzip-compressed JSON-lines fixture under Tests/Fixtures/neural/tokenizers.
func tokenizerFixture(_ name: String) throws -> [[String: Any]] {
    let data = try NeuralTestPaths.gunzip(NeuralTestPaths.fixture("tokenizers/\(name)"))
    let text = String(decoding: data, as: UTF8.self)
    return try text.split(separator: "\n").map {
        guard let r = try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] else {
            throw TokenizerError("\(name): a line is not an object")
        }
        return r
    }
}

func ints(_ v: Any?) -> [Int] { (v as? [NSNumber])?.map(\.intValue) ?? [] }
func intRows(_ v: Any?) -> [[Int]] { (v as? [[NSNumber]])?.map { $0.map(\.intValue) } ?? [] }

/// Counts and shows mismatches; the caller asserts the count.
struct Parity {
    var compared = 0
    var mismatches = 0
    var shown = 0
    let label: String

    mutating func check(_ got: [Int], _ want: [Int], _ what: @autoclosure () -> String) {
        compared += 1
        if got != want {
            mismatches += 1
            if shown < 8 {
                shown += 1
                let at = zip(got, want).prefix { $0 == $1 }.count
                let from = max(0, at - 5)
                print("[\(label)] MISMATCH \(what())\n  at \(at) of \(want.count)\n  got  \(got[from...].prefix(20))\n  want \(want[from...].prefix(20))")
            }
        }
    }

    func report() { print("[\(label)] \(compared) compared, \(mismatches) mismatches") }
}

final class WordPieceTests: XCTestCase {
    static let fromJSON: Result<WordPieceTokenizer, Error> = Result {
        try WordPieceTokenizer(tokenizerJSON: (try NeuralTestPaths.miniLM() as NSString).appendingPathComponent("tokenizer.json"))
    }
    static let fromVocab: Result<WordPieceTokenizer, Error> = Result {
        try WordPieceTokenizer(vocabFile: (try NeuralTestPaths.miniLM() as NSString).appendingPathComponent("vocab.txt"))
    }
    nonisolated(unsafe) static let records: Result<[[String: Any]], Error> = Result { try tokenizerFixture("wordpiece.jsonl.gz") }

    func testSingleTextsBothLoadPaths() throws {
        let records = try Self.records.get().filter { $0["kind"] as? String == "single" }
        XCTAssertGreaterThanOrEqual(records.count, 2000)
        for (name, tok) in [("tokenizer.json", try Self.fromJSON.get()), ("vocab.txt", try Self.fromVocab.get())] {
            var p = Parity(label: "wordpiece single (\(name))")
            for r in records {
                let text = r["text"] as! String
                p.check(tok.encode(text).ids, ints(r["ids"]), "\(text.debugDescription.prefix(200))")
            }
            p.report()
            XCTAssertEqual(p.mismatches, 0, "\(name): \(p.mismatches) of \(p.compared) texts differ from the HF tokenizer")
        }
    }

    func testTokensForDebugging() throws {
        let tok = try Self.fromJSON.get()
        var n = 0
        for r in try Self.records.get() where r["tokens"] != nil {
            XCTAssertEqual(try tok.tokens(ints(r["ids"])), r["tokens"] as? [String])
            n += 1
        }
        XCTAssertGreaterThan(n, 200)
        XCTAssertEqual(try tok.decode(tok.encode("Hello, World! Don't panic.").ids), "hello, world! don't panic.")
    }

    func testPairs() throws {
        let tok = try Self.fromJSON.get()
        var p = Parity(label: "wordpiece pairs")
        var types = Parity(label: "wordpiece pair types")
        for r in try Self.records.get() where r["kind"] as? String == "pair" {
            let e = try tok.encode(r["a"] as! String, r["b"] as! String)
            p.check(e.ids, ints(r["ids"]), "\(r["a"]!)")
            types.check(e.typeIds, ints(r["type_ids"]), "\(r["a"]!)")
            XCTAssertEqual(e.attentionMask, Array(repeating: 1, count: e.count))
        }
        p.report()
        XCTAssertGreaterThan(p.compared, 400)
        XCTAssertEqual(p.mismatches, 0)
        XCTAssertEqual(types.mismatches, 0)
    }

    func testTruncation() throws {
        let tok = try Self.fromJSON.get()
        var p = Parity(label: "wordpiece truncation")
        var errors = 0
        for r in try Self.records.get() where r["kind"] as? String == "truncate" {
            let n = (r["max_length"] as! NSNumber).intValue
            let strategy = TruncationStrategy(rawValue: r["strategy"] as! String)!
            let a = r["a"] as! String
            if let b = r["b"] as? String {
                if r["error"] != nil {
                    XCTAssertThrowsError(try tok.encode(a, b, maxLength: n, truncation: strategy), "\(a) / max \(n)")
                    errors += 1
                    continue
                }
                let e = try tok.encode(a, b, maxLength: n, truncation: strategy)
                p.check(e.ids, ints(r["ids"]), "\(strategy) \(n) \(a.prefix(60))")
                p.check(e.typeIds, ints(r["type_ids"]), "types \(strategy) \(n)")
            } else {
                p.check(tok.encode(a, maxLength: n).ids, ints(r["ids"]), "single \(n) \(a.prefix(60))")
            }
        }
        p.report()
        print("[wordpiece truncation] \(errors) only_second cases the reference refuses, refused too")
        XCTAssertGreaterThan(p.compared, 1000)
        XCTAssertGreaterThan(errors, 0)
        XCTAssertEqual(p.mismatches, 0)
    }

    func testPaddedBatches() throws {
        let tok = try Self.fromJSON.get()
        var p = Parity(label: "wordpiece batches")
        for r in try Self.records.get() where r["kind"] as? String == "batch" {
            let maxLength = (r["max_length"] as? NSNumber)?.intValue
            let padding: Padding = (r["padding"] as! String) == "longest" ? .longest : .length(maxLength!)
            let batch: BatchEncoding
            if let texts = r["texts"] as? [String] {
                batch = tok.encodeBatch(texts, maxLength: maxLength, padding: padding)
            } else {
                let pairs = (r["pairs"] as! [[String]]).map { ($0[0], $0[1]) }
                batch = try tok.encodeBatch(pairs: pairs, maxLength: maxLength, padding: padding)
            }
            p.check(batch.ids.flatMap { $0 + [-1] }, intRows(r["ids"]).flatMap { $0 + [-1] }, "ids")
            p.check(batch.typeIds.flatMap { $0 + [-1] }, intRows(r["type_ids"]).flatMap { $0 + [-1] }, "types")
            p.check(batch.attentionMask.flatMap { $0 + [-1] }, intRows(r["attention_mask"]).flatMap { $0 + [-1] }, "mask")
        }
        p.report()
        XCTAssertGreaterThan(p.compared, 100)
        XCTAssertEqual(p.mismatches, 0)
    }

    func testCodePointSweep() throws {
        let tok = try Self.fromJSON.get()
        var p = Parity(label: "wordpiece code-point sweep")
        for r in try tokenizerFixture("wordpiece-sweep.jsonl.gz") {
            p.check(tok.encode(r["text"] as! String).ids, ints(r["ids"]), String(format: "block U+%04X", (r["start"] as! NSNumber).intValue))
        }
        p.report()
        XCTAssertGreaterThan(p.compared, 4000)
        XCTAssertEqual(p.mismatches, 0)
    }

    func testBadInput() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("quarry-wp-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        func message(_ body: () throws -> Any) -> String {
            do { _ = try body(); return "(no error)" } catch { return "\(error)" }
        }
        let missing = dir.appendingPathComponent("nope/tokenizer.json").path
        XCTAssertTrue(message { try WordPieceTokenizer(tokenizerJSON: missing) }.contains("nope/tokenizer.json: no such file"))
        XCTAssertTrue(message { try WordPieceTokenizer(vocabFile: dir.appendingPathComponent("vocab.txt").path) }.contains("no such file"))

        let bad = dir.appendingPathComponent("tokenizer.json")
        try Data("{\"model\": {\"type\": \"WordPiece\", \"vocab\": ".utf8).write(to: bad)
        XCTAssertTrue(message { try WordPieceTokenizer(tokenizerJSON: bad.path) }.contains("not valid JSON"))
        try Data("{\"model\": {\"type\": \"BPE\", \"vocab\": {}}}".utf8).write(to: bad)
        let m = message { try WordPieceTokenizer(tokenizerJSON: bad.path) }
        XCTAssertTrue(m.contains("model.type is BPE") && m.contains(bad.path), m)
        let t5 = NeuralTestPaths.fixture("t5-spm/tokenizer.json")
        XCTAssertTrue(message { try WordPieceTokenizer(tokenizerJSON: t5) }.contains("model.type is Unigram"))
        try Data("{\"model\": {\"type\": \"WordPiece\", \"vocab\": {\"a\": 0, \"[UNK]\": 0}}}".utf8).write(to: bad)
        XCTAssertTrue(message { try WordPieceTokenizer(tokenizerJSON: bad.path) }.contains("model.vocab"))
        let vocab = dir.appendingPathComponent("vocab.txt")
        try Data("[PAD]\n[CLS]\n[SEP]\nhello\n".utf8).write(to: vocab)
        XCTAssertTrue(message { try WordPieceTokenizer(vocabFile: vocab.path) }.contains("[UNK]"))

        let tok = try Self.fromJSON.get()
        XCTAssertTrue(message { try tok.tokens([101, 30522]) }.contains("token id 30522 is outside the vocabulary"))
        XCTAssertThrowsError(try tok.decode([-1]))
        // Empty input: just the special tokens.
        XCTAssertEqual(tok.encode("").ids, [101, 102])
        XCTAssertEqual(tok.encodeBatch([]).rows.count, 0)
    }

    func testSpeed() throws {
        let tok = try Self.fromJSON.get()
        let texts = try Self.records.get().compactMap { $0["kind"] as? String == "single" ? $0["text"] as? String : nil }
        let start = Date()
        var n = 0
        for _ in 0..<3 { for t in texts { n += tok.tokenize(t).count } }
        let s = Date().timeIntervalSince(start)
        print(String(format: "[wordpiece speed] %d texts, %d tokens in %.3f s: %.0f tokens/s (debug build)", texts.count * 3, n, s, Double(n) / s))
    }
}
