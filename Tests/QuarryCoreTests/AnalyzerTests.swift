import XCTest
@testable import QuarryCore

/// Every expected output below is what Anserini 0.21's DefaultEnglishAnalyzer (Lucene 9.4.2 StandardTokenizer,
/// EnglishPossessiveFilter, LowerCaseFilter, the 33 stop words, PorterStemFilter) produces for the same text.
final class AnalyzerTests: XCTestCase {
    func testLuceneLikeChain() throws {
        let a = try Analyzer(.default)
        // Possessive dropped, stop words removed, Porter stems.
        XCTAssertEqual(a.terms("The bee's stings are painful"), ["bee", "sting", "pain"])
        // Numbers keep inner separators; hyphens and slashes split; "U.S." loses the final dot, then Porter takes
        // the "s" ("u."); a lone "s" stays.
        XCTAssertEqual(a.terms("1,200 kites at 3.5 m/s in the U.S. high-altitude"), ["1,200", "kite", "3.5", "m", "s", "u.", "high", "altitud"])
        XCTAssertEqual(a.terms("café naïve Ångström"), ["café", "naïv", "ångström"])
        XCTAssertEqual(a.terms("日本語"), ["日", "本", "語"])
        XCTAssertEqual(a.terms("... --- !!!"), [])
    }

    /// Lucene's PorterStemmer is Porter's reference implementation, not Snowball's "porter": short words stay,
    /// "logi" → "log" and "bli" → "ble" (Xapian's porter gave "technologi", "possibli", "u", "v" and dropped "s").
    func testPorterAsLucene() throws {
        let a = try Analyzer(.default)
        XCTAssertEqual(a.terms("technology technological anthropology anthropological possibly assembly incredibly"),
                       ["technolog", "technolog", "anthropolog", "anthropolog", "possibl", "assembl", "incred"])
        XCTAssertEqual(a.terms("us vs U.S. is s Ms. Rs"), ["us", "vs", "u.", "s", "ms", "rs"])
        XCTAssertEqual(a.terms("generalizations hopefulness relational conditional feudalism"),
                       ["gener", "hope", "relat", "condit", "feudal"])
        XCTAssertEqual(a.terms("caresses ponies ties caress cats feed agreed plastered motoring sing conflated troubled sized hopping tanned falling hissing fizzed failing filing happy sky"),
                       ["caress", "poni", "ti", "caress", "cat", "feed", "agre", "plaster", "motor", "sing", "conflat", "troubl", "size", "hop", "tan", "fall", "hiss", "fizz", "fail", "file", "happi", "sky"])
        var porter = PorterStemmer()
        XCTAssertEqual(porter.stem("ab"), "ab")
        XCTAssertEqual(porter.stem("ies"), "i")
        XCTAssertEqual(porter.stem("électricité"), "électricité")
    }

    /// MS MARCO's mojibake ("â\u{80}\u{99}" for ’) splits a word; Lucene keeps the lone "s".
    func testMojibakeAndApostrophes() throws {
        let a = try Analyzer(.default)
        XCTAssertEqual(a.terms("Thatâ\u{80}\u{99}s two-thirds; McDonaldâ\u{80}\u{99}s cheeseburger"),
                       ["thatâ", "s", "two", "third", "mcdonaldâ", "s", "cheeseburg"])
        XCTAssertEqual(a.terms("Bob’s BOB'S dogs' cat＇s"), ["bob", "bob", "dog", "cat"])
        XCTAssertEqual(a.terms("O'Neil's rock'n'roll don't"), ["o'neil", "rock'n'rol", "don't"])
    }

    /// A run of '_' alone is no token (a fill-in-the-blank "_____" used to match as a rare term).
    func testUnderscores() throws {
        let a = try Analyzer(.default)
        XCTAssertEqual(a.terms("tracheids are part of _____."), ["tracheid", "part"])
        XCTAssertEqual(a.terms("__init__ snake_case trailing_ _leading ___"), ["__init__", "snake_cas", "trailing_", "_lead"])
    }

    func testNumbersURLsAndHyphens() throws {
        let a = try Analyzer(.default)
        XCTAssertEqual(a.terms("1,200.50 3.14.15 v2.0 a1.b2 1a.b x.1 192.168.0.1"),
                       ["1,200.50", "3.14.15", "v2.0", "a1", "b2", "1a.b", "x", "1", "192.168.0.1"])
        XCTAssertEqual(a.terms("http://www.example.com/path?q=1 john.doe@mail.com"),
                       ["http", "www.example.com", "path", "q", "1", "john.do", "mail.com"])
        XCTAssertEqual(a.terms("e-mail co-operate well-being"), ["e", "mail", "co", "oper", "well", "be"])
        // A zero-width space separates; a narrow no-break space joins like '_'.
        XCTAssertEqual(a.terms("ab\u{200B}cd 10\u{202F}000"), ["ab", "cd", "10\u{202F}000"])
    }

