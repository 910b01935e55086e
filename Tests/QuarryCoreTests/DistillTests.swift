// `quarry distill`: the published question files read as published (quoted TSV, Python answer lists,
// JSONL), teacher text from an OpenAI-compatible server (the fault-injecting one: it echoes the prompt)
// written, resumed after an interruption without asking again, and FiD training records whose passages
// are the BM25 top K, with a held-out split that depends only on the qid and the seed.
import Foundation
import XCTest
@testable import QuarryCore

final class DistillTests: XCTestCase {
    func testQuestionFilesAsPublished() throws {
        let dir = try temporaryDirectory(self)
        // DPR's TSV: CRLF, csv quoting, Python literals with both quote kinds and escapes.
        let tsv = "who got the first nobel prize in physics\t['Wilhelm Conrad Röntgen']\r\n"
            + "\"\"\"What is the \"\"\"\"Bomb Plot\"\"\"\"?\"\"\"\t\"['Hitlerian', \"\"Hitler's health\"\"]\"\r\n"
            + "african countries\t['Algeria', 'Angola \\u200e', 'a\\\\b', 'it\\'s']\r\n"
        let questions = try QuestionReader.read(try FixtureFiles.write(tsv, dir + "/q.tsv"))
        XCTAssertEqual(questions.map(\.id), ["0", "1", "2"])
        XCTAssertEqual(questions[0].answers, ["Wilhelm Conrad Röntgen"])
        XCTAssertEqual(questions[1].text, "\"What is the \"\"Bomb Plot\"\"?\"", "one level of csv unquoting, as Python's csv reader")
        XCTAssertEqual(questions[1].answers, ["Hitlerian", "Hitler's health"])
        XCTAssertEqual(questions[2].answers, ["Algeria", "Angola \u{200E}", "a\\b", "it's"])
        let jsonl = "{\"question\": \"what does jamaican people speak?\", \"answer\": [\"Jamaican Creole English Language\", \"Jamaican English\"]}\n"
        let j = try QuestionReader.read(try FixtureFiles.write(jsonl, dir + "/q.jsonl"))
        XCTAssertEqual(j.first?.answers.count, 2)
        let topics = try QuestionReader.read(try FixtureFiles.write("q7\thow do stars die\n", dir + "/t.tsv"))
        XCTAssertEqual(topics, [Question(id: "q7", text: "how do stars die", answers: [])])
        let bad = try FixtureFiles.write("a question\t['unterminated]\r\n", dir + "/bad.tsv")
        XCTAssertThrowsError(try QuestionReader.read(bad)) { XCTAssertTrue("\($0)".contains("bad.tsv:1"), "\($0)") }
    }

    func testTheSharedQuestionFilesReadWhole() throws {
        // DPR's test sets: NQ 3,610, TriviaQA 11,313, SQuAD 10,570, WebQuestions 2,032 questions.
        for (name, count) in [("nq", 3610), ("trivia", 11313), ("squad", 10570), ("wq", 2032)] {
            let qs = try QuestionReader.read(try TestPaths.corpus("qa-questions/topics.dpr.\(name).test.txt.gz"))
            XCTAssertEqual(qs.count, count, name)
            XCTAssertTrue(qs.allSatisfy { !$0.text.isEmpty && !$0.answers.isEmpty }, name)
        }
    }

    func testTeacherWritesResumesAndChecksItsInput() throws {
        let dir = try temporaryDirectory(self)
        let tsv = (1...5).map { "question number \($0)\t['answer \($0)', 'other']\r\n" }.joined()
        let q = try FixtureFiles.write(tsv, dir + "/q.tsv")
        let out = dir + "/teacher.jsonl"
        func teacher(_ extra: [String], cache: String, mode: String = "ok-teacher") throws -> CommandResult {
            try builtQuarry(["distill", "teacher", "--questions", q, "--prompt", "rationale", "--output", out, "--llm-cache", cache,
                             "--set", "llm.baseURL=\(FaultServer.url(mode))", "--set", "llm.model=m"] + extra)
        }
        let first = try teacher(["--limit", "3"], cache: dir + "/c1")
        XCTAssertEqual(first.status, 0, first.stderr)
        var records = try String(contentsOfFile: out, encoding: .utf8).split(separator: "\n").map {
            try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any]
        }
        XCTAssertEqual(records.map { $0["qid"] as! String }, ["0", "1", "2"])
        let prompt = "You are a professional QA assistant. Given a question and the ground truth answer, you can output the rationale why the ground truth answer is correct. Question: question number 1. Answer: answer 1. Rationale: "
        XCTAssertEqual(records[0]["prompt"] as? String, prompt)
        XCTAssertEqual(records[0]["expansion"] as? String, ("echo: " + prompt).trimmingCharacters(in: .whitespaces))
        XCTAssertEqual(records[0]["answers"] as? [String], ["answer 1", "other"])

