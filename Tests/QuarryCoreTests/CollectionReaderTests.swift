// Collection readers on small fixtures (plain, .gz, directories, tarballs), their malformed-record
// reports, and the shared collections end to end.
import Foundation
import XCTest
@testable import QuarryCore

/// The `quarry` built beside this test executable. (TestPaths.quarry looks one directory too high
/// on Linux and falls back to the checkout's .build, which may hold another build.)
final class CollectionReaderTests: XCTestCase {
    /// Asserts the reader gives the same documents for `path` and its gzipped copy, and returns them.
    private func plainAndGzip(_ format: CollectionFormat, _ path: String, file: StaticString = #filePath, line: UInt = #line) throws -> [RawDocument] {
        let plain = try FixtureFiles.documents(format, path)
        let gz = try FixtureFiles.documents(format, try FixtureFiles.gzip(path))
        XCTAssertEqual(plain.map(\.id), gz.map(\.id), file: file, line: line)
        XCTAssertEqual(plain.map(\.text), gz.map(\.text), file: file, line: line)
        XCTAssertEqual(plain.map(\.title), gz.map(\.title), file: file, line: line)
        return plain
    }

    func testTRECDocumentsWithAndWithoutTextTags() throws {
        let dir = try temporaryDirectory(self)
        let path = try FixtureFiles.write("""
            <DOC>
            <DOCNO> FT-1 </DOCNO>
            <HEADLINE>Glaciers &amp; ice</HEADLINE>
            <DATE>1990</DATE>
            <TEXT>
            Glaciers <B>move</B> slowly.
            </TEXT>
            <TEXT>Second part.</TEXT>
            </DOC>
            <DOC>
            <DOCNO>2</DOCNO>
            bare text as in Vaswani
            on two lines
            </DOC>

            <DOC><DOCNO>3</DOCNO>one line</DOC>
            <DOC><DOCNO>4</DOCNO>four</DOC><DOC><DOCNO>5</DOCNO>five</DOC>
            """, dir + "/c.trec")
        let docs = try plainAndGzip(.trec, path)
        XCTAssertEqual(docs.map(\.id), ["FT-1", "2", "3", "4", "5"])
        XCTAssertEqual(docs[0].title, "Glaciers & ice")
        XCTAssertEqual(docs[0].text.split(whereSeparator: \.isWhitespace), ["Glaciers", "move", "slowly.", "Second", "part."])
        XCTAssertEqual(docs[1].title, "")
        XCTAssertEqual(docs[1].text.split(whereSeparator: \.isWhitespace).joined(separator: " "), "bare text as in Vaswani on two lines")
        XCTAssertEqual(docs[2].text, "one line")
        XCTAssertEqual(docs[4].text, "five")
        XCTAssertEqual(docs.map(\.line), [1, 10, 16, 17, 17])
        XCTAssertEqual(try FixtureFiles.bad(.trec, path).count, 0)
    }

    func testTRECMalformedRecordsNameTheirLines() throws {
        let dir = try temporaryDirectory(self)
        var bytes = Array("""
            <DOC>
            <DOCNO>1</DOCNO>
            never closed
            <DOC>
            <DOCNO>2</DOCNO>
            fine
            </DOC>
            stray text
            <DOC>
            no docno here
            </DOC>
            <DOC>
            <DOCNO>4</DOCNO>

            """.utf8)
        bytes += [0x62, 0x61, 0xFF, 0x64, 0x0A]  // "ba\xFFd"
        bytes += Array("</DOC>\n<DOC>\n<DOCNO>5</DOCNO>\nlast one is never closed\n".utf8)
        let path = try FixtureFiles.write(bytes, dir + "/bad.trec")
        XCTAssertEqual(try FixtureFiles.documents(.trec, path).map(\.id), ["2"])
        let bad = try FixtureFiles.bad(.trec, path)
        XCTAssertEqual(bad.map(\.line), [1, 8, 9, 12, 16])
        XCTAssertTrue(bad.allSatisfy { $0.file == path })
        XCTAssertTrue(bad[0].reason.contains("not closed before the next <DOC> at line 4"), bad[0].reason)
        XCTAssertTrue(bad[1].reason.contains("outside"), bad[1].reason)
        XCTAssertTrue(bad[2].reason.contains("<DOCNO>"), bad[2].reason)
        XCTAssertTrue(bad[3].reason.contains("invalid UTF-8 at line 14"), bad[3].reason)
        XCTAssertTrue(bad[4].reason.contains("never closed"), bad[4].reason)
        XCTAssertEqual(bad[0].description, "\(path):1: <DOC> not closed before the next <DOC> at line 4")
    }

