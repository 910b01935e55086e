// `quarry index` end to end: building, appending, bad input (one-line errors that leave an existing
// index as it was), --skip-bad, duplicates, truncation, resuming a killed build, and locking.
import Foundation
import XCTest
@testable import QuarryCore

final class IndexerTests: XCTestCase {
    private let base = """
        {"_id": "d1", "title": "Glaciers", "text": "Glaciers move slowly down the valley under their own weight."}
        {"_id": "d2", "title": "Bees", "text": "Honey bees beat their wings two hundred times a second."}
        {"_id": "d3", "title": "Volcanoes", "text": "Lava flows cool into basalt."}
        {"_id": "d4", "title": "", "text": "Kites fly higher when the wind is steady."}

        """

    /// Runs the `quarry` built with these tests.
    private func quarry(_ args: String...) throws -> CommandResult { try builtQuarry(args) }

    private func index(_ args: [String], env: [String: String]? = nil) throws -> CommandResult {
        try builtQuarry(["index"] + args, environment: env)
    }

    /// Builds the base index at DIR/base and returns its path.
    private func baseIndex(_ dir: String) throws -> String {
        let corpus = try FixtureFiles.write(base, dir + "/base.jsonl")
        let r = try index(["--collection", corpus, "--format", "beir", "--index", dir + "/base"])
        XCTAssertEqual(r.status, 0, r.stderr)
        return dir + "/base"
    }

    /// What an index answers: its statistics and some searches (all of `quarry`'s output).
    private func snapshot(_ index: String) throws -> [String] {
        var out = [try quarry("stats", "--index", index).stdout]
        for q in ["glaciers valley", "bees wings", "quokka"] {
            let r = try quarry("search", "--index", index, "--k", "10", q)
            out.append(r.stdout + r.stderr)
        }
        return out
    }

    private func documentCount(_ index: String) throws -> Int {
        let r = try quarry("stats", "--index", index, "--json")
        let obj = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
        return obj?["documents"] as? Int ?? -1
    }

    /// Asserts `r` failed with one line `quarry: error: …` that contains each of `parts`.
    private func assertOneLineError(_ r: CommandResult, _ parts: [String], file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertNotEqual(r.status, 0, "expected a failure; stdout: \(r.stdout)", file: file, line: line)
        let lines = r.stderr.split(separator: "\n")
        XCTAssertEqual(lines.count, 1, "expected one line on stderr: \(r.stderr)", file: file, line: line)
        XCTAssertTrue(r.stderr.hasPrefix("quarry: error: "), r.stderr, file: file, line: line)
        for p in parts { XCTAssertTrue(r.stderr.contains(p), "'\(p)' not in: \(r.stderr)", file: file, line: line) }
    }

