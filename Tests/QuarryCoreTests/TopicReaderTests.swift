// Topics in each published form, detected from the content, plain and .gz; errors name file and line.
import Foundation
import XCTest
@testable import QuarryCore

final class TopicReaderTests: XCTestCase {
    private func topics(_ text: String, name: String = "topics", field: TopicField = .title, gzip: Bool = false) throws -> [Topic] {
        var path = try FixtureFiles.write(text, try temporaryDirectory(self) + "/" + name)
        if gzip { path = try FixtureFiles.gzip(path) }
        return try TopicReader.read(path, field: field)
    }

    /// Asserts reading `text` fails with one line `FILE:LINE: …` containing `contains`.
    private func assertError(_ text: [UInt8], line: Int, _ contains: String, field: TopicField = .title,
                             file: StaticString = #filePath, sourceLine: UInt = #line) throws {
        let path = try FixtureFiles.write(text, try temporaryDirectory(self) + "/bad-topics")
        XCTAssertThrowsError(try TopicReader.read(path, field: field), file: file, line: sourceLine) { e in
            let message = "\(e)"
            XCTAssertTrue(message.hasPrefix("\(path):\(line): "), message, file: file, line: sourceLine)
            XCTAssertTrue(message.contains(contains), message, file: file, line: sourceLine)
            XCTAssertFalse(message.contains("\n"), message, file: file, line: sourceLine)
        }
    }

    private func assertError(_ text: String, line: Int, _ contains: String, field: TopicField = .title,
                             file: StaticString = #filePath, sourceLine: UInt = #line) throws {
        try assertError(Array(text.utf8), line: line, contains, field: field, file: file, sourceLine: sourceLine)
    }

    func testTSVWithOptionalPipelineColumn() throws {
        let text = "\u{FEFF}1\tdo goldfish grow\r\n\n2\twhat is wifi\t--expander rm3 --set rm3.fbDocs=20\n3\tno pipeline\t \n"
        for gzip in [false, true] {
            let t = try topics(text, name: "topics.tsv", gzip: gzip)
            XCTAssertEqual(t.map(\.id), ["1", "2", "3"])
            XCTAssertEqual(t.map(\.text), ["do goldfish grow", "what is wifi", "no pipeline"])
            XCTAssertEqual(t.map(\.pipeline), [nil, "--expander rm3 --set rm3.fbDocs=20", nil])
        }
    }

    func testTRECTopicsClosedForm() throws {
        let text = """
            <top>
            <num>1</num><title>
            MEASUREMENT OF DIELECTRIC CONSTANT
            </title>
            </top>
            <top>
            <num>2</num><title>waveguide   fed</title>
            </top>
            """
        for gzip in [false, true] {
            let t = try topics(text, gzip: gzip)
            XCTAssertEqual(t, [Topic(id: "1", text: "MEASUREMENT OF DIELECTRIC CONSTANT"), Topic(id: "2", text: "waveguide fed")])
        }
        try assertError(text, line: 1, "topic 1 has no <desc> field", field: .desc)
    }

    private let classic = """
        <top>
        <head> Tipster Topic Description
        <num> Number: 301
        <title> International Organized Crime

        <desc> Description:
        Identify organizations that participate in international
        criminal activity.

        <narr> Narrative:
        A relevant document must as a minimum identify the organization.
        </top>

        <TOP>
        <NUM> Number: 302 </NUM>
        <TITLE> Topic: Poliomyelitis and Post-Polio
        <DESC> Description: Is the disease still a problem?
        <NARR> Narrative: Relevant documents discuss it.
        </TOP>
        """

    func testClassicTRECTopicsAndFields() throws {
        let title = try topics(classic, field: .title)
        XCTAssertEqual(title.map(\.id), ["301", "302"])
        XCTAssertEqual(title.map(\.text), ["International Organized Crime", "Poliomyelitis and Post-Polio"])
        XCTAssertEqual(try topics(classic, field: .desc).map(\.text),
                       ["Identify organizations that participate in international criminal activity.", "Is the disease still a problem?"])
        XCTAssertEqual(try topics(classic, field: .narr).map(\.text),
                       ["A relevant document must as a minimum identify the organization.", "Relevant documents discuss it."])
        XCTAssertEqual(try topics(classic, gzip: true).map(\.text), title.map(\.text))
    }

    func testTRECDocumentStyleTopics() throws {
        let text = """
            <DOC>
            <DOCNO> 1 </DOCNO>


             What articles exist which deal with TSS (Time Sharing System), an
            operating system for IBM computers?

            </DOC>
            <DOC>
            <DOCNO> 2 </DOCNO>
             Prieve, B.
            </DOC>

            """
        for gzip in [false, true] {
            let t = try topics(text, gzip: gzip)
            XCTAssertEqual(t.map(\.id), ["1", "2"])
            XCTAssertEqual(t.first?.text, "What articles exist which deal with TSS (Time Sharing System), an operating system for IBM computers?")
        }
    }

