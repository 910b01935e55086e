// The safetensors reader on files written here: dtypes convert exactly, and damaged or hostile headers
// are errors that say what is wrong.
import XCTest
@testable import QuarryNeural

final class SafeTensorsTests: XCTestCase {
    var dir: URL!

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("quarry-safetensors-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: dir)
    }

    /// Writes 8-byte length + header + data; `headerLength` overrides the stored length.
    func write(_ name: String, header: String, data: [UInt8], headerLength: UInt64? = nil) throws -> String {
        var bytes = [UInt8]()
        let h = Array(header.utf8)
        withUnsafeBytes(of: (headerLength ?? UInt64(h.count)).littleEndian) { bytes += $0 }
        bytes += h + data
        let path = dir.appendingPathComponent(name).path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    func floatBytes(_ v: [Float]) -> [UInt8] { v.flatMap { f in withUnsafeBytes(of: f.bitPattern.littleEndian) { Array($0) } } }

    func assertFails(_ path: String, mentioning words: [String], file: StaticString = #filePath, line: UInt = #line) {
        do {
            let f = try SafeTensorsFile(path: path)
            for n in f.names { _ = try f.tensor(n) }
            XCTFail("\(path) was accepted", file: file, line: line)
        } catch {
            let text = "\(error)"
            for w in words { XCTAssertTrue(text.contains(w), "error '\(text)' does not mention '\(w)'", file: file, line: line) }
            XCTAssertTrue(text.contains(path), "error '\(text)' does not name the file", file: file, line: line)
        }
    }

    func testReadsF32ZeroCopyAndConvertsF16BF16F64() throws {
        let f32 = floatBytes([1, -2.5, 3, 0.125])
        // float16: 1.0 = 0x3C00, -2.0 = 0xC000, 65504 = 0x7BFF, smallest subnormal 2^-24 = 0x0001.
        let f16: [UInt8] = [0x00, 0x3C, 0x00, 0xC0, 0xFF, 0x7B, 0x01, 0x00]
        // bfloat16: top halves of 1.0 (0x3F80) and -0.5 (0xBF00).
        let bf16: [UInt8] = [0x80, 0x3F, 0x00, 0xBF]
        let f64: [UInt8] = withUnsafeBytes(of: (0.1 as Double).bitPattern.littleEndian) { Array($0) }
        var header = #"{"__metadata__":{"format":"pt"},"a":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]},"#
        header += #""h":{"dtype":"F16","shape":[4],"data_offsets":[16,24]},"b":{"dtype":"BF16","shape":[2],"data_offsets":[24,28]},"#
        header += #""d":{"dtype":"F64","shape":[1],"data_offsets":[32,40]},"i":{"dtype":"I64","shape":[],"data_offsets":[40,48]},"e":{"dtype":"F32","shape":[0,3],"data_offsets":[48,48]}}"#
        while (header.utf8.count + 8) % 8 != 0 { header += " " }
        let path = try write("ok.safetensors", header: header, data: f32 + f16 + bf16 + [0, 0, 0, 0] + f64 + [UInt8](repeating: 7, count: 8))
        let f = try SafeTensorsFile(path: path)
        XCTAssertEqual(f.metadata, ["format": "pt"])
        XCTAssertEqual(f.names, ["a", "b", "d", "e", "h", "i"])
        let a = try f.tensor("a")
        XCTAssertEqual(a.shape, [2, 2]); XCTAssertEqual(a.scalars, [1, -2.5, 3, 0.125])
        XCTAssertTrue(a.storage.isBorrowed, "aligned F32 should point into the mapping")
        var copy = a
        copy[0, 0] = 9
        XCTAssertEqual(copy.scalars[0], 9); XCTAssertEqual(a.scalars[0], 1)
        XCTAssertEqual(try f.tensor("h").scalars, [1, -2, 65504, Float(1.0 / 16_777_216.0)])
        XCTAssertEqual(try f.tensor("b").scalars, [1, -0.5])
        XCTAssertEqual(try f.tensor("d").scalars, [Float(0.1)])
        XCTAssertEqual(try f.tensor("e").shape, [0, 3])
        XCTAssertThrowsError(try f.tensor("i")) { XCTAssertTrue("\($0)".contains("I64") && "\($0)".contains("unsupported dtype")) }
        XCTAssertThrowsError(try f.tensor("nope")) { XCTAssertTrue("\($0)".contains("no tensor named 'nope'")) }
    }

    func testMisalignedF32IsCopied() throws {
        // A 3-byte header puts the data at offset 11: not float-aligned, so the reader must copy.
        let path = try write("odd.safetensors", header: #"{}"# + " ", data: [])
        XCTAssertEqual(try SafeTensorsFile(path: path).names, [])
        let header = #"{"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}} "#
        let p2 = try write("odd2.safetensors", header: header, data: floatBytes([4, 5]))
        XCTAssertEqual(try SafeTensorsFile(path: p2).tensor("x").scalars, [4, 5])
    }

    func testTruncatedFile() throws {
        assertFails(try write("empty-header.safetensors", header: "", data: []), mentioning: ["not well-formed JSON"])
        let p = dir.appendingPathComponent("tiny.safetensors").path
        try Data([1, 2, 3]).write(to: URL(fileURLWithPath: p))
        assertFails(p, mentioning: ["shorter than the 8-byte header length"])
        // Data cut short: the offsets point past the end.
        let header = #"{"x":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}"#
        assertFails(try write("cut.safetensors", header: header, data: floatBytes([1, 2])), mentioning: ["'x'", "out of range", "truncated"])
    }

    func testHeaderLengthBeyondFile() throws {
        assertFails(try write("long.safetensors", header: "{}", data: [], headerLength: 1000), mentioning: ["header length 1000", "past the end"])
        assertFails(try write("huge.safetensors", header: "{}", data: [], headerLength: UInt64.max), mentioning: ["header length"])
    }

    func testOffsetsOutOfRange() throws {
        let header = #"{"x":{"dtype":"F32","shape":[1],"data_offsets":[100,104]}}"#
        assertFails(try write("range.safetensors", header: header, data: floatBytes([1])), mentioning: ["'x'", "out of range"])
        let backwards = #"{"x":{"dtype":"F32","shape":[1],"data_offsets":[4,0]}}"#
        assertFails(try write("back.safetensors", header: backwards, data: floatBytes([1])), mentioning: ["'x'", "out of order"])
        let negative = #"{"x":{"dtype":"F32","shape":[1],"data_offsets":[-4,0]}}"#
        assertFails(try write("neg.safetensors", header: negative, data: floatBytes([1])), mentioning: ["'x'", "data_offsets"])
    }

    func testOverlappingTensors() throws {
        let header = #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}"#
        assertFails(try write("overlap.safetensors", header: header, data: floatBytes([1, 2, 3])), mentioning: ["'a'", "'b'", "overlap"])
    }

    func testShapeBytesMismatch() throws {
        let header = #"{"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}"#
        assertFails(try write("mismatch.safetensors", header: header, data: floatBytes([1, 2])), mentioning: ["'w'", "shape/bytes mismatch"])
        let overflow = #"{"w":{"dtype":"F32","shape":[4611686018427387904,4],"data_offsets":[0,8]}}"#
        assertFails(try write("overflow.safetensors", header: overflow, data: floatBytes([1, 2])), mentioning: ["'w'", "overflows"])
        let fractional = #"{"w":{"dtype":"F32","shape":[1.5],"data_offsets":[0,8]}}"#
        assertFails(try write("frac.safetensors", header: fractional, data: floatBytes([1, 2])), mentioning: ["'w'", "invalid dimension"])
    }

    func testUnknownDtype() throws {
        let header = #"{"w":{"dtype":"Q4_K","shape":[2],"data_offsets":[0,8]}}"#
        assertFails(try write("dtype.safetensors", header: header, data: floatBytes([1, 2])), mentioning: ["'w'", "unknown dtype 'Q4_K'"])
    }

    func testNonJSONHeader() throws {
        assertFails(try write("garbage.safetensors", header: "{not json at all", data: []), mentioning: ["not well-formed JSON"])
        assertFails(try write("array.safetensors", header: "[1,2,3]", data: []), mentioning: ["not a JSON object"])
        assertFails(try write("entry.safetensors", header: #"{"w": 3}"#, data: []), mentioning: ["'w'", "not an object"])
        assertFails(try write("meta.safetensors", header: #"{"__metadata__": {"k": 1}}"#, data: []), mentioning: ["__metadata__"])
        var invalidUTF8 = [UInt8](#"{"w":""#.utf8) + [0xFF, 0xFE] + Array(#""}"#.utf8)
        let path = dir.appendingPathComponent("utf8.safetensors").path
        var bytes = [UInt8]()
        withUnsafeBytes(of: UInt64(invalidUTF8.count).littleEndian) { bytes += $0 }
        bytes += invalidUTF8
        invalidUTF8 = []
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        assertFails(path, mentioning: ["JSON"])
    }

    func testRandomCorruptionNeverCrashes() throws {
        // Flip bytes of a valid file's header: every outcome must be a clean error or a valid read.
        let header = #"{"a":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]},"b":{"dtype":"F16","shape":[2],"data_offsets":[16,20]}}"#
        let good = try write("good.safetensors", header: header, data: floatBytes([1, 2, 3, 4]) + [0, 60, 0, 60])
        let original = try Data(contentsOf: URL(fileURLWithPath: good))
        var rng = TestRandom(seed: 9)
        for trial in 0..<300 {
            var d = original
            let at = Int(abs(rng.next()) * Float(d.count - 1))
            d[at] = UInt8(truncatingIfNeeded: Int(abs(rng.next()) * 255))
            if trial % 3 == 0 { d = d.prefix(Int(abs(rng.next()) * Float(d.count))) }
            let p = dir.appendingPathComponent("c\(trial).safetensors").path
            try d.write(to: URL(fileURLWithPath: p))
            if let f = try? SafeTensorsFile(path: p) {
                for n in f.names { _ = try? f.tensor(n) }
            }
        }
    }
}
