// One JSON object per line: BEIR (`_id`, `title`, `text`) and Anserini's JsonCollection (`id`, `contents`).
import Foundation

enum JSONLinesReader {
    static func read(_ file: String, idKey: String, textKey: String, titleKey: String,
                     _ body: (CollectionFormat.Record) throws -> Void) throws {
        let stream = try ByteStream(path: file)
        var lineNo = 0
        while let bytes = try stream.nextLine() {
            lineNo += 1
            if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { continue }
            func bad(_ reason: String) throws { try body(.failure(BadRecord(file: file, line: lineNo, reason: reason))) }
            guard String(validating: bytes, as: UTF8.self) != nil else { try bad("invalid UTF-8"); continue }
            guard let object = (try? JSONSerialization.jsonObject(with: Data(bytes), options: [])) as? [String: Any] else {
                try bad("not a JSON object"); continue
            }
            guard let id = scalarString(object[idKey]), !id.isEmpty else { try bad("missing or empty \"\(idKey)\""); continue }
            guard let text = object[textKey] == nil || object[textKey] is NSNull ? "" : object[textKey] as? String else {
                try bad("\"\(textKey)\" is not a string"); continue
            }
            let title = object[titleKey] as? String ?? ""
            try body(.success(RawDocument(id: id, title: title, text: text, file: file, line: lineNo)))
        }
    }

    /// Ids are strings in the published formats, but some files write numbers.
    static func scalarString(_ value: Any?) -> String? {
        switch value {
        case let s as String: return s.trimmingCharacters(in: .whitespaces)
        case let n as NSNumber: return n.stringValue
        default: return nil
        }
    }
}
