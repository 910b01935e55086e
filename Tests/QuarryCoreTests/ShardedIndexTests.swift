// Sharded and remote indexes end to end: `quarry index --shards`, then the same searches over one
// index, over its stub directory, over its shards given one by one, and over two real xapian-tcpsrv
// processes serving the shards — BM25 and RM3 must rank alike (global statistics). Then the failures:
// a shard down at the start, a shard stopping mid-run, with and without --allow-partial, and shards
// that cannot be searched together.
import Foundation
import XCTest
@testable import QuarryCore

final class ShardedIndexTests: XCTestCase {
    static let documents = TestPaths.sample.appendingPathComponent("documents.jsonl").path
    static let topics = TestPaths.sample.appendingPathComponent("topics.tsv").path

    // MARK: Helpers

    /// FNV-1a-64 written out here from its definition, independent of the engine's.
    private func fnv1a64(_ s: String) -> UInt64 {
        var h: UInt64 = 14_695_981_039_346_656_037
        for b in s.utf8 {
            h ^= UInt64(b)
            h = h &* 1_099_511_628_211
        }
        return h
    }

    private func sampleIDs() throws -> [String] {
        try String(contentsOfFile: Self.documents, encoding: .utf8).split(separator: "\n").map {
            (try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any])["_id"] as! String
        }
    }

    /// Builds the sample collection at DIR/NAME (sharded when `shards` is given).
    @discardableResult
    private func build(_ dir: String, _ name: String, shards: Int? = nil, extra: [String] = []) throws -> String {
        let path = dir + "/" + name
        var args = ["index", "--collection", Self.documents, "--format", "beir", "--index", path, "--threads", "2"] + extra
        if let shards { args += ["--shards", "\(shards)"] }
        let r = try builtQuarry(args)
        XCTAssertEqual(r.status, 0, r.stderr)
        return path
    }

    /// `quarry run` over `indexes`; returns the result and the run's lines.
    private func run(_ indexes: [String], topics: String = ShardedIndexTests.topics, output: String, _ extra: [String] = []) throws -> (CommandResult, [String]) {
        let r = try builtQuarry(["run", "--topics", topics, "--output", output] + indexes.flatMap { ["--index", $0] } + extra)
        let lines = (try? String(contentsOfFile: output, encoding: .utf8))?.split(separator: "\n").map(String.init) ?? []
        return (r, lines)
    }

    /// Each query's ranking: docids in order, with scores.
    private func rankings(_ lines: [String]) -> [String: [(String, Double)]] {
        var out: [String: [(String, Double)]] = [:]
        for l in lines {
            let f = l.split(separator: " ")
            out[String(f[0]), default: []].append((String(f[2]), Double(f[4])!))
        }
        return out
    }

    /// The same documents in the same order for every query, scores equal to the run's rounding.
    private func assertSameRanking(_ expected: [String], _ actual: [String], _ label: String, file: StaticString = #filePath, line: UInt = #line) {
        let (a, b) = (rankings(expected), rankings(actual))
        XCTAssertFalse(a.isEmpty, label, file: file, line: line)
        XCTAssertEqual(Set(a.keys), Set(b.keys), "\(label): queries differ", file: file, line: line)
        for (qid, hits) in a {
            let other = b[qid] ?? []
            XCTAssertEqual(hits.map(\.0), other.map(\.0), "\(label): query \(qid) ranks differently", file: file, line: line)
            for (x, y) in zip(hits, other) where abs(x.1 - y.1) > 2e-6 {
                XCTFail("\(label): query \(qid), \(x.0): score \(x.1) vs \(y.1)", file: file, line: line)
                break
            }
        }
    }

    private func json(_ path: String) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as! [String: Any]
    }

    private func json(stdout r: CommandResult) throws -> [String: Any] {
        XCTAssertEqual(r.status, 0, r.stderr)
        return try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [String: Any]
    }

    private func assertOneLineError(_ r: CommandResult, _ parts: [String], file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertNotEqual(r.status, 0, "expected a failure; stdout: \(r.stdout)", file: file, line: line)
        let lines = r.stderr.split(separator: "\n")
        XCTAssertEqual(lines.count, 1, "expected one line on stderr: \(r.stderr)", file: file, line: line)
        XCTAssertTrue(r.stderr.hasPrefix("quarry: error: "), r.stderr, file: file, line: line)
        for p in parts { XCTAssertTrue(r.stderr.contains(p), "'\(p)' not in: \(r.stderr)", file: file, line: line) }
    }

    // MARK: Building

    /// Every document sits in the shard FNV-1a-64(id) mod N names; the stub opens them as one index
    /// with the unsharded index's statistics.
    func testShardedBuildRoutesEachDocumentByTheHashOfItsID() throws {
        XCTAssertEqual(fnv1a64(""), 0xCBF2_9CE4_8422_2325)
        XCTAssertEqual(fnv1a64("a"), 0xAF63_DC4C_8601_EC8C)  // the published test vector
        for id in ["a", "S001", "doc-17", "é"] { XCTAssertEqual(ShardLayout.fnv1a64(id), fnv1a64(id)) }

        let dir = try temporaryDirectory(self)
        let plain = try build(dir, "plain")
        let r = try builtQuarry(["index", "--collection", Self.documents, "--format", "beir", "--index", dir + "/sharded", "--shards", "3", "--threads", "2"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("holds 300 in 3 shards"), r.stdout)
        let sharded = dir + "/sharded"
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: sharded).sorted(), ["XAPIANDB", "shard-00", "shard-01", "shard-02"])
        let stub = try String(contentsOfFile: sharded + "/XAPIANDB", encoding: .utf8)
        XCTAssertEqual(stub.split(separator: "\n").filter { !$0.hasPrefix("#") }, ["auto shard-00", "auto shard-01", "auto shard-02"])

        let ids = try sampleIDs()
        XCTAssertEqual(ids.count, 300)
        let shards = try (0..<3).map { try Index(path: sharded + "/shard-0\($0)").searcher() }
        for id in ids {
            let home = Int(fnv1a64(id) % 3)
            for s in 0..<3 {
                XCTAssertEqual(try shards[s].document(id) != nil, s == home, "\(id) belongs in shard \(home) only")
            }
        }
        for s in 0..<3 {
            let meta = try Index(path: sharded + "/shard-0\(s)").metadata
            XCTAssertEqual(meta.shard, IndexMetadata.Shard(index: s, count: 3, routing: "fnv1a64"))
            XCTAssertEqual(meta.analyzer, .default)
            XCTAssertEqual(meta.inputs[0].documents, ids.filter { Int(fnv1a64($0) % 3) == s }.count)
        }

        let a = try json(stdout: try quarry("stats", "--index", plain, "--json"))
        let b = try json(stdout: try quarry("stats", "--index", sharded, "--json"))
        for key in ["documents", "uniqueTerms", "totalTerms"] { XCTAssertEqual("\(a[key]!)", "\(b[key]!)", key) }
        XCTAssertEqual(a["averageLength"] as! Double, b["averageLength"] as! Double, accuracy: 1e-9)
        XCTAssertNil(a["shards"])
        let perShard = try XCTUnwrap(b["shards"] as? [[String: Any]])
        XCTAssertEqual(perShard.map { $0["location"] as! String }, (0..<3).map { "\(sharded)/shard-0\($0)" })
        XCTAssertEqual(perShard.map { $0["documents"] as! Int }.reduce(0, +), 300)
        XCTAssertEqual((b["inputs"] as! [[String: Any]])[0]["documents"] as? Int, 300)
        let text = try quarry("stats", "--index", sharded)
        XCTAssertTrue(text.stdout.contains("shards:         3"), text.stdout)
    }

    /// Documents that score alike are cut at the k-th place by id, the same way on an index, on its
    /// shards and on the index opened over the shards one by one: never by Xapian's internal numbers
    /// (the order of the collection, or of each shard).
    func testTiesAtTheCutAreBrokenById() throws {
        let dir = try temporaryDirectory(self)
        // 40 identical documents in scrambled id order, and two that score higher.
        var lines = (0..<40).map { i in "{\"_id\": \"t\((i * 17) % 40 + 100)\", \"text\": \"amber tide\"}" }
        lines.insert("{\"_id\": \"z-best\", \"text\": \"amber amber tide\"}", at: 20)
        lines.append("{\"_id\": \"a-next\", \"text\": \"amber tide amber\"}")
        let corpus = try FixtureFiles.write(lines.joined(separator: "\n") + "\n", dir + "/ties.jsonl")
        for (name, extra) in [("plain", [String]()), ("sharded", ["--shards", "3"])] {
            let r = try builtQuarry(["index", "--collection", corpus, "--format", "beir", "--index", dir + "/" + name] + extra)
            XCTAssertEqual(r.status, 0, r.stderr)
        }
        let tied = (100..<140).map { "t\($0)" }
        for k in [1, 2, 5, 13, 41, 42, 60] {
            let expected = Array((["a-next", "z-best"] + tied).prefix(k))
            for path in [dir + "/plain", dir + "/sharded"] {
                let hits = try Index(path: path).searcher().search(.text("amber"), k: k)
                XCTAssertEqual(hits.map(\.docid), expected, "\(path) k=\(k)")
                for (a, b) in zip(hits, hits.dropFirst()) { XCTAssertTrue(Ranking.before(a, b), "\(path) k=\(k)") }
            }
        }
    }

    /// An interrupted sharded build resumes (each shard from its resume point) or, with no resume
    /// point yet, leaves nothing behind; an append routes by the same hash in one transaction per
    /// shard; --overwrite swaps a whole sharded index.
    func testShardedResumeAppendAndOverwrite() throws {
        let dir = try temporaryDirectory(self)
        var lines: [String] = []
        let words = ["glacier", "valley", "ice", "bee", "wing", "honey", "lava", "basalt", "comet", "orbit", "river", "delta"]
        for i in 0..<2000 {
            let text = (0..<16).map { words[(i * 7 + $0 * 5 + $0 * $0 * i) % words.count] }.joined(separator: " ")
            lines.append("{\"_id\": \"g\(i)\", \"title\": \"doc \(i)\", \"text\": \"\(text)\"}")
        }
        let good = lines.joined(separator: "\n") + "\n"
        var broken = lines
        broken[1499] = "{broken"
        let collection = try FixtureFiles.write(broken.joined(separator: "\n") + "\n", dir + "/c.jsonl")
        let idx = dir + "/idx"
        let env = ["QUARRY_COMMIT_EVERY": "500"]
        assertOneLineError(try builtQuarry(["index", "--collection", collection, "--format", "beir", "--index", idx, "--shards", "3"], environment: env),
                           ["c.jsonl:1500: not a JSON object", "\(idx).partial", "--resume"])
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: idx + ".partial").sorted(), ["XAPIANDB", "shard-00", "shard-01", "shard-02"])
        assertOneLineError(try quarry("stats", "--index", idx), ["index is incomplete", "--resume"])
        try FixtureFiles.write(good, collection)
        assertOneLineError(try builtQuarry(["index", "--collection", collection, "--format", "beir", "--index", idx, "--resume", "--shards", "2"]),
                           ["has 3 shards, not --shards 2"])
        let resumed = try builtQuarry(["index", "--collection", collection, "--format", "beir", "--index", idx, "--resume"])
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        XCTAssertTrue(resumed.stdout.contains("holds 2000 in 3 shards (resumed after 1024 records)"), resumed.stdout)
        XCTAssertFalse(FileManager.default.fileExists(atPath: idx + ".partial"))

        // The resumed index is the one a straight build makes, and ranks as the unsharded one does.
        let straight = dir + "/straight", plain = dir + "/plain"
        XCTAssertEqual(try builtQuarry(["index", "--collection", collection, "--format", "beir", "--index", straight, "--shards", "3"]).status, 0)
        XCTAssertEqual(try builtQuarry(["index", "--collection", collection, "--format", "beir", "--index", plain]).status, 0)
        for s in 0..<3 {
            XCTAssertEqual(try Index(path: "\(idx)/shard-0\(s)").documentCount(), try Index(path: "\(straight)/shard-0\(s)").documentCount())
        }
        let topics = try FixtureFiles.write("1\tglacier valley\n2\tbee honey wing\n3\tlava basalt comet\n4\tdoc 1234\n", dir + "/topics.tsv")
        let (_, a) = try run([idx], topics: topics, output: dir + "/a.run")
        let (_, b) = try run([plain], topics: topics, output: dir + "/b.run")
        assertSameRanking(b, a, "resumed sharded build")

        // A bad record before the first resume point: nothing is left behind.
        var early = lines
        early[9] = "{broken"
        let earlyPath = try FixtureFiles.write(early.joined(separator: "\n") + "\n", dir + "/early.jsonl")
        assertOneLineError(try builtQuarry(["index", "--collection", earlyPath, "--format", "beir", "--index", dir + "/early", "--shards", "2"]),
                           ["early.jsonl:10"])
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/early.partial"))
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/early"))

        // Append: each new document goes to its id's shard; an id already there refuses the whole input.
        let more = try FixtureFiles.write((0..<20).map { "{\"_id\": \"new\($0)\", \"text\": \"quokka island \($0)\"}" }.joined(separator: "\n") + "\n", dir + "/more.jsonl")
        let appended = try builtQuarry(["index", "--collection", more, "--format", "beir", "--index", idx, "--append"])
        XCTAssertEqual(appended.status, 0, appended.stderr)
        XCTAssertTrue(appended.stdout.contains("holds 2020 in 3 shards"), appended.stdout)
        for i in 0..<20 {
            let id = "new\(i)", home = Int(fnv1a64(id) % 3)
            for s in 0..<3 {
                XCTAssertEqual(try Index(path: "\(idx)/shard-0\(s)").searcher().document(id) != nil, s == home, id)
            }
        }
        let counts = try (0..<3).map { try Index(path: "\(idx)/shard-0\($0)").documentCount() }
        let clash = try FixtureFiles.write("{\"_id\": \"fresh\", \"text\": \"fine\"}\n{\"_id\": \"g7\", \"text\": \"again\"}\n", dir + "/clash.jsonl")
        assertOneLineError(try builtQuarry(["index", "--collection", clash, "--format", "beir", "--index", idx, "--append"]),
                           ["clash.jsonl:2", "document id 'g7' is already in the index"])
        XCTAssertEqual(try (0..<3).map { try Index(path: "\(idx)/shard-0\($0)").documentCount() }, counts)
        assertOneLineError(try builtQuarry(["index", "--collection", more, "--format", "beir", "--index", plain, "--append", "--shards", "2"]),
                           ["not sharded"])
        let stats = try json(stdout: try quarry("stats", "--index", idx, "--json"))
        XCTAssertEqual((stats["inputs"] as! [[String: Any]]).map { $0["documents"] as! Int }, [2000, 20])

        // --overwrite replaces the whole sharded index once the new one is complete.
        let over = try builtQuarry(["index", "--collection", more, "--format", "beir", "--index", idx, "--overwrite", "--shards", "2"])
        XCTAssertEqual(over.status, 0, over.stderr)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: idx).sorted(), ["XAPIANDB", "shard-00", "shard-01"])
        XCTAssertEqual(try Index(path: idx).documentCount(), 20)
        XCTAssertFalse(FileManager.default.fileExists(atPath: idx + ".old"))
    }

    /// Shards of one build may stop at different resume points (an interruption between their
    /// commits), or one may have finished: --resume takes each shard on from its own point.
    func testShardsResumeEachFromTheirOwnResumePoint() throws {
        let dir = try temporaryDirectory(self)
        let lines = (0..<1600).map { "{\"_id\": \"d\($0)\", \"text\": \"river \($0 % 7 == 0 ? "delta" : "valley") stone \($0)\"}" }
        let good = lines.joined(separator: "\n") + "\n"
        let collection = dir + "/c.jsonl"
        func broken(at n: Int) -> String {
            var l = lines
            l[n - 1] = "{broken"
            return l.joined(separator: "\n") + "\n"
        }
        func build(_ text: String, _ index: String, _ extra: [String] = []) throws -> CommandResult {
            try FixtureFiles.write(text, collection)
            return try builtQuarry(["index", "--collection", collection, "--format", "beir", "--index", index, "--shards", "2"] + extra,
                                   environment: ["QUARRY_COMMIT_EVERY": "500"])
        }
        XCTAssertNotEqual(try build(broken(at: 1500), dir + "/a").status, 0)   // both shards at record 1024
        XCTAssertNotEqual(try build(broken(at: 700), dir + "/b").status, 0)    // both shards at record 512
        XCTAssertEqual(try build(good, dir + "/straight").status, 0)
        let fm = FileManager.default
        func mix(_ name: String, shard0: String, shard1: String) throws -> String {
            try fm.createDirectory(atPath: "\(dir)/\(name).partial", withIntermediateDirectories: true)
            try fm.copyItem(atPath: dir + "/a.partial/XAPIANDB", toPath: "\(dir)/\(name).partial/XAPIANDB")
            try fm.copyItem(atPath: shard0 + "/shard-00", toPath: "\(dir)/\(name).partial/shard-00")
            try fm.copyItem(atPath: shard1 + "/shard-01", toPath: "\(dir)/\(name).partial/shard-01")
            return "\(dir)/\(name)"
        }
        let topics = try FixtureFiles.write("1\triver delta\n2\tstone 77\n", dir + "/topics.tsv")
        let (_, expected) = try run([dir + "/straight"], topics: topics, output: dir + "/straight.run")
        for (name, shard0) in [("uneven", dir + "/a.partial"), ("finished", dir + "/straight")] {
            let idx = try mix(name, shard0: shard0, shard1: dir + "/b.partial")
            let r = try build(good, idx, ["--resume"])
            XCTAssertEqual(r.status, 0, r.stderr)
            XCTAssertTrue(r.stdout.contains("holds 1600 in 2 shards (resumed after 512 records)"), r.stdout)
            for s in 0..<2 {
                XCTAssertEqual(try Index(path: "\(idx)/shard-0\(s)").documentCount(), try Index(path: "\(dir)/straight/shard-0\(s)").documentCount(), "\(name) shard \(s)")
            }
            let (_, lines) = try run([idx], topics: topics, output: "\(dir)/\(name).run")
            assertSameRanking(expected, lines, name)
        }
    }

    // MARK: Searching shards, local and remote

    /// Two xapian-tcpsrv processes, one per shard: `quarry run` over them ranks exactly as one
    /// unsharded index does, for BM25 and RM3; so do the stub directory and the two shard paths.
    func testRunOverTwoTcpServersRanksAsOneIndex() throws {
        let dir = try temporaryDirectory(self)
        let plain = try build(dir, "plain")
        let sharded = try build(dir, "sharded", shards: 2)
        let servers = try [XapianServer(serving: sharded + "/shard-00", test: self), XapianServer(serving: sharded + "/shard-01", test: self)]
        let remote = servers.map(\.address)
        let layouts: [(String, [String])] = [("tcp", remote), ("stub", [sharded]), ("paths", [sharded + "/shard-00", sharded + "/shard-01"])]
        for (name, pipeline) in [("bm25", [String]()), ("rm3", ["--expander", "rm3"])] {
            let (r, expected) = try run([plain], output: "\(dir)/\(name).run", pipeline)
            XCTAssertEqual(r.status, 0, r.stderr)
            XCTAssertGreaterThan(expected.count, 1000)
            for (layout, indexes) in layouts {
                let out = "\(dir)/\(name)-\(layout).run"
                let (r2, lines) = try run(indexes, output: out, pipeline + (layout == "tcp" ? ["--threads", "2"] : []))
                XCTAssertEqual(r2.status, 0, r2.stderr)
                assertSameRanking(expected, lines, "\(name) over \(layout)")
                let provenance = try json(out + ".json")
                XCTAssertEqual(provenance["partial"] as? Bool, false)
                XCTAssertEqual((provenance["index"] as! [String: Any])["documents"] as? Int, 300)
            }
        }
        let provenance = try json("\(dir)/rm3-tcp.run.json")
        XCTAssertEqual((provenance["index"] as! [String: Any])["shards"] as? [String], remote)
        XCTAssertEqual(provenance["missingShards"] as? [String], [])

        // The other commands take the same --index list.
        let search = try builtQuarry(["search", "--index", remote[0], "--index", remote[1], "--json", "--k", "3", "how do glaciers move"])
        let hits = try json(stdout: search)["hits"] as! [[String: Any]]
        XCTAssertEqual(hits.first?["docid"] as? String, "S222")
        XCTAssertEqual(hits.first?["title"] as? String, "How Glaciers Move")
        let doc = try builtQuarry(["doc", "--index", remote[0], "--index", remote[1], "S222"])
        XCTAssertTrue(doc.stdout.contains("How Glaciers Move"), doc.stdout + doc.stderr)
        let stats = try json(stdout: try builtQuarry(["stats", "--json", "--index", remote[0], "--index", remote[1]]))
        XCTAssertEqual(stats["documents"] as? Int, 300)
        XCTAssertEqual((stats["shards"] as! [[String: Any]]).map { $0["location"] as! String }, remote)
        XCTAssertEqual((stats["inputs"] as! [[String: Any]])[0]["documents"] as? Int, 300)
        let experiment = try builtQuarry(["experiment", "--index", remote[0], "--index", remote[1], "--topics", Self.topics,
                                          "--qrels", TestPaths.sample.appendingPathComponent("qrels.txt").path, "--pipeline", "bm25="])
        XCTAssertEqual(experiment.status, 0, experiment.stderr)
        let local = try builtQuarry(["experiment", "--index", plain, "--topics", Self.topics,
                                     "--qrels", TestPaths.sample.appendingPathComponent("qrels.txt").path, "--pipeline", "bm25="])
        XCTAssertEqual(experiment.stdout, local.stdout)
    }

    /// A shard that is down when the run starts: an error naming it, or with --allow-partial the other
    /// shard's results, marked partial.
    func testShardDownAtTheStart() throws {
        let dir = try temporaryDirectory(self)
        let sharded = try build(dir, "sharded", shards: 2)
        let up = try XapianServer(serving: sharded + "/shard-00", test: self)
        let down = try XapianServer(serving: sharded + "/shard-01", test: self)
        down.stop()
        let out = dir + "/down.run"
        let (failed, _) = try run([up.address, down.address], output: out)
        assertOneLineError(failed, [down.address, "cannot reach the remote index", "Connection refused"])
        XCTAssertFalse(FileManager.default.fileExists(atPath: out))

        let (partial, lines) = try run([up.address, down.address], output: out, ["--allow-partial"])
        XCTAssertEqual(partial.status, 0, partial.stderr)
        XCTAssertTrue(partial.stderr.contains("warning: shard \(down.address) left out (--allow-partial), results are partial"), partial.stderr)
        XCTAssertTrue(partial.stderr.contains("warning: partial results: shard \(down.address) was left out"), partial.stderr)
        XCTAssertGreaterThan(lines.count, 100)
        for docid in Set(rankings(lines).values.flatMap { $0.map(\.0) }) {
            XCTAssertEqual(fnv1a64(docid) % 2, 0, "\(docid) is not in the shard that was up")
        }
        let provenance = try json(out + ".json")
        XCTAssertEqual(provenance["partial"] as? Bool, true)
        XCTAssertEqual(provenance["missingShards"] as? [String], [down.address])
        XCTAssertEqual((provenance["index"] as! [String: Any])["documents"] as? Int, 300 - (try sampleIDs()).filter { fnv1a64($0) % 2 == 1 }.count)

        // With no shard left there is nothing to search, partial or not.
        up.stop()
        assertOneLineError(try run([up.address, down.address], output: out, ["--allow-partial"]).0, ["no shard", up.address, down.address])
    }

    /// A shard that stops while a run is under way: an error naming it and no run written; with
    /// --allow-partial the run finishes over the other shard and says so.
    func testShardStoppingMidRun() throws {
        let dir = try temporaryDirectory(self)
        let sharded = try build(dir, "sharded", shards: 2)
        // Many topics, so the run is still going when the shard stops.
        let sample = try String(contentsOfFile: Self.topics, encoding: .utf8).split(separator: "\n").map { $0.split(separator: "\t")[1] }
        let topics = try FixtureFiles.write((0..<1500).map { "m\($0)\t\(sample[$0 % sample.count])" }.joined(separator: "\n") + "\n", dir + "/many.tsv")
        let first = try XapianServer(serving: sharded + "/shard-00", test: self)

        /// Starts the run, stops `victim` once it has answered some queries, and waits for the run.
        func runStoppingMidway(_ victim: XapianServer, output: String, _ extra: [String]) throws -> CommandResult {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: TestPaths.quarry)
            p.arguments = ["run", "--index", first.address, "--index", victim.address, "--topics", topics, "--output", output] + extra
            let log = try FixtureFiles.write("", output + ".stderr")
            p.standardOutput = FileHandle.nullDevice
            p.standardError = FileHandle(forWritingAtPath: log)
            try p.run()
            defer { if p.isRunning { kill(p.processIdentifier, SIGKILL); p.waitUntilExit() } }
            let before = victim.bytesServed
            let deadline = Date().addingTimeInterval(120)
            while p.isRunning, Date() < deadline, victim.bytesServed - before < 30_000 { usleep(2_000) }
            XCTAssertTrue(p.isRunning, "the run ended before the shard could be stopped; make it longer")
            victim.stop()
            p.waitUntilExit()
            return CommandResult(status: p.terminationStatus, stdout: "", stderr: try String(contentsOfFile: log, encoding: .utf8))
        }

        let out = dir + "/mid.run"
        let second = try XapianServer(serving: sharded + "/shard-01", test: self)
        let failed = try runStoppingMidway(second, output: out, [])
        assertOneLineError(failed, ["shard \(second.address) stopped answering", "NetworkError", "--allow-partial"])
        XCTAssertFalse(FileManager.default.fileExists(atPath: out))

        let again = try XapianServer(serving: sharded + "/shard-01", test: self)
        let partial = try runStoppingMidway(again, output: out, ["--allow-partial"])
        XCTAssertEqual(partial.status, 0, partial.stderr)
        XCTAssertTrue(partial.stderr.contains("warning: shard \(again.address) left out (--allow-partial), results are partial: it stopped answering mid-run"), partial.stderr)
        let ranked = rankings(try String(contentsOfFile: out, encoding: .utf8).split(separator: "\n").map(String.init))
        XCTAssertEqual(ranked.count, 1500)
        // The first queries were answered by both shards, the last by the first shard alone.
        XCTAssertTrue(ranked["m0"]!.contains { fnv1a64($0.0) % 2 == 1 }, "m0 has no document of the second shard")
        for q in (1490..<1500).map({ "m\($0)" }) {
            for (docid, _) in ranked[q] ?? [] { XCTAssertEqual(fnv1a64(docid) % 2, 0, "\(q): \(docid) comes from the stopped shard") }
        }
        let provenance = try json(out + ".json")
        XCTAssertEqual(provenance["partial"] as? Bool, true)
        XCTAssertEqual(provenance["missingShards"] as? [String], [again.address])
    }

    /// xapian-tcpsrv closes a connection idle longer than --idle-timeout (an LLM expander may think
    /// that long); the next request finds the shard up, reconnects and is answered.
    func testConnectionClosedWhileIdleIsReopened() throws {
        let dir = try temporaryDirectory(self)
        let sharded = try build(dir, "sharded", shards: 2)
        let servers = try (0..<2).map { try XapianServer(serving: "\(sharded)/shard-0\($0)", test: self, options: ["--idle-timeout", "200"]) }
        let index = try Index(locations: servers.map(\.address))
        let searcher = try index.searcher()
        let before = try searcher.search(.text("how do glaciers move"), k: 20)
        XCTAssertEqual(before.first?.docid, "S222")
        usleep(800_000)
        XCTAssertEqual(try searcher.search(.text("how do glaciers move"), k: 20), before)
        XCTAssertEqual(try searcher.document("S222")?.title, "How Glaciers Move")
        XCTAssertEqual(index.health.reconnections, 1, "the server was to close the idle connection")
        XCTAssertFalse(index.isPartial)
    }

    // MARK: What cannot be searched together

    func testShardsThatCannotBeSearchedTogetherAreRefused() throws {
        let dir = try temporaryDirectory(self)
        let porter = try build(dir, "porter")
        let english = try build(dir, "english", extra: ["--stemmer", "english"])
        let out = dir + "/x.run"
        assertOneLineError(try run([porter, english], output: out).0,
                           ["shards disagree on analyzer settings", "\(porter) has stemmer=porter", "\(english) has stemmer=english"])
        let server = try XapianServer(serving: english, test: self)
        assertOneLineError(try run([porter, server.address], output: out).0, ["disagree on analyzer settings", server.address])
        // One database reached twice would count every document twice.
        let copy = try XapianServer(serving: porter, test: self)
        assertOneLineError(try run([porter, copy.address], output: out).0, ["\(porter) and \(copy.address) are the same index"])
        assertOneLineError(try run([porter, porter + "/"], output: out).0, ["given twice"])
        assertOneLineError(try run(["tcp://127.0.0.1"], output: out).0, ["expected tcp://HOST:PORT"])
        assertOneLineError(try run(["http://127.0.0.1:80"], output: out).0, ["unknown scheme"])
        assertOneLineError(try run([dir + "/nothing"], output: out).0, ["\(dir)/nothing: no index there"])
        assertOneLineError(try builtQuarry(["run", "--topics", Self.topics, "--output", out]), ["give --index"])
        XCTAssertFalse(FileManager.default.fileExists(atPath: out))
    }

    /// Stub files as Xapian writes them: paths relative to the stub, remote HOST:PORT lines, comments;
    /// a program line (`remote :PROGRAM`) is never run.
    func testStubFilesAndLocations() throws {
        let dir = try temporaryDirectory(self)
        let stub = try FixtureFiles.write("# two shards\nauto a\n\nglass /abs/b\nremote 10.0.0.7:33333\nremote [::1]:9\n", dir + "/stub")
        XCTAssertEqual(try StubFile.read(stub), [.local(dir + "/a"), .local("/abs/b"), .remote(host: "10.0.0.7", port: 33333), .remote(host: "::1", port: 9)])
        XCTAssertEqual(try ShardLocation.resolve("tcp://[::1]:9").map(\.description), ["tcp://[::1]:9"])
        for bad in ["remote :xapian-progsrv /db\n", "remote host\n", "inmemory\n"] {
            let p = try FixtureFiles.write(bad, dir + "/bad")
            XCTAssertThrowsError(try StubFile.read(p)) { XCTAssertTrue("\($0)".contains("\(p):1:"), "\($0)") }
        }
        for bad in ["tcp://host", "tcp://host:0", "tcp://host:70000", "tcp://:80"] {
            XCTAssertThrowsError(try ShardLocation.resolve(bad), bad)
        }
        // A stub may name remote shards: --index STUB searches them.
        let sharded = try build(dir, "sharded", shards: 2)
        let servers = try [XapianServer(serving: sharded + "/shard-00", test: self), XapianServer(serving: sharded + "/shard-01", test: self)]
        let remoteStub = try FixtureFiles.write(servers.map { "remote 127.0.0.1:\($0.port)\n" }.joined(), dir + "/remote/XAPIANDB")
        XCTAssertEqual(try Index(path: PathName.parent(remoteStub)).shards, servers.map { .remote(host: "127.0.0.1", port: $0.port) })
        XCTAssertEqual(try Index(path: PathName.parent(remoteStub)).documentCount(), 300)
    }
}
