// TREC SGML: `<DOC><DOCNO>id</DOCNO> … </DOC>`. Text sits in <TEXT> tags when there are any, or bare
// inside <DOC> (as in the Vaswani collection); a <HEADLINE>/<TITLE>/<HEAD> becomes the title.
import Foundation

enum TRECCollectionReader {
    static func read(_ file: String, _ body: (CollectionFormat.Record) throws -> Void) throws {
        let stream = try ByteStream(path: file)
        var lineNo = 0
        var inDoc = false
        var docStart = 0
        var lines: [String] = []
        var badInDoc: String? = nil
        while let bytes = try stream.nextLine() {
            lineNo += 1
            guard let line = String(validating: bytes, as: UTF8.self) else {
                if inDoc { badInDoc = badInDoc ?? "invalid UTF-8 at line \(lineNo)" } else {
                    try body(.failure(BadRecord(file: file, line: lineNo, reason: "invalid UTF-8")))
                }
                continue
            }
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.hasPrefix("<DOC>") || trimmed == "<DOC>" {
                if inDoc {
                    try body(.failure(BadRecord(file: file, line: docStart, reason: "<DOC> not closed before the next <DOC> at line \(lineNo)")))
                }
                inDoc = true
                docStart = lineNo
                lines = []
                badInDoc = nil
                let rest = trimmed.dropFirst(5)
                if !rest.isEmpty { lines.append(String(rest)) }
                if rest.contains("</DOC>") { try finish() }
                continue
            }
            guard inDoc else {
                if !trimmed.isEmpty {
                    try body(.failure(BadRecord(file: file, line: lineNo, reason: "text outside <DOC>…</DOC>")))
                }
                continue
            }
            lines.append(line)
            if line.contains("</DOC>") { try finish() }
        }
        if inDoc {
            try body(.failure(BadRecord(file: file, line: docStart, reason: "<DOC> never closed")))
        }

        func finish() throws {
            inDoc = false
            var raw = lines.joined(separator: "\n")
            if let close = raw.range(of: "</DOC>") { raw = String(raw[..<close.lowerBound]) }
            if let reason = badInDoc {
                try body(.failure(BadRecord(file: file, line: docStart, reason: reason)))
                return
            }
            guard let id = SGML.element("DOCNO", in: raw)?.trimmingCharacters(in: .whitespacesAndNewlines), !id.isEmpty else {
                try body(.failure(BadRecord(file: file, line: docStart, reason: "document without <DOCNO>")))
                return
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
            try body(.success(RawDocument(id: id, title: HTMLText.stripTags(title), text: HTMLText.stripTags(text), file: file, line: docStart)))
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
