// The collection formats `quarry index` reads, and how a path (file or directory) becomes records.
import Foundation

public enum CollectionFormat: String, CaseIterable, Sendable, Codable {
    case trec, beir, msmarco, jsonl, html, squad

    /// What a reader yields: a document, or a malformed record the indexer counts or stops on.
    public typealias Record = Result<RawDocument, BadRecord>

    /// The files under `path` in sorted order (the path itself when it is a file).
    static func files(at path: String) throws -> [String] {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else {
            throw QuarryError("\(path): no such file or directory")
        }
        guard isDir.boolValue else { return [path] }
        guard let walker = FileManager.default.enumerator(atPath: path) else {
            throw QuarryError("\(path): cannot list directory")
        }
        var out: [String] = []
        while let rel = walker.nextObject() as? String {
            let name = PathName.last(rel)
            if name.hasPrefix(".") { continue }
            let full = PathName.join(path, rel)
            var d: ObjCBool = false
            if FileManager.default.fileExists(atPath: full, isDirectory: &d), !d.boolValue { out.append(full) }
        }
        out.sort()
        if out.isEmpty { throw QuarryError("\(path): directory holds no files") }
        return out
    }

    /// Reads every record of the collection at `path`, in a fixed order, calling `body` for each.
    public func read(_ path: String, _ body: (Record) throws -> Void) throws {
        for file in try Self.files(at: path) {
            switch self {
            case .beir: try JSONLinesReader.read(file, idKey: "_id", textKey: "text", titleKey: "title", body)
            case .jsonl: try JSONLinesReader.read(file, idKey: "id", textKey: "contents", titleKey: "title", body)
            case .msmarco: try TSVCollectionReader.read(file, body)
            case .trec: try TRECCollectionReader.read(file, body)
            case .html: try HTMLCollectionReader.read(file, body)
            case .squad: try SQuADReader.read(file, body)
            }
        }
    }

    /// Total compressed-or-plain bytes of the input, for progress estimates.
    static func totalBytes(_ path: String) -> Int64 {
        guard let files = try? files(at: path) else { return 0 }
        return files.reduce(0) { sum, f in
            sum + ((try? FileManager.default.attributesOfItem(atPath: f)[.size] as? NSNumber)?.int64Value ?? 0)
        }
    }
}
