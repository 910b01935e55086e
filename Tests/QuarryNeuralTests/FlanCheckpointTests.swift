// Real flan-t5 checkpoints: a fixture laid out exactly as google/flan-t5-small's (its config.json keys,
// tensor names and generation_config.json; shrunk sizes, random weights — tools/neural/make_flan_t5_fixture.py)
// loads by path in float32, bfloat16 and sharded form, all three give the same outputs, and those equal
// transformers' (4.46) on the float32 form: logits within 1e-4, greedy tokens identical.
import XCTest
@testable import QuarryNeural

final class FlanCheckpointTests: XCTestCase {
    let forms = ["float32", "bfloat16", "sharded"]

    func model(_ form: String) throws -> T5Model {
        try T5Model(directory: NeuralTestPaths.fixture("t5/flan-t5-small-shaped/\(form)"))
    }

    func testConfigIsReadAsFlanT5() throws {
        let c = try model("float32").config
        XCTAssertTrue(c.gated, "feed_forward_proj gated-gelu")
        XCTAssertEqual(c.activation, .geluTanh, "flan-t5's dense_act_fn is gelu_new")
        XCTAssertFalse(c.tiedHead, "flan-t5 has its own lm_head and no output scaling")
        XCTAssertEqual(c.heads, 4)
        XCTAssertEqual(c.encoderLayers, 2)
    }

    func testAllFormsMatchTransformers() throws {
        let ref = try NeuralTestPaths.json("t5/flan-t5-small-shaped/reference.json.gz") as! [String: Any]
        for form in forms {
            let m = try model(form)
            for (i, c) in (ref["cases"] as! [[String: Any]]).enumerated() {
                XCTAssertGreaterThan(c["margin"] as! Double, 1e-3, "the reference has a near tie")
                let enc = try m.encode(.init(ids: [c["input"] as! [Int]]))
                let greedy = c["greedy"] as! [Int]
                let out = try m.generate(enc, options: .init(maxNewTokens: greedy.count, minNewTokens: greedy.count)).first!
                // Quarry's output starts with the decoder start token, as transformers' sequences do.
                XCTAssertEqual(out.tokens, [m.config.decoderStartToken] + greedy, "\(form) case \(i): greedy")
                let logits = try m.logits(decoderInput: [m.config.decoderStartToken] + greedy.dropLast(), encoder: enc)
                let expected = (c["logits"] as! [[Double]]).flatMap { $0 }
                XCTAssertEqual(logits.count, expected.count)
                let worst = zip(logits.scalars, expected).reduce(0) { max($0, abs(Double($1.0) - $1.1)) }
                XCTAssertLessThan(worst, 1e-4, "\(form) case \(i): logits")
            }
        }
    }

    func testFormsHoldTheSameNumbers() throws {
        // The generator rounds every weight to bfloat16 first, so the three forms are one model.
        let input = T5Model.EncoderInput(ids: [[5, 17, 42, 1]])
        let states = try forms.map { try model($0).encode(input).states.scalars }
        XCTAssertEqual(states[0], states[1])
        XCTAssertEqual(states[0], states[2])
    }
}
