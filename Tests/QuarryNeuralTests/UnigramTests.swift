// The T5 SentencePiece unigram tokenizer (Tests/Fixtures/neural/t5-spm, trained by
// tools/neural/train_t5_spm.py) against its references, recorded by make_tokenizer_fixtures.py:
// from tokenizer.json against the `tokenizers` library ("hf"), from spiece.model against `sentencepiece`
// ("spm"), and a transformers-4-style tokenizer.json ("hf4", made here from the committed one the way the
// script makes it).
import Foundation
import XCTest
@testable import QuarryNeural

final class UnigramTests: XCTestCase {
    static let jsonPath = NeuralTestPaths.fixture("t5-spm/tokenizer.json")
    static let fromJSON: Result<UnigramTokenizer, Error> = Result { try UnigramTokenizer(tokenizerJSON: jsonPath) }
    static let fromModel: Result<UnigramTokenizer, Error> = Result {
        try UnigramTokenizer(sentencePieceModel: NeuralTestPaths.fixture("t5-spm/spiece.model"))
    }
    nonisolated(unsafe) static let records: Result<[[String: Any]], Error> = Result { try tokenizerFixture("t5.jsonl.gz") }

    /// transformers 4's conversion of the same model: Precompiled + Strip(right) + Replace(" {2,}", "▁"),
    /// Metaspace alone.
    static let fromHF4JSON: Result<UnigramTokenizer, Error> = Result {
        var j = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: jsonPath))) as! [String: Any]
        let pre = j["normalizer"] as! [String: Any]
        j["normalizer"] = ["type": "Sequence", "normalizers": [
            pre, ["type": "Strip", "strip_left": false, "strip_right": true],
            ["type": "Replace", "pattern": ["Regex": " {2,}"], "content": "\u{2581}"]]]
        j["pre_tokenizer"] = ["type": "Metaspace", "replacement": "\u{2581}", "prepend_scheme": "always", "split": true]
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("quarry-t5-hf4-\(UUID().uuidString).json")
        try JSONSerialization.data(withJSONObject: j).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        return try UnigramTokenizer(tokenizerJSON: url.path)
    }

    private func compareSingles(_ file: String, minimum: Int) throws {
        let records = try tokenizerFixture(file).filter { $0["kind"] as? String == "single" }
        XCTAssertGreaterThanOrEqual(records.count, minimum)
        let refs = [("hf", try Self.fromJSON.get()), ("spm", try Self.fromModel.get()), ("hf4", try Self.fromHF4JSON.get())]
        var disagree = 0
        for (key, tok) in refs {
            var p = Parity(label: "t5 \(file) \(key)")
            for r in records {
                let text = r["text"] as! String
                p.check(tok.encode(text).ids, ints(r[key]), text.debugDescription.prefix(200) + "")
            }
            p.report()
            XCTAssertEqual(p.mismatches, 0, "\(key): \(p.mismatches) of \(p.compared) texts differ from the reference")
        }
        for r in records where ints(r["hf"]) != ints(r["spm"]) { disagree += 1 }
        print("[t5 \(file)] the two references (tokenizers, sentencepiece) disagree on \(disagree) of \(records.count) texts")
    }

    func testSingleTextsAllLoadPaths() throws { try compareSingles("t5.jsonl.gz", minimum: 2000) }

    func testCodePointSweep() throws { try compareSingles("t5-sweep.jsonl.gz", minimum: 4000) }

    func testDecode() throws {
        let hf = try Self.fromJSON.get(), spm = try Self.fromModel.get()
        var p = Parity(label: "t5 decode")
        var n = 0
        for r in try Self.records.get() where r["decoded"] != nil {
            n += 1
            let wantText = r["decoded"] as! String, wantSPM = r["spm_decoded"] as! String
            let got = try hf.decode(ints(r["hf"])), gotSPM = try spm.decode(ints(r["spm"]))
            p.check(Array(got.unicodeScalars.map { Int($0.value) }), Array(wantText.unicodeScalars.map { Int($0.value) }), "hf decode \(wantText.prefix(80))")
            p.check(Array(gotSPM.unicodeScalars.map { Int($0.value) }), Array(wantSPM.unicodeScalars.map { Int($0.value) }), "spm decode \(wantSPM.prefix(80))")
            // HF lists an unknown's surface text as its token; the vocabulary's token is <unk>.
            let ids = ints(r["hf"])
            let want = zip(ids, r["tokens"] as! [String]).map { $0.0 == hf.unkId ? "<unk>" : $0.1 }
            XCTAssertEqual(try hf.tokens(ids), want)
        }
        p.report()
        XCTAssertGreaterThan(n, 200)
        XCTAssertEqual(p.mismatches, 0)
        XCTAssertEqual(try hf.decode(hf.encode("The quick brown fox.").ids), "The quick brown fox.")
    }

    func testPairsTruncationAndBatches() throws {
        let tok = try Self.fromJSON.get()
        var p = Parity(label: "t5 pairs/truncation/batches")
        var errors = 0
        for r in try Self.records.get() {
            switch r["kind"] as? String {
            case "pair":
                let e = try tok.encode(r["a"] as! String, r["b"] as! String)
                p.check(e.ids, ints(r["ids"]), "pair")
                p.check(e.typeIds, ints(r["type_ids"]), "pair types")
            case "truncate":
                let n = (r["max_length"] as! NSNumber).intValue
                let a = r["a"] as! String
                if let b = r["b"] as? String {
                    let strategy = TruncationStrategy(rawValue: r["strategy"] as! String)!
                    if r["error"] != nil {
                        XCTAssertThrowsError(try tok.encode(a, b, maxLength: n, truncation: strategy))
                        errors += 1
                    } else {
                        p.check(try tok.encode(a, b, maxLength: n, truncation: strategy).ids, ints(r["ids"]), "\(strategy) \(n)")
                    }
                } else {
                    p.check(tok.encode(a, maxLength: n).ids, ints(r["ids"]), "truncate \(n) \(a.prefix(60))")
                }
            case "batch":
                let maxLength = (r["max_length"] as? NSNumber)?.intValue
                let padding: Padding = (r["padding"] as! String) == "longest" ? .longest : .length(maxLength!)
                let b = tok.encodeBatch(r["texts"] as! [String], maxLength: maxLength, padding: padding)
                p.check(b.ids.flatMap { $0 + [-1] }, intRows(r["ids"]).flatMap { $0 + [-1] }, "batch ids")
                p.check(b.attentionMask.flatMap { $0 + [-1] }, intRows(r["attention_mask"]).flatMap { $0 + [-1] }, "batch mask")
            default:
                break
            }
        }
        p.report()
        XCTAssertGreaterThan(p.compared, 800)
        XCTAssertEqual(p.mismatches, 0)
        XCTAssertGreaterThan(errors, 0)
    }

    func testModelFacts() throws {
        let json = try Self.fromJSON.get(), model = try Self.fromModel.get()
        XCTAssertEqual(json.vocabularySize, 3100)
        XCTAssertEqual(model.vocabularySize, 3000)
        XCTAssertEqual(try UnigramTokenizer(sentencePieceModel: NeuralTestPaths.fixture("t5-spm/spiece.model"), extraIds: 100).token(forId: 3099), "<extra_id_0>")
        for t in [json, model] {
            XCTAssertEqual(t.padId, 0)
            XCTAssertEqual(t.eosId, 1)
            XCTAssertEqual(t.unkId, 2)
            XCTAssertEqual(t.encode("").ids, [1])
            XCTAssertEqual(t.encode("   ").ids, [1])
        }
        XCTAssertEqual(json.id(forToken: "<extra_id_0>"), 3099)
        // Both load paths agree on ordinary text.
        let text = "Fusion-in-Decoder encodes each passage with the question."
        XCTAssertEqual(json.encode(text).ids, model.encode(text).ids)
        XCTAssertEqual(try UnigramTokenizer(directory: NeuralTestPaths.fixture("t5-spm")).encode(text).ids, json.encode(text).ids)
    }

    func testBadInput() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("quarry-uni-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        func message(_ body: () throws -> Any) -> String {
            do { _ = try body(); return "(no error)" } catch { return "\(error)" }
        }
        XCTAssertTrue(message { try UnigramTokenizer(sentencePieceModel: dir.appendingPathComponent("spiece.model").path) }.contains("spiece.model: no such file"))
        XCTAssertTrue(message { try UnigramTokenizer(tokenizerJSON: dir.appendingPathComponent("tokenizer.json").path) }.contains("no such file"))

        // A WordPiece tokenizer.json is not a Unigram one.
        let minilm = (try NeuralTestPaths.miniLM() as NSString).appendingPathComponent("tokenizer.json")
        XCTAssertTrue(message { try UnigramTokenizer(tokenizerJSON: minilm) }.contains("model.type is WordPiece"))

        let bad = dir.appendingPathComponent("tokenizer.json")
        try Data("[1, 2".utf8).write(to: bad)
        XCTAssertTrue(message { try UnigramTokenizer(tokenizerJSON: bad.path) }.contains("not valid JSON"))
        try Data("{\"model\": {\"type\": \"Unigram\", \"unk_id\": 0, \"vocab\": [[\"a\"]]}}".utf8).write(to: bad)
        XCTAssertTrue(message { try UnigramTokenizer(tokenizerJSON: bad.path) }.contains("model.vocab[0]"))
        try Data("{\"model\": {\"type\": \"Unigram\", \"unk_id\": 5, \"vocab\": [[\"a\", -1.0]]}}".utf8).write(to: bad)
        XCTAssertTrue(message { try UnigramTokenizer(tokenizerJSON: bad.path) }.contains("model.unk_id"))
        try Data("{\"normalizer\": {\"type\": \"Prepend\"}, \"model\": {\"type\": \"Unigram\", \"unk_id\": 0, \"vocab\": [[\"a\", -1.0]]}}".utf8).write(to: bad)
        XCTAssertTrue(message { try UnigramTokenizer(tokenizerJSON: bad.path) }.contains("normalizer type Prepend is not supported"))

        // A damaged spiece.model: truncated, or not a protobuf at all.
        let model = try Data(contentsOf: URL(fileURLWithPath: NeuralTestPaths.fixture("t5-spm/spiece.model")))
        let cut = dir.appendingPathComponent("cut.model")
        try model.prefix(model.count / 2).write(to: cut)
        XCTAssertTrue(message { try UnigramTokenizer(sentencePieceModel: cut.path) }.contains("cut.model"))
        try Data("this is not a model".utf8).write(to: cut)
        XCTAssertTrue(message { try UnigramTokenizer(sentencePieceModel: cut.path) }.contains("cut.model"))

        let tok = try Self.fromJSON.get()
        XCTAssertTrue(message { try tok.decode([5, 3100]) }.contains("token id 3100 is outside the vocabulary"))
        XCTAssertThrowsError(try Self.fromModel.get().decode([3000]))
    }

    func testSpeed() throws {
        let tok = try Self.fromJSON.get(), spm = try Self.fromModel.get()
        let texts = try Self.records.get().compactMap { $0["kind"] as? String == "single" ? $0["text"] as? String : nil }
        for (name, t) in [("tokenizer.json", tok), ("spiece.model", spm)] {
            let start = Date()
            var n = 0
            for text in texts { n += t.tokenize(text).count }
            let s = Date().timeIntervalSince(start)
            print(String(format: "[t5 speed %@] %d texts, %d tokens in %.3f s: %.0f tokens/s (debug build)", name, texts.count, n, s, Double(n) / s))
        }
    }
}
