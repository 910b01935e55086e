// Stored text (TextDictionary): a collection large enough trains a zstd dictionary and every document
// reads back exactly; the dictionary does not depend on the thread count; an append compresses with
// the index's dictionary; a small collection stores its text as it is; damaged text is an error.
import Foundation
import XCTest
@testable import QuarryCore

final class StoredTextTests: XCTestCase {
    private func build(_ collection: String, format: CollectionFormat, at path: String, threads: Int = 1) throws {
        var options = IndexOptions(collection: collection, format: format, index: path)
        options.threads = threads
        options.progress = false
        _ = try Indexer.run(options)
    }

    /// Every document of `docs` read back from `index` (docids follow the collection's order).
    private func assertReadsBack(_ docs: [RawDocument], from index: String, firstDocid: UInt32 = 1,
                                 file: StaticString = #filePath, line: UInt = #line) throws {
        let reader = try XapianReader(path: index)
        for (i, doc) in docs.enumerated() {
            let stored = try reader.document(firstDocid + UInt32(i))
            XCTAssertEqual(stored.id, doc.id, file: file, line: line)
            XCTAssertEqual(stored.title, doc.title, "document \(doc.id)", file: file, line: line)
            XCTAssertEqual(stored.text, doc.text, "document \(doc.id)", file: file, line: line)
        }
    }

    func testSciFactTrainsADictionaryReadsBackExactlyAndIsSmaller() throws {
        let corpus = try TestPaths.corpus("scifact/corpus.jsonl.gz")
        let dir = try temporaryDirectory(self)
        try build(corpus, format: .beir, at: dir + "/one")
        let reader = try XapianReader(path: dir + "/one")
        XCTAssertFalse(try reader.metadata(TextDictionary.metadataKey).isEmpty, "5,183 abstracts train a dictionary")
        let docs = try FixtureFiles.documents(.beir, corpus)
        try assertReadsBack(docs, from: dir + "/one")

        // The compressed text is smaller than the text itself by more than a third.
        let raw = docs.reduce(0) { $0 + $1.id.utf8.count + $1.title.utf8.count + $1.text.utf8.count + 2 }
        let stored = try (1...UInt32(docs.count)).reduce(0) { $0 + (try reader.data($1)).count }
        XCTAssertLessThan(Double(stored), 0.65 * Double(raw), "stored \(stored) bytes for \(raw) bytes of text")

        // Two threads: the same dictionary and the same stored bytes.
        try build(corpus, format: .beir, at: dir + "/two", threads: 2)
        let other = try XapianReader(path: dir + "/two")
        XCTAssertEqual(try other.metadata(TextDictionary.metadataKey), try reader.metadata(TextDictionary.metadataKey))
        for did in stride(from: UInt32(1), through: UInt32(docs.count), by: 97) {
            XCTAssertEqual(try other.data(did), try reader.data(did))
        }

        // An append compresses with the index's own dictionary.
        let extra = try FixtureFiles.write("""
            {"_id": "new-1", "title": "Ünïcode títle", "text": "Protein folding, measured twice — and again. 蛋白质"}
            {"_id": "new-2", "title": "", "text": "A second appended abstract about cell biology."}

            """, dir + "/extra.jsonl")
        var append = IndexOptions(collection: extra, format: .beir, index: dir + "/one")
        append.mode = .append
        append.progress = false
        _ = try Indexer.run(append)
        let appended = try FixtureFiles.documents(.beir, extra)
        try assertReadsBack(appended, from: dir + "/one", firstDocid: UInt32(docs.count + 1))
        let bytes = try XapianReader(path: dir + "/one").data(UInt32(docs.count + 2))
        XCTAssertFalse(String(decoding: bytes, as: UTF8.self).contains("cell biology"), "appended text is compressed too")
    }

    func testASmallCollectionStoresItsTextAsItIs() throws {
        let dir = try temporaryDirectory(self)
        let corpus = try FixtureFiles.write("""
            {"_id": "a", "title": "Glaciers", "text": "Glaciers move slowly."}
            {"_id": "b", "title": "", "text": "Bees beat their wings."}

            """, dir + "/small.jsonl")
        try build(corpus, format: .beir, at: dir + "/idx")
        let reader = try XapianReader(path: dir + "/idx")
        XCTAssertEqual(try reader.metadata(TextDictionary.metadataKey), "")
        XCTAssertEqual(String(decoding: try reader.data(1), as: UTF8.self), "a\0Glaciers\0Glaciers move slowly.")
        try assertReadsBack(try FixtureFiles.documents(.beir, corpus), from: dir + "/idx")
    }

    func testDamagedTextIsAnErrorNamingTheDocument() throws {
        let corpus = try TestPaths.corpus("scifact/corpus.jsonl.gz")
        let docs = Array(try FixtureFiles.documents(.beir, corpus).prefix(TextDictionary.sampleDocuments))
        guard let dictionary = TextDictionary.train(on: docs[...]) else { return XCTFail("no dictionary from SciFact") }
        let compressor = TextCompressor(dictionary: dictionary)
        var good = StoredDocument.encode(id: "x1", title: docs[0].title, text: docs[0].text, compressor: compressor)
        let decompressor = TextDecompressor(dictionary: dictionary)
        XCTAssertEqual(try StoredDocument.decode(good, decompressor: decompressor).text, docs[0].text)
        good[good.count / 2] ^= 0xFF
        good.removeLast(3)
        XCTAssertThrowsError(try StoredDocument.decode(good, decompressor: decompressor)) { error in
            XCTAssertTrue("\(error)".contains("'x1'"), "\(error)")
        }
    }
}
