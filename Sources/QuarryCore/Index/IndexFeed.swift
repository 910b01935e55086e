// How a collection streams into an index writer: records checked (ids, emptiness, size), analyzed in
// parallel batches, added in order, with resume points committed along the way.
import Foundation

extension Indexer {
    /// A document ready to write: its id term, stored bytes and term counts.
    private struct Prepared {
        var idTerm = ""
        var data: [UInt8] = []
        var terms: [UInt8] = []
        var wdfs: [UInt32] = []
    }

    /// Streams the collection into `writers` (one per shard; a document goes to its id's shard). A
    /// build (`appending` false) commits a resume point every `commitEvery` documents; an append
    /// writes inside the caller's transactions and also refuses ids already in the index. Records up
    /// to `skip[s]` are already in shard s (an interrupted build's resume point); malformed records
    /// are counted in shard 0, so the ones up to `skip[0]` were counted before.
    static func feed(_ options: IndexOptions, writers: [XapianWriter], metas: inout [IndexMetadata], skip: [Int],
                     appending: Bool, report: inout IndexReport) throws {
        let threads = max(1, options.threads)
        let shardCount = writers.count
        let analyzers = try (0..<threads).map { _ in try Analyzer(options.analyzer) }
        let progress = Progress("indexing", enabled: options.progress)
        let readProgress = ReadProgress(totalBytes: CollectionFormat.totalBytes(options.collection))
        var seen: [String: Int] = [:]  // id → number of the record it was first seen in
        var batch: [RawDocument] = []
        var records = 0
        var sinceCommit = 0
        let batchSize = 512 * threads
        let inputIndex = metas[0].inputs.count - 1
        var inputDocuments = metas.map { $0.inputs[inputIndex].documents }.reduce(0, +)
        // With more than one thread, writing overlaps reading and analysis, each shard on its own
        // writer thread. An append checks ids against the index as it reads, so it writes in line.
        let background = threads > 1 && !appending ? writers.map { _ in BackgroundWriter() } : nil
        defer { background?.forEach { try? $0.drain() } }

        // Stored text is compressed with the index's text dictionary; a new build (no documents
        // written yet) trains one on its first documents. An index without one stores text as it is.
        let kept = try writers[0].metadata(TextDictionary.metadataKey)
        let trainsDictionary = kept.isEmpty && !appending && writers.allSatisfy { $0.documentCount == 0 }
        var compressors = try TextDictionary.decode(kept, index: options.index).map { dictionary in
            (0..<threads).map { _ in TextCompressor(dictionary: dictionary) }
        }
        var trained = !trainsDictionary
        // The first batch waits for the training sample, so the dictionary is the same at any thread
        // count (but not past the first resume point: a build commits no later than it asks).
        let firstBatchSize = trainsDictionary ? max(batchSize, min(TextDictionary.sampleDocuments, options.commitEvery)) : batchSize

        func shard(of id: String) -> Int { shardCount == 1 ? 0 : ShardLayout.shard(of: id, count: shardCount) }

        func flush() throws {
            if batch.isEmpty { return }
            if !trained {
                // Before the first documents are queued, so no writer thread is busy yet.
                trained = true
                if let dictionary = TextDictionary.train(on: batch.prefix(TextDictionary.sampleDocuments)) {
                    for w in writers { try w.setMetadata(TextDictionary.metadataKey, TextDictionary.encode(dictionary)) }
                    compressors = (0..<threads).map { _ in TextCompressor(dictionary: dictionary) }
                }
            }
            let compressing = compressors
            var prepared = [Prepared](repeating: Prepared(), count: batch.count)
            let chunk = (batch.count + threads - 1) / threads
            let docs = batch
            prepared.withUnsafeMutableBufferPointer { out in
                let outBase = out.baseAddress!
                concurrentForEach(threads) { t in
                    let lo = t * chunk, hi = min(docs.count, lo + chunk)
                    guard lo < hi else { return }
                    for i in lo..<hi { outBase[i] = prepare(docs[i], analyzer: analyzers[t], compressor: compressing?[t]) }
                }
            }
            var perShard = [[Prepared]](repeating: [], count: shardCount)
            for (doc, p) in zip(docs, prepared) {
                let s = shard(of: doc.id)
                perShard[s].append(p)
                metas[s].inputs[inputIndex].documents += 1
            }
            report.added += batch.count
            inputDocuments += batch.count
            sinceCommit += batch.count
            batch.removeAll(keepingCapacity: true)
            var checkpoints = [String?](repeating: nil, count: shardCount)
            if !appending && sinceCommit >= options.commitEvery {
                for s in 0..<shardCount {
                    metas[s].recordsDone = records
                    checkpoints[s] = try metas[s].encoded()
                }
                report.checkpoints += 1
                sinceCommit = 0
            }
            for s in 0..<shardCount {
                let writer = writers[s]
                let write = { [mine = perShard[s], checkpoint = checkpoints[s]] in
                    for p in mine {
                        try writer.add(idTerm: p.idTerm, data: p.data, packedTerms: p.terms, wdfs: p.wdfs)
                    }
                    if let checkpoint {
                        try writer.setMetadata(IndexMetadata.key, checkpoint)
                        try writer.commitTransaction()
                        try writer.beginTransaction()
                    }
                }
                if let background { try background[s].submit(write) } else { try write() }
            }
            progress.update(inputDocuments, unit: "docs", fraction: readProgress.fraction)
        }

        try ReadProgress.$current.withValue(readProgress) {
            try options.format.read(options.collection) { record in
                records += 1
                switch record {
                case .failure(let bad):
                    if records > skip[0] { try reject(bad, options, &report, &metas[0]) }
                case .success(var doc):
                    // Records an interrupted build already took are checked alike (to know their ids) but not added.
                    let target = shard(of: doc.id)
                    let resumed = records <= skip[target]
                    func reject(_ reason: String) throws {
                        if records > skip[0] { try Indexer.reject(BadRecord(file: doc.file, line: doc.line, reason: reason), options, &report, &metas[0]) }
                    }
                    if let first = seen[doc.id] {
                        // Finding where the first one was means reading again: only for a message shown.
                        let shown = !options.skipBad || report.badExamples.count < maxBadExamples
                        let at = shown ? location(ofRecord: first, in: options) ?? "record \(first)" : "record \(first)"
                        return try reject("duplicate document id '\(doc.id)' (first at \(at))")
                    }
                    if doc.id.utf8.count > 200 || doc.id.contains("\0") || doc.id.contains(where: \.isNewline) {
                        return try reject("document id is longer than 200 bytes or holds NUL or a line break")
                    }
                    if doc.title.utf8.contains(0) { doc.title = doc.title.replacingOccurrences(of: "\0", with: " ") }
                    if doc.text.utf8.contains(0) { doc.text = doc.text.replacingOccurrences(of: "\0", with: " ") }
                    if doc.title.allSatisfy(\.isWhitespace) && doc.text.allSatisfy(\.isWhitespace) {
                        return try reject("empty document '\(doc.id)'")
                    }
                    // An id's shard is fixed by the id, so that shard is the only place it can already be.
                    if appending, try writers[target].contains(uniqueTerm: StoredDocument.idTerm(doc.id)) {
                        return try reject("document id '\(doc.id)' is already in the index")
                    }
                    seen[doc.id] = records
                    if resumed { return }
                    let size = doc.title.utf8.count + doc.text.utf8.count
                    if size > options.maxDocBytes {
                        doc.title = truncateUTF8(doc.title, maxBytes: options.maxDocBytes)
                        doc.text = truncateUTF8(doc.text, maxBytes: max(0, options.maxDocBytes - doc.title.utf8.count))
                        report.truncated += 1
                        if report.firstTruncated == nil { report.firstTruncated = doc.location }
                    }
                    batch.append(doc)
                    if batch.count >= (trained ? batchSize : firstBatchSize) { try flush() }
                }
            }
        }
        try flush()
        try background?.forEach { try $0.drain() }
        let taken = skip.filter { $0 != Int.max }.max() ?? 0
        if records < taken {
            throw QuarryError("\(options.collection): has \(records) records, fewer than the \(taken) the interrupted build already indexed; the collection changed (remove \(partialPath(options.index)) and start again)")
        }
        for s in metas.indices { metas[s].recordsDone = records }
        progress.update(inputDocuments, unit: "docs", force: true)
        progress.finish()
    }

