// `quarry bench search` end to end on the sample collection: it searches exactly what `quarry run`
// searches (same run bytes), reports the passes it was asked for, and rejects bad input in one line.
import XCTest

final class BenchSearchTests: XCTestCase {
    nonisolated(unsafe) static var dir: String!
    static var index: String { dir + "/sample" }
    static let topics = TestPaths.sample.appendingPathComponent("topics.tsv").path

    override class func setUp() {
        super.setUp()
        dir = NSTemporaryDirectory() + "quarry-bench-\(getpid())"
        try? FileManager.default.removeItem(atPath: dir)
        try! FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let docs = TestPaths.sample.appendingPathComponent("documents.jsonl").path
        let r = try! quarry("index", "--collection", docs, "--format", "beir", "--index", index)
        precondition(r.status == 0, r.stderr)
    }

    override class func tearDown() {
        try? FileManager.default.removeItem(atPath: dir)
        super.tearDown()
    }

    private func report(_ r: CommandResult, file: StaticString = #filePath, line: UInt = #line) throws -> [String: Any] {
        XCTAssertEqual(r.status, 0, r.stderr, file: file, line: line)
        return try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any], r.stdout, file: file, line: line)
    }

    func testBM25PassesAndRunBytesEqualQuarryRun() throws {
        let benchRun = Self.dir + "/bench.bm25.run", plainRun = Self.dir + "/run.bm25.run"
        let obj = try report(try quarry("bench", "search", "--index", Self.index, "--topics", Self.topics, "--k", "10", "--threads", "2",
                                        "--warmup", "1", "--passes", "3", "--output", benchRun))
        XCTAssertEqual(try quarry("run", "--index", Self.index, "--topics", Self.topics, "--k", "10", "--output", plainRun).status, 0)
        XCTAssertEqual(try String(contentsOfFile: benchRun, encoding: .utf8), try String(contentsOfFile: plainRun, encoding: .utf8))

        XCTAssertEqual(obj["engine"] as? String, "quarry")
        XCTAssertEqual(obj["queries"] as? Int, 40)
        XCTAssertEqual(obj["documents"] as? Int, 300)
        XCTAssertEqual(obj["k"] as? Int, 10)
        XCTAssertEqual(obj["threads"] as? Int, 2)
        XCTAssertEqual((obj["warmupSeconds"] as? [Double])?.count, 1)
        let passes = try XCTUnwrap(obj["passSeconds"] as? [Double])
        XCTAssertEqual(passes.count, 3)
        XCTAssertTrue(passes.allSatisfy { $0 > 0 }, "\(passes)")
        let median = try XCTUnwrap(obj["medianSeconds"] as? Double)
        XCTAssertEqual(median, passes.sorted()[1])
        XCTAssertEqual(try XCTUnwrap(obj["queriesPerSecond"] as? Double), 40 / median, accuracy: 1e-6 * 40 / median)
        let lines = try String(contentsOfFile: benchRun, encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(obj["hits"] as? Int, lines.count)
        XCTAssertEqual(Set(lines.map { $0.split(separator: " ")[0] }).count, 40)
    }

    func testRM3PipelineIsTheOneRunSearches() throws {
        let benchRun = Self.dir + "/bench.rm3.run", plainRun = Self.dir + "/run.rm3.run"
        let obj = try report(try quarry("bench", "search", "--index", Self.index, "--topics", Self.topics, "--k", "100", "--expander", "rm3",
                                        "--set", "rm3.fbDocs=5", "--warmup", "0", "--passes", "1", "--output", benchRun))
        XCTAssertEqual(try quarry("run", "--index", Self.index, "--topics", Self.topics, "--k", "100", "--expander", "rm3",
                                  "--set", "rm3.fbDocs=5", "--output", plainRun).status, 0)
        XCTAssertEqual(try String(contentsOfFile: benchRun, encoding: .utf8), try String(contentsOfFile: plainRun, encoding: .utf8))
        let pipeline = try XCTUnwrap(obj["pipeline"] as? [String: String])
        XCTAssertEqual(pipeline["expander"], "rm3")
        XCTAssertEqual(pipeline["rm3.fbDocs"], "5")
        XCTAssertEqual((obj["warmupSeconds"] as? [Double])?.count, 0)
        XCTAssertEqual((obj["passSeconds"] as? [Double])?.count, 1)
    }

    func testBadInputIsOneLineError() throws {
        let missing = try quarry("bench", "search", "--index", Self.dir + "/nowhere", "--topics", Self.topics)
        XCTAssertNotEqual(missing.status, 0)
        XCTAssertEqual(missing.stderr.split(separator: "\n").count, 1, missing.stderr)
        XCTAssertTrue(missing.stderr.contains("nowhere: no index there"), missing.stderr)

        let empty = try FixtureFiles.write("", Self.dir + "/empty.tsv")
        let none = try quarry("bench", "search", "--index", Self.index, "--topics", empty)
        XCTAssertNotEqual(none.status, 0)
        XCTAssertTrue(none.stderr.contains("empty.tsv"), none.stderr)
        XCTAssertEqual(none.stderr.split(separator: "\n").count, 1, none.stderr)

        let zero = try quarry("bench", "search", "--index", Self.index, "--topics", Self.topics, "--passes", "0")
        XCTAssertNotEqual(zero.status, 0)
        XCTAssertTrue(zero.stderr.contains("--passes must be at least 1"), zero.stderr)
        XCTAssertTrue(zero.stdout.isEmpty)
    }
}
