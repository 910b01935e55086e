// Builds an index from a collection. A new index is written beside its target (`DIR.partial`) and
// renamed into place only when complete; commits along the way record how far the build got, so an
// interrupted build resumes. Appends run in one Xapian transaction: all of the input or none of it.
import Foundation

public enum Indexer {
    public static func partialPath(_ index: String) -> String {
        trimmed(index) + ".partial"
    }

    private static func trimmed(_ index: String) -> String {
        index.count > 1 && index.hasSuffix("/") ? String(index.dropLast()) : index
    }

    public static func run(_ options: IndexOptions) throws -> IndexReport {
        let target = trimmed(options.index)
        let started = Date()
        // A missing collection fails before any index is touched.
        _ = try CollectionFormat.files(at: options.collection)
        var report: IndexReport
        switch options.mode {
        case .create, .overwrite: report = try create(options, target: target)
        case .resume: report = try resume(options, target: target)
        case .append: report = try append(options, target: target)
        }
        report.seconds = Date().timeIntervalSince(started)
        report.totalDocuments = try XapianReader(path: target).documentCount
        return report
    }

    /// Opens a Xapian database for writing, saying plainly when another writer holds it.
    static func openWriter(_ path: String, create: Bool) throws -> XapianWriter {
        do {
            return try XapianWriter(path: path, create: create)
        } catch let e as XapianError {
            if e.message.contains("DatabaseLockError") {
                throw QuarryError("\(path): index is locked by another writer (is another quarry index running on it?)")
            }
            throw QuarryError("\(path): cannot open index for writing: \(e.message)")
        }
    }

    private static func create(_ options: IndexOptions, target: String) throws -> IndexReport {
        let fm = FileManager.default
        let partial = partialPath(target)
        if options.mode == .create, fm.fileExists(atPath: target) {
            throw QuarryError("\(target): index already exists (use --append to add to it, or --overwrite to replace it)")
        }
        if fm.fileExists(atPath: partial) {
            // Fails while another build is writing there.
            do { _ = try openWriter(partial, create: false) } catch let e as QuarryError where e.message.contains("is locked") { throw e } catch {}
            guard options.mode == .overwrite else {
                throw QuarryError("\(partial): an interrupted build is there; finish it with --resume or remove it")
            }
            try fm.removeItem(atPath: partial)
        }
        // The index --overwrite replaces stays locked until it is swapped out, so no writer loses its work.
        let replaced = options.mode == .overwrite && fm.fileExists(atPath: target) ? try lockForReplacing(target) : nil
        let parent = PathName.parent(target)
        if !parent.isEmpty, !fm.fileExists(atPath: parent) {
            try fm.createDirectory(atPath: parent, withIntermediateDirectories: true)
        }
        var report = IndexReport()
        do {
            try build(options, partial: partial, report: &report)
        } catch {
            // With no resume point there is nothing to resume: leave no debris behind.
            if report.checkpoints == 0 { try? fm.removeItem(atPath: partial) }
            throw error
        }
        try moveIntoPlace(partial, target, replacing: replaced)
        return report
    }

    /// Renames the finished `partial` to `target`; an index already there (locked by `lock`, or
    /// locked now) is swapped out and removed.
    private static func moveIntoPlace(_ partial: String, _ target: String, replacing lock: XapianWriter?) throws {
        let fm = FileManager.default
        guard fm.fileExists(atPath: target) else { return try fm.moveItem(atPath: partial, toPath: target) }
        let held = try lock ?? lockForReplacing(target)
        let old = target + ".old"
        try? fm.removeItem(atPath: old)
        try withExtendedLifetime(held) {
            try fm.moveItem(atPath: target, toPath: old)
            try fm.moveItem(atPath: partial, toPath: target)
        }
        try fm.removeItem(atPath: old)
    }

    /// Holds the write lock of an index about to be replaced; refuses what is not a Quarry index.
    private static func lockForReplacing(_ target: String) throws -> XapianWriter {
        let writer: XapianWriter
        do {
            writer = try openWriter(target, create: false)
            _ = try IndexMetadata.decode(try writer.metadata(IndexMetadata.key), index: target)
        } catch let e as QuarryError where !e.message.contains("is locked") {
            throw QuarryError("\(target): not a Quarry index, so --overwrite leaves it alone (\(e.message))")
        }
        return writer
    }

    /// Writes a new index at `partial`; the writer is closed when this returns.
    private static func build(_ options: IndexOptions, partial: String, report: inout IndexReport) throws {
        let writer = try openWriter(partial, create: true)
        var meta = IndexMetadata(analyzer: options.analyzer, created: IndexMetadata.now(), updated: IndexMetadata.now(),
                                 inputs: [.init(collection: options.collection, format: options.format, documents: 0, skipped: 0)],
                                 maxDocBytes: options.maxDocBytes, complete: false, recordsDone: 0)
        try writer.setMetadata(IndexMetadata.key, try meta.encoded())
        try writer.commit()
        try feedWithCheckpoints(options, writer: writer, meta: &meta, skipRecords: 0, report: &report)
    }

