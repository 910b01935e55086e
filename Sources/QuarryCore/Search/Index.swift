// An opened index: its databases (one, the shards of a sharded index, remote shards, or several
// given together), its metadata, and searchers over all of them as one (one per concurrent task).
// Several databases are combined with Xapian's add_database, so BM25's statistics (N, df, average
// length) are those of the whole collection and scores equal those of one unsharded index.
import Foundation
import QuarryAPI

public final class Index: Sendable {
    /// The locations as given (paths or tcp://HOST:PORT).
    public let locations: [String]
    /// Every database searched, stub files expanded.
    public let shards: [ShardLocation]
    /// The locations for messages and provenance: the one path, or all joined by ", ".
    public let path: String
    public let metadata: IndexMetadata
    /// Whether a shard that is down may be left out (results then partial) rather than failing.
    public let allowPartial: Bool
    let health = ShardHealth()

    public convenience init(path: String) throws {
        try self.init(locations: [path])
    }

    /// Opens the databases `locations` name as one index. Their analyzer settings must agree. A
    /// database that cannot be opened is an error naming it, or with `allowPartial` a warning, as
    /// long as one is left.
    public init(locations: [String], allowPartial: Bool = false) throws {
        guard !locations.isEmpty else { throw QuarryError("give --index (an index directory or tcp://HOST:PORT)") }
        self.locations = locations.map(ShardLocation.trimmed)
        var shards: [ShardLocation] = []
        for l in locations {
            for s in try ShardLocation.resolve(l) {
                guard !shards.contains(s) else { throw QuarryError("\(s): given twice (an index directory and one of its shards?)") }
                shards.append(s)
            }
        }
        self.shards = shards
        path = self.locations.joined(separator: ", ")
        self.allowPartial = allowPartial
        var opened: [(ShardLocation, IndexMetadata)] = []
        var unreachable: [(ShardLocation, String)] = []
        for s in shards {
            let reader: XapianReader
            do { reader = try s.open() } catch let e as QuarryError where allowPartial && shards.count > 1 {
                unreachable.append((s, e.message))
                continue
            }
            opened.append((s, try IndexMetadata.decode(try reader.metadata(IndexMetadata.key), index: s.description)))
        }
        guard let first = opened.first else {
            throw QuarryError("no shard of \(path) could be opened: \(unreachable.map(\.1).joined(separator: "; "))")
        }
        // The same database reached two ways (a local copy and its server) would return every document twice.
        for (i, a) in opened.enumerated() {
            if let b = opened[..<i].first(where: { (try? $0.1.encoded()) == (try? a.1.encoded()) }) {
                throw QuarryError("\(b.0) and \(a.0) are the same index (identical metadata): searched together, every document would count twice")
            }
        }
        if let other = opened.first(where: { $0.1.analyzer != first.1.analyzer }) {
            func settings(_ m: IndexMetadata) -> String { "stemmer=\(m.analyzer.stemmer) stopwords=\(m.analyzer.stopwords)" }
            throw QuarryError("shards disagree on analyzer settings: \(first.0) has \(settings(first.1)) but \(other.0) has \(settings(other.1)); an index is searched with one analyzer, so these cannot be searched together")
        }
        metadata = IndexMetadata.combined(opened.map(\.1))
        for (s, reason) in unreachable { health.lose(s, reason: reason) }
    }

    /// A new searcher with its own Xapian handle and analyzer.
    public func searcher(model: FirstStageModel = .bm25(k1: 0.9, b: 0.4)) throws -> IndexSearcher {
        try IndexSearcher(index: self, analyzer: try Analyzer(metadata.analyzer), model: model)
    }

    /// Shards left out because they were down (only with `allowPartial`), as written on the command line.
    public var missingShards: [String] { health.lost.map(\.description) }
    /// Whether results leave out a shard.
    public var isPartial: Bool { !health.lost.isEmpty }

