// Checkpoint directories: single file, missing pieces, prefixes, config errors.
import XCTest
@testable import QuarryNeural

final class CheckpointTests: XCTestCase {
    func makeDir() throws -> URL {
        let d = FileManager.default.temporaryDirectory.appendingPathComponent("quarry-ckpt-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: d) }
        return d
    }

    func writeSafeTensors(_ url: URL, _ tensors: [(String, [Int], [Float])]) throws {
        var header = "{"
        var data = [UInt8]()
        for (i, (name, shape, values)) in tensors.enumerated() {
            let begin = data.count
            for v in values { withUnsafeBytes(of: v.bitPattern.littleEndian) { data += $0 } }
            header += "\(i > 0 ? "," : "")\"\(name)\":{\"dtype\":\"F32\",\"shape\":\(shape),\"data_offsets\":[\(begin),\(data.count)]}"
        }
        header += "}"
        while header.utf8.count % 8 != 0 { header += " " }
        var bytes = [UInt8]()
        withUnsafeBytes(of: UInt64(header.utf8.count).littleEndian) { bytes += $0 }
        try Data(bytes + Array(header.utf8) + data).write(to: url)
    }

    func testSingleFileAndErrors() throws {
        let d = try makeDir()
        XCTAssertThrowsError(try Checkpoint(directory: d.path)) { XCTAssertTrue("\($0)".contains("config.json")) }
        try Data(#"{"hidden_size": 4, "layer_norm_eps": 1e-12, "hidden_act": "gelu", "flag": true}"#.utf8).write(to: d.appendingPathComponent("config.json"))
        XCTAssertThrowsError(try Checkpoint(directory: d.path)) { XCTAssertTrue("\($0)".contains("no model.safetensors")) }
        try writeSafeTensors(d.appendingPathComponent("model.safetensors"), [("bert.w", [2, 2], [1, 2, 3, 4])])
        let c = try Checkpoint(directory: d.path)
        XCTAssertEqual(try c.config.int("hidden_size"), 4)
        XCTAssertEqual(try c.config.double("layer_norm_eps"), 1e-12)
        XCTAssertEqual(try c.config.int("missing", default: 7), 7)
        XCTAssertThrowsError(try c.config.int("hidden_act")) { XCTAssertTrue("\($0)".contains("'hidden_act' must be an integer")) }
        XCTAssertThrowsError(try c.config.int("flag"))
        XCTAssertEqual(c.prefix(for: "w", among: ["", "bert."]), "bert.")
        XCTAssertEqual(try c.tensor("bert.w", shape: [2, 2]).scalars, [1, 2, 3, 4])
        XCTAssertThrowsError(try c.tensor("bert.w", shape: [4])) { XCTAssertTrue("\($0)".contains("shape mismatch") && "\($0)".contains("model.safetensors")) }
        XCTAssertThrowsError(try c.tensor("w")) { XCTAssertTrue("\($0)".contains("missing tensor 'w'") && "\($0)".contains("bert.w")) }
        XCTAssertThrowsError(try Checkpoint(directory: d.appendingPathComponent("config.json").path)) { XCTAssertTrue("\($0)".contains("not a directory")) }
        XCTAssertThrowsError(try Checkpoint(directory: d.appendingPathComponent("nowhere").path)) { XCTAssertTrue("\($0)".contains("no such model directory")) }
    }

    func testShardIndexErrors() throws {
        let d = try makeDir()
        try Data("{}".utf8).write(to: d.appendingPathComponent("config.json"))
        let index = d.appendingPathComponent("model.safetensors.index.json")
        try Data(#"{"weight_map": {"a": "model-00001-of-00002.safetensors"}}"#.utf8).write(to: index)
        XCTAssertThrowsError(try Checkpoint(directory: d.path)) { XCTAssertTrue("\($0)".contains("missing shard")) }
        try Data(#"{"weight_map": {"a": "../../etc/passwd"}}"#.utf8).write(to: index)
        XCTAssertThrowsError(try Checkpoint(directory: d.path)) { XCTAssertTrue("\($0)".contains("not a file name")) }
        try writeSafeTensors(d.appendingPathComponent("model-00001-of-00002.safetensors"), [("b", [1], [1])])
        try Data(#"{"weight_map": {"a": "model-00001-of-00002.safetensors"}}"#.utf8).write(to: index)
        XCTAssertThrowsError(try Checkpoint(directory: d.path)) { XCTAssertTrue("\($0)".contains("no tensor named 'a'")) }
        try Data(#"{"weights": {}}"#.utf8).write(to: index)
        XCTAssertThrowsError(try Checkpoint(directory: d.path)) { XCTAssertTrue("\($0)".contains("weight_map")) }
    }
}