    private static func resume(_ options: IndexOptions, target: String) throws -> IndexReport {
        let fm = FileManager.default
        let partial = partialPath(target)
        guard fm.fileExists(atPath: partial) else {
            if fm.fileExists(atPath: target) { throw QuarryError("\(target): index is complete; nothing to resume") }
            throw QuarryError("\(partial): no interrupted build to resume")
        }
        var report = IndexReport()
        try {
            let writer = try openWriter(partial, create: false)
            var meta = try IndexMetadata.decode(try writer.metadata(IndexMetadata.key), index: partial)
            guard let input = meta.inputs.last, input.format == options.format,
                  PathName.standardized(input.collection) == PathName.standardized(options.collection) else {
                throw QuarryError("\(partial): was started from \(meta.inputs.last.map { "\($0.collection) (\($0.format.rawValue))" } ?? "another input"); resume with the same --collection and --format")
            }
            try checkAnalyzer(options, meta: meta, index: partial)
            var opts = options
            opts.analyzer = meta.analyzer        // the build goes on as it started
            opts.maxDocBytes = meta.maxDocBytes
            report.resumedAfter = meta.recordsDone
            try feedWithCheckpoints(opts, writer: writer, meta: &meta, skipRecords: meta.recordsDone, report: &report)
        }()
        // An index at the target means the build was an --overwrite: it replaces that one now.
        try moveIntoPlace(partial, target, replacing: nil)
        return report
    }

    private static func append(_ options: IndexOptions, target: String) throws -> IndexReport {
        let fm = FileManager.default
        guard fm.fileExists(atPath: target) else {
            if fm.fileExists(atPath: partialPath(target)) {
                throw QuarryError("\(target): index is incomplete (finish the build at \(partialPath(target)) with --resume first)")
            }
            throw QuarryError("\(target): no index to append to")
        }
        let writer = try openWriter(target, create: false)
        var meta = try IndexMetadata.decode(try writer.metadata(IndexMetadata.key), index: target)
        try checkAnalyzer(options, meta: meta, index: target)
        var opts = options
        opts.analyzer = meta.analyzer  // an index is analyzed one way only
        meta.inputs.append(.init(collection: options.collection, format: options.format, documents: 0, skipped: 0))
        var report = IndexReport()
        try writer.beginTransaction()
        do {
            try feed(opts, writer: writer, meta: &meta, skipRecords: 0, appending: true, report: &report)
            try requireDocuments(opts, meta: meta)
            meta.updated = IndexMetadata.now()
            meta.recordsDone = 0
            try writer.setMetadata(IndexMetadata.key, try meta.encoded())
            try writer.commitTransaction()
        } catch {
            try? writer.cancelTransaction()
            throw error
        }
        return report
    }

    /// --stemmer/--stopwords given with --resume or --append must be the index's own.
    private static func checkAnalyzer(_ options: IndexOptions, meta: IndexMetadata, index: String) throws {
        guard options.analyzerGiven, options.analyzer != meta.analyzer else { return }
        throw QuarryError("\(index): the index is analyzed with --stemmer \(meta.analyzer.stemmer) --stopwords \(meta.analyzer.stopwords), not --stemmer \(options.analyzer.stemmer) --stopwords \(options.analyzer.stopwords); leave them out or match them")
    }

    private static func requireDocuments(_ options: IndexOptions, meta: IndexMetadata) throws {
        guard let input = meta.inputs.last, input.documents == 0 else { return }
        let skipped = input.skipped > 0 ? " (\(input.skipped) malformed records skipped)" : ""
        throw QuarryError("\(options.collection): no documents found as --format \(options.format.rawValue)\(skipped)")
    }

    /// Feeds a build in transactions, each committed with its resume point; the build is marked
    /// complete in the last. On an error the open transaction is dropped, so the index holds exactly
    /// what its last resume point says.
    private static func feedWithCheckpoints(_ options: IndexOptions, writer: XapianWriter, meta: inout IndexMetadata,
                                            skipRecords: Int, report: inout IndexReport) throws {
        try writer.beginTransaction()
        do {
            try feed(options, writer: writer, meta: &meta, skipRecords: skipRecords, appending: false, report: &report)
            try requireDocuments(options, meta: meta)
            meta.complete = true
            meta.recordsDone = 0
            meta.updated = IndexMetadata.now()
            try writer.setMetadata(IndexMetadata.key, try meta.encoded())
            try writer.commitTransaction()
        } catch {
            try? writer.cancelTransaction()
            throw error
        }
    }
}