    /// A handle on every shard not lost, combined into one.
    func openReader() throws -> XapianReader {
        var readers: [XapianReader] = []
        for s in shards where !health.isLost(s) {
            do { readers.append(try s.open()) } catch let e as QuarryError where allowPartial {
                health.lose(s, reason: e.message)
            }
        }
        if readers.count == 1 { return readers[0] }
        guard !readers.isEmpty else { throw QuarryError("no shard of \(path) is left to search: \(health.summary)") }
        return try XapianReader(combining: readers)
    }

    /// After a network error from a combined handle: finds which shards are down by connecting to
    /// each afresh. Without `allowPartial` that is an error naming them; with it they are left out
    /// (with a warning). Returns a new handle on what remains (a dropped connection to a shard that is
    /// up, e.g. after xapian-tcpsrv's idle timeout, is simply reconnected).
    func reopen(after error: XapianError) throws -> XapianReader {
        health.countReconnection()
        var down: [(ShardLocation, String)] = []
        for s in shards where !health.isLost(s) {
            do { _ = try s.open() } catch let e as QuarryError { down.append((s, e.message)) }
        }
        if !down.isEmpty && !allowPartial {
            let names = down.map { $0.0.description }.joined(separator: ", ")
            throw QuarryError("shard \(names) stopped answering (\(error.message)); give --allow-partial to go on over the other shards")
        }
        for (s, reason) in down { health.lose(s, reason: "it stopped answering mid-run (\(error.message)); \(reason)") }
        return try openReader()
    }
}

/// The shards an index has lost since it was opened (shared by all its searchers); each loss is
/// reported on stderr once.
final class ShardHealth: @unchecked Sendable {
    private let lock = NSLock()
    private var lostShards: [(ShardLocation, String)] = []
    private var reconnectionCount = 0

    /// How many times a searcher's handle was replaced after a network error.
    var reconnections: Int { lock.withLock { reconnectionCount } }
    func countReconnection() { lock.withLock { reconnectionCount += 1 } }

    var lost: [ShardLocation] { lock.withLock { lostShards.map(\.0) } }
    func isLost(_ s: ShardLocation) -> Bool { lock.withLock { lostShards.contains { $0.0 == s } } }

    var summary: String { lock.withLock { lostShards.map { $0.1 }.joined(separator: "; ") } }

    func lose(_ s: ShardLocation, reason: String) {
        let new = lock.withLock { () -> Bool in
            guard !lostShards.contains(where: { $0.0 == s }) else { return false }
            lostShards.append((s, reason))
            return true
        }
        if new { printError("warning: shard \(s) left out (--allow-partial), results are partial: \(reason)") }
    }
}

/// Statistics of an index, for `quarry stats`.
public struct IndexStatistics: Codable, Sendable {
    public var documents: Int
    public var uniqueTerms: Int
    public var totalTerms: UInt64
    public var averageLength: Double
    /// Bytes on disk of the local databases (remote ones are not counted).
    public var sizeBytes: Int64
    /// Each database's own figures, when the index has more than one.
    public var shards: [ShardStatistics]?
}

public struct ShardStatistics: Codable, Sendable {
    public var location: String
    public var documents: Int
    public var totalTerms: UInt64
    public var averageLength: Double
    /// Nil for a remote shard.
    public var sizeBytes: Int64?
}

extension Index {
    public func statistics() throws -> IndexStatistics {
        let r = try openReader()
        let live = shards.filter { !health.isLost($0) }
        var perShard: [ShardStatistics] = []
        if shards.count > 1 {
            for s in live {
                let one = try s.open()
                perShard.append(ShardStatistics(location: s.description, documents: one.documentCount, totalTerms: one.totalLength,
                                                averageLength: one.averageLength, sizeBytes: s.sizeBytes))
            }
        }
        return IndexStatistics(documents: r.documentCount, uniqueTerms: try r.uniqueTermCount(), totalTerms: r.totalLength,
                               averageLength: r.averageLength, sizeBytes: live.compactMap(\.sizeBytes).reduce(0, +),
                               shards: shards.count > 1 ? perShard : nil)
    }

    /// The number of documents searched (cheaper than `statistics()`, which counts terms).
    public func documentCount() throws -> Int { try openReader().documentCount }
}
