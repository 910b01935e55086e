// How a sharded index lies on disk: DIR/shard-00 … DIR/shard-NN, one Xapian database each, and a
// Xapian stub file DIR/XAPIANDB listing them (`auto shard-00`), so that Xapian itself — and any
// Xapian tool — opens DIR as one database. A document's shard is FNV-1a-64 of its id modulo the
// shard count, so an append sends each id where a lookup will look for it.
import Foundation

public enum ShardLayout {
    /// The stub file's name: Xapian opens a directory holding it as the databases it lists.
    public static let stubName = "XAPIANDB"
    public static let maxShards = 100
    /// The routing recorded in each shard's metadata.
    static let routing = "fnv1a64"

    public static func shardName(_ i: Int) -> String { String(format: "shard-%02d", i) }

    /// The shard a document goes to.
    public static func shard(of docid: String, count: Int) -> Int {
        Int(fnv1a64(docid) % UInt64(count))
    }

    /// FNV-1a, 64-bit, over the UTF-8 bytes.
    public static func fnv1a64(_ s: String) -> UInt64 {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for b in s.utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01B3 }
        return h
    }

    /// Whether `dir` is a sharded index (a directory with a stub file).
    public static func isSharded(_ dir: String) -> Bool {
        var isDir: ObjCBool = false
        return FileManager.default.fileExists(atPath: dir, isDirectory: &isDir) && isDir.boolValue
            && FileManager.default.fileExists(atPath: PathName.join(dir, stubName))
    }

    /// The stub's text for `count` shards (relative paths: Xapian resolves them against the stub's
    /// directory, so the index can be moved or copied whole).
    static func stubText(count: Int) -> String {
        "# Quarry sharded index: \(count) shards, documents routed by FNV-1a-64(id) mod \(count)\n"
            + (0..<count).map { "auto \(shardName($0))\n" }.joined()
    }

    static func writeStub(_ dir: String, count: Int) throws {
        let path = PathName.join(dir, stubName)
        guard FileManager.default.createFile(atPath: path, contents: Data(stubText(count: count).utf8)) else {
            throw QuarryError("\(path): cannot write the stub file")
        }
    }

    /// The shard directories of the sharded index `dir` as its stub lists them; only a stub Quarry
    /// wrote (local `auto` lines, shard-NN in order) is a layout `quarry index` may write to.
    static func shardPaths(_ dir: String) throws -> [String] {
        let entries = try StubFile.read(PathName.join(dir, stubName))
        let paths = try entries.enumerated().map { i, entry -> String in
            guard case .local(let p) = entry, PathName.last(p) == shardName(i) else {
                throw QuarryError("\(dir): its \(stubName) is not one quarry index --shards wrote (entry \(i + 1) is \(entry)); add to its shards one by one")
            }
            return p
        }
        guard !paths.isEmpty else { throw QuarryError("\(PathName.join(dir, stubName)): lists no shards") }
        return paths
    }
}

/// A Xapian stub database file: one database per line, `auto PATH` (or `glass PATH`; relative to
/// the stub's directory) or `remote HOST:PORT` (a xapian-tcpsrv); `#` starts a comment line.
public enum StubFile {
    public static func read(_ path: String) throws -> [ShardLocation] {
        guard let data = FileManager.default.contents(atPath: path) else { throw QuarryError("\(path): cannot read the stub file") }
        let base = PathName.parent(path)
        var out: [ShardLocation] = []
        for (n, raw) in String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            let parts = line.split(separator: " ", maxSplits: 1).map(String.init)
            let arg = parts.count > 1 ? parts[1].trimmingCharacters(in: .whitespaces) : ""
            if (parts[0] == "auto" || parts[0] == "glass") && !arg.isEmpty {
                out.append(.local(arg.hasPrefix("/") ? arg : PathName.join(base.isEmpty ? "." : base, arg)))
            } else if parts[0] == "remote" {
                // `remote :PROGRAM ARGS` (a database behind a program) is left out: Quarry never runs a
                // command named in a data file.
                guard let loc = ShardLocation.remote(hostPort: arg) else {
                    throw QuarryError("\(path):\(n + 1): expected remote HOST:PORT")
                }
                out.append(loc)
            } else {
                throw QuarryError("\(path):\(n + 1): not a stub line Quarry reads ('auto PATH', 'glass PATH' or 'remote HOST:PORT'); a file given as an index is read as a Xapian stub file")
            }
        }
        return out
    }
}