    func testBEIRAndAnseriniJSONLines() throws {
        let dir = try temporaryDirectory(self)
        let beir = try FixtureFiles.write("""
            {"_id": "d1", "title": "Glaciers", "text": "Ice moves.", "metadata": {}}

            {"_id": 7, "text": "numeric id, no title"}
            {"_id": "d3", "title": "only a title"}
            """, dir + "/corpus.jsonl")
        let docs = try plainAndGzip(.beir, beir)
        XCTAssertEqual(docs.map(\.id), ["d1", "7", "d3"])
        XCTAssertEqual(docs.map(\.title), ["Glaciers", "", "only a title"])
        XCTAssertEqual(docs.map(\.text), ["Ice moves.", "numeric id, no title", ""])
        XCTAssertEqual(docs.map(\.line), [1, 3, 4])

        let anserini = try FixtureFiles.write("""
            {"id": "a", "contents": "first"}
            {"id": "b", "contents": "second"}
            """, dir + "/docs.jsonl")
        let adocs = try plainAndGzip(.jsonl, anserini)
        XCTAssertEqual(adocs.map(\.id), ["a", "b"])
        XCTAssertEqual(adocs.map(\.text), ["first", "second"])
    }

    func testJSONLinesMalformedRecords() throws {
        let dir = try temporaryDirectory(self)
        var bytes = Array("""
            {"_id": "ok", "text": "fine"}
            {"_id": "broken", "text": "no closing brace"
            ["an", "array"]
            {"title": "no id", "text": "x"}
            {"_id": "", "text": "empty id"}
            {"_id": "t", "text": 42}

            """.utf8)
        bytes += Array(#"{"_id": "u", "text": "caf"#.utf8) + [0xE9] + Array("\"}\n".utf8)
        let path = try FixtureFiles.write(bytes, dir + "/bad.jsonl")
        XCTAssertEqual(try FixtureFiles.documents(.beir, path).map(\.id), ["ok"])
        let bad = try FixtureFiles.bad(.beir, path)
        XCTAssertEqual(bad.map(\.line), [2, 3, 4, 5, 6, 7])
        XCTAssertEqual(bad.map(\.reason), ["not a JSON object", "not a JSON object", "missing or empty \"_id\"",
                                           "missing or empty \"_id\"", "\"text\" is not a string", "invalid UTF-8"])
    }

    func testMSMARCOPassages() throws {
        let dir = try temporaryDirectory(self)
        let path = try FixtureFiles.write("0\tThe presence of communication\r\n1\tsecond\tpassage with a tab\n\nno tab here\n\tempty id\n", dir + "/collection.tsv")
        let docs = try plainAndGzip(.msmarco, path)
        XCTAssertEqual(docs.map(\.id), ["0", "1"])
        XCTAssertEqual(docs.map(\.text), ["The presence of communication", "second\tpassage with a tab"])
        let bad = try FixtureFiles.bad(.msmarco, path)
        XCTAssertEqual(bad.map(\.line), [4, 5])
    }

    private func writeHTMLPages(_ dir: String) throws {
        try FixtureFiles.write("""
            <!DOCTYPE html><html><head><title>Caf&eacute; &amp; Bar</title>
            <style>body { color: red }</style><script>var x = "<b>hidden</b>";</script></head>
            <body><h1>Hello</h1><p>Fish&nbsp;&amp;&#32;chips &lt;tag&gt; &#x263A; &unknown;</p></body></html>
            """, dir + "/page-1.html")
        try FixtureFiles.write("<html><body>second <i>page</i></body></html>", dir + "/PAGE2.HTM")
        try FixtureFiles.write("not a page", dir + "/notes.txt")
        try FixtureFiles.write("<p>in a subdirectory</p>", dir + "/sub/page3.xhtml")
    }

    private func checkHTMLPages(_ docs: [RawDocument], file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(docs.map(\.id), ["PAGE2", "page-1", "page3"], file: file, line: line)
        guard docs.count == 3 else { return }
        XCTAssertEqual(docs[1].title, "Café & Bar", file: file, line: line)
        let words = docs[1].text.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        XCTAssertEqual(words, "Hello Fish & chips <tag> ☺ &unknown;", file: file, line: line)
        XCTAssertEqual(docs[0].text.split(whereSeparator: \.isWhitespace), ["second", "page"], file: file, line: line)
        XCTAssertEqual(docs[2].text.trimmingCharacters(in: .whitespaces), "in a subdirectory", file: file, line: line)
    }

    func testHTMLDirectory() throws {
        let dir = try temporaryDirectory(self) + "/pages"
        try writeHTMLPages(dir)
        checkHTMLPages(try FixtureFiles.documents(.html, dir))
        // A gzipped page is read through.
        try FixtureFiles.gzip(dir + "/PAGE2.HTM")
        try FileManager.default.removeItem(atPath: dir + "/PAGE2.HTM")
        checkHTMLPages(try FixtureFiles.documents(.html, dir))
    }

    func testLessThanSignsThatOpenNoTagStayText() {
        // As CACM-2189: "1 <= E[k]" must not swallow the rest of the page.
        XCTAssertEqual(HTMLText.text("<pre>for 1 <= E[k] and a < b, <b>bold</b> end</pre>"),
                       " for 1 <= E[k] and a < b,  bold  end ")
        XCTAssertEqual(HTMLText.text("x<!-- note -->y</p>z"), "x y z")
    }

    func testHTMLTarballs() throws {
        let tmp = try temporaryDirectory(self)
        let dir = tmp + "/pages"
        try writeHTMLPages(dir)
        let members = ["PAGE2.HTM", "notes.txt", "page-1.html", "sub"]
        checkHTMLPages(try FixtureFiles.documents(.html, try FixtureFiles.tar(tmp + "/pages.tar.gz", from: dir, members)))
        checkHTMLPages(try FixtureFiles.documents(.html, try FixtureFiles.tar(tmp + "/pages.tar", from: dir, members)))
        checkHTMLPages(try FixtureFiles.documents(.html, try FixtureFiles.tar(tmp + "/pax.tgz", from: dir, members, extra: ["--format=pax"])))
        // Names past ustar's 100 bytes: GNU long-name and pax headers.
        let long = String(repeating: "d", count: 120)
        try FixtureFiles.write("<p>deep</p>", "\(dir)/\(long)/\(long).html")
        for (name, extra) in [("gnu.tar", ["--format=gnu"]), ("pax.tar", ["--format=pax"])] {
            let docs = try FixtureFiles.documents(.html, try FixtureFiles.tar("\(tmp)/\(name)", from: dir, [long], extra: extra))
            XCTAssertEqual(docs.map(\.id), [long], name)
            XCTAssertEqual(docs.first?.file, "\(tmp)/\(name)[\(long)/\(long).html]", name)
        }
        // A directory holding a tarball reads the tarball.
        let holder = tmp + "/holder"
        try FileManager.default.createDirectory(atPath: holder, withIntermediateDirectories: true)
        try FileManager.default.moveItem(atPath: tmp + "/pages.tar.gz", toPath: holder + "/pages.tar.gz")
        checkHTMLPages(try FixtureFiles.documents(.html, holder))
    }

    private let squad = """
        {"version": "1.1", "data": [
          {"title": "Super_Bowl_50", "paragraphs": [
            {"context": "Super Bowl 50 was an American football game.", "qas": [{"id": "q1", "question": "Which game?", "answers": [{"text": "Super Bowl 50", "answer_start": 0}]}]},
            {"context": "The game was played on February 7, 2016 \\u2013 \\"in\\" [Santa Clara]{}.", "qas": []}
          ]},
          {"title": "Warsaw", "paragraphs": [{"context": "Warsaw is the capital of Poland.", "qas": []}]}
        ], "extra": {"nested": [1, 2, {"x": null}]}, "n": -1.5e3}
        """

    func testSQuADParagraphsAreDocuments() throws {
        let dir = try temporaryDirectory(self)
        let path = try FixtureFiles.write(squad, dir + "/dev.json")
        let docs = try plainAndGzip(.squad, path)
        XCTAssertEqual(docs.map(\.id), ["0-0", "0-1", "1-0"])
        XCTAssertEqual(docs.map(\.title), ["Super Bowl 50", "Super Bowl 50", "Warsaw"])
        XCTAssertEqual(docs[1].text, "The game was played on February 7, 2016 \u{2013} \"in\" [Santa Clara]{}.")
        XCTAssertEqual(docs.map(\.line), [2, 2, 6])
        // On one line, as SQuAD ships.
        let flat = try FixtureFiles.write(squad.replacingOccurrences(of: "\n", with: " "), dir + "/flat.json")
        XCTAssertEqual(try FixtureFiles.documents(.squad, flat).map(\.text), docs.map(\.text))
    }

    func testSQuADMalformed() throws {
        let dir = try temporaryDirectory(self)
        let bad = try FixtureFiles.write("""
            {"data": [
              {"title": "A", "paragraphs": [{"context": "fine"}, {"qas": []}, 5]},
              {"title": "B"},
              "not an article",
              {"title": "C", "paragraphs": [{"context": "also fine"}]}
            ]}
            """, dir + "/bad.json")
        XCTAssertEqual(try FixtureFiles.documents(.squad, bad).map(\.id), ["0-0", "3-0"])
        let reports = try FixtureFiles.bad(.squad, bad)
        XCTAssertEqual(reports.map(\.line), [2, 2, 3, 4])
        XCTAssertEqual(reports.map(\.reason), ["data[0].paragraphs[1]: paragraph without a \"context\" string",
                                               "data[0].paragraphs[2]: paragraph without a \"context\" string",
                                               "data[1]: article without a \"paragraphs\" array", "data[2]: not a JSON object"])
        // Structural damage stops the read with the line it is on.
        let cases: [(String, String)] = [
            ("{\"data\": [\n{\"title\": \"A\", \"paragraphs\": [{\"context\": \"cut", ":2: malformed JSON: unexpected end of file"),
            ("[1, 2]", ":1: not SQuAD JSON"),
            ("{\"version\": \"1.1\"}", ":1: not SQuAD JSON (no \"data\" array)"),
            ("{\"data\": [{}]\n\n x}", ":3: malformed JSON: expected ',' or '}', found 'x'"),
            ("{\"data\": [] } trailing", ":1: malformed JSON: text after the end"),
        ]
        for (i, (text, expected)) in cases.enumerated() {
            let p = try FixtureFiles.write(text, "\(dir)/damaged\(i).json")
            XCTAssertThrowsError(try FixtureFiles.records(.squad, p), text) { e in
                XCTAssertTrue("\(e)".hasPrefix(p + expected), "\(e)")
            }
        }
    }

    func testDirectoryOfFilesInSortedOrder() throws {
        let dir = try temporaryDirectory(self) + "/parts"
        try FixtureFiles.write("{\"id\": \"b1\", \"contents\": \"x\"}\n", dir + "/b.jsonl")
        try FixtureFiles.write("{\"id\": \"a1\", \"contents\": \"x\"}\n{\"id\": \"a2\", \"contents\": \"x\"}\n", dir + "/a.jsonl")
        try FixtureFiles.write("{\"id\": \"c1\", \"contents\": \"x\"}\n", dir + "/sub/c.jsonl")
        try FixtureFiles.gzip(dir + "/sub/c.jsonl")
        try FileManager.default.removeItem(atPath: dir + "/sub/c.jsonl")
        try FixtureFiles.write("{\"id\": \"hidden\", \"contents\": \"x\"}\n", dir + "/.hidden.jsonl")
        let docs = try FixtureFiles.documents(.jsonl, dir)
        XCTAssertEqual(docs.map(\.id), ["a1", "a2", "b1", "c1"])
        XCTAssertEqual(docs.map(\.location), ["\(dir)/a.jsonl:1", "\(dir)/a.jsonl:2", "\(dir)/b.jsonl:1", "\(dir)/sub/c.jsonl.gz:1"])

        let empty = try temporaryDirectory(self) + "/empty"
        try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: true)
        XCTAssertThrowsError(try FixtureFiles.records(.jsonl, empty)) { XCTAssertTrue("\($0)".contains("holds no files"), "\($0)") }
        XCTAssertThrowsError(try FixtureFiles.records(.jsonl, empty + "/missing")) { XCTAssertTrue("\($0)".contains("no such file"), "\($0)") }
        // A damaged gzip file is an error naming it.
        let damaged = try FixtureFiles.write([0x1F, 0x8B, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0xFF, 0xFF, 0xFF], empty + "/d.jsonl.gz")
        XCTAssertThrowsError(try FixtureFiles.records(.jsonl, damaged)) { XCTAssertTrue("\($0)".hasPrefix(damaged), "\($0)") }
    }

