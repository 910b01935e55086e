// A finished build is compacted before it is moved into place. Xapian writes B-tree blocks part full
// (room for later updates) and a posting list in as many chunks as the build had commits; a full
// compaction rewrites each table with full blocks and one run of chunks per term, which makes the
// index about a third smaller and its posting lists contiguous on disk. Appends are not compacted
// (that would rewrite the whole index): they write in place, as Xapian does.
import Foundation

extension Indexer {
    /// The compacted copy of `partial` is written beside it (`partial.compact`; one left by an
    /// interrupted run is removed first), and returned; `partial` is left as it was, so a crash here
    /// leaves the finished build to be compacted again by `--resume`.
    static func compact(_ partial: String) throws -> String {
        let fm = FileManager.default
        let out = partial + ".compact"
        if fm.fileExists(atPath: out) { try fm.removeItem(atPath: out) }
        do {
            if ShardLayout.isSharded(partial) {
                let shards = try ShardLayout.shardPaths(partial)
                try fm.createDirectory(atPath: out, withIntermediateDirectories: false)
                try ShardLayout.writeStub(out, count: shards.count)
                for (i, shard) in shards.enumerated() {
                    try xapianCompact(shard, into: PathName.join(out, ShardLayout.shardName(i)))
                }
            } else {
                try xapianCompact(partial, into: out)
            }
        } catch {
            try? fm.removeItem(atPath: out)
            let message = (error as? XapianError)?.message ?? "\(error)"
            throw QuarryError("\(partial): compacting the finished index failed (\(message)); the build is complete there, run --resume to try again")
        }
        return out
    }
}
