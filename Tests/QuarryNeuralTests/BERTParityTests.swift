// BERT against references made by tools/neural/make_bert_reference.py: the real all-MiniLM-L6-v2 against
// sentence-transformers on real passages, and a tiny random cross-encoder (float32, float16, bfloat16,
// sharded) against transformers' BertForSequenceClassification.
import XCTest
@testable import QuarryNeural

struct MiniLMReference {
    struct Passage { let source: String; let input: BERTInput }
    let passages: [Passage]
    let embeddings: [[Float]]
    let cls: [Int: [Float]]
    let maxSeqLength: Int

    static func load() throws -> MiniLMReference {
        let json = try JSONSerialization.jsonObject(with: NeuralTestPaths.gunzip(NeuralTestPaths.fixture("bert/minilm-reference.json.gz"))) as! [String: Any]
        let dim = json["embedding_dim"] as! Int
        let passages = (json["passages"] as! [[String: Any]]).map {
            Passage(source: $0["source"] as! String,
                    input: BERTInput(tokenIds: $0["input_ids"] as! [Int], tokenTypeIds: ($0["token_type_ids"] as! [Int]), attentionMask: ($0["attention_mask"] as! [Int])))
        }
        let raw = try Data(contentsOf: URL(fileURLWithPath: NeuralTestPaths.fixture("bert/minilm-embeddings.f32")))
        let floats: [Float] = raw.withUnsafeBytes { b in (0..<(raw.count / 4)).map { Float(bitPattern: UInt32(littleEndian: b.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self))) } }
        precondition(floats.count == passages.count * dim, "minilm-embeddings.f32 does not match the passages")
        let embeddings = (0..<passages.count).map { Array(floats[$0 * dim..<($0 + 1) * dim]) }
        var cls: [Int: [Float]] = [:]
        for (k, v) in json["cls"] as! [String: [Double]] { cls[Int(k)!] = v.map(Float.init) }
        return MiniLMReference(passages: passages, embeddings: embeddings, cls: cls, maxSeqLength: json["max_seq_length"] as! Int)
    }
}

/// Worst cosine and worst absolute difference between rows of `got` and `expected`.
struct Agreement: CustomStringConvertible {
    var worstCosine: Double = 1
    var worstAbs: Float = 0
    var worstIndex = -1
    mutating func compare(_ got: [Float], _ expected: [Float], index: Int) {
        var dot = 0.0, ng = 0.0, ne = 0.0
        var m: Float = 0
        for (g, e) in zip(got, expected) {
            dot += Double(g) * Double(e); ng += Double(g) * Double(g); ne += Double(e) * Double(e)
            m = max(m, abs(g - e))
        }
        let cos = dot / max((ng * ne).squareRoot(), 1e-30)
        if cos < worstCosine { worstCosine = cos; worstIndex = index }
        worstAbs = max(worstAbs, m.isNaN ? .infinity : m)
        if got.count != expected.count || cos.isNaN { worstCosine = -1 }
    }
    var description: String { String(format: "worst cosine %.9f (passage %d), worst abs diff %.3g", worstCosine, worstIndex, worstAbs) }
}

final class BERTParityTests: XCTestCase {
    func row(_ t: Tensor, _ i: Int) -> [Float] { t.slice(i).scalars }

