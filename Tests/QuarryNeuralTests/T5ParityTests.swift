// T5 against transformers: two tiny trained models (tools/neural/make_t5_reference.py) — t5 v1.0
// (ReLU, tied and scaled head) and v1.1 / flan-t5 (gated GELU, untied head) — encoder states and
// teacher-forced logits within 1e-4, greedy and beam-search outputs identical, and Fusion-in-Decoder
// (several passages encoded apart, decoded over all of them) equal to the reference. The v1.1 model
// also loads from bfloat16 and sharded checkpoints, as real flan-t5 checkpoints come.
import XCTest
@testable import QuarryNeural

final class T5ParityTests: XCTestCase {
    func model(_ dir: String) throws -> T5Model { try T5Model(directory: NeuralTestPaths.fixture("t5/\(dir)")) }

    func reference(_ variant: String) throws -> [String: Any] {
        try NeuralTestPaths.json("t5/reference-\(variant).json.gz") as! [String: Any]
    }

    func maxAbsDiff(_ t: Tensor, _ ref: [Double]) -> Double {
        XCTAssertEqual(t.count, ref.count)
        return zip(t.scalars, ref).reduce(0) { max($0, abs(Double($1.0) - $1.1)) }
    }

    func check(_ variant: String, _ dir: String) throws {
        let m = try model(dir)
        let ref = try reference(variant)
        for (i, c) in (ref["cases"] as! [[String: Any]]).enumerated() {
            let ids = c["inputIds"] as! [Int]
            let enc = try m.encode(.init(ids: [ids]))
            let dEnc = maxAbsDiff(enc.states, c["encoderStates"] as! [Double])
            XCTAssertLessThan(dEnc, 1e-4, "\(dir) case \(i): encoder states")
            let logits = try m.logits(decoderInput: c["decoderInputIds"] as! [Int], encoder: enc)
            let dLogits = maxAbsDiff(logits, c["logits"] as! [Double])
            XCTAssertLessThan(dLogits, 1e-4, "\(dir) case \(i): logits")
            // Greedy is only comparable where the reference's choice was not a near tie.
            XCTAssertGreaterThan((c["greedyMargins"] as! [Double]).min()!, 1e-3, "reference has a near tie")
            XCTAssertEqual(try m.generate(enc, options: .init(maxNewTokens: 16)).first?.tokens, c["greedy"] as? [Int], "\(dir) case \(i): greedy")
            let beam = try m.generate(enc, options: .init(maxNewTokens: 16, beams: 4)).first!
            XCTAssertEqual(beam.tokens, c["beam4"] as? [Int], "\(dir) case \(i): beam search")
            XCTAssertEqual(beam.score ?? 0, c["beam4Score"] as! Double, accuracy: 1e-4, "\(dir) case \(i): beam score")
            print("T5 \(dir) case \(i): encoder |Δ| \(dEnc), logits |Δ| \(dLogits)")
        }
    }

    func testT5V10ReLUTiedHead() throws { try check("v1_0", "tiny-t5-v1_0") }
    func testT5V11GatedGELUUntiedHead() throws { try check("v1_1", "tiny-t5-v1_1") }

    func testShardedCheckpointIsTheSameModel() throws {
        let a = try model("tiny-t5-v1_1"), b = try model("tiny-t5-v1_1-sharded")
        let input = T5Model.EncoderInput(ids: [[100, 200, 300, 1]])
        XCTAssertEqual(try a.encode(input).states.scalars, try b.encode(input).states.scalars)
    }

    func testBFloat16CheckpointLoadsAndStaysClose() throws {
        let a = try model("tiny-t5-v1_1"), b = try model("tiny-t5-v1_1-bf16")
        let input = T5Model.EncoderInput(ids: [[100, 200, 300, 1]])
        let x = try a.encode(input).states.scalars, y = try b.encode(input).states.scalars
        let cos = zip(x, y).reduce(0) { $0 + Double($1.0 * $1.1) } / (sqrt(x.reduce(0) { $0 + Double($1 * $1) }) * sqrt(y.reduce(0) { $0 + Double($1 * $1) }))
        XCTAssertGreaterThan(cos, 0.99, "bfloat16 weights change the states a little, not a lot")
    }

