import XCTest
@testable import QuarryCore

final class AnalyzerTests: XCTestCase {
    func testLuceneLikeChain() throws {
        let a = try Analyzer(.default)
        // Possessive dropped, stop words removed, Porter stems.
        XCTAssertEqual(a.terms("The bee's stings are painful"), ["bee", "sting", "pain"])
        // Numbers keep inner separators; hyphens split; abbreviations stay whole.
        XCTAssertEqual(a.terms("1,200 kites at 3.5 m/s in the U.S. high-altitude"), ["1,200", "kite", "3.5", "m", "u.", "high", "altitud"])
        XCTAssertEqual(a.terms("café naïve Ångström"), ["café", "naïv", "ångström"])
        XCTAssertEqual(a.terms("日本語"), ["日", "本", "語"])
        XCTAssertEqual(a.terms("... --- !!!"), [])
    }

    func testStemmerAndStopwordChoices() throws {
        XCTAssertEqual(try Analyzer(AnalyzerSettings(stemmer: "none", stopwords: "none")).terms("The Running dogs"), ["the", "running", "dogs"])
        XCTAssertEqual(try Analyzer(AnalyzerSettings(stemmer: "english", stopwords: "lucene")).terms("generously running"), ["generous", "run"])
        XCTAssertEqual(try Analyzer(AnalyzerSettings(stemmer: "porter", stopwords: "lucene")).terms("generously running"), ["gener", "run"])
        XCTAssertThrowsError(try AnalyzerSettings.from(stemmer: "klingon", stopwords: "lucene"))
    }

    func testXapianQuerySyntaxIsPlainText() throws {
        let a = try Analyzer(.default)
        XCTAssertEqual(a.terms("title:glacier AND (ice OR \"snow\") NOT -melt*"), ["title:glaci", "ic", "snow", "melt"])
    }
}
