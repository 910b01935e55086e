// Builds an index from a collection. A new index is written beside its target (`DIR.partial`) and
// renamed into place only when complete; commits along the way record how far the build got, so an
// interrupted build resumes. Appends run in one Xapian transaction: all of the input or none of it.
import Foundation

public struct IndexOptions: Sendable {
    public enum Mode: Sendable { case create, resume, append, overwrite }
    public var collection: String
    public var format: CollectionFormat
    public var index: String
    public var threads: Int = 1
    public var analyzer: AnalyzerSettings = .default
    public var maxDocBytes: Int = 1 << 20
    public var mode: Mode = .create
    public var skipBad: Bool = false
    /// Documents between commits of a new index (each commit is a resume point).
    public var commitEvery: Int = 20_000
    public var progress: Bool = isatty(2) != 0

    public init(collection: String, format: CollectionFormat, index: String) {
        self.collection = collection
        self.format = format
        self.index = index
    }
}

public struct IndexReport: Sendable {
    public var added = 0
    public var skippedBad = 0
    public var truncated = 0
    public var resumedAfter = 0
    public var seconds = 0.0
    public var totalDocuments = 0
    public var badExamples: [String] = []
}

public enum Indexer {
    public static func partialPath(_ index: String) -> String {
        (index.hasSuffix("/") ? String(index.dropLast()) : index) + ".partial"
    }

    public static func run(_ options: IndexOptions) throws -> IndexReport {
        let fm = FileManager.default
        let target = options.index.hasSuffix("/") ? String(options.index.dropLast()) : options.index
        let partial = partialPath(target)
        let started = Date()
        var report = IndexReport()

        switch options.mode {
        case .create, .overwrite:
            if options.mode == .create, fm.fileExists(atPath: target) {
                throw QuarryError("\(target): index already exists (use --append to add to it, or --overwrite to replace it)")
            }
            if fm.fileExists(atPath: partial) {
                if options.mode == .overwrite { try fm.removeItem(atPath: partial) } else {
                    throw QuarryError("\(partial): an interrupted build is there; finish it with --resume or remove it")
                }
            }
            let parent = (target as NSString).deletingLastPathComponent
            if !parent.isEmpty, !fm.fileExists(atPath: parent) {
                try fm.createDirectory(atPath: parent, withIntermediateDirectories: true)
            }
            let writer = try XapianWriter(path: partial, create: true)
            var meta = IndexMetadata(analyzer: options.analyzer, created: IndexMetadata.now(), updated: IndexMetadata.now(),
                                     inputs: [.init(collection: options.collection, format: options.format, documents: 0, skipped: 0)],
                                     maxDocBytes: options.maxDocBytes, complete: false, recordsDone: 0)
            try writer.setMetadata(IndexMetadata.key, try meta.encoded())
            try writer.commit()
            try feed(options, writer: writer, meta: &meta, skipRecords: 0, checkExisting: false, report: &report)
            try finishBuild(writer: writer, meta: &meta, partial: partial, target: target, replace: options.mode == .overwrite)
        case .resume:
            guard fm.fileExists(atPath: partial) else {
                if fm.fileExists(atPath: target) { throw QuarryError("\(target): index is complete; nothing to resume") }
                throw QuarryError("\(partial): no interrupted build to resume")
            }
            let writer = try XapianWriter(path: partial, create: false)
            var meta = try IndexMetadata.decode(try writer.metadata(IndexMetadata.key), index: partial)
            guard let input = meta.inputs.last, input.format == options.format,
                  (input.collection as NSString).standardizingPath == (options.collection as NSString).standardizingPath else {
                throw QuarryError("\(partial): was started from \(meta.inputs.last.map { "\($0.collection) (\($0.format.rawValue))" } ?? "another input"); resume with the same --collection and --format")
            }
            report.resumedAfter = meta.recordsDone
            try feed(options, writer: writer, meta: &meta, skipRecords: meta.recordsDone, checkExisting: false, report: &report)
            try finishBuild(writer: writer, meta: &meta, partial: partial, target: target, replace: false)
        case .append:
            guard fm.fileExists(atPath: target) else { throw QuarryError("\(target): no index to append to") }
            let writer = try XapianWriter(path: target, create: false)
            var meta = try IndexMetadata.decode(try writer.metadata(IndexMetadata.key), index: target)
            var opts = options
            opts.analyzer = meta.analyzer  // an index is analyzed one way only
            meta.inputs.append(.init(collection: options.collection, format: options.format, documents: 0, skipped: 0))
            try writer.beginTransaction()
            do {
                try feed(opts, writer: writer, meta: &meta, skipRecords: 0, checkExisting: true, report: &report)
                meta.updated = IndexMetadata.now()
                meta.recordsDone = 0
                try writer.setMetadata(IndexMetadata.key, try meta.encoded())
                try writer.commitTransaction()
            } catch {
                try? writer.cancelTransaction()
                throw error
            }
        }
        report.seconds = Date().timeIntervalSince(started)
        report.totalDocuments = try XapianReader(path: target).documentCount
        return report
    }

    private static func finishBuild(writer: XapianWriter, meta: inout IndexMetadata, partial: String, target: String, replace: Bool) throws {
        meta.complete = true
        meta.recordsDone = 0
        meta.updated = IndexMetadata.now()
        try writer.setMetadata(IndexMetadata.key, try meta.encoded())
        try writer.commit()
        let fm = FileManager.default
        if replace, fm.fileExists(atPath: target) {
            let old = target + ".old"
            try? fm.removeItem(atPath: old)
            try fm.moveItem(atPath: target, toPath: old)
            try fm.moveItem(atPath: partial, toPath: target)
            try fm.removeItem(atPath: old)
        } else {
            try fm.moveItem(atPath: partial, toPath: target)
        }
    }