    func testLongLinesAndOneCharacterNames() throws {
        let dir = try temporaryDirectory(self)
        // A line far longer than the read buffer, and a file whose name is one character.
        let long = String(repeating: "word ", count: 200_000)
        let path = try FixtureFiles.write("1\t\(long)\n2\tshort\n", dir + "/x")
        let docs = try FixtureFiles.documents(.msmarco, path)
        XCTAssertEqual(docs.map(\.id), ["1", "2"])
        XCTAssertEqual(docs.first?.text.utf8.count, long.utf8.count)
        XCTAssertEqual(PathName.last("x"), "x")
        XCTAssertEqual(PathName.parent("x"), "")
        XCTAssertEqual(PathName.parent("/x"), "/")
        XCTAssertEqual(PathName.parent("a/b/"), "a")
        XCTAssertEqual(PathName.last("a/b.html"), "b.html")
    }

    func testSharedCollectionsReadEndToEnd() throws {
        let vaswani = try FixtureFiles.records(.trec, try TestPaths.corpus("vaswani/doc-text.trec"))
        XCTAssertEqual(vaswani.count, 11_429)
        XCTAssertEqual(vaswani.filter { (try? $0.get()) == nil }.count, 0)
        XCTAssertEqual(try vaswani.first?.get().id, "1")

        let cacm = try FixtureFiles.documents(.html, try TestPaths.corpus("cacm/cacm.tar.gz"))
        XCTAssertEqual(cacm.count, 3_204)
        XCTAssertEqual(cacm.first?.id, "CACM-0001")
        XCTAssertTrue(cacm.first?.text.contains("Preliminary Report-International Algebraic Language") == true)
        XCTAssertFalse(cacm.contains { $0.text.contains("<pre>") })

        let squad = try FixtureFiles.records(.squad, try TestPaths.corpus("squad/dev-v1.1.json.gz"))
        XCTAssertEqual(squad.count, 2_067)
        let docs = squad.compactMap { try? $0.get() }
        XCTAssertEqual(docs.count, 2_067)
        XCTAssertEqual(docs.first?.id, "0-0")
        XCTAssertEqual(docs.first?.title, "Super Bowl 50")
        XCTAssertEqual(Set(docs.map(\.id)).count, 2_067)
    }
}
