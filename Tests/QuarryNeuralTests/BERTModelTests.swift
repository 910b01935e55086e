// BERT's configuration and input errors: each says what is wrong.
import XCTest
@testable import QuarryNeural

final class BERTModelTests: XCTestCase {
    /// A copy of the tiny cross-encoder with config.json edited by `edit`.
    func tinyCopy(_ edit: (inout [String: Any]) -> Void) throws -> String {
        let src = URL(fileURLWithPath: NeuralTestPaths.fixture("bert/tiny-cross-encoder"))
        let dst = FileManager.default.temporaryDirectory.appendingPathComponent("quarry-bert-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dst, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: dst) }
        try FileManager.default.copyItem(at: src.appendingPathComponent("model.safetensors"), to: dst.appendingPathComponent("model.safetensors"))
        var config = try JSONSerialization.jsonObject(with: Data(contentsOf: src.appendingPathComponent("config.json"))) as! [String: Any]
        edit(&config)
        try JSONSerialization.data(withJSONObject: config).write(to: dst.appendingPathComponent("config.json"))
        return dst.path
    }

    func assertLoadFails(_ edit: (inout [String: Any]) -> Void, mentioning words: [String], file: StaticString = #filePath, line: UInt = #line) throws {
        let dir = try tinyCopy(edit)
        XCTAssertThrowsError(try BERTModel(directory: dir), file: file, line: line) { error in
            for w in words { XCTAssertTrue("\(error)".contains(w), "'\(error)' does not mention '\(w)'", file: file, line: line) }
        }
    }

    func testConfigErrors() throws {
        try assertLoadFails({ $0["model_type"] = "t5" }, mentioning: ["config.json", "model_type 't5'", "unsupported architecture"])
        try assertLoadFails({ $0["architectures"] = ["RobertaModel"] }, mentioning: ["RobertaModel", "unsupported architecture"])
        try assertLoadFails({ $0["hidden_act"] = "quick_gelu" }, mentioning: ["hidden_act 'quick_gelu'", "unsupported activation"])
        try assertLoadFails({ $0["position_embedding_type"] = "relative_key" }, mentioning: ["relative_key"])
        try assertLoadFails({ $0["hidden_size"] = 64 }, mentioning: ["model.safetensors", "shape mismatch", "[500, 32]"])
        try assertLoadFails({ $0["num_hidden_layers"] = 3 }, mentioning: ["missing tensor 'bert.encoder.layer.2."])
        try assertLoadFails({ $0.removeValue(forKey: "vocab_size") }, mentioning: ["missing key 'vocab_size'"])
        try assertLoadFails({ $0["num_attention_heads"] = 5 }, mentioning: ["not a multiple"])
        try assertLoadFails({ $0["id2label"] = ["0": "a"] }, mentioning: ["classifier.weight", "shape mismatch"])
    }

    func testActivationFromConfigChangesTheOutput() throws {
        let pair = BERTInput(tokenIds: [101, 200, 102, 300, 102], tokenTypeIds: [0, 0, 0, 1, 1])
        let gelu = try BERTModel(directory: try tinyCopy { _ in }).classify([pair]).scalars
        let relu = try BERTModel(directory: try tinyCopy { $0["hidden_act"] = "relu" })
        XCTAssertEqual(relu.config.activation, .relu)
        XCTAssertNotEqual(try relu.classify([pair]).scalars, gelu)
        XCTAssertEqual(try BERTModel(directory: try tinyCopy { $0["hidden_act"] = "gelu_new" }).config.activation, .geluTanh)
    }

    func testInputErrors() throws {
        let model = try BERTModel(directory: NeuralTestPaths.fixture("bert/tiny-cross-encoder"))
        func fails(_ inputs: [BERTInput], _ words: String, line: UInt = #line) {
            XCTAssertThrowsError(try model.encode(inputs), line: line) { XCTAssertTrue("\($0)".contains(words), "'\($0)'", line: line) }
        }
        fails([], "empty batch")
        fails([BERTInput(tokenIds: [])], "no tokens")
        fails([BERTInput(tokenIds: [101, 500, 102])], "token id 500 is outside the vocabulary")
        fails([BERTInput(tokenIds: [101, -1])], "token id -1")
        fails([BERTInput(tokenIds: [101, 102], tokenTypeIds: [0, 2])], "token type 2")
        fails([BERTInput(tokenIds: [101, 102], tokenTypeIds: [0])], "token types")
        fails([BERTInput(tokenIds: [Int](repeating: 101, count: 65))], "max_position_embeddings 64")
    }

    func testExplicitPaddingEqualsImplicitPadding() throws {
        let model = try BERTModel(directory: NeuralTestPaths.fixture("bert/tiny-cross-encoder"))
        let short = BERTInput(tokenIds: [101, 150, 102], tokenTypeIds: [0, 0, 0])
        let long = BERTInput(tokenIds: [101, 150, 160, 170, 102, 180, 102], tokenTypeIds: [0, 0, 0, 0, 0, 1, 1])
        // The short input padded by hand with a mask of zeros (and junk ids under the mask).
        let padded = BERTInput(tokenIds: [101, 150, 102, 7, 8, 9, 10], tokenTypeIds: [0, 0, 0, 1, 1, 0, 0], attentionMask: [1, 1, 1, 0, 0, 0, 0])
        let a = try model.classify([short, long]), b = try model.classify([padded, long]), c = try model.classify([short])
        assertClose(a.scalars, b.scalars, tol: 1e-6)
        assertClose(a.slice(0).scalars, c.slice(0).scalars, tol: 1e-5)
        let meanA = try model.encode([short, long]).meanPooled(), meanC = try model.encode([short]).meanPooled()
        assertClose(meanA.slice(0).scalars, meanC.slice(0).scalars, tol: 1e-5)
    }
}