    func testMiniLMMatchesSentenceTransformersOneAtATimeAndInPaddedBatches() throws {
        let encoder = try SentenceEncoder(directory: try NeuralTestPaths.miniLM())
        XCTAssertEqual(encoder.pooling, .mean)
        XCTAssertTrue(encoder.normalize, "all-MiniLM-L6-v2's modules.json lists a Normalize module")
        XCTAssertEqual(encoder.maxSequenceLength, 256)
        let ref = try MiniLMReference.load()
        XCTAssertGreaterThanOrEqual(ref.passages.count, 200)
        XCTAssertGreaterThan(ref.passages.filter { $0.input.tokenIds.count == ref.maxSeqLength }.count, 10, "some passages must be truncated at 256")
        XCTAssertGreaterThan(ref.passages.filter { $0.input.tokenIds.count < 16 }.count, 10, "some passages must be very short")

        // One at a time: no padding.
        var single = Agreement()
        var singles: [[Float]] = []
        for (i, p) in ref.passages.enumerated() {
            let e = row(try encoder.embedBatch([p.input]), 0)
            singles.append(e)
            single.compare(e, ref.embeddings[i], index: i)
        }
        print("MiniLM one at a time, \(ref.passages.count) passages: \(single)")
        XCTAssertGreaterThanOrEqual(single.worstCosine, 0.99999, "one at a time: \(single)")
        XCTAssertLessThanOrEqual(single.worstAbs, 1e-4, "one at a time: \(single)")

        // Padded batches of mixed lengths, in the fixture's order (sources interleave long and short texts).
        var batched = Agreement()
        var consistency = Agreement()
        var order = Array(ref.passages.indices)
        var rng = TestRandom(seed: 11)
        order.sort { _, _ in rng.next() < 0 }
        var start = 0
        while start < order.count {
            let chunk = Array(order[start..<min(start + 13, order.count)])
            let lengths = chunk.map { ref.passages[$0].input.tokenIds.count }
            if start == 0 { XCTAssertNotEqual(lengths.min(), lengths.max(), "the first batch should mix lengths") }
            let e = try encoder.embedBatch(chunk.map { ref.passages[$0].input })
            for (k, i) in chunk.enumerated() {
                batched.compare(row(e, k), ref.embeddings[i], index: i)
                consistency.compare(row(e, k), singles[i], index: i)
            }
            start += chunk.count
        }
        print("MiniLM padded batches of 13: \(batched); batched vs one at a time: \(consistency)")
        XCTAssertGreaterThanOrEqual(batched.worstCosine, 0.99999, "padded batches: \(batched)")
        XCTAssertLessThanOrEqual(batched.worstAbs, 1e-4, "padded batches: \(batched)")
        XCTAssertLessThanOrEqual(consistency.worstAbs, 1e-5, "padded batches must agree with one at a time: \(consistency)")

        // The length-sorted batching of `embed` gives the same vectors in input order.
        let some = Array(ref.passages.indices.prefix(40))
        let all = try encoder.embed(some.map { ref.passages[$0].input }, batchSize: 8)
        var sorted = Agreement()
        for (k, i) in some.enumerated() { sorted.compare(row(all, k), ref.embeddings[i], index: i) }
        XCTAssertGreaterThanOrEqual(sorted.worstCosine, 0.99999, "embed(batchSize:): \(sorted)")
        XCTAssertLessThanOrEqual(sorted.worstAbs, 1e-4, "embed(batchSize:): \(sorted)")
    }

    func testMiniLMCLSVectorsMatchTransformers() throws {
        let model = try BERTModel(directory: try NeuralTestPaths.miniLM())
        XCTAssertFalse(model.hasClassifier)
        let ref = try MiniLMReference.load()
        XCTAssertFalse(ref.cls.isEmpty)
        var agreement = Agreement()
        for (i, expected) in ref.cls.sorted(by: { $0.key < $1.key }) {
            agreement.compare(row(try model.encode([ref.passages[i].input]).clsPooled(), 0), expected, index: i)
        }
        print("MiniLM [CLS] of the last layer: \(agreement)")
        XCTAssertLessThanOrEqual(agreement.worstAbs, 1e-4, "\(agreement)")
    }

    func testTinyCrossEncoderLogitsInEveryStoredForm() throws {
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: NeuralTestPaths.fixture("bert/tiny-cross-encoder-reference.json")))) as! [String: Any]
        let pairs = (json["pairs"] as! [[String: Any]]).map { BERTInput(tokenIds: $0["input_ids"] as! [Int], tokenTypeIds: $0["token_type_ids"] as? [Int]) }
        XCTAssertTrue(pairs.contains { $0.tokenTypeIds.contains(1) })
        let logits = json["logits"] as! [String: [[Double]]]
        XCTAssertEqual(Set(logits.keys), ["tiny-cross-encoder", "tiny-cross-encoder-f16", "tiny-cross-encoder-bf16", "tiny-cross-encoder-sharded"])
        for (variant, expected) in logits.sorted(by: { $0.key < $1.key }) {
            let dir = NeuralTestPaths.fixture("bert/\(variant)")
            if variant.hasSuffix("sharded") {
                XCTAssertTrue(FileManager.default.fileExists(atPath: dir + "/model.safetensors.index.json"))
                XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/model.safetensors"))
            }
            let model = try BERTModel(directory: dir)
            XCTAssertEqual(model.config.numLabels, 3)
            XCTAssertTrue(model.hasClassifier)
            let batch = try model.classify(pairs)
            XCTAssertEqual(batch.shape, [pairs.count, 3])
            var worst: Float = 0
            for (i, pair) in pairs.enumerated() {
                let one = try model.classify([pair])
                for j in 0..<3 {
                    worst = max(worst, abs(batch[i, j] - Float(expected[i][j])), abs(one[0, j] - Float(expected[i][j])))
                }
            }
            print("\(variant): worst logit difference \(worst)")
            XCTAssertLessThanOrEqual(worst, 1e-4, variant)
        }
    }
}