    func testFusionInDecoder() throws {
        for (variant, dir) in [("v1_0", "tiny-t5-v1_0"), ("v1_1", "tiny-t5-v1_1")] {
            let m = try model(dir)
            let fid = try reference(variant)["fid"] as! [String: Any]
            let passages = try m.encode(.init(ids: fid["inputIds"] as! [[Int]], mask: fid["attentionMask"] as? [[Int]]))
            XCTAssertEqual(passages.batch, (fid["passages"] as! [String]).count)
            let fused = passages.fused()
            XCTAssertGreaterThan((fid["greedyMargins"] as! [Double]).min()!, 1e-3, "reference has a near tie")
            let out = try m.generate(fused, options: .init(maxNewTokens: 16)).first!
            XCTAssertEqual(out.tokens, fid["greedy"] as? [Int], "\(dir): FiD greedy")
            let logits = try m.logits(decoderInput: Array(out.tokens.dropLast()), encoder: fused)
            XCTAssertLessThan(maxAbsDiff(logits, fid["logits"] as! [Double]), 1e-4, "\(dir): FiD logits")
        }
    }

    func testMinNewTokensHoldsBackTheEnd() throws {
        let m = try model("tiny-t5-v1_1")
        let enc = try m.encode(.init(ids: [[100, 200, 300, 1]]))
        for beams in [1, 3] {
            let out = try m.generate(enc, options: .init(maxNewTokens: 12, minNewTokens: 12, beams: beams)).first!.tokens
            XCTAssertEqual(out.count, 13, "beams \(beams): \(out)")
            XCTAssertFalse(out.dropFirst().contains(m.config.eosToken), "beams \(beams): \(out)")
        }
    }

    func testBadInputIsAnError() throws {
        let m = try model("tiny-t5-v1_1")
        XCTAssertThrowsError(try m.encode(.init(ids: [[]])))
        XCTAssertThrowsError(try m.encode(.init(ids: [[5, m.config.vocabSize]]))) { XCTAssertTrue("\($0)".contains("outside the vocabulary"), "\($0)") }
        XCTAssertThrowsError(try m.encode(.init(ids: [[5, 6], [7]])))
        XCTAssertThrowsError(try T5Model(directory: NeuralTestPaths.fixture("t5/no-such-model"))) { XCTAssertTrue("\($0)".contains("no-such-model"), "\($0)") }
    }
}

extension T5ParityTests {
    /// A T5 directory with only spiece.model (no tokenizer.json) decodes its sentinel ids, as T5Tokenizer does.
    func testSpieceOnlyDirectoryHasT5Sentinels() throws {
        let dir = NSTemporaryDirectory() + "quarry-spiece-\(getpid())"
        try? FileManager.default.removeItem(atPath: dir)
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for f in ["spiece.model"] { try FileManager.default.copyItem(atPath: NeuralTestPaths.fixture("t5-spm/\(f)"), toPath: dir + "/" + f) }
        try FileManager.default.copyItem(atPath: NeuralTestPaths.fixture("t5/tiny-t5-v1_1/config.json"), toPath: dir + "/config.json")
        let spiece = try UnigramTokenizer(directory: dir)
        let json = try UnigramTokenizer(directory: NeuralTestPaths.fixture("t5-spm"))
        XCTAssertEqual(spiece.vocabularySize, json.vocabularySize)
        XCTAssertEqual(spiece.token(forId: json.vocabularySize - 1), "<extra_id_0>")
        XCTAssertEqual(spiece.encode("how do glaciers move").ids, json.encode("how do glaciers move").ids)
    }
}
