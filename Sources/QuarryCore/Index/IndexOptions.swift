// What `quarry index` is asked to do (IndexOptions) and what it did (IndexReport).
import Foundation

public struct IndexOptions: Sendable {
    public enum Mode: Sendable { case create, resume, append, overwrite }
    public var collection: String
    public var format: CollectionFormat
    public var index: String
    public var threads: Int = 1
    /// A new sharded index of this many shards (nil: one database). --resume and --append take the
    /// index's own count.
    public var shards: Int? = nil
    public var analyzer: AnalyzerSettings = .default
    /// Whether `analyzer` was chosen by the user: --resume and --append then check it matches the index's.
    public var analyzerGiven = false
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
    /// Where the first truncated document came from.
    public var firstTruncated: String?
    public var resumedAfter = 0
    public var seconds = 0.0
    public var totalDocuments = 0
    public var badExamples: [String] = []
    /// Resume points committed by this run.
    public var checkpoints = 0
    /// Databases the index has (its shards; 1 when not sharded).
    public var shards = 1
}
