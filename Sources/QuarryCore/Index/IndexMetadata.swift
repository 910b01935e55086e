// What an index records about itself (Xapian metadata key `quarry.meta`, JSON): how it was analyzed,
// what went in, and — while it is being built — how far the build got, so `--resume` can continue.
import Foundation

public struct IndexMetadata: Codable, Sendable {
    public static let key = "quarry.meta"
    public static let currentFormat = 1

    public var format: Int = IndexMetadata.currentFormat
    public var quarryVersion: String = Quarry.version
    public var analyzer: AnalyzerSettings
    public var created: String
    public var updated: String
    /// Each input that went in: path (as given), format, documents added.
    public var inputs: [Input]
    public var maxDocBytes: Int
    /// True once the build finished; false in a `.partial` being built.
    public var complete: Bool
    /// Records (documents and skipped bad records) of the current input consumed by the last commit.
    public var recordsDone: Int
    /// Which shard of a sharded build this database is (nil for an unsharded index). Its inputs count
    /// the documents of this shard; malformed records skipped are counted in shard 0.
    public var shard: Shard? = nil

    public struct Shard: Codable, Sendable, Equatable {
        public var index: Int
        public var count: Int
        /// How documents were routed: "fnv1a64" (FNV-1a-64 of the id, modulo count).
        public var routing: String
    }

    public struct Input: Codable, Sendable {
        public var collection: String
        public var format: CollectionFormat
        public var documents: Int
        public var skipped: Int
    }

    /// The metadata of several databases searched as one: the first one's, with the documents and
    /// skipped records of the inputs they share (the shards of one build) added up, and any other
    /// inputs listed after.
    static func combined(_ parts: [IndexMetadata]) -> IndexMetadata {
        guard var out = parts.first else { preconditionFailure("no metadata to combine") }
        if parts.count == 1 { return out }
        out.shard = nil
        for m in parts.dropFirst() {
            for input in m.inputs {
                if let i = out.inputs.firstIndex(where: { $0.collection == input.collection && $0.format == input.format }) {
                    out.inputs[i].documents += input.documents
                    out.inputs[i].skipped += input.skipped
                } else {
                    out.inputs.append(input)
                }
            }
            out.created = min(out.created, m.created)
            out.updated = max(out.updated, m.updated)
        }
        return out
    }

    static func now() -> String {
        let f = ISO8601DateFormatter()
        return f.string(from: Date())
    }

    func encoded() throws -> String {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        return String(decoding: try e.encode(self), as: UTF8.self)
    }

    static func decode(_ text: String, index: String) throws -> IndexMetadata {
        guard !text.isEmpty else { throw QuarryError("\(index): not a Quarry index (no \(key) metadata)") }
        do {
            let m = try JSONDecoder().decode(IndexMetadata.self, from: Data(text.utf8))
            guard m.format <= currentFormat else {
                throw QuarryError("\(index): index format \(m.format) is newer than this Quarry supports (\(currentFormat))")
            }
            return m
        } catch let e as QuarryError {
            throw e
        } catch {
            throw QuarryError("\(index): damaged \(key) metadata (\(error))")
        }
    }
}

/// Version facts about this build of Quarry.
public enum Quarry {
    public static let version = "0.1.0"
}
