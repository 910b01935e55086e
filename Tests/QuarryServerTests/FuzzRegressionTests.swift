// The fuzz targets in CI: each one accepts a well-formed input and refuses a malformed one (so a
// target that silently does nothing fails here), and every input that once crashed a target
// (Tests/Fixtures/fuzz/<target>/, written by tools/fuzz/run.sh) runs through it again.
import Foundation
import XCTest
import QuarryFuzzTargets

final class FuzzRegressionTests: XCTestCase {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures").path
    static let context = try! FuzzContext(fixtures: fixtures)

    private func target(_ name: String) throws -> FuzzTarget { try XCTUnwrap(FuzzTargets.named(name), name) }

    private func accepts(_ name: String, _ input: String, file: StaticString = #filePath, line: UInt = #line) throws {
        try accepts(name, Data(input.utf8), file: file, line: line)
    }

    private func accepts(_ name: String, _ input: Data, file: StaticString = #filePath, line: UInt = #line) throws {
        let error = try target(name).run(input, context: Self.context)
        XCTAssertNil(error, "\(name) refused a good input: \(error.map { "\($0)" } ?? "")", file: file, line: line)
    }

    private func refuses(_ name: String, _ input: String, _ fragment: String, file: StaticString = #filePath, line: UInt = #line) throws {
        try refuses(name, Data(input.utf8), fragment, file: file, line: line)
    }

    private func refuses(_ name: String, _ input: Data, _ fragment: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let error = try target(name).run(input, context: Self.context)
        XCTAssertNotNil(error, "\(name) accepted a bad input", file: file, line: line)
        XCTAssertTrue("\(error.map { "\($0)" } ?? "")".contains(fragment), "\(name): \(error.map { "\($0)" } ?? "")", file: file, line: line)
    }

    func testEveryTargetIsListedOnceAndHasASummary() {
        let names = FuzzTargets.all.map(\.name)
        XCTAssertEqual(Set(names).count, names.count)
        for name in ["collection-trec", "collection-beir", "collection-msmarco", "collection-jsonl", "collection-html", "collection-squad",
                     "topics", "questions", "qrels", "run", "safetensors", "sentencepiece-model", "tokenizer-json", "tokenize",
                     "query", "pipeline", "server-search", "server-batch", "server-experiment", "process-protocol"] {
            XCTAssertTrue(names.contains(name), name)
        }
        for t in FuzzTargets.all { XCTAssertFalse(t.summary.isEmpty || t.seeds.isEmpty, t.name) }
    }

    func testTargetsAcceptGoodInputsAndRefuseBadOnes() throws {
        try accepts("collection-beir", "{\"_id\": \"d1\", \"title\": \"t\", \"text\": \"glaciers\"}\n")
        try accepts("collection-trec", "<DOC>\n<DOCNO> D1 </DOCNO>\n<TEXT>\nglaciers\n</TEXT>\n</DOC>\n")
        try accepts("collection-msmarco", "0\tglaciers move\n1\tbees fly\n")
        try accepts("topics", "1\tglaciers\n2\tbees\n")
        try refuses("qrels", "1 0 d1\n", "qrels")
        try accepts("qrels", "1 0 d1 1\n1 0 d2 0\n")
        try accepts("run", "1 Q0 d1 1 2.5 x\n")
        try refuses("run", "1 Q0 d1 1 high x\n", "run")
        try refuses("safetensors", "\u{8}\0\0\0\0\0\0\0{\"a\": 1}", "not a valid safetensors file")
        try accepts("safetensors", try Data(contentsOf: URL(fileURLWithPath: Self.fixtures + "/neural/t5/tiny-t5-v1_1/model.safetensors")))
        try accepts("sentencepiece-model", try Data(contentsOf: URL(fileURLWithPath: Self.fixtures + "/neural/t5/tiny-t5-v1_1/spiece.model")))
        try accepts("tokenizer-json", try Data(contentsOf: URL(fileURLWithPath: Self.fixtures + "/neural/t5/tiny-t5-v1_1/tokenizer.json")))
        try accepts("tokenize", "Glaciers move slowly — 氷河 café")
        try accepts("query", "glaciers AND \"valley\" title:x* -melt")
        try accepts("pipeline", "--expander rm3 --set rm3.fbDocs=5")
        try refuses("pipeline", "--set rm3.fbDocs=many", "expects int")
        try refuses("pipeline", "--set bm.b=0. --reranker exec:nl", "a topics file cannot start a process plugin")
        try accepts("server-search", "{\"query\": \"glaciers\", \"k\": 3, \"expander\": \"rm3\"}")
        try refuses("server-search", "{\"query\": \"glaciers\", \"k\": -1}", "k")
        try accepts("server-batch", "{\"queries\": [{\"query\": \"glaciers\"}, {\"query\": \"bees\", \"k\": 2}]}")
        try accepts("server-experiment", "{\"pipelines\": [{}, {\"expander\": \"rm3\"}], \"k\": 10}")
        try refuses("server-experiment", "{\"pipelines\": [{}]}", "at least two")
        try accepts("process-protocol", "{\"type\": \"hello\", \"protocol\": 1, \"name\": \"echo\", \"role\": \"expander\"}")
        try refuses("process-protocol", "{\"type\": \"hello\", \"protocol\": 1, \"name\": \"Echo!\", \"role\": \"expander\"}", "name")
        try refuses("process-protocol", "not json", "not a JSON object")
    }

    /// The fuzzers' findings, each as the smallest input that shows it (the saved inputs are replayed below).
    func testWhatTheFuzzersFoundIsAnsweredNotACrash() throws {
        // server-search: an expander's feedback depth sized an array of hits (31e9 × 16 bytes) before Xapian
        // was asked; a search now asks for at most every document.
        try accepts("server-search", "{\"query\": \"glaciers\", \"expander\": \"rm3\", \"options\": {\"rm3.fbDocs\": 31000000000}}")
        try refuses("server-search", "{\"query\": \"glaciers\", \"expander\": \"rm3\", \"options\": {\"rm3.fbTerms\": 1e300}}", "expects int")
        // sentencepiece-model: a model_type varint past Int's range trapped; int32 fields take the low 32 bits,
        // as protobuf does. One <unk> piece, then trainer_spec { model_type: 2^64 - 1 }.
        let unk: [UInt8] = [0x0A, 0x09, 0x0A, 0x05] + Array("<unk>".utf8) + [0x18, 0x02]
        let trainer: [UInt8] = [0x12, 0x0B, 0x18] + [UInt8](repeating: 0xFF, count: 9) + [0x01]
        try refuses("sentencepiece-model", Data(unk + trainer), "model_type is -1, not unigram")
        // A pad id outside the vocabulary (trainer_spec { pad_id: 7 } with one piece) is refused when loading.
        try refuses("sentencepiece-model", Data(unk + [0x12, 0x03, 0xD8, 0x02, 0x07]), "pad_id 7 is outside the vocabulary")
    }

    /// Every saved input that once crashed a target: it must now be answered (accepted or refused).
    func testSavedCrashInputsNoLongerCrash() throws {
        let root = Self.fixtures + "/fuzz"
        let folders = try FileManager.default.contentsOfDirectory(atPath: root).filter { !$0.hasPrefix(".") && !$0.hasSuffix(".md") }
        for folder in folders.sorted() {
            let target = try target(folder)
            for name in try FileManager.default.contentsOfDirectory(atPath: root + "/" + folder).sorted() where !name.hasPrefix(".") {
                let data = try Data(contentsOf: URL(fileURLWithPath: root + "/" + folder + "/" + name))
                target.run(data, context: Self.context)
            }
        }
    }
}
