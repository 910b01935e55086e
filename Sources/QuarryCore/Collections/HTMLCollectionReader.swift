// HTML pages, one document each: a file in a directory, or members of a tarball (.tar, .tar.gz,
// .tgz). The id is the file name without its extension.
import Foundation

enum HTMLCollectionReader {
    static func read(_ file: String, _ body: (CollectionFormat.Record) throws -> Void) throws {
        let lower = file.lowercased()
        if lower.hasSuffix(".tar") || lower.hasSuffix(".tar.gz") || lower.hasSuffix(".tgz") {
            try TarReader.forEachFile(file) { name, bytes in
                let base = PathName.last(name)
                guard isHTML(base) else { return }
                try body(document(bytes, name: base, location: "\(file)[\(name)]"))
            }
        } else {
            let base = PathName.last(file)
            guard isHTML(base) else { return }
            try body(document(try ByteStream(path: file).readAll(), name: base, location: file))
        }
    }

    static func isHTML(_ name: String) -> Bool {
        let l = name.lowercased()
        return !name.hasPrefix(".") && htmlExtensions.contains { l.hasSuffix($0) || l.hasSuffix($0 + ".gz") }
    }

    static let htmlExtensions = [".html", ".htm", ".xhtml"]

    static func document(_ bytes: [UInt8], name: String, location: String) -> CollectionFormat.Record {
        var id = name
        for ext in [".gz", ".html", ".htm", ".xhtml"] where id.lowercased().hasSuffix(ext) { id = String(id.dropLast(ext.count)) }
        guard let html = String(validating: bytes, as: UTF8.self) ?? latin1(bytes) else {
            return .failure(BadRecord(file: location, line: nil, reason: "not text"))
        }
        return .success(RawDocument(id: id, title: HTMLText.title(html), text: HTMLText.text(html), file: location, line: nil))
    }

    /// Old HTML pages are often Latin-1; NUL bytes mean the file is not text at all.
    static func latin1(_ bytes: [UInt8]) -> String? {
        if bytes.contains(0) { return nil }
        return String(String.UnicodeScalarView(bytes.map { Unicode.Scalar($0) }))
    }
}

/// The regular files of a tar archive (ustar, with GNU or pax long names), streamed.
enum TarReader {
    static func forEachFile(_ path: String, _ body: (String, [UInt8]) throws -> Void) throws {
        let stream = try ByteStream(path: path)
        var longName: String? = nil
        while true {
            let header = try stream.read(512)
            if header.count < 512 || header.allSatisfy({ $0 == 0 }) { return }
            func field(_ offset: Int, _ length: Int) -> String {
                let slice = header[offset..<offset + length]
                let end = slice.firstIndex(of: 0) ?? slice.endIndex
                return String(decoding: header[offset..<end], as: UTF8.self)
            }
            let sizeText = field(124, 12).trimmingCharacters(in: CharacterSet(charactersIn: " \0"))
            guard let size = Int(sizeText.isEmpty ? "0" : sizeText, radix: 8) else {
                throw QuarryError("\(path): damaged tar header")
            }
            let type = header[156]
            var name = field(0, 100)
            let prefix = field(345, 155)
            if !prefix.isEmpty && field(257, 5) == "ustar" { name = prefix + "/" + name }
            if let l = longName { name = l; longName = nil }
            let padded = (size + 511) / 512 * 512
            switch type {
            case UInt8(ascii: "L"):
                let data = try stream.read(padded)
                longName = String(decoding: data.prefix(size).prefix { $0 != 0 }, as: UTF8.self)
            case UInt8(ascii: "x"):
                longName = paxPath(try stream.read(padded).prefix(size)) ?? longName
            case 0, UInt8(ascii: "0"):
                let data = try stream.read(padded)
                guard data.count >= size else { throw QuarryError("\(path): truncated tar member \(name)") }
                try body(name, Array(data.prefix(size)))
            default:
                try stream.skip(padded)
            }
        }
    }

    /// The `path` record of a pax extended header (`LEN path=VALUE\n` records).
    static func paxPath(_ data: ArraySlice<UInt8>) -> String? {
        for record in String(decoding: data, as: UTF8.self).split(separator: "\n") {
            guard let space = record.firstIndex(of: " ") else { continue }
            let kv = record[record.index(after: space)...]
            if kv.hasPrefix("path=") { return String(kv.dropFirst(5)) }
        }
        return nil
    }
}