    /// A document ready to write: its id term, stored bytes and term counts.
    private struct Prepared {
        var idTerm = ""
        var data: [UInt8] = []
        var terms: [UInt8] = []
        var wdfs: [UInt32] = []
    }

    /// Streams the collection into `writer`, committing every `commitEvery` documents unless in a transaction.
    private static func feed(_ options: IndexOptions, writer: XapianWriter, meta: inout IndexMetadata, skipRecords: Int,
                             checkExisting: Bool, report: inout IndexReport) throws {
        let threads = max(1, options.threads)
        let analyzers = try (0..<threads).map { _ in try Analyzer(options.analyzer) }
        let progress = Progress("indexing", enabled: options.progress)
        var seen: [String: String] = [:]  // id → where it was first seen
        var batch: [RawDocument] = []
        var records = 0
        var sinceCommit = 0
        let batchSize = 512 * threads
        let inputIndex = meta.inputs.count - 1

        func flush() throws {
            if batch.isEmpty { return }
            var prepared = [Prepared](repeating: Prepared(), count: batch.count)
            let chunk = (batch.count + threads - 1) / threads
            let docs = batch
            prepared.withUnsafeMutableBufferPointer { out in
                let outBase = out.baseAddress!
                concurrentForEach(threads) { t in
                    let lo = t * chunk, hi = min(docs.count, lo + chunk)
                    guard lo < hi else { return }
                    for i in lo..<hi { outBase[i] = prepare(docs[i], analyzer: analyzers[t]) }
                }
            }
            for p in prepared {
                try writer.add(idTerm: p.idTerm, data: p.data, packedTerms: p.terms, wdfs: p.wdfs)
            }
            report.added += batch.count
            meta.inputs[inputIndex].documents += batch.count
            sinceCommit += batch.count
            batch.removeAll(keepingCapacity: true)
            if !checkExisting && sinceCommit >= options.commitEvery {
                meta.recordsDone = records
                try writer.setMetadata(IndexMetadata.key, try meta.encoded())
                try writer.commit()
                sinceCommit = 0
            }
            progress.update(report.added + report.resumedAfter, unit: "docs")
        }

        try options.format.read(options.collection) { record in
            records += 1
            switch record {
            case .failure(let bad):
                if records <= skipRecords { return }
                guard options.skipBad else { throw bad }
                report.skippedBad += 1
                meta.inputs[inputIndex].skipped += 1
                if report.badExamples.count < 5 { report.badExamples.append(bad.description) }
            case .success(var doc):
                if let first = seen[doc.id] {
                    throw inputError(doc.file, line: doc.line, "duplicate document id '\(doc.id)' (first at \(first))")
                }
                seen[doc.id] = doc.location
                if records <= skipRecords { return }
                if checkExisting, try writer.contains(uniqueTerm: StoredDocument.idTerm(doc.id)) {
                    throw inputError(doc.file, line: doc.line, "document id '\(doc.id)' is already in the index")
                }
                if doc.id.utf8.count > 200 || doc.id.contains("\0") {
                    let bad = BadRecord(file: doc.file, line: doc.line, reason: "document id is too long or holds NUL")
                    guard options.skipBad else { throw bad }
                    report.skippedBad += 1
                    return
                }
                doc.title = doc.title.replacingOccurrences(of: "\0", with: " ")
                doc.text = doc.text.replacingOccurrences(of: "\0", with: " ")
                if doc.title.allSatisfy(\.isWhitespace) && doc.text.allSatisfy(\.isWhitespace) {
                    let bad = BadRecord(file: doc.file, line: doc.line, reason: "empty document '\(doc.id)'")
                    guard options.skipBad else { throw bad }
                    report.skippedBad += 1
                    meta.inputs[inputIndex].skipped += 1
                    if report.badExamples.count < 5 { report.badExamples.append(bad.description) }
                    return
                }
                let size = doc.title.utf8.count + doc.text.utf8.count
                if size > options.maxDocBytes {
                    doc.text = truncateUTF8(doc.text, maxBytes: max(0, options.maxDocBytes - doc.title.utf8.count))
                    report.truncated += 1
                }
                batch.append(doc)
                if batch.count >= batchSize { try flush() }
            }
        }
        try flush()
        meta.recordsDone = records
        progress.update(report.added + report.resumedAfter, unit: "docs", force: true)
        progress.finish()
    }

    private static func prepare(_ doc: RawDocument, analyzer: Analyzer) -> Prepared {
        var counts: [String: UInt32] = [:]
        let body = doc.title.isEmpty ? doc.text : doc.title + " " + doc.text
        analyzer.analyze(body) { counts[$0, default: 0] += 1 }
        var p = Prepared()
        p.idTerm = StoredDocument.idTerm(doc.id)
        p.data = StoredDocument.encode(id: doc.id, title: doc.title, text: doc.text)
        p.wdfs.reserveCapacity(counts.count)
        for (term, n) in counts {
            p.terms.append(contentsOf: term.utf8)
            p.terms.append(0)
            p.wdfs.append(n)
        }
        return p
    }
}

/// The longest prefix of `s` of at most `maxBytes` UTF-8 bytes that ends on a scalar boundary.
func truncateUTF8(_ s: String, maxBytes: Int) -> String {
    if s.utf8.count <= maxBytes { return s }
    var end = s.utf8.index(s.utf8.startIndex, offsetBy: maxBytes)
    while end > s.utf8.startIndex, String.Index(end, within: s.unicodeScalars) == nil { end = s.utf8.index(before: end) }
    return String(s.unicodeScalars[..<end])
}