        // An interrupted run left one more record and half of another in the partial file.
        let next = "{\"qid\":\"3\",\"query\":\"question number 4\",\"expansion\":\"kept\"}\n{\"qid\":\"4\",\"que"
        try FixtureFiles.write(next, out + ".partial")
        let before = try FaultServer.count("ok-teacher")
        let resumed = try teacher([], cache: dir + "/c2")   // a fresh cache: only skipping avoids requests
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        XCTAssertTrue(resumed.stderr.contains("4 questions already done; 1 to go"), resumed.stderr)
        XCTAssertEqual(try FaultServer.count("ok-teacher") - before, 1, "only the unanswered question is asked")
        records = try String(contentsOfFile: out, encoding: .utf8).split(separator: "\n").map {
            try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any]
        }
        XCTAssertEqual(records.map { $0["qid"] as! String }, ["0", "1", "2", "3", "4"])
        XCTAssertEqual(records[3]["expansion"] as? String, "kept")
        XCTAssertFalse(FileManager.default.fileExists(atPath: out + ".partial"))

        // Failures are reported, exit 3, and leave the answered ones.
        let failing = try builtQuarry(["distill", "teacher", "--questions", q, "--prompt", "cot", "--output", dir + "/f.jsonl",
                                       "--llm-cache", dir + "/c3", "--set", "llm.baseURL=\(FaultServer.url("badrequest"))", "--set", "llm.model=m"])
        XCTAssertEqual(failing.status, 3, failing.stderr)
        XCTAssertTrue(failing.stderr.contains("5 questions failed"), failing.stderr)

        // Bad input: no answers for the rationale prompt, a template without its placeholder, a bad --set.
        let noAnswers = try FixtureFiles.write("q1\twhat is this\n", dir + "/topics.tsv")
        let template = try FixtureFiles.write("Question: {question}\n", dir + "/p.txt")
        for (args, message) in [(["--questions", noAnswers, "--prompt", "rationale"], "has no answer"),
                                (["--questions", q, "--prompt", "rationale", "--prompt-file", template], "{answer}"),
                                (["--questions", q, "--prompt", "cot", "--set", "model=m"], "llm.KEY=VALUE")] {
            let r = try builtQuarry(["distill", "teacher", "--output", dir + "/x.jsonl", "--set", "llm.baseURL=\(FaultServer.url("ok-teacher"))"] + args)
            XCTAssertEqual(r.status, 1, r.stderr)
            XCTAssertTrue(r.stderr.contains(message), r.stderr)
        }
    }

    func testRADCoTDataPairsTeacherTextWithTheTopPassages() throws {
        let dir = try temporaryDirectory(self)
        let docs = TestPaths.sample.appendingPathComponent("documents.jsonl").path
        let index = dir + "/sample"
        XCTAssertEqual(try quarry("index", "--collection", docs, "--format", "beir", "--index", index).status, 0)
        let topics = try String(contentsOfFile: TestPaths.sample.appendingPathComponent("topics.tsv").path, encoding: .utf8)
            .split(separator: "\n").map { $0.split(separator: "\t", maxSplits: 1).map(String.init) }
        let teacher = try FixtureFiles.write(topics.map { t in
            String(decoding: try! JSONSerialization.data(withJSONObject: ["qid": t[0], "query": t[1], "expansion": "because \(t[1])"], options: .sortedKeys), as: UTF8.self)
        }.joined(separator: "\n") + "\n", dir + "/teacher.jsonl")
        let r = try quarry("distill", "radcot-data", "--index", index, "--teacher", teacher, "--passages", "3", "--output", dir + "/train.jsonl",
                           "--heldout", dir + "/held.jsonl", "--heldout-fraction", "0.25", "--seed", "7", "--threads", "2")
        XCTAssertEqual(r.status, 0, r.stderr)
        func records(_ p: String) throws -> [[String: Any]] {
            try String(contentsOfFile: p, encoding: .utf8).split(separator: "\n").map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
        }
        let train = try records(dir + "/train.jsonl"), held = try records(dir + "/held.jsonl")
        XCTAssertEqual(train.count + held.count, topics.count)
        XCTAssertTrue((3...18).contains(held.count), "about a quarter held out: \(held.count)")
        XCTAssertTrue(Set(train.map { $0["qid"] as! String }).isDisjoint(with: held.map { $0["qid"] as! String }))
        // The passages are BM25's top 3, with their stored title and text.
        let bm25 = try quarry("run", "--index", index, "--topics", TestPaths.sample.appendingPathComponent("topics.tsv").path, "--k", "3",
                              "--output", dir + "/bm25.run")
        XCTAssertEqual(bm25.status, 0)
        var top: [String: [String]] = [:]
        for line in try String(contentsOfFile: dir + "/bm25.run", encoding: .utf8).split(separator: "\n") {
            let c = line.split(separator: " ")
            top[String(c[0]), default: []].append(String(c[2]))
        }
        for rec in train + held {
            let ctxs = rec["ctxs"] as! [[String: Any]]
            XCTAssertEqual(ctxs.map { $0["id"] as! String }, top[rec["qid"] as! String])
            XCTAssertEqual(rec["target"] as? String, "because " + (rec["query"] as! String))
            XCTAssertFalse((ctxs[0]["text"] as! String).isEmpty)
        }
        // The split depends on the qid and seed only: the same seed on a shuffled file holds out the same queries.
        let shuffled = try FixtureFiles.write(try String(contentsOfFile: teacher, encoding: .utf8).split(separator: "\n").reversed().joined(separator: "\n") + "\n", dir + "/rev.jsonl")
        XCTAssertEqual(try quarry("distill", "radcot-data", "--index", index, "--teacher", shuffled, "--passages", "1", "--output", dir + "/t2.jsonl",
                                  "--heldout", dir + "/h2.jsonl", "--heldout-fraction", "0.25", "--seed", "7").status, 0)
        XCTAssertEqual(Set(try records(dir + "/h2.jsonl").map { $0["qid"] as! String }), Set(held.map { $0["qid"] as! String }))

        // A teacher file with a missing field or a repeated qid stops before any work.
        for (text, message) in [("{\"qid\":\"1\",\"query\":\"q\"}\n", ":1: field \"expansion\""),
                                ("{\"qid\":\"1\",\"query\":\"q\",\"expansion\":\"e\"}\n{\"qid\":\"1\",\"query\":\"q\",\"expansion\":\"e\"}\n", ":2: qid '1' appears twice")] {
            let bad = try FixtureFiles.write(text, dir + "/bad.jsonl")
            let b = try quarry("distill", "radcot-data", "--index", index, "--teacher", bad, "--output", dir + "/x.jsonl")
            XCTAssertEqual(b.status, 1, b.stderr)
            XCTAssertTrue(b.stderr.contains(message), b.stderr)
            XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/x.jsonl"))
        }
    }

    func testRADIODataTakesThePositiveClosestToTheRationale() throws {
        let dir = try temporaryDirectory(self)
        let docs = TestPaths.sample.appendingPathComponent("documents.jsonl").path
        let index = dir + "/sample"
        XCTAssertEqual(try quarry("index", "--collection", docs, "--format", "beir", "--index", index).status, 0)
        let topics = try FixtureFiles.write("1\thow do stars die\n", dir + "/t.tsv")
        XCTAssertEqual(try quarry("run", "--index", index, "--topics", topics, "--k", "20", "--output", dir + "/bm25.run").status, 0)
        let bm25 = try String(contentsOfFile: dir + "/bm25.run", encoding: .utf8).split(separator: "\n").map { String($0.split(separator: " ")[2]) }
        var text: [String: String] = [:]
        for line in try String(contentsOfFile: docs, encoding: .utf8).split(separator: "\n") {
            let d = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
            text[d["_id"] as! String] = (d["title"] as! String) + " " + (d["text"] as! String)
        }
        // The rationale is the text of BM25's 8th candidate: with α = 1 it must be the positive.
        let target = bm25[7]
        let rationale = String(decoding: try JSONSerialization.data(withJSONObject: ["qid": "1", "query": "how do stars die", "expansion": text[target]!]), as: UTF8.self)
        let file = try FixtureFiles.write(rationale + "\n", dir + "/rationales.jsonl")
        func groups(_ extra: [String]) throws -> [String: Any] {
            let r = try builtQuarry(["distill", "radio-data", "--index", index, "--rationales", file, "--output", dir + "/g.jsonl"] + extra)
            XCTAssertEqual(r.status, 0, r.stderr)
            return try JSONSerialization.jsonObject(with: Data(try String(contentsOfFile: dir + "/g.jsonl", encoding: .utf8).utf8)) as! [String: Any]
        }
        let only = try groups(["--alpha", "1"])
        XCTAssertEqual((only["pos"] as! [String: String])["id"], target)
        XCTAssertEqual((only["pos"] as! [String: String])["text"], text[target])
        let negs = (only["negs"] as! [[String: String]]).map { $0["id"]! }
        XCTAssertEqual(negs.count, 6)
        XCTAssertFalse(negs.contains(target))
        // α = 0: the retrieval order itself; negatives at its ranks 3, 4, 6, 9, 13, 18.
        let retrieval = try groups(["--alpha", "0"])
        XCTAssertEqual((retrieval["pos"] as! [String: String])["id"], bm25[0])
        XCTAssertEqual((retrieval["negs"] as! [[String: String]]).map { $0["id"]! }, [3, 4, 6, 9, 13, 18].map { bm25[$0] })
        // Sampled negatives: from rank 5 on, 4 of them, the same for the same seed.
        let a = try groups(["--alpha", "0", "--negatives-shift", "5", "--negatives-sample", "4", "--seed", "3"])
        let b = try groups(["--alpha", "0", "--negatives-shift", "5", "--negatives-sample", "4", "--seed", "3"])
        let sampled = (a["negs"] as! [[String: String]]).map { $0["id"]! }
        XCTAssertEqual(sampled, (b["negs"] as! [[String: String]]).map { $0["id"]! })
        XCTAssertEqual(Set(sampled).count, 4)
        XCTAssertTrue(Set(sampled).isSubset(of: bm25[5...]))
        let bad = try builtQuarry(["distill", "radio-data", "--index", index, "--rationales", file, "--output", dir + "/x.jsonl", "--negatives", "3,40"])
        XCTAssertEqual(bad.status, 1)
        XCTAssertTrue(bad.stderr.contains("--negatives"), bad.stderr)
    }
}
