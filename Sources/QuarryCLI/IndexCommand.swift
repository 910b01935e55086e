import ArgumentParser
import Foundation
import QuarryCore

struct IndexCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "index",
        abstract: "Build an index from a collection.",
        discussion: """
        The index is built beside its target (DIR.partial) and appears at DIR only when complete. An \
        interrupted build continues with --resume. --append adds documents to an existing index in one \
        transaction: all of them or, on an error, none.

        --shards N writes a sharded index: DIR/shard-00 … one Xapian database per shard (a document goes \
        to FNV-1a-64 of its id modulo N), with the same analyzer settings, and a Xapian stub file \
        DIR/XAPIANDB, so that --index DIR searches them all as one; each shard can also be served on its \
        own machine by xapian-tcpsrv (docs/multi-machine.md). --resume and --append keep the shards.

        Formats: trec (<DOC><DOCNO>…), beir (JSONL _id/title/text), msmarco (pid<TAB>text), jsonl \
        (Anserini's id/contents), html (a directory or tarball of pages; id = file name), squad (SQuAD \
        JSON; id ARTICLE-PARAGRAPH). Files may be gzip-compressed.

        Example: quarry index --collection corpora/sample/documents.jsonl --format beir --index /tmp/sample

        Sharded: quarry index --collection corpora/sample/documents.jsonl --format beir --index /tmp/sample-sharded --shards 2 --threads 2
        """
    )

    @Option(help: ArgumentHelp("A collection file, or a directory of files of one format.", valueName: "path"))
    var collection: String

    @Option(help: ArgumentHelp("Collection format: \(CollectionFormat.allCases.map(\.rawValue).joined(separator: ", ")).", valueName: "format"))
    var format: String

    @Option(help: ArgumentHelp("Index directory to create.", valueName: "dir"))
    var index: String

    @Option(help: "Analysis threads.")
    var threads: Int = 1

    @Option(help: ArgumentHelp("Write a sharded index of N shards (each with its own writer).", valueName: "N"))
    var shards: Int?

    @Option(help: ArgumentHelp("Stemmer: porter (Lucene's, the default), english (Porter2) or none. --resume and --append use the index's.",
                               valueName: "porter|english|none"))
    var stemmer: String?

    @Option(help: ArgumentHelp("Stop words: lucene (33 words, the default), none, or a file with one word per line.", valueName: "lucene|none|file"))
    var stopwords: String?

    @Option(help: "Documents longer than this many bytes are truncated (counted in a warning).")
    var maxDocBytes: Int = 1 << 20

    @Flag(help: "Continue an interrupted build (DIR.partial) of the same collection.")
    var resume = false

    @Flag(help: "Add the collection to an existing index, in one transaction.")
    var append = false

    @Flag(help: "Replace an existing index (the old one stays until the new one is complete).")
    var overwrite = false

    @Flag(help: "Skip malformed records, counting them, instead of stopping at the first.")
    var skipBad = false

    func validate() throws {
        if [resume, append, overwrite].filter({ $0 }).count > 1 {
            throw ValidationError("--resume, --append and --overwrite exclude each other")
        }
        if threads < 1 { throw ValidationError("--threads must be at least 1") }
        if maxDocBytes < 1 { throw ValidationError("--max-doc-bytes must be at least 1") }
        if let shards, !(1...ShardLayout.maxShards).contains(shards) {
            throw ValidationError("--shards must be from 1 to \(ShardLayout.maxShards)")
        }
    }

    func run() throws {
        guard let fmt = CollectionFormat(rawValue: format) else {
            throw QuarryError("unknown format '\(format)'; valid formats: \(CollectionFormat.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        var options = IndexOptions(collection: collection, format: fmt, index: index)
        options.threads = threads
        options.shards = shards
        options.analyzer = try AnalyzerSettings.from(stemmer: stemmer ?? "porter", stopwords: stopwords ?? "lucene")
        options.analyzerGiven = stemmer != nil || stopwords != nil
        options.maxDocBytes = maxDocBytes
        options.skipBad = skipBad
        options.mode = resume ? .resume : append ? .append : overwrite ? .overwrite : .create
        // Hidden, for tests: commit resume points more often than every 20,000 documents.
        if let every = ProcessInfo.processInfo.environment["QUARRY_COMMIT_EVERY"].flatMap({ Int($0) }), every > 0 {
            options.commitEvery = every
        }
        let report: IndexReport
        do {
            report = try Indexer.run(options)
        } catch {
            throw QuarryError(oneLine(error, mode: options.mode))
        }
        if report.truncated > 0 {
            printError("warning: \(report.truncated) documents longer than \(maxDocBytes) bytes were truncated (the first at \(report.firstTruncated ?? "?"))")
        }
        if report.skippedBad > 0 {
            printError("warning: \(report.skippedBad) malformed records skipped, e.g.:")
            for e in report.badExamples { printError("  \(e)") }
        }
        let rate = report.seconds > 0 ? Double(report.added) / report.seconds : 0
        var line = "indexed \(report.added) documents in \(String(format: "%.1f", report.seconds)) s (\(Int(rate)) docs/s); \(index) holds \(report.totalDocuments)"
        if report.shards > 1 { line += " in \(report.shards) shards" }
        if report.resumedAfter > 0 { line += " (resumed after \(report.resumedAfter) records)" }
        print(line)
    }

    /// The error as the one line `quarry` prints, with what to do about an unfinished build.
    private func oneLine(_ error: Error, mode: IndexOptions.Mode) -> String {
        var message: String
        switch error {
        case let e as BadRecord: message = e.description + " (use --skip-bad to skip such records)"
        case let e as QuarryError: message = e.message
        // Xapian failing to write: a full disk, a quota, an I/O error.
        case let e as XapianError: message = "\(index): cannot write the index: \(e.message)"
        default: message = String(describing: error)
        }
        let writeFailed = error is XapianError
        if mode == .append, writeFailed { message += "; the append was rolled back, the index is as it was" }
        let partial = Indexer.partialPath(index)
        if mode != .append, FileManager.default.fileExists(atPath: partial), !message.contains("interrupted build") {
            message += "; the unfinished index stays at \(partial): \(writeFailed ? "make room" : "fix the input") and add --resume, or remove it"
        }
        return message.split(whereSeparator: \.isNewline).joined(separator: " ")
    }
}
