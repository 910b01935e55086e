// A JSONL file of one record per question, written by a job that may stop part way (distill teacher,
// rag-eval): records are appended to FILE.partial as they arrive, and a new run keeps what is there.
import Foundation
import QuarryCore

enum ResumableJSONL {
    /// Records already written, by qid: those in `path` and those appended to `path`.partial by a run
    /// that was interrupted (whose last line may be cut short). `isRecord` says whether a parsed line is
    /// one of this file's records; any other line is an error naming `kind`.
    static func existing(_ path: String, kind: String, isRecord: ([String: Any]) -> Bool) throws -> [String: (line: String, record: [String: Any])] {
        var out: [String: (String, [String: Any])] = [:]
        for (file, partial) in [(path, false), (path + ".partial", true)] where FileManager.default.fileExists(atPath: file) {
            guard let data = FileManager.default.contents(atPath: file) else { throw QuarryError("\(file): cannot read") }
            let lines = String(decoding: data, as: UTF8.self).split(separator: "\n")
            for (n, line) in lines.enumerated() {
                guard let obj = (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any],
                      let qid = obj["qid"] as? String, isRecord(obj) else {
                    if partial && n == lines.count - 1 { break }   // cut by the interruption
                    throw QuarryError("\(file):\(n + 1): not \(kind); move the file away or fix it")
                }
                out[qid] = (String(line), obj)
            }
        }
        return out
    }

    final class Appender: @unchecked Sendable {
        let path: String
        let handle: FileHandle
        let lock = NSLock()
        var lines: [String: String] = [:]

        /// Starts `path` over with the `keeping` lines, then appends.
        init(path: String, keeping: [String]) throws {
            self.path = path
            let tmp = path + ".partial"
            guard FileManager.default.createFile(atPath: tmp, contents: Data(keeping.map { $0 + "\n" }.joined().utf8)) else {
                throw QuarryError("\(tmp): cannot write")
            }
            guard let h = FileHandle(forWritingAtPath: tmp) else { throw QuarryError("\(tmp): cannot open") }
            handle = h
            try handle.seekToEnd()
            for line in keeping {
                if let obj = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], let qid = obj["qid"] as? String {
                    lines[qid] = line
                }
            }
        }

        func append(_ record: [String: Any]) throws {
            let data = try JSONSerialization.data(withJSONObject: record, options: [.sortedKeys, .withoutEscapingSlashes])
            let line = String(decoding: data, as: UTF8.self)
            try lock.withLock {
                try handle.write(contentsOf: Data((line + "\n").utf8))
                lines[record["qid"] as! String] = line
            }
        }

        /// Writes every record in `order` to `path` atomically and drops the partial file.
        func finish(order: [String]) throws {
            try handle.close()
            let text = order.compactMap { lines[$0] }.map { $0 + "\n" }.joined()
            try RunWriter.writeAtomically(text, to: path)
            try? FileManager.default.removeItem(atPath: path + ".partial")
        }
    }
}