    func testBuildStoresFieldsAndAnalyzerSettings() throws {
        let dir = try temporaryDirectory(self)
        let idx = try baseIndex(dir)
        XCTAssertFalse(FileManager.default.fileExists(atPath: idx + ".partial"))
        XCTAssertEqual(try documentCount(idx), 4)
        let doc = try quarry("doc", "--index", idx, "--json", "d1")
        let fields = try JSONSerialization.jsonObject(with: Data(doc.stdout.utf8)) as? [String: String]
        XCTAssertEqual(fields, ["id": "d1", "title": "Glaciers", "text": "Glaciers move slowly down the valley under their own weight."])
        // The title is searchable on its own (d3's text never says "volcanoes").
        XCTAssertTrue(try quarry("search", "--index", idx, "volcano").stdout.contains("d3"))

        let stop = try FixtureFiles.write("honey\n# a comment\nlava\n", dir + "/stop.txt")
        let other = dir + "/x"  // a one-character index name
        let r = try index(["--collection", dir + "/base.jsonl", "--format", "beir", "--index", other, "--stemmer", "english",
                           "--stopwords", stop, "--threads", "3"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("indexed 4 documents"), r.stdout)
        let stats = try JSONSerialization.jsonObject(with: Data(try quarry("stats", "--index", other, "--json").stdout.utf8)) as? [String: Any]
        XCTAssertEqual(stats?["analyzer"] as? [String: String], ["stemmer": "english", "stopwords": "file"])
        XCTAssertEqual(try quarry("analyze", "--index", other, "honey bees generously").stdout, "bee generous\n")
        XCTAssertEqual(try quarry("search", "--index", other, "lava").status, 1)  // a stop word now

        // Appending takes the index's analyzer; naming another one is an error.
        let more = try FixtureFiles.write("{\"_id\": \"e1\", \"text\": \"generously\"}\n", dir + "/more.jsonl")
        assertOneLineError(try index(["--collection", more, "--format", "beir", "--index", other, "--append", "--stemmer", "porter"]),
                           ["\(other): the index is analyzed with --stemmer english"])
        XCTAssertEqual(try index(["--collection", more, "--format", "beir", "--index", other, "--append"]).status, 0)
        XCTAssertEqual(try quarry("analyze", "--index", other, "generously").stdout, "generous\n")
        XCTAssertTrue(try quarry("search", "--index", other, "generous").stdout.contains("e1"))
    }

    func testEveryFormatThroughTheCommandLine() throws {
        let dir = try temporaryDirectory(self)
        try FixtureFiles.write("<DOC>\n<DOCNO>t1</DOCNO>\nglacier ice\n</DOC>\n", dir + "/trec/a.trec")
        try FixtureFiles.gzip(dir + "/trec/a.trec")
        try FileManager.default.removeItem(atPath: dir + "/trec/a.trec")
        try FixtureFiles.write("<DOC><DOCNO>t2</DOCNO><TEXT>bee wings</TEXT></DOC>\n", dir + "/trec/b.trec")
        try FixtureFiles.write("{\"id\": \"j1\", \"contents\": \"glacier\"}\n", dir + "/c.jsonl")
        try FixtureFiles.write("m1\tglacier\nm2\tbee\n", dir + "/c.tsv")
        try FixtureFiles.write("<title>T</title><p>glacier</p>", dir + "/html/h1.html")
        try FixtureFiles.tar(dir + "/pages.tgz", from: dir + "/html", ["h1.html"])
        try FixtureFiles.write("{\"data\": [{\"title\": \"G\", \"paragraphs\": [{\"context\": \"glacier\"}, {\"context\": \"bee\"}]}]}", dir + "/squad.json")
        let cases: [(String, String, Int, String)] = [
            ("trec", dir + "/trec", 2, "t1"), ("jsonl", dir + "/c.jsonl", 1, "j1"), ("msmarco", dir + "/c.tsv", 2, "m1"),
            ("html", dir + "/html", 1, "h1"), ("html", dir + "/pages.tgz", 1, "h1"), ("squad", dir + "/squad.json", 2, "0-0"),
        ]
        for (i, (format, path, count, hit)) in cases.enumerated() {
            let idx = "\(dir)/idx\(i)"
            let r = try index(["--collection", path, "--format", format, "--index", idx])
            XCTAssertEqual(r.status, 0, "\(format): \(r.stderr)")
            XCTAssertEqual(try documentCount(idx), count, format)
            XCTAssertTrue(try quarry("search", "--index", idx, "glacier").stdout.contains(hit), format)
        }
    }

    /// Each bad input, appended to an existing index: a one-line error naming file and line, a
    /// non-zero exit, and the index exactly as it was. As a new build it leaves nothing behind.
    func testBadInputFailsCleanlyAndLeavesTheIndexAlone() throws {
        let dir = try temporaryDirectory(self)
        let idx = try baseIndex(dir)
        let before = try snapshot(idx)
        let good = #"{"_id": "new1", "text": "a perfectly good document about quokkas"}"#
        func file(_ name: String, _ text: String) throws -> String { try FixtureFiles.write(text, "\(dir)/bad/\(name)") }
        // The input, what the error says, and whether a new build fails too (an id already in the index does not).
        let cases: [(args: [String], expect: [String], fresh: Bool)] = try [
            (["--format", "beir", "--collection", file("json.jsonl", "\(good)\n{\"_id\": \"x\", \"text\": \"unterminated}\n")],
             ["bad/json.jsonl:2: not a JSON object", "--skip-bad"], true),
            (["--format", "trec", "--collection", file("open.trec", "<DOC>\n<DOCNO>q1</DOCNO>\nquokka\n</DOC>\n<DOC>\n<DOCNO>q2</DOCNO>\nquokka\n")],
             ["bad/open.trec:5: <DOC> never closed"], true),
            (["--format", "msmarco", "--collection", try FixtureFiles.write(Array("q1\tquokka\nq2\tquo".utf8) + [0xC3, 0x28] + [0x0A], "\(dir)/bad/utf8.tsv")],
             ["bad/utf8.tsv:2: invalid UTF-8"], true),
            (["--format", "beir", "--collection", file("noid.jsonl", "\(good)\n{\"title\": \"quokka\", \"text\": \"no id\"}\n")],
             ["bad/noid.jsonl:2: missing or empty \"_id\""], true),
            (["--format", "jsonl", "--collection", file("dup.jsonl", "{\"id\": \"q1\", \"contents\": \"quokka\"}\n\n{\"id\": \"q1\", \"contents\": \"again\"}\n")],
             ["bad/dup.jsonl:3: duplicate document id 'q1' (first at \(dir)/bad/dup.jsonl:1)"], true),
            (["--format", "beir", "--collection", file("exists.jsonl", "\(good)\n{\"_id\": \"d2\", \"text\": \"quokka\"}\n")],
             ["bad/exists.jsonl:2: document id 'd2' is already in the index"], false),
            (["--format", "beir", "--collection", file("empty.jsonl", "\(good)\n{\"_id\": \"e\", \"title\": \" \", \"text\": \"\\n\\t\"}\n")],
             ["bad/empty.jsonl:2: empty document 'e'"], true),
            (["--format", "trec", "--collection", file("wrong-format.jsonl", "\(good)\n")], ["bad/wrong-format.jsonl:1: text outside <DOC>"], true),
            (["--format", "squad", "--collection", file("cut.json", "{\"data\": [{\"title\": \"q\", \"paragraphs\": [{\"context\": \"quokka\"}]},\n{\"title\"")],
             ["bad/cut.json:2: malformed JSON"], true),
            (["--format", "html", "--collection", PathName.parent(try file("nothing/readme.txt", "no pages here"))], ["bad/nothing: no documents found as --format html"], true),
            (["--format", "xml", "--collection", file("any.xml", "<x/>")], ["unknown format 'xml'; valid formats: trec, beir"], true),
            (["--format", "beir", "--collection", "\(dir)/bad/missing.jsonl"], ["bad/missing.jsonl: no such file or directory"], true),
        ]
        for (args, expect, failsFresh) in cases {
            assertOneLineError(try index(args + ["--index", idx, "--append"]), expect)
            XCTAssertEqual(try snapshot(idx), before, "index changed by: \(args)")
            guard failsFresh else { continue }
            // The same input as a new build: the same error, and no index or .partial left behind.
            let fresh = dir + "/fresh"
            assertOneLineError(try index(args + ["--index", fresh]), expect)
            XCTAssertFalse(FileManager.default.fileExists(atPath: fresh), "\(args)")
            XCTAssertFalse(FileManager.default.fileExists(atPath: fresh + ".partial"), "\(args)")
        }
        // Missing indexes.
        assertOneLineError(try index(["--format", "beir", "--collection", dir + "/base.jsonl", "--index", dir + "/none", "--append"]),
                           ["\(dir)/none: no index to append to"])
        assertOneLineError(try index(["--format", "beir", "--collection", dir + "/base.jsonl", "--index", dir + "/none", "--resume"]),
                           ["\(dir)/none.partial: no interrupted build to resume"])
        try FileManager.default.createDirectory(atPath: dir + "/notanindex", withIntermediateDirectories: true)
        assertOneLineError(try index(["--format", "beir", "--collection", dir + "/base.jsonl", "--index", dir + "/notanindex", "--append"]),
                           ["\(dir)/notanindex: cannot open index for writing"])
        // An existing index is not built over, and --overwrite with bad input keeps the old one.
        assertOneLineError(try index(["--format", "beir", "--collection", dir + "/base.jsonl", "--index", idx]), ["index already exists"])
        assertOneLineError(try index(["--format", "beir", "--collection", dir + "/bad/json.jsonl", "--index", idx, "--overwrite"]), ["json.jsonl:2:"])
        XCTAssertEqual(try snapshot(idx), before)
        XCTAssertFalse(FileManager.default.fileExists(atPath: idx + ".partial"))
    }

    func testAppendAddsInOneTransaction() throws {
        let dir = try temporaryDirectory(self)
        let idx = try baseIndex(dir)
        let more = try FixtureFiles.write("{\"_id\": \"q1\", \"text\": \"quokkas smile\"}\n{\"_id\": \"q2\", \"text\": \"quokkas hop\"}\n", dir + "/more.jsonl")
        let r = try index(["--collection", more, "--format", "beir", "--index", idx, "--append"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("indexed 2 documents") && r.stdout.contains("holds 6"), r.stdout)
        XCTAssertEqual(try documentCount(idx), 6)
        let stats = try quarry("stats", "--index", idx).stdout
        XCTAssertTrue(stats.contains("more.jsonl (beir): 2 documents, 0 skipped"), stats)
        XCTAssertTrue(try quarry("search", "--index", idx, "quokka").stdout.contains("q2"))
        // Again: every id is already there.
        assertOneLineError(try index(["--collection", more, "--format", "beir", "--index", idx, "--append"]), ["more.jsonl:1: document id 'q1' is already in the index"])
        XCTAssertEqual(try documentCount(idx), 6)
    }

    func testSkipBadCountsWhatItSkips() throws {
        let dir = try temporaryDirectory(self)
        let path = try FixtureFiles.write("""
            {"_id": "a", "text": "alpha"}
            not json
            {"text": "no id"}
            {"_id": "b", "text": "beta"}
            {"_id": "a", "text": "alpha again"}
            {"_id": "c", "text": ""}
            {"_id": "d", "text": "delta"}
            {"_id": "c", "text": "gamma, the first good 'c'"}

            """, dir + "/mixed.jsonl")
        let idx = dir + "/idx"
        let r = try index(["--collection", path, "--format", "beir", "--index", idx, "--skip-bad"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stderr.hasPrefix("warning: 4 malformed records skipped"), r.stderr)
        XCTAssertTrue(r.stderr.contains("mixed.jsonl:5: duplicate document id 'a' (first at \(path):1)"), r.stderr)
        XCTAssertTrue(r.stdout.contains("indexed 4 documents"), r.stdout)
        let stats = try JSONSerialization.jsonObject(with: Data(try quarry("stats", "--index", idx, "--json").stdout.utf8)) as? [String: Any]
        let input = (stats?["inputs"] as? [[String: Any]])?.first
        XCTAssertEqual(input?["documents"] as? Int, 4)
        XCTAssertEqual(input?["skipped"] as? Int, 4)
        // The first "a" is the one kept; a skipped record's id stays free.
        XCTAssertTrue(try quarry("doc", "--index", idx, "a").stdout.hasSuffix("alpha\n"))
        XCTAssertTrue(try quarry("doc", "--index", idx, "c").stdout.contains("gamma"))
        // Skipping on append too: the existing ids are skipped, the new one added.
        let again = try FixtureFiles.write("{\"_id\": \"a\", \"text\": \"x\"}\n{\"_id\": \"e\", \"text\": \"epsilon\"}\n", dir + "/again.jsonl")
        let r2 = try index(["--collection", again, "--format", "beir", "--index", idx, "--append", "--skip-bad"])
        XCTAssertEqual(r2.status, 0, r2.stderr)
        XCTAssertTrue(r2.stderr.contains("1 malformed records skipped") && r2.stderr.contains("again.jsonl:1: document id 'a' is already in the index"), r2.stderr)
        XCTAssertEqual(try documentCount(idx), 5)
        // All records bad: nothing to index is still an error.
        let allBad = try FixtureFiles.write("nope\nnope\n", dir + "/allbad.jsonl")
        assertOneLineError(try index(["--collection", allBad, "--format", "beir", "--index", dir + "/none", "--skip-bad"]),
                           ["allbad.jsonl: no documents found as --format beir (2 malformed records skipped)"])
    }

    func testDuplicateIdAcrossFilesNamesBothLocations() throws {
        let dir = try temporaryDirectory(self)
        try FixtureFiles.write("<DOC>\n<DOCNO>X-1</DOCNO>\nfirst\n</DOC>\n", dir + "/c/a.trec")
        try FixtureFiles.write("<DOC>\n<DOCNO>X-2</DOCNO>\nsecond\n</DOC>\n\n<DOC>\n<DOCNO>X-1</DOCNO>\nthird\n</DOC>\n", dir + "/c/b.trec")
        assertOneLineError(try index(["--collection", dir + "/c", "--format", "trec", "--index", dir + "/idx"]),
                           ["\(dir)/c/b.trec:6: duplicate document id 'X-1' (first at \(dir)/c/a.trec:1)"])
        try FixtureFiles.write("<p>one</p>", dir + "/h/one/page.html")
        try FixtureFiles.write("<p>two</p>", dir + "/h/two/page.htm")
        assertOneLineError(try index(["--collection", dir + "/h", "--format", "html", "--index", dir + "/idx"]),
                           ["\(dir)/h/two/page.htm: duplicate document id 'page' (first at \(dir)/h/one/page.html)"])
    }

    func testLongDocumentsAreTruncatedWithACountedWarning() throws {
        let dir = try temporaryDirectory(self)
        let long = String(repeating: "glacier ", count: 100) + "quokka"
        let path = try FixtureFiles.write("""
            s1\tshort
            l1\t\(long)
            l2\tü\(String(repeating: "é", count: 200))

            """, dir + "/long.tsv")
        let idx = dir + "/idx"
        let r = try index(["--collection", path, "--format", "msmarco", "--index", idx, "--max-doc-bytes", "101"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stderr, "warning: 2 documents longer than 101 bytes were truncated (the first at \(path):2)\n")
        let doc = try JSONSerialization.jsonObject(with: Data(try quarry("doc", "--index", idx, "--json", "l1").stdout.utf8)) as? [String: String]
        XCTAssertEqual(doc?["text"], String(long.prefix(101)))
        // Cut on a character boundary: 2 + 2×49 bytes of UTF-8.
        let doc2 = try JSONSerialization.jsonObject(with: Data(try quarry("doc", "--index", idx, "--json", "l2").stdout.utf8)) as? [String: String]
        XCTAssertEqual(doc2?["text"], "ü" + String(repeating: "é", count: 49))
        XCTAssertEqual(try quarry("search", "--index", idx, "quokka").stdout.contains("l1"), false)
    }

    // MARK: Interrupted builds

    /// A deterministic collection of `n` BEIR documents of about 200 bytes each.
    private func generated(_ n: Int, from: Int = 0) -> String {
        let words = ["glacier", "valley", "ice", "bee", "wing", "honey", "lava", "basalt", "kite", "wind", "river", "delta",
                     "forest", "canopy", "desert", "dune", "ocean", "tide", "comet", "orbit", "quartz", "granite", "falcon", "prey"]
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        var out = ""
        for i in 0..<(from + n) {
            var text: [String] = []
            for _ in 0..<24 {
                state = state &* 6364136223846793005 &+ 1442695040888963407
                text.append(words[Int(state >> 33) % words.count])
            }
            if i >= from { out += "{\"_id\": \"g\(i)\", \"title\": \"doc \(i)\", \"text\": \"\(text.joined(separator: " "))\"}\n" }
        }
        return out
    }

    /// Asserts two indexes answer alike: same statistics and the same run for a few topics.
    private func assertSameIndex(_ a: String, _ b: String, topics: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let (fa, fb) = (try fingerprint(a, topics: topics), try fingerprint(b, topics: topics))
        XCTAssertEqual(fa[0], fb[0], "statistics differ", file: file, line: line)
        let (ra, rb) = (fa[1].split(separator: "\n"), fb[1].split(separator: "\n"))
        XCTAssertFalse(ra.isEmpty, file: file, line: line)
        if let i = zip(ra, rb).enumerated().first(where: { $0.element.0 != $0.element.1 })?.offset {
            XCTFail("runs differ at line \(i + 1): '\(ra[i])' vs '\(rb[i])'", file: file, line: line)
        }
        XCTAssertEqual(ra.count, rb.count, "run lengths differ", file: file, line: line)
    }

    /// What must be the same for two builds to count as equal: statistics (less dates and size)
    /// and the run for a few topics.
    private func fingerprint(_ index: String, topics: String) throws -> [String] {
        var stats = try JSONSerialization.jsonObject(with: Data(try quarry("stats", "--index", index, "--json").stdout.utf8)) as? [String: Any] ?? [:]
        for key in ["created", "updated", "sizeBytes"] { stats[key] = nil }
        let statsText = String(decoding: try JSONSerialization.data(withJSONObject: stats, options: [.sortedKeys]), as: UTF8.self)
        let run = index + ".run"
        let r = try quarry("run", "--index", index, "--topics", topics, "--output", run, "--k", "50")
        XCTAssertEqual(r.status, 0, r.stderr)
        return [statsText, try String(contentsOfFile: run, encoding: .utf8)]
    }

    private func writeTopics(_ dir: String) throws -> String {
        try FixtureFiles.write("1\tglacier valley\n2\tbee honey wing\n3\tlava basalt desert\n4\tcomet orbit falcon\n5\tdoc 4321\n", dir + "/topics.tsv")
    }

    /// The records a build at `partial` has committed as its resume point.
    private func resumePoint(_ partial: String) -> Int {
        guard let reader = try? XapianReader(path: partial),
              let meta = try? IndexMetadata.decode(reader.metadata(IndexMetadata.key), index: partial) else { return 0 }
        return meta.recordsDone
    }

    /// Waits until the build at `partial` has committed a resume point.
    private func waitForCheckpoint(_ partial: String, child: Process, timeout: TimeInterval = 120) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline, child.isRunning {
            if resumePoint(partial) > 0 { return }
            usleep(20_000)
        }
        if !child.isRunning {
            throw QuarryError("the build ended (\(child.terminationReason == .exit ? "exit" : "signal") \(child.terminationStatus)) before a resume point was committed; it said: \(stderr(of: child))")
        }
        throw QuarryError("no resume point was committed in \(partial) in \(timeout) s")
    }

    /// Opens the write end of the FIFO at `path` once a reader has it open (nil if `child` ends first).
    private func openWriteEnd(_ path: String, child: Process, timeout: TimeInterval = 60) -> Int32? {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline, child.isRunning {
            let fd = open(path, O_WRONLY | O_NONBLOCK)
            if fd >= 0 {
                _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK)
                return fd
            }
            usleep(10_000)
        }
        return nil
    }

    private func writeAll(_ fd: Int32, _ text: String) -> Bool {
        var bytes = Array(text.utf8)[...]
        while !bytes.isEmpty {
            let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if n <= 0 { return false }
            bytes = bytes.dropFirst(n)
        }
        return true
    }

    private func startIndexer(_ args: [String], env: [String: String] = [:]) throws -> Process {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: TestPaths.quarry)
        p.arguments = ["index"] + args
        p.environment = ProcessInfo.processInfo.environment.merging(env) { $1 }
        p.standardOutput = FileHandle.nullDevice
        let log = try FixtureFiles.write("", try temporaryDirectory(self) + "/stderr")
        p.standardError = FileHandle(forWritingAtPath: log)
        try p.run()
        childLogs[p.processIdentifier] = log
        return p
    }

    private var childLogs: [Int32: String] = [:]

    /// What a child started by `startIndexer` wrote on stderr.
    private func stderr(of child: Process) -> String {
        childLogs[child.processIdentifier].flatMap { try? String(contentsOfFile: $0, encoding: .utf8) } ?? ""
    }

    /// SIGKILL a build after its first resume point; --resume then gives the index an uninterrupted build gives.
    func testResumeAfterKillEqualsAnUninterruptedBuild() throws {
        signal(SIGPIPE, SIG_IGN)
        let dir = try temporaryDirectory(self)
        let collection = dir + "/stream.jsonl"
        let idx = dir + "/idx"
        let total = 6000, firstPart = 4000
        XCTAssertEqual(mkfifo(collection, 0o600), 0)
        // The collection arrives through a FIFO, so the build is still running when it is killed.
        let child = try startIndexer(["--collection", collection, "--format", "beir", "--index", idx], env: ["QUARRY_COMMIT_EVERY": "1000"])
        defer { if child.isRunning { kill(child.processIdentifier, SIGKILL) } }
        let fd = try XCTUnwrap(openWriteEnd(collection, child: child), "the indexer never opened the collection")
        XCTAssertTrue(writeAll(fd, generated(firstPart)))
        try waitForCheckpoint(idx + ".partial", child: child)
        kill(child.processIdentifier, SIGKILL)
        child.waitUntilExit()
        close(fd)
        // The resume point as the kill left it (another may have been committed since the wait).
        let done = resumePoint(idx + ".partial")
        XCTAssertTrue(done >= 1000 && done < total, "\(done)")
        XCTAssertEqual(child.terminationReason, .uncaughtSignal)
        XCTAssertFalse(FileManager.default.fileExists(atPath: idx))
        XCTAssertTrue(FileManager.default.fileExists(atPath: idx + ".partial"))
        assertOneLineError(try quarry("stats", "--index", idx), ["index is incomplete", "--resume"])

        // The whole collection is now a plain file at the same path.
        try FileManager.default.removeItem(atPath: collection)
        try FixtureFiles.write(generated(total), collection)
        assertOneLineError(try index(["--collection", collection, "--format", "beir", "--index", idx]), ["an interrupted build is there", "--resume"])
        let other = try FixtureFiles.write(generated(10), dir + "/other.jsonl")
        assertOneLineError(try index(["--collection", other, "--format", "beir", "--index", idx, "--resume"]), ["resume with the same --collection and --format"])
        let r = try index(["--collection", collection, "--format", "beir", "--index", idx, "--resume"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("indexed \(total - done) documents") && r.stdout.contains("holds \(total) (resumed after \(done) records)"), r.stdout)
        XCTAssertFalse(FileManager.default.fileExists(atPath: idx + ".partial"))
        assertOneLineError(try index(["--collection", collection, "--format", "beir", "--index", idx, "--resume"]), ["index is complete; nothing to resume"])

        let straight = dir + "/straight"
        XCTAssertEqual(try index(["--collection", collection, "--format", "beir", "--index", straight]).status, 0)
        let topics = try writeTopics(dir)
        try assertSameIndex(idx, straight, topics: topics)
        XCTAssertEqual(try documentCount(idx), total)
    }

    /// A build that stops on bad input after a resume point keeps exactly what that point says, so
    /// fixing the input and resuming gives the right index (no document twice).
    func testBadInputAfterAResumePointThenResume() throws {
        let dir = try temporaryDirectory(self)
        let path = dir + "/c.jsonl"
        let lines = generated(2000).split(separator: "\n").map(String.init)
        var broken = lines
        broken[1699] = "{broken"
        try FixtureFiles.write(broken.joined(separator: "\n") + "\n", path)
        let idx = dir + "/idx"
        let r = try index(["--collection", path, "--format", "beir", "--index", idx], env: ["QUARRY_COMMIT_EVERY": "1000"])
        assertOneLineError(r, ["c.jsonl:1700: not a JSON object", "the unfinished index stays at \(idx).partial", "--resume"])
        XCTAssertTrue(FileManager.default.fileExists(atPath: idx + ".partial"))
        try FixtureFiles.write(lines.joined(separator: "\n") + "\n", path)
        let resumed = try index(["--collection", path, "--format", "beir", "--index", idx, "--resume"])
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        XCTAssertTrue(resumed.stdout.contains("resumed after 1000 records"), resumed.stdout)
        let straight = dir + "/straight"
        XCTAssertEqual(try index(["--collection", path, "--format", "beir", "--index", straight]).status, 0)
        let topics = try writeTopics(dir)
        try assertSameIndex(idx, straight, topics: topics)
        XCTAssertEqual(try documentCount(idx), 2000)
    }

    /// --overwrite swaps the new index in only when it is complete, even across an interruption.
    func testOverwriteReplacesOnlyWhenComplete() throws {
        let dir = try temporaryDirectory(self)
        let idx = try baseIndex(dir)
        let more = try FixtureFiles.write("{\"_id\": \"q1\", \"text\": \"quokkas smile\"}\n", dir + "/more.jsonl")
        XCTAssertEqual(try index(["--collection", more, "--format", "beir", "--index", idx, "--overwrite"]).status, 0)
        XCTAssertEqual(try documentCount(idx), 1)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir).sorted(), ["base", "base.jsonl", "more.jsonl"])
        // What is not an index is never replaced.
        try FixtureFiles.write("precious", dir + "/notes/keep.txt")
        assertOneLineError(try index(["--collection", more, "--format", "beir", "--index", dir + "/notes", "--overwrite"]),
                           ["\(dir)/notes: not a Quarry index, so --overwrite leaves it alone"])
        XCTAssertEqual(try String(contentsOfFile: dir + "/notes/keep.txt", encoding: .utf8), "precious")
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/notes.partial"))
        // Stopped by bad input after a resume point: the old index stays; --resume finishes the swap.
        var lines = generated(2000).split(separator: "\n").map(String.init)
        let fixed = lines.joined(separator: "\n") + "\n"
        lines[1499] = "{broken"
        let path = try FixtureFiles.write(lines.joined(separator: "\n") + "\n", dir + "/big.jsonl")
        assertOneLineError(try index(["--collection", path, "--format", "beir", "--index", idx, "--overwrite"], env: ["QUARRY_COMMIT_EVERY": "500"]),
                           ["big.jsonl:1500: not a JSON object", "\(idx).partial"])
        XCTAssertEqual(try documentCount(idx), 1)
        try FixtureFiles.write(fixed, path)
        let r = try index(["--collection", path, "--format", "beir", "--index", idx, "--resume"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(try documentCount(idx), 2000)
        XCTAssertFalse(FileManager.default.fileExists(atPath: idx + ".partial"))
        XCTAssertFalse(FileManager.default.fileExists(atPath: idx + ".old"))
    }

    /// A full disk (a 2 MB tmpfs mounted for the test): an append fails with one line and is rolled
    /// back, the index answering exactly as before; a new build fails the same way and, once there is
    /// room, --resume (or the command again, when no resume point was reached) finishes it.
    func testDiskFullIsAClearErrorAndCorruptsNothing() throws {
        let dir = try temporaryDirectory(self)
        let mount = dir + "/small"
        try FileManager.default.createDirectory(atPath: mount, withIntermediateDirectories: true)
        let mounted = try runProcess("/bin/mount", ["-t", "tmpfs", "-o", "size=2m", "tmpfs", mount])
        guard mounted.status == 0 else {
            // Mounting needs root (CI and the development machine run tests as root).
            throw XCTSkip("cannot mount a tmpfs here (\(mounted.stderr.trimmingCharacters(in: .whitespacesAndNewlines))); run as root")
        }
        defer { _ = try? runProcess("/bin/umount", ["-l", mount]) }
        let sample = TestPaths.sample.appendingPathComponent("documents.jsonl").path
        let idx = mount + "/base"
        XCTAssertEqual(try index(["--collection", sample, "--format", "beir", "--index", idx]).status, 0)
        // What the index answers; not its size on disk, since the blocks a failed transaction wrote stay
        // allocated in the files (unreferenced; Xapian reuses them for later writes).
        func answers() throws -> [String] {
            try snapshot(idx).map { $0.split(separator: "\n").filter { !$0.hasPrefix("size on disk:") }.joined(separator: "\n") }
        }
        let before = try answers()
        let big = try FixtureFiles.write(generated(30_000), dir + "/big.jsonl")

        let append = try index(["--collection", big, "--format", "beir", "--index", idx, "--append"])
        assertOneLineError(append, ["\(idx): cannot write the index", "No space left on device", "the append was rolled back, the index is as it was"])
        XCTAssertEqual(try answers(), before)

        let fresh = mount + "/fresh"
        let env = ["QUARRY_COMMIT_EVERY": "2000"]
        let build = try index(["--collection", big, "--format", "beir", "--index", fresh], env: env)
        assertOneLineError(build, ["No space left on device"])
        XCTAssertFalse(FileManager.default.fileExists(atPath: fresh), "a failed build left an index in place")
        let resumable = FileManager.default.fileExists(atPath: fresh + ".partial")
        XCTAssertEqual(build.stderr.contains("make room and add --resume"), resumable, build.stderr)
        XCTAssertEqual(try answers(), before)

        // Room again: the build finishes, and the first index takes its append.
        XCTAssertEqual(try runProcess("/bin/mount", ["-o", "remount,size=64m", mount]).status, 0)
        let finish = try index(["--collection", big, "--format", "beir", "--index", fresh] + (resumable ? ["--resume"] : []), env: env)
        XCTAssertEqual(finish.status, 0, finish.stderr)
        XCTAssertEqual(try documentCount(fresh), 30_000)
        XCTAssertEqual(try index(["--collection", big, "--format", "beir", "--index", idx, "--append"]).status, 0)
        XCTAssertEqual(try documentCount(idx), 30_300)
    }

    /// Searches while an --append runs see the old index or the new one, never an error or a mix: the
    /// document count and the hits are always one of the two. Readers opened before, during and after.
    func testSearchesDuringAnAppendSeeTheOldOrTheNewIndex() throws {
        let dir = try temporaryDirectory(self)
        let idx = try baseIndex(dir)
        let more = try FixtureFiles.write(generated(40_000), dir + "/more.jsonl")
        let queries = ["glacier valley", "bee honey wing", "kites wind"]
        func answer(_ searcher: IndexSearcher) throws -> [String] {
            try ["\(searcher.documentCount)"] + queries.map { q in try searcher.search(.text(q), k: 5).map { "\($0.docid) \($0.score)" }.joined(separator: ",") }
        }
        let old = try answer(try Index(path: idx).searcher())
        let early = try Index(path: idx).searcher()
        let child = try startIndexer(["--collection", more, "--format", "beir", "--index", idx, "--append"])
        defer { if child.isRunning { kill(child.processIdentifier, SIGKILL) } }
        var seen: [[String]] = []
        var errors: [String] = []
        while child.isRunning {
            do {
                seen.append(try answer(try Index(path: idx).searcher()))
                seen.append(try answer(early))
            } catch {
                errors.append("\(error)")
            }
        }
        child.waitUntilExit()
        XCTAssertEqual(child.terminationStatus, 0)
        let new = try answer(try Index(path: idx).searcher())
        XCTAssertEqual(new[0], "40004")
        XCTAssertEqual(errors, [], "searches failed during the append")
        XCTAssertGreaterThan(seen.count, 10, "too few searches overlapped the append to mean anything")
        for s in seen where s != old && s != new { XCTFail("a search saw neither the old nor the new index: \(s)") }
        XCTAssertTrue(seen.contains(old), "no search ran before the append committed")
    }

    /// A second writer while an append holds the index's lock gets a clear error; the first finishes.
    func testSecondWriterIsToldTheIndexIsLocked() throws {
        signal(SIGPIPE, SIG_IGN)
        let dir = try temporaryDirectory(self)
        let idx = try baseIndex(dir)
        let fifo = dir + "/incoming.jsonl"
        XCTAssertEqual(mkfifo(fifo, 0o600), 0)
        let first = try startIndexer(["--collection", fifo, "--format", "beir", "--index", idx, "--append"])
        defer { if first.isRunning { kill(first.processIdentifier, SIGKILL) } }
        // The first append opens its input only once it holds the index.
        let fd = try XCTUnwrap(openWriteEnd(fifo, child: first))
        let more = try FixtureFiles.write("{\"_id\": \"late\", \"text\": \"too late\"}\n", dir + "/late.jsonl")
        assertOneLineError(try index(["--collection", more, "--format", "beir", "--index", idx, "--append"]),
                           ["\(idx): index is locked by another writer"])
        assertOneLineError(try index(["--collection", more, "--format", "beir", "--index", idx, "--overwrite"]), ["index is locked"])
        XCTAssertTrue(writeAll(fd, "{\"_id\": \"early\", \"text\": \"first come\"}\n"))
        close(fd)
        first.waitUntilExit()
        XCTAssertEqual(first.terminationStatus, 0, stderr(of: first))
        XCTAssertEqual(try documentCount(idx), 5)
        XCTAssertTrue(try quarry("doc", "--index", idx, "early").stdout.contains("first come"))
        XCTAssertNotEqual(try quarry("doc", "--index", idx, "late").status, 0)
    }

    func testSharedCACMTarballEndToEnd() throws {
        let dir = try temporaryDirectory(self)
        let idx = dir + "/cacm"
        let r = try index(["--collection", try TestPaths.corpus("cacm/cacm.tar.gz"), "--format", "html", "--index", idx, "--threads", "2"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(try documentCount(idx), 3_204)
        let run = dir + "/cacm.run"
        let q = try quarry("run", "--index", idx, "--topics", try TestPaths.corpus("cacm/topics.cacm.txt"), "--output", run, "--k", "10")
        XCTAssertEqual(q.status, 0, q.stderr)
        let lines = try String(contentsOfFile: run, encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(Set(lines.map { $0.split(separator: " ")[0] }).count, 64)
        XCTAssertTrue(lines.first?.hasPrefix("1 Q0 CACM-") == true, "\(lines.first ?? "")")
    }
}
