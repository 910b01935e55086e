// An opened index: its metadata, and searchers over it (one per concurrent task).
import Foundation
import QuarryAPI

public final class Index: Sendable {
    public let path: String
    public let metadata: IndexMetadata

    public init(path: String) throws {
        let p = path.hasSuffix("/") && path.count > 1 ? String(path.dropLast()) : path
        let fm = FileManager.default
        guard fm.fileExists(atPath: p) else {
            if fm.fileExists(atPath: Indexer.partialPath(p)) {
                throw QuarryError("\(p): index is incomplete (an interrupted build is at \(Indexer.partialPath(p)); run quarry index --resume)")
            }
            throw QuarryError("\(p): no index there")
        }
        let reader: XapianReader
        do { reader = try XapianReader(path: p) } catch let e as XapianError {
            throw QuarryError("\(p): cannot open index (\(e.message))")
        }
        self.path = p
        metadata = try IndexMetadata.decode(try reader.metadata(IndexMetadata.key), index: p)
    }

    /// A new searcher with its own Xapian handle and analyzer.
    public func searcher(model: FirstStageModel = .bm25(k1: 0.9, b: 0.4)) throws -> IndexSearcher {
        try IndexSearcher(path: path, analyzer: try Analyzer(metadata.analyzer), model: model)
    }
}

/// Statistics of an index, for `quarry stats`.
public struct IndexStatistics: Codable, Sendable {
    public var documents: Int
    public var uniqueTerms: Int
    public var totalTerms: UInt64
    public var averageLength: Double
    public var sizeBytes: Int64
}

extension Index {
    public func statistics() throws -> IndexStatistics {
        let r = try XapianReader(path: path)
        var size: Int64 = 0
        if let files = FileManager.default.enumerator(atPath: path) {
            while let f = files.nextObject() as? String {
                size += (try? FileManager.default.attributesOfItem(atPath: PathName.join(path, f))[.size] as? NSNumber)?.int64Value ?? 0
            }
        }
        return IndexStatistics(documents: r.documentCount, uniqueTerms: try r.uniqueTermCount(), totalTerms: r.totalLength,
                               averageLength: r.averageLength, sizeBytes: size)
    }
}