    static let maxBadExamples = 5

    /// A malformed record: stops the job, or with --skip-bad is counted and skipped.
    private static func reject(_ bad: BadRecord, _ options: IndexOptions, _ report: inout IndexReport, _ meta: inout IndexMetadata) throws {
        guard options.skipBad else { throw bad }
        report.skippedBad += 1
        meta.inputs[meta.inputs.count - 1].skipped += 1
        if report.badExamples.count < maxBadExamples { report.badExamples.append(bad.description) }
    }

    /// Where record number `n` (1-based) of the collection is, found by reading it again (only for
    /// error messages, so ids need no remembered locations).
    private static func location(ofRecord n: Int, in options: IndexOptions) -> String? {
        struct Found: Error { let location: String }
        var i = 0
        do {
            try options.format.read(options.collection) { record in
                i += 1
                guard i == n else { return }
                switch record {
                case .success(let doc): throw Found(location: doc.location)
                case .failure(let bad): throw Found(location: bad.line.map { "\(bad.file):\($0)" } ?? bad.file)
                }
            }
        } catch let found as Found {
            return found.location
        } catch {}
        return nil
    }

    private static func prepare(_ doc: RawDocument, analyzer: Analyzer, compressor: TextCompressor?) -> Prepared {
        var counts: [String: UInt32] = [:]
        let body = doc.title.isEmpty ? doc.text : doc.title + " " + doc.text
        analyzer.analyze(body) { counts[$0, default: 0] += 1 }
        var p = Prepared()
        p.idTerm = StoredDocument.idTerm(doc.id)
        p.data = StoredDocument.encode(id: doc.id, title: doc.title, text: doc.text, compressor: compressor)
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
