// MS MARCO passages: `pid<TAB>text`, one per line.

enum TSVCollectionReader {
    static func read(_ file: String, _ body: (CollectionFormat.Record) throws -> Void) throws {
        let stream = try ByteStream(path: file)
        var lineNo = 0
        while let bytes = try stream.nextLine() {
            lineNo += 1
            if bytes.isEmpty { continue }
            guard let line = String(validating: bytes, as: UTF8.self) else {
                try body(.failure(BadRecord(file: file, line: lineNo, reason: "invalid UTF-8"))); continue
            }
            guard let tab = line.firstIndex(of: "\t") else {
                try body(.failure(BadRecord(file: file, line: lineNo, reason: "expected 'id<TAB>text'"))); continue
            }
            let id = line[..<tab].trimmingCharacters(in: .whitespaces)
            guard !id.isEmpty else {
                try body(.failure(BadRecord(file: file, line: lineNo, reason: "empty id"))); continue
            }
            try body(.success(RawDocument(id: id, title: "", text: String(line[line.index(after: tab)...]), file: file, line: lineNo)))
        }
    }
}
