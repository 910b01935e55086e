// TREC SGML: `<DOC><DOCNO>id</DOCNO> … </DOC>`. Text sits in <TEXT> tags when there are any, or bare
// inside <DOC> (as in the Vaswani collection); a <HEADLINE>/<TITLE>/<HEAD> becomes the title.
import Foundation

enum TRECCollectionReader {
    static func read(_ file: String, _ body: (CollectionFormat.Record) throws -> Void) throws {
        let stream = try ByteStream(path: file)
        var lineNo = 0
        var inDoc = false
        var docStart = 0
        var lines: [Substring] = []
        var badInDoc: String? = nil
        func bad(_ line: Int, _ reason: String) throws { try body(.failure(BadRecord(file: file, line: line, reason: reason))) }
        while let bytes = try stream.nextLine() {
            lineNo += 1
            guard let line = String(validating: bytes, as: UTF8.self) else {
                if inDoc { badInDoc = badInDoc ?? "invalid UTF-8 at line \(lineNo)" } else { try bad(lineNo, "invalid UTF-8") }
                continue
            }
            // A line may open and close several documents (`<DOC>…</DOC><DOC>…`).
            var rest = Substring(line)
            while true {
                if inDoc {
                    let open = rest.range(of: "<DOC>")
                    let close = rest.range(of: "</DOC>")
                    if let open, close.map({ open.lowerBound < $0.lowerBound }) ?? true {
                        try bad(docStart, "<DOC> not closed before the next <DOC> at line \(lineNo)")
                        lines.append(rest[..<open.lowerBound])
                        start(at: lineNo)
                        rest = rest[open.upperBound...]
                    } else if let close {
                        lines.append(rest[..<close.lowerBound])
                        try finish()
                        rest = rest[close.upperBound...]
                    } else {
                        lines.append(rest)
                        break
                    }
                } else {
                    let open = rest.range(of: "<DOC>")
                    let before = open.map { rest[..<$0.lowerBound] } ?? rest
                    if !before.allSatisfy(\.isWhitespace) { try bad(lineNo, "text outside <DOC>…</DOC>") }
                    guard let open else { break }
                    start(at: lineNo)
                    rest = rest[open.upperBound...]
                }
            }
        }
        if inDoc { try bad(docStart, "<DOC> never closed") }

        func start(at line: Int) {
            inDoc = true
            docStart = line
            lines = []
            badInDoc = nil
        }

        func finish() throws {
            inDoc = false
            if let reason = badInDoc { return try bad(docStart, reason) }
            let raw = lines.joined(separator: "\n")
            lines = []
            guard let id = SGML.element("DOCNO", in: raw)?.trimmingCharacters(in: .whitespacesAndNewlines), !id.isEmpty else {
                return try bad(docStart, "document without <DOCNO>")
            }
            let title = ["HEADLINE", "TITLE", "HEAD"].lazy.compactMap { SGML.element($0, in: raw) }.first ?? ""
            let text: String
            let texts = SGML.elements("TEXT", in: raw)
            if !texts.isEmpty {
                text = texts.joined(separator: "\n")
            } else {
                var rest = raw
                for tag in ["DOCNO", "HEADLINE", "TITLE", "HEAD"] { rest = SGML.removing(tag, from: rest) }
                text = rest
            }
            let cleanTitle = HTMLText.decodeEntities(HTMLText.stripTags(title)).trimmingCharacters(in: .whitespacesAndNewlines)
            try body(.success(RawDocument(id: id, title: cleanTitle, text: HTMLText.decodeEntities(HTMLText.stripTags(text)), file: file, line: docStart)))
        }
    }
}

/// Minimal SGML element access for TREC files (tags are upper case and not nested).
enum SGML {
    static func element(_ tag: String, in text: String) -> String? { elements(tag, in: text).first }

    static func elements(_ tag: String, in text: String) -> [String] {
        var out: [String] = []
        var search = text.startIndex..<text.endIndex
        while let open = text.range(of: "<\(tag)>", range: search) ?? text.range(of: "<\(tag) ", range: search) {
            guard let openEnd = text.range(of: ">", range: open.lowerBound..<text.endIndex) else { break }
            guard let close = text.range(of: "</\(tag)>", range: openEnd.upperBound..<text.endIndex) else {
                out.append(String(text[openEnd.upperBound...]))
                break
            }
            out.append(String(text[openEnd.upperBound..<close.lowerBound]))
            search = close.upperBound..<text.endIndex
        }
        return out
    }

    static func removing(_ tag: String, from text: String) -> String {
        var result = text
        while let open = result.range(of: "<\(tag)>") {
            if let close = result.range(of: "</\(tag)>", range: open.upperBound..<result.endIndex) {
                result.removeSubrange(open.lowerBound..<close.upperBound)
            } else {
                result.removeSubrange(open)
            }
        }
        return result
    }
}
