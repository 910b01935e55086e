// Streaming reads of plain or gzip-compressed files (zlib reads both transparently).
import CZlib
import Foundation

/// A file read in blocks; `.gz` or not, the bytes come out uncompressed.
final class ByteStream {
    let path: String
    private let file: gzFile
    private var buffer: [UInt8]
    private var start = 0
    private var end = 0
    private var eof = false

    init(path: String, bufferSize: Int = 1 << 18) throws {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else {
            throw QuarryError("\(path): no such file")
        }
        guard !isDir.boolValue else { throw QuarryError("\(path): is a directory") }
        guard let f = gzopen(path, "rb") else { throw QuarryError("\(path): cannot open (\(String(cString: strerror(errno))))") }
        gzbuffer(f, 1 << 17)
        file = f
        self.path = path
        buffer = [UInt8](repeating: 0, count: bufferSize)
        if let tracker = ReadProgress.current {
            let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.int64Value ?? 0
            tracker.opened(self, size: size)
        }
    }

    deinit { gzclose(file) }

    /// Bytes of the file on disk consumed so far (compressed bytes for a .gz file).
    var compressedOffset: Int64 { Int64(gzoffset(file)) }

    /// Refills the buffer, keeping unread bytes; returns false at end of file.
    private func fill() throws -> Bool {
        if eof { return false }
        if start > 0 {
            if end > start { buffer.withUnsafeMutableBufferPointer { b in
                _ = memmove(b.baseAddress!, b.baseAddress! + start, end - start)
            } }
            end -= start
            start = 0
        }
        if end == buffer.count { buffer.append(contentsOf: [UInt8](repeating: 0, count: buffer.count)) }
        let n = buffer.withUnsafeMutableBufferPointer { b in
            gzread(file, b.baseAddress! + end, UInt32(b.count - end))
        }
        if n < 0 {
            var code: Int32 = 0
            let msg = String(cString: gzerror(file, &code))
            throw QuarryError("\(path): read error (\(msg))")
        }
        if n == 0 {
            eof = true
            return false
        }
        end += Int(n)
        return true
    }

    /// The next line without its newline (and without a trailing '\r'), or nil at end of file.
    func nextLine() throws -> ArraySlice<UInt8>? {
        var scanFrom = start
        while true {
            if let nl = buffer[scanFrom..<end].firstIndex(of: UInt8(ascii: "\n")) {
                var lineEnd = nl
                if lineEnd > start, buffer[lineEnd - 1] == UInt8(ascii: "\r") { lineEnd -= 1 }
                let line = buffer[start..<lineEnd]
                start = nl + 1
                return line
            }
            let consumed = end - start
            if try !fill() {
                guard end > start else { return nil }
                var lineEnd = end
                if buffer[lineEnd - 1] == UInt8(ascii: "\r") { lineEnd -= 1 }
                let line = buffer[start..<lineEnd]
                start = end
                return line
            }
            scanFrom = start + consumed
        }
    }

    /// The next byte, or nil at end of file.
    @inline(__always)
    func nextByte() throws -> UInt8? {
        if start == end, try !fill() { return nil }
        let b = buffer[start]
        start += 1
        return b
    }

    /// The next byte without consuming it, or nil at end of file.
    @inline(__always)
    func peekByte() throws -> UInt8? {
        if start == end, try !fill() { return nil }
        return buffer[start]
    }

    /// Exactly `count` bytes, or fewer at end of file.
    func read(_ count: Int) throws -> [UInt8] {
        while end - start < count {
            if try !fill() { break }
        }
        let n = min(count, end - start)
        let out = Array(buffer[start..<start + n])
        start += n
        return out
    }

    /// Skips `count` bytes.
    func skip(_ count: Int) throws {
        var left = count
        while left > 0 {
            if end == start, try !fill() { return }
            let n = min(left, end - start)
            start += n
            left -= n
        }
    }

    /// The whole remaining content.
    func readAll() throws -> [UInt8] {
        while try fill() {}
        let out = Array(buffer[start..<end])
        start = end
        return out
    }
}

/// Decodes UTF-8 bytes, or throws naming the file and line (for a whole file, `line` nil: the line
/// that holds the first invalid byte).
func decodeUTF8<C: Collection>(_ bytes: C, file: String, line: Int?) throws -> String where C.Element == UInt8 {
    guard let s = String(validating: bytes, as: UTF8.self) else {
        throw inputError(file, line: line ?? firstInvalidUTF8Line(bytes), "invalid UTF-8")
    }
    return s
}

/// The 1-based line of the first line that is not valid UTF-8.
func firstInvalidUTF8Line<C: Collection>(_ bytes: C) -> Int where C.Element == UInt8 {
    var lineNo = 0
    for line in bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
        lineNo += 1
        if String(validating: line, as: UTF8.self) == nil { return lineNo }
    }
    return max(lineNo, 1)
}