    /// ©, ® and ™ are emoji to Lucene, and emoji sequences are single tokens.
    func testEmojiAndSymbols() throws {
        let a = try Analyzer(.default)
        XCTAssertEqual(a.terms("© 2019 Acme® Widgets™ #1"), ["©", "2019", "acm", "®", "widget", "™", "1"])
        XCTAssertEqual(a.terms("I ❤️ NY 👍🏽 👨‍👩‍👧 🇺🇸 #️⃣ 5️⃣"),
                       ["i", "❤️", "ny", "👍🏽", "👨‍👩‍👧", "🇺🇸", "#️⃣", "5️⃣"])
        XCTAssertEqual(a.terms("ℹ️ info ab🏻cd ★ ☺"), ["ℹ️", "info", "ab🏻cd", "★", "☺"])
    }

    func testScripts() throws {
        let a = try Analyzer(.default)
        // Thai and Lao runs stay whole; ideographs and hiragana are one token each; katakana runs stay whole.
        XCTAssertEqual(a.terms("ภาษาไทย ລາວ"), ["ภาษาไทย", "ລາວ"])
        XCTAssertEqual(a.terms("日本語のテキスト カタカナ ひらがな"), ["日", "本", "語", "の", "テキスト", "カタカナ", "ひ", "ら", "が", "な"])
        // Lowercasing is per character, as Java's Character.toLowerCase: no final sigma, İ → i.
        XCTAssertEqual(a.terms("ΟΔΟΣ İstanbul STRASSE"), ["οδοσ", "istanbul", "strass"])
        // Hebrew letters take a following quote (geresh, gershayim written with ASCII quotes).
        XCTAssertEqual(a.terms("צה\"ל ג'ירפה א'"), ["צה\"ל", "ג'ירפה", "א'"])
        // Letters assigned after Unicode 9.0 (Lucene's tables) are not letters to Lucene.
        XCTAssertEqual(a.terms("ab\u{1DF00}cd"), ["ab", "cd"])
    }

    /// Canonically equivalent spellings stay distinct terms (Swift's String equality would merge them).
    func testNoCanonicalMerging() throws {
        let a = try Analyzer(.default)
        XCTAssertEqual(a.terms("caf\u{E9} cafe\u{301}").map { Array($0.unicodeScalars) },
                       [Array("caf\u{E9}".unicodeScalars), Array("cafe\u{301}".unicodeScalars)])
    }

    /// StandardTokenizer cuts a token at 255 UTF-16 code units and goes on with the rest; terms too long for
    /// Xapian (over 240 bytes) are dropped.
    func testLongTokens() throws {
        var tokens: [Substring] = []
        Tokenizer.tokenize(String(repeating: "a", count: 300), into: &tokens)
        XCTAssertEqual(tokens.map(\.count), [255, 45])
        tokens = []
        Tokenizer.tokenize(String(repeating: "a", count: 254) + ".bccccc", into: &tokens)
        XCTAssertEqual(tokens.map(\.count), [254, 6])
        tokens = []
        Tokenizer.tokenize(String(repeating: "a", count: 254) + "\u{1D400}b", into: &tokens)
        XCTAssertEqual(tokens.map { $0.utf16.count }, [254, 3])
        let a = try Analyzer(.default)
        XCTAssertEqual(a.terms(String(repeating: "x", count: 300)), [String(repeating: "x", count: 45)])
    }

    func testStemmerAndStopwordChoices() throws {
        XCTAssertEqual(try Analyzer(AnalyzerSettings(stemmer: "none", stopwords: "none")).terms("The Running dogs"), ["the", "running", "dogs"])
        XCTAssertEqual(try Analyzer(AnalyzerSettings(stemmer: "english", stopwords: "lucene")).terms("generously running"), ["generous", "run"])
        XCTAssertEqual(try Analyzer(AnalyzerSettings(stemmer: "porter", stopwords: "lucene")).terms("generously running"), ["gener", "run"])
        XCTAssertThrowsError(try AnalyzerSettings.from(stemmer: "klingon", stopwords: "lucene"))
    }

    /// Settings saved by an index built before the Lucene-exact analyzer decode as revision 1, which is refused.
    func testOlderAnalyzerRevisionIsRefused() throws {
        let old = #"{"stemmer":"porter","stopwords":"lucene","stopwordList":["a","the"]}"#
        let settings = try JSONDecoder().decode(AnalyzerSettings.self, from: Data(old.utf8))
        XCTAssertEqual(settings.revision, 1)
        XCTAssertThrowsError(try Analyzer(settings))
        let current = try JSONDecoder().decode(AnalyzerSettings.self, from: try JSONEncoder().encode(AnalyzerSettings.default))
        XCTAssertEqual(current, .default)
        XCTAssertNoThrow(try Analyzer(current))
    }

    func testXapianQuerySyntaxIsPlainText() throws {
        let a = try Analyzer(.default)
        XCTAssertEqual(a.terms("title:glacier AND (ice OR \"snow\") NOT -melt*"), ["title:glaci", "ic", "snow", "melt"])
    }
}
