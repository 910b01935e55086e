// How a document is stored in the index's document data: id, title and text separated by NUL
// (readers never keep NUL bytes in text). In an index with a text dictionary (TextDictionary), the
// id stays as it is and "title NUL text" after it is one zstd frame.
import QuarryAPI

enum StoredDocument {
    static func encode(id: String, title: String, text: String, compressor: TextCompressor? = nil) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(id.utf8.count + title.utf8.count + text.utf8.count + 2)
        out.append(contentsOf: id.utf8)
        out.append(0)
        if let compressor {
            compressor.compress(body(title: title, text: text), into: &out)
        } else {
            out.append(contentsOf: body(title: title, text: text))
        }
        return out
    }

    /// "title NUL text": what follows the id.
    static func body(title: String, text: String) -> [UInt8] {
        var body: [UInt8] = []
        body.reserveCapacity(title.utf8.count + text.utf8.count + 1)
        body.append(contentsOf: title.utf8)
        body.append(0)
        body.append(contentsOf: text.utf8)
        return body
    }

    /// `decompressor`: for an index with a text dictionary; nil where text is stored as it is.
    static func decode(_ bytes: [UInt8], decompressor: TextDecompressor?) throws -> Document {
        let idEnd = bytes.firstIndex(of: 0) ?? bytes.endIndex
        let id = String(decoding: bytes[..<idEnd], as: UTF8.self)
        let rest = idEnd < bytes.endIndex ? bytes[(idEnd + 1)...] : []
        var body = Array(rest)
        if let decompressor, !rest.isEmpty {
            guard let plain = decompressor.decompress(rest) else {
                throw QuarryError("the stored text of document '\(id)' is damaged (it does not decompress with the index's text dictionary)")
            }
            body = plain
        }
        let titleEnd = body.firstIndex(of: 0) ?? body.endIndex
        let title = String(decoding: body[..<titleEnd], as: UTF8.self)
        let text = titleEnd < body.endIndex ? String(decoding: body[(titleEnd + 1)...], as: UTF8.self) : ""
        return Document(id: id, title: title, text: text)
    }

    /// Only the id (first field) — cheap for result lists.
    static func decodeID(_ bytes: [UInt8]) -> String {
        let end = bytes.firstIndex(of: 0) ?? bytes.endIndex
        return String(decoding: bytes[..<end], as: UTF8.self)
    }

    /// The unique Xapian term that marks a document's collection id.
    static func idTerm(_ id: String) -> String { "Q" + id }
}
