// Builds an index from a collection. A new index is written beside its target (`DIR.partial`) and
// renamed into place only when complete; commits along the way record how far the build got, so an
// interrupted build resumes. Appends run in one Xapian transaction: all of the input or none of it.
// A sharded index (`--shards N`) is the same with one Xapian database, writer and transaction per
// shard (ShardLayout); each shard records its own resume point.
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
        if let n = options.shards, !(1...ShardLayout.maxShards).contains(n) {
            throw QuarryError("--shards must be from 1 to \(ShardLayout.maxShards), not \(n)")
        }
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
        report.shards = ShardLayout.isSharded(target) ? try ShardLayout.shardPaths(target).count : 1
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

    /// Opens the writers of an existing index: one, or one per shard of a sharded index.
    static func openWriters(_ path: String) throws -> [XapianWriter] {
        guard ShardLayout.isSharded(path) else { return [try openWriter(path, create: false)] }
        return try ShardLayout.shardPaths(path).map { try openWriter($0, create: false) }
    }

    /// Creates the databases of a new index at `path`: one, or `shards` beside their stub file.
    private static func createWriters(_ path: String, shards: Int?) throws -> [XapianWriter] {
        guard let shards else { return [try openWriter(path, create: true)] }
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        try ShardLayout.writeStub(path, count: shards)
        return try (0..<shards).map { try openWriter(PathName.join(path, ShardLayout.shardName($0)), create: true) }
    }

    /// The metadata of each of `writers` (named by shard in errors).
    private static func readMetadata(_ writers: [XapianWriter], index: String) throws -> [IndexMetadata] {
        try writers.indices.map { i in
            let name = writers.count == 1 ? index : PathName.join(index, ShardLayout.shardName(i))
            return try IndexMetadata.decode(try writers[i].metadata(IndexMetadata.key), index: name)
        }
    }

    /// --shards given with --resume or --append must be the index's own count.
    private static func checkShards(_ options: IndexOptions, writers: Int, index: String) throws {
        guard let n = options.shards else { return }
        if !ShardLayout.isSharded(index) {
            throw QuarryError("\(index): the index is not sharded; --shards applies to a new build (or --overwrite)")
        }
        if n != writers { throw QuarryError("\(index): the index has \(writers) shards, not --shards \(n); leave --shards out or match it") }
    }

    private static func create(_ options: IndexOptions, target: String) throws -> IndexReport {
        let fm = FileManager.default
        let partial = partialPath(target)
        if options.mode == .create, fm.fileExists(atPath: target) {
            throw QuarryError("\(target): index already exists (use --append to add to it, or --overwrite to replace it)")
        }
        if fm.fileExists(atPath: partial) {
            // Fails while another build is writing there.
            do { _ = try openWriters(partial) } catch let e as QuarryError where e.message.contains("is locked") { throw e } catch {}
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
        try finish(partial, target, replacing: replaced)
        return report
    }

    /// Renames the finished `partial` to `target`; an index already there (locked by `lock`, or
    /// locked now) is swapped out and removed.
    private static func moveIntoPlace(_ partial: String, _ target: String, replacing lock: [XapianWriter]?) throws {
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

    /// Holds the write locks of an index about to be replaced (each shard's); refuses what is not a
    /// Quarry index.
    private static func lockForReplacing(_ target: String) throws -> [XapianWriter] {
        let writers: [XapianWriter]
        do {
            writers = try openWriters(target)
            _ = try readMetadata(writers, index: target)
        } catch let e as QuarryError where !e.message.contains("is locked") {
            throw QuarryError("\(target): not a Quarry index, so --overwrite leaves it alone (\(e.message))")
        }
        return writers
    }

    /// Writes a new index at `partial`; the writers are closed when this returns.
    private static func build(_ options: IndexOptions, partial: String, report: inout IndexReport) throws {
        let writers = try createWriters(partial, shards: options.shards)
        var metas: [IndexMetadata] = []
        for (i, writer) in writers.enumerated() {
            var meta = IndexMetadata(analyzer: options.analyzer, created: IndexMetadata.now(), updated: IndexMetadata.now(),
                                     inputs: [.init(collection: options.collection, format: options.format, documents: 0, skipped: 0)],
                                     maxDocBytes: options.maxDocBytes, complete: false, recordsDone: 0)
            meta.shard = options.shards.map { .init(index: i, count: $0, routing: ShardLayout.routing) }
            try writer.setMetadata(IndexMetadata.key, try meta.encoded())
            try writer.commit()
            metas.append(meta)
        }
        try feedWithCheckpoints(options, writers: writers, metas: &metas, skip: writers.map { _ in 0 }, report: &report)
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
            let writers = try openWriters(partial)
            var metas = try readMetadata(writers, index: partial)
            for meta in metas {
                guard let input = meta.inputs.last, input.format == options.format,
                      PathName.standardized(input.collection) == PathName.standardized(options.collection) else {
                    throw QuarryError("\(partial): was started from \(meta.inputs.last.map { "\($0.collection) (\($0.format.rawValue))" } ?? "another input"); resume with the same --collection and --format")
                }
            }
            try checkAnalyzer(options, meta: metas[0], index: partial)
            try checkShards(options, writers: writers.count, index: partial)
            var opts = options
            opts.analyzer = metas[0].analyzer        // the build goes on as it started
            opts.maxDocBytes = metas[0].maxDocBytes
            // Each shard goes on from its own resume point; one that finished takes nothing more.
            let skip = metas.map { $0.complete ? Int.max : $0.recordsDone }
            report.resumedAfter = metas.filter { !$0.complete }.map(\.recordsDone).min() ?? 0
            try feedWithCheckpoints(opts, writers: writers, metas: &metas, skip: skip, report: &report)
        }()
        // An index at the target means the build was an --overwrite: it replaces that one now.
        try finish(partial, target, replacing: nil)
        return report
    }

    /// Puts a finished build in place: its compacted copy becomes `target`, then the build is removed
    /// (a crash between the two leaves a complete target and a build that --resume finishes again).
    private static func finish(_ partial: String, _ target: String, replacing lock: [XapianWriter]?) throws {
        let compacted = try compact(partial)
        try moveIntoPlace(compacted, target, replacing: lock)
        try FileManager.default.removeItem(atPath: partial)
    }

    private static func append(_ options: IndexOptions, target: String) throws -> IndexReport {
        let fm = FileManager.default
        guard fm.fileExists(atPath: target) else {
            if fm.fileExists(atPath: partialPath(target)) {
                throw QuarryError("\(target): index is incomplete (finish the build at \(partialPath(target)) with --resume first)")
            }
            throw QuarryError("\(target): no index to append to")
        }
        let writers = try openWriters(target)
        var metas = try readMetadata(writers, index: target)
        try checkAnalyzer(options, meta: metas[0], index: target)
        try checkShards(options, writers: writers.count, index: target)
        var opts = options
        opts.analyzer = metas[0].analyzer  // an index is analyzed one way only
        for i in metas.indices {
            metas[i].inputs.append(.init(collection: options.collection, format: options.format, documents: 0, skipped: 0))
        }
        var report = IndexReport()
        for w in writers { try w.beginTransaction() }
        do {
            try feed(opts, writers: writers, metas: &metas, skip: writers.map { _ in 0 }, appending: true, report: &report)
            try requireDocuments(opts, metas: metas)
            for (w, var meta) in zip(writers, metas) {
                meta.updated = IndexMetadata.now()
                meta.recordsDone = 0
                try w.setMetadata(IndexMetadata.key, try meta.encoded())
            }
            // Shards commit one after another: only a failure between these commits (a disk filling
            // up) could leave some shards with the append and some without.
            for w in writers { try w.commitTransaction() }
        } catch {
            for w in writers { try? w.cancelTransaction() }
            throw error
        }
        return report
    }

    /// --stemmer/--stopwords given with --resume or --append must be the index's own.
    private static func checkAnalyzer(_ options: IndexOptions, meta: IndexMetadata, index: String) throws {
        guard options.analyzerGiven, options.analyzer != meta.analyzer else { return }
        throw QuarryError("\(index): the index is analyzed with --stemmer \(meta.analyzer.stemmer) --stopwords \(meta.analyzer.stopwords), not --stemmer \(options.analyzer.stemmer) --stopwords \(options.analyzer.stopwords); leave them out or match them")
    }

    /// The current input must have given documents (to all shards together).
    private static func requireDocuments(_ options: IndexOptions, metas: [IndexMetadata]) throws {
        guard metas.compactMap({ $0.inputs.last?.documents }).reduce(0, +) == 0, let input = metas[0].inputs.last else { return }
        let skipped = input.skipped > 0 ? " (\(input.skipped) malformed records skipped)" : ""
        throw QuarryError("\(options.collection): no documents found as --format \(options.format.rawValue)\(skipped)")
    }

    /// Feeds a build in transactions, each committed with its resume point; the build is marked
    /// complete in the last. On an error the open transactions are dropped, so each database holds
    /// exactly what its last resume point says.
    private static func feedWithCheckpoints(_ options: IndexOptions, writers: [XapianWriter], metas: inout [IndexMetadata],
                                            skip: [Int], report: inout IndexReport) throws {
        for w in writers { try w.beginTransaction() }
        do {
            try feed(options, writers: writers, metas: &metas, skip: skip, appending: false, report: &report)
            try requireDocuments(options, metas: metas)
            for (i, w) in writers.enumerated() {
                metas[i].complete = true
                metas[i].recordsDone = 0
                metas[i].updated = IndexMetadata.now()
                try w.setMetadata(IndexMetadata.key, try metas[i].encoded())
                try w.commitTransaction()
            }
        } catch {
            for w in writers { try? w.cancelTransaction() }
            throw error
        }
    }
}
