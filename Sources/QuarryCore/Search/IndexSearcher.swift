// The engine's implementation of the plugin-facing Searcher: one Xapian handle and analyzer, used by
// one task at a time (a lock makes misuse safe rather than fast). Over remote shards, a network error
// sends the handle back to its Index, which names the shard that is down (or, when partial results
// are allowed, leaves it out) and gives a new handle; the request is then tried again.
import Foundation
import QuarryAPI

public final class IndexSearcher: Searcher, @unchecked Sendable {
    private var reader: XapianReader
    let index: Index
    let analyzer: Analyzer
    public let model: FirstStageModel
    private let lock = NSLock()
    /// Over remote shards: document frequencies, fetched in one exchange per shard for all the terms
    /// of the term vectors read since the last fetch (RM3 reads its feedback documents' vectors, then
    /// asks for their terms' frequencies one by one: one round trip apiece otherwise). Frequencies do
    /// not change while the handle is open; the cache goes with the handle.
    private var remoteDF: [String: Int] = [:]
    private var pendingDF: Set<String> = []
    /// Over remote shards: the internal numbers of the last search's hits, so that reading one of
    /// them next (RM3's term vectors, a reranker's texts) skips a lookup by id on every shard.
    private var lastHits: [String: UInt32] = [:]
    /// Whether the handle's documents all keep their ids in value slot 0 (then Xapian orders tied
    /// scores by id itself); nil until asked, reset with the handle.
    private var tiesById: Bool?

    init(index: Index, analyzer: Analyzer, model: FirstStageModel) throws {
        reader = try index.openReader()
        self.index = index
        self.analyzer = analyzer
        self.model = model
    }

    private func locked<T>(_ body: () throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }

    /// Runs `body` on the handle; after a network error, on a new one from the index (at most once
    /// per shard, plus once for a dropped connection).
    private func reading<T>(_ body: (XapianReader) throws -> T) throws -> T {
        try locked {
            var retries = 0
            while true {
                do {
                    return try body(reader)
                } catch let e as XapianError where e.isNetworkError && retries <= index.shards.count {
                    retries += 1
                    reader = try index.reopen(after: e)
                    remoteDF.removeAll()
                    pendingDF.removeAll()
                    lastHits.removeAll()
                    tiesById = nil
                }
            }
        }
    }

    public var documentCount: Int { locked { reader.documentCount } }
    public var averageDocumentLength: Double { locked { reader.averageLength } }

    public func analyze(_ text: String) throws -> [String] { locked { analyzer.terms(text) } }

    /// Merges a weighted query into one weight per index term (text parts analyzed; repeats add up),
    /// in first-appearance order.
    public func resolve(_ query: WeightedQuery) -> [WeightedTerm] {
        locked {
            var order: [String] = []
            var weights: [String: Double] = [:]
            func add(_ term: String, _ w: Double) {
                if weights[term] == nil { order.append(term) }
                weights[term, default: 0] += w
            }
            for part in query.parts {
                switch part {
                case .text(let text, let w): analyzer.analyze(text) { add($0, w) }
                case .term(let term, let w): add(term, w)
                }
            }
            return order.compactMap { t in weights[t].flatMap { $0 > 0 ? WeightedTerm(t, $0) : nil } }
        }
    }

    public func search(_ query: WeightedQuery, k: Int) throws -> [Hit] {
        try search(terms: resolve(query), k: k, model: model)
    }

    /// Ranked retrieval over resolved terms, ordered by score then docid. Which of the documents tied
    /// with the k-th make the cut depends on their ids, never on Xapian's internal document numbers
    /// (which differ between an index and its shards, or two builds of one collection): Xapian orders
    /// ties by the id in value slot 0. An index written before that slot existed is searched deeper
    /// instead, until the hit after the cut scores lower than the k-th.
    public func search(terms: [WeightedTerm], k: Int, model: FirstStageModel) throws -> [Hit] {
        // No search finds more than every document: a k past that (a plugin's fbDocs = 31e9, say) is
        // cut here, before the hit array or the deeper search's depth is sized by it.
        let k = min(k, documentCount)
        guard k > 0 else { return [] }
        let (m, p1, p2) = model.xapianParameters
        var depth = k
        while true {
            let (raw, byId) = try reading { reader in
                if tiesById == nil { tiesById = try reader.idsInValueSlot() }
                let byId = tiesById ?? false
                let found = try reader.search(terms: terms.map(\.term), weights: terms.map(\.weight), model: m, p1: p1, p2: p2,
                                              k: byId ? k : depth + 1, tiesById: byId)
                if reader.isRemote { lastHits = Dictionary(found.map { ($0.id, $0.did) }, uniquingKeysWith: { a, _ in a }) }
                return (found, byId)
            }
            if byId || raw.count <= depth || raw[depth].score < raw[k - 1].score {
                var hits = raw.map { Hit(docid: $0.id, score: $0.score) }
                hits.sort(by: Ranking.before)
                return Array(hits.prefix(k))
            }
            depth *= 2
        }
    }

    public func document(_ docid: String) throws -> Document? {
        try reading { reader in
            guard let did = try internalNumber(docid, reader) else { return nil }
            return try reader.document(did)
        }
    }

    public func termVector(_ docid: String) throws -> [TermFrequency] {
        try reading { reader in
            guard let did = try internalNumber(docid, reader) else { return [] }
            // The id term ("Q…") is bookkeeping, not text.
            let vector = try reader.termList(did).filter { !$0.term.hasPrefix("Q") }.map { TermFrequency(term: $0.term, frequency: $0.wdf) }
            if reader.isRemote && pendingDF.count < 1_000_000 {
                for t in vector where remoteDF[t.term] == nil { pendingDF.insert(t.term) }
            }
            return vector
        }
    }

    /// The internal number of the document with collection id `docid`, or nil.
    private func internalNumber(_ docid: String, _ reader: XapianReader) throws -> UInt32? {
        if let did = lastHits[docid] { return did }
        return try reader.docid(forUniqueTerm: StoredDocument.idTerm(docid))
    }

    public func documentFrequency(_ term: String) throws -> Int {
        try reading { reader in
            if let df = remoteDF[term] { return df }
            guard reader.isRemote else { return try reader.termFrequency(term) }
            pendingDF.insert(term)
            let terms = Array(pendingDF)
            if remoteDF.count + terms.count > 1_000_000 { remoteDF.removeAll() }
            for (t, df) in zip(terms, try reader.termFrequencies(terms)) { remoteDF[t] = df }
            pendingDF.removeAll()
            return remoteDF[term] ?? 0
        }
    }

    public func collectionFrequency(_ term: String) throws -> Int {
        try reading { try $0.collectionFrequency(term) }
    }
}

/// The one ordering of results everywhere: higher score first, then docid ascending.
public enum Ranking {
    @inline(__always)
    public static func before(_ a: Hit, _ b: Hit) -> Bool {
        a.score != b.score ? a.score > b.score : a.docid < b.docid
    }
}
