// The third-party plugin examples, built as their authors would build them (tools/build-examples.sh):
// a `.so` reranker loaded by `quarry --plugin-path`, and a Swift package building its own `my-quarry`
// with one more expander. Both are listed by `plugins` and change what `run` returns. Plus the loader's
// refusals: libraries that are not plugins, of another API version, or unreadable.
import Foundation
import QuarryAPI
import XCTest

final class ExamplePluginTests: XCTestCase {
    static let examples = TestPaths.root.appendingPathComponent("Plugins/Examples")
    static let titleBoost = examples.appendingPathComponent("SharedLibrary/.build/debug/libQuarryTitleBoost.so").path
    static let myQuarry = examples.appendingPathComponent("SwiftPackage/.build/debug/my-quarry").path
    static let topics = TestPaths.sample.appendingPathComponent("topics.tsv").path
    nonisolated(unsafe) static var dir = ""
    nonisolated(unsafe) static var index = ""

    override class func setUp() {
        super.setUp()
        // Incremental: tools/test.sh has already built them; a developer's `swift test` builds them here.
        let build = try! runProcess("/bin/bash", [TestPaths.root.appendingPathComponent("tools/build-examples.sh").path, "--no-test"])
        precondition(build.status == 0, "tools/build-examples.sh failed:\n\(build.stdout)\n\(build.stderr)")
        dir = NSTemporaryDirectory() + "quarry-examples-" + UUID().uuidString
        index = dir + "/sample"
        let r = try! quarry("index", "--collection", TestPaths.sample.appendingPathComponent("documents.jsonl").path,
                            "--format", "beir", "--index", index)
        precondition(r.status == 0, r.stderr)
    }

    override class func tearDown() {
        try? FileManager.default.removeItem(atPath: dir)
        super.tearDown()
    }

