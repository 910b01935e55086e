// How a document is stored in the index's document data: id, title and text separated by NUL
// (readers never keep NUL bytes in text).
import QuarryAPI

enum StoredDocument {
    static func encode(id: String, title: String, text: String) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(id.utf8.count + title.utf8.count + text.utf8.count + 2)
        out.append(contentsOf: id.utf8)
        out.append(0)
        out.append(contentsOf: title.utf8)
        out.append(0)
        out.append(contentsOf: text.utf8)
        return out
    }

    static func decode(_ bytes: [UInt8]) -> Document {
        var parts = bytes.split(separator: 0, maxSplits: 2, omittingEmptySubsequences: false).map {
            String(decoding: $0, as: UTF8.self)
        }
        while parts.count < 3 { parts.append("") }
        return Document(id: parts[0], title: parts[1], text: parts[2])
    }

    /// Only the id (first field) — cheap for result lists.
    static func decodeID(_ bytes: [UInt8]) -> String {
        let end = bytes.firstIndex(of: 0) ?? bytes.endIndex
        return String(decoding: bytes[..<end], as: UTF8.self)
    }

    /// The unique Xapian term that marks a document's collection id.
    static func idTerm(_ id: String) -> String { "Q" + id }
}