    func testBEIRQueriesJSONL() throws {
        let text = """
            {"_id": "q1", "text": "0-dimensional biomaterials", "metadata": {}}
            {"_id": 2, "text": "with a pipeline", "pipeline": "--expander rm3"}

            {"_id": "q3", "text": "empty pipeline", "pipeline": ""}
            """
        for gzip in [false, true] {
            let t = try topics(text, name: "queries.jsonl", gzip: gzip)
            XCTAssertEqual(t, [Topic(id: "q1", text: "0-dimensional biomaterials"), Topic(id: "2", text: "with a pipeline", pipeline: "--expander rm3"),
                               Topic(id: "q3", text: "empty pipeline")])
        }
    }

    func testMalformedTopicsNameFileAndLine() throws {
        try assertError("1\tfine\n\n2 no tab\n", line: 3, "expected 'qid<TAB>text")
        try assertError("1\tfine\n\t no id\n", line: 2, "empty query id")
        try assertError("1\tone\n2\ttwo\n1\tagain\n", line: 3, "topic id '1' appears twice (first at line 1)")
        try assertError("{\"_id\": \"a\", \"text\": \"x\"}\n{\"_id\": \"b\", \"text\": \n", line: 2, "not a JSON object")
        try assertError("{\"_id\": \"a\", \"text\": \"x\"}\n{\"text\": \"y\"}\n", line: 2, "missing \"_id\"")
        try assertError("{\"_id\": \"a\", \"text\": \"x\"}\n\n{\"_id\": \"b\"}\n", line: 3, "missing \"text\"")
        try assertError("<top>\n<num>1</num><title>a</title>\n</top>\n<top>\n<title>no number</title>\n</top>\n", line: 4, "without <num>")
        try assertError("<top>\n<num>1</num><title>a</title>\n</top>\n\n<top>\n<num>2</num><title>b</title>\n", line: 5, "<top> never closed")
        try assertError("<top>\n<num>1</num><title>a</title>\n<top>\n<num>2</num>\n</top>\n", line: 1, "not closed before the next one at line 3")
        try assertError("<top>\n<num>1</num><title>a</title>\n</top>\nstray\n", line: 4, "text outside")
        try assertError("<DOC>\n<DOCNO>1</DOCNO> a\n</DOC>\n<DOC>\nno number\n</DOC>\n", line: 4, "without <DOCNO>")
        try assertError("<top>\n<num>7</num><title>a</title>\n</top>\n<top>\n<num>7</num><title>b</title>\n</top>\n", line: 4, "appears twice (first at line 1)")
        try assertError(Array("1\tfine\n2\tcaf".utf8) + [0xE9] + Array("\n".utf8), line: 2, "invalid UTF-8")
        // Line numbers count CRLF line ends too.
        try assertError("<top>\r\n<num>1</num><title>a</title>\r\n</top>\r\n<top>\r\n<title>b</title>\r\n</top>\r\n", line: 4, "without <num>")
        let empty = try FixtureFiles.write("\n\n", try temporaryDirectory(self) + "/empty")
        XCTAssertThrowsError(try TopicReader.read(empty)) { XCTAssertTrue("\($0)".contains("no topics found"), "\($0)") }
        XCTAssertThrowsError(try TopicReader.read(empty + ".missing")) { XCTAssertTrue("\($0)".contains("no such file"), "\($0)") }
    }

    func testSharedTopicFiles() throws {
        let vaswani = try TopicReader.read(try TestPaths.corpus("vaswani/query-text.trec"))
        XCTAssertEqual(vaswani.count, 93)
        XCTAssertEqual(vaswani.first, Topic(id: "1", text: "MEASUREMENT OF DIELECTRIC CONSTANT OF LIQUIDS BY THE USE OF MICROWAVE TECHNIQUES"))
        let cacm = try TopicReader.read(try TestPaths.corpus("cacm/topics.cacm.txt"))
        XCTAssertEqual(cacm.count, 64)
        XCTAssertEqual(cacm.first?.id, "1")
        XCTAssertEqual(cacm.first?.text, "What articles exist which deal with TSS (Time Sharing System), an operating system for IBM computers?")
        let scifact = try TopicReader.read(try TestPaths.corpus("scifact/topics.beir-v1.0.0-scifact.test.tsv.gz"))
        XCTAssertEqual(scifact.count, 300)
        XCTAssertEqual(scifact.first?.text, "0-dimensional biomaterials show inductive properties.")
        XCTAssertEqual(try TopicReader.read(try TestPaths.corpus("msmarco-dl19/topics.dl19-passage.txt")).count, 43)
    }
}