    /// A run file as qid → docids in rank order.
    func ranking(_ path: String) throws -> [String: [String]] {
        var out: [String: [String]] = [:]
        for line in try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n") {
            let f = line.split(separator: " ")
            out[String(f[0]), default: []].append(String(f[2]))
        }
        return out
    }

    /// A run file as qid → [(docid, score)] in rank order.
    func scored(_ path: String) throws -> [String: [(String, Double)]] {
        var out: [String: [(String, Double)]] = [:]
        for line in try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n") {
            let f = line.split(separator: " ")
            out[String(f[0]), default: []].append((String(f[2]), Double(f[4])!))
        }
        return out
    }

    func testSharedLibraryRerankerIsListedAndUsed() throws {
        let pluginDir = (Self.titleBoost as NSString).deletingLastPathComponent
        // The directory form loads every plugin in it (libQuarryAPI.so beside it is the API, not a plugin).
        let list = try quarry("plugins", "--plugin-path", pluginDir)
        XCTAssertEqual(list.status, 0, list.stderr)
        XCTAssertTrue(list.stdout.contains("titleboost  Adds weight"), list.stdout)
        XCTAssertTrue(list.stdout.contains("[shared library]"), list.stdout)
        let json = try quarry("plugins", "--json", "--plugin-path", Self.titleBoost)
        let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as! [String: Any]
        let rerankers = object["rerankers"] as! [[String: Any]]
        XCTAssertEqual(rerankers.first { $0["name"] as? String == "titleboost" }?["origin"] as? String, "shared library")
        // The same from a config file's plugin-path list.
        let config = try FixtureFiles.write("plugin-path = [\"\(pluginDir)\"]\nreranker = \"titleboost\"\n", try temporaryDirectory(self) + "/q.toml")
        let fromConfig = try quarry("plugins", "--config", config)
        XCTAssertTrue(fromConfig.stdout.contains("titleboost  Adds weight"), fromConfig.stderr)

        let dir = try temporaryDirectory(self)
        let plain = dir + "/bm25.run", boosted = dir + "/titleboost.run"
        XCTAssertEqual(try quarry("run", "--index", Self.index, "--topics", Self.topics, "--output", plain, "--k", "100").status, 0)
        let r = try quarry("run", "--index", Self.index, "--topics", Self.topics, "--output", boosted, "--k", "100",
                           "--plugin-path", Self.titleBoost, "--reranker", "titleboost", "--set", "titleboost.weight=3")
        XCTAssertEqual(r.status, 0, r.stderr)
        // The reranked order is the BM25 score plus 3 × the share of the query's words in the title.
        let titles = try sampleTitles()
        let queries = try String(contentsOfFile: Self.topics, encoding: .utf8).split(separator: "\n").map { $0.split(separator: "\t", maxSplits: 1) }
        let bm25 = try scored(plain), reranked = try ranking(boosted)
        var changed = 0
        for q in queries {
            let (qid, text) = (String(q[0]), String(q[1]))
            let words = Set(Self.words(text))
            let expected = bm25[qid]!.map { (docid, score) in
                (docid, score + 3 * Double(words.intersection(Self.words(titles[docid]!)).count) / Double(words.count))
            }.sorted { $0.1 != $1.1 ? $0.1 > $1.1 : $0.0 < $1.0 }.map(\.0)
            XCTAssertEqual(Array(reranked[qid]!.prefix(5)), Array(expected.prefix(5)), "query \(qid)")
            if reranked[qid]!.prefix(10) != bm25[qid]!.prefix(10).map(\.0)[...] { changed += 1 }
        }
        XCTAssertGreaterThan(changed, 5, "titleboost changed the top 10 of only \(changed) queries")
    }

    func testSwiftPackageBuildsItsOwnQuarry() throws {
        let list = try runProcess(Self.myQuarry, ["plugins"])
        XCTAssertEqual(list.status, 0, list.stderr)
        XCTAssertTrue(list.stdout.contains("keyterms  Query reduction"), list.stdout)
        XCTAssertTrue(list.stdout.contains("[package]"), list.stdout)
        XCTAssertTrue(list.stdout.contains("rm3"), "the built-ins are still there")

        let dir = try temporaryDirectory(self)
        let plain = dir + "/bm25.run", reduced = dir + "/keyterms.run", saved = dir + "/queries.jsonl"
        XCTAssertEqual(try runProcess(Self.myQuarry, ["run", "--index", Self.index, "--topics", Self.topics, "--output", plain]).status, 0)
        let r = try runProcess(Self.myQuarry, ["run", "--index", Self.index, "--topics", Self.topics, "--output", reduced,
                                               "--expander", "keyterms", "--set", "keyterms.keep=2", "--save-queries", saved])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertNotEqual(try ranking(plain), try ranking(reduced))
        // Every saved query holds at most the two rarest terms.
        for line in try String(contentsOfFile: saved, encoding: .utf8).split(separator: "\n") {
            let record = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
            let terms = record["terms"] as! [[String: Any]]
            XCTAssertTrue((1...2).contains(terms.count), "\(record)")
        }
        // The third party's quarry loads shared-library plugins as well.
        let both = try runProcess(Self.myQuarry, ["plugins", "--plugin-path", Self.titleBoost])
        XCTAssertTrue(both.stdout.contains("titleboost") && both.stdout.contains("keyterms"), both.stdout)
    }

    /// Libraries the loader must refuse with a one-line error naming the file, without crashing.
    func testLoaderRefusesWhatIsNotAPlugin() throws {
        let dir = try temporaryDirectory(self)
        func library(_ name: String, _ source: String) throws -> String {
            let c = dir + "/\(name).c", so = dir + "/\(name).so"
            try source.write(toFile: c, atomically: true, encoding: .utf8)
            let cc = try runProcess("/usr/bin/cc", ["-shared", "-fPIC", "-o", so, c])
            XCTAssertEqual(cc.status, 0, cc.stderr)
            return so
        }
        let current = QuarryAPIVersion.major << 16 | QuarryAPIVersion.minor
        let cases: [(String, String)] = [
            (try library("plain", "int answer(void) { return 42; }"), "not a Quarry plugin"),
            (try library("major2", "int quarry_plugin_api_version(void) { return 2 << 16; }"), "built against QuarryAPI 2.0"),
            (try library("newerminor", "int quarry_plugin_api_version(void) { return \(QuarryAPIVersion.major << 16 | 999); }"),
             "built against QuarryAPI \(QuarryAPIVersion.major).999"),
            (try library("noregister", "int quarry_plugin_api_version(void) { return \(current); }"), "no quarry_plugin_register"),
            (try library("foreign", """
                int quarry_plugin_api_version(void) { return \(current); }
                int quarry_plugin_register(void *r) { return 1; }
                """), "its own copy of QuarryAPI"),
            (try library("empty", """
                int quarry_plugin_api_version(void) { return \(current); }
                int quarry_plugin_register(void *r) { return 2; }
                """), "registered no expander or reranker"),
            (try FixtureFiles.write("this is not an ELF file\n", dir + "/garbage.so"), "cannot load shared library"),
            (dir + "/absent.so", "no such file or directory"),
        ]
        for (path, message) in cases {
            let r = try quarry("plugins", "--plugin-path", path)
            XCTAssertEqual(r.status, 1, "\(path): \(r.stdout)")
            let lines = r.stderr.split(separator: "\n")
            XCTAssertEqual(lines.count, 1, r.stderr)
            XCTAssertTrue(r.stderr.contains(path) && r.stderr.contains(message), "expected '\(message)' for \(path), got: \(r.stderr)")
        }
        // A pipeline command refuses it the same way, before writing anything.
        let out = dir + "/never.run"
        let r = try quarry("run", "--index", Self.index, "--topics", Self.topics, "--output", out, "--plugin-path", cases[0].0)
        XCTAssertEqual(r.status, 1)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out))
    }

    func sampleTitles() throws -> [String: String] {
        var out: [String: String] = [:]
        for line in try String(contentsOfFile: TestPaths.sample.appendingPathComponent("documents.jsonl").path, encoding: .utf8).split(separator: "\n") {
            let d = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
            out[d["_id"] as! String] = d["title"] as? String ?? ""
        }
        return out
    }

    static func words(_ text: String) -> [String] {
        text.lowercased().split { !$0.isLetter && !$0.isNumber }.map(String.init)
    }
}
