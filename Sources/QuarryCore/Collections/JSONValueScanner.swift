// Walks the structure of one large JSON document in a stream, handing out the raw bytes of chosen
// values to parse one at a time (so a SQuAD file is read in constant memory in its article count).
import Foundation

final class JSONValueScanner {
    private let stream: ByteStream
    let file: String
    /// The line the scanner is on (1-based).
    private(set) var line = 1

    init(_ stream: ByteStream, file: String) {
        self.stream = stream
        self.file = file
    }

    func error(_ message: String) -> QuarryError { inputError(file, line: line, "malformed JSON: \(message)") }

    private func next() throws -> UInt8? {
        let b = try stream.nextByte()
        if b == UInt8(ascii: "\n") { line += 1 }
        return b
    }

    /// The next byte that is not white space, without consuming it; nil at end of file.
    func peekToken() throws -> UInt8? {
        while let b = try stream.peekByte() {
            guard b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D else { return b }
            _ = try next()
        }
        return nil
    }

    /// Consumes the next token byte, which must be one of `allowed`; returns it.
    @discardableResult
    func expect(_ allowed: String) throws -> UInt8 {
        guard let b = try peekToken() else { throw error("unexpected end of file (expected \(describe(allowed)))") }
        guard allowed.utf8.contains(b) else {
            throw error("expected \(describe(allowed)), found '\(String(decoding: [b], as: UTF8.self))'")
        }
        _ = try next()
        return b
    }

    private func describe(_ allowed: String) -> String { allowed.map { "'\($0)'" }.joined(separator: " or ") }

    /// An object key (a string), decoded.
    func key() throws -> String {
        guard try peekToken() == UInt8(ascii: "\"") else { throw error("expected an object key") }
        let raw = try value(keep: true)
        guard let s = (try? JSONSerialization.jsonObject(with: Data(raw), options: [.fragmentsAllowed])) as? String else {
            throw error("bad object key")
        }
        return s
    }

    /// Consumes one JSON value; returns its raw bytes when `keep`, else nothing (skipped).
    @discardableResult
    func value(keep: Bool) throws -> [UInt8] {
        guard let first = try peekToken() else { throw error("unexpected end of file (expected a value)") }
        var out: [UInt8] = []
        guard first == UInt8(ascii: "{") || first == UInt8(ascii: "[") || first == UInt8(ascii: "\"") else {
            // A number, true, false or null: up to the next delimiter.
            while let p = try stream.peekByte(), !Self.delimiters.contains(p) {
                _ = try next()
                if keep { out.append(p) }
            }
            return out
        }
        var depth = 0
        var inString = false
        var escaped = false
        repeat {
            guard let b = try next() else { throw error("unexpected end of file inside a value") }
            if keep { out.append(b) }
            if inString {
                if escaped { escaped = false } else if b == UInt8(ascii: "\\") { escaped = true } else if b == UInt8(ascii: "\"") { inString = false }
            } else if b == UInt8(ascii: "\"") {
                inString = true
            } else if b == UInt8(ascii: "{") || b == UInt8(ascii: "[") {
                depth += 1
            } else if b == UInt8(ascii: "}") || b == UInt8(ascii: "]") {
                depth -= 1
            }
        } while inString || depth > 0
        return out
    }

    private static let delimiters: [UInt8] = [UInt8(ascii: ","), UInt8(ascii: "}"), UInt8(ascii: "]"), 0x20, 0x09, 0x0A, 0x0D]
}
