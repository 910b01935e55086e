// SentencePiece's precompiled normalization rules (nmt_nfkc and friends): a darts-clone double-array trie
// over UTF-8 byte strings whose values are offsets of NUL-terminated replacements.
//
// Layout of the blob: a little-endian UInt32 with the trie's size in bytes, the trie (little-endian UInt32
// units), then the replacement strings. A unit holds: label (bits 0-7, plus bit 31 for leaves), has-leaf
// (bit 8), and an offset ((unit >> 10) << ((unit & (1 << 9)) >> 6)) to XOR into the node position; a
// leaf unit's low 31 bits are the value.
import Foundation

public struct PrecompiledCharsmap: Sendable {
    private let units: [UInt32]
    private let replacements: [UInt8]

    public init(_ blob: [UInt8], source: String = "precompiled_charsmap") throws {
        if blob.isEmpty {
            units = []
            replacements = []
            return
        }
        guard blob.count >= 4 else { throw TokenizerError("\(source): shorter than its 4-byte header") }
        let size = Int(UInt32(blob[0]) | UInt32(blob[1]) << 8 | UInt32(blob[2]) << 16 | UInt32(blob[3]) << 24)
        guard size % 4 == 0, size <= blob.count - 4 else {
            throw TokenizerError("\(source): trie size \(size) does not fit the \(blob.count)-byte blob")
        }
        var u = [UInt32](repeating: 0, count: size / 4)
        for i in 0..<u.count {
            let o = 4 + 4 * i
            u[i] = UInt32(blob[o]) | UInt32(blob[o + 1]) << 8 | UInt32(blob[o + 2]) << 16 | UInt32(blob[o + 3]) << 24
        }
        units = u
        replacements = Array(blob[(4 + size)...])
        // Every value must point inside the replacement strings.
        for unit in u where unit & (1 << 31) != 0 {
            guard Int(unit & 0x7FFF_FFFF) < max(1, replacements.count) else {
                throw TokenizerError("\(source): a trie value points outside the replacement strings")
            }
        }
    }

    public var isEmpty: Bool { units.isEmpty }

    @inline(__always) private static func offset(_ u: UInt32) -> Int { Int((u >> 10) << ((u & (1 << 9)) >> 6)) }

    /// Calls `found(length, valueOffset)` for every key that is a prefix of bytes[from..<to], shortest
    /// first; stops when `found` returns false.
    @inline(__always)
    private func prefixes(_ bytes: UnsafeBufferPointer<UInt8>, _ from: Int, _ to: Int, _ found: (Int, Int) -> Bool) {
        guard !units.isEmpty else { return }
        var pos = Self.offset(units[0])
        var i = from
        while i < to {
            let c = bytes[i]
            if c == 0 { return }
            pos ^= Int(c)
            guard pos >= 0, pos < units.count else { return }
            let unit = units[pos]
            if unit & (0x8000_0000 | 0xFF) != UInt32(c) { return }
            pos ^= Self.offset(unit)
            i += 1
            if (unit >> 8) & 1 == 1 {
                guard pos < units.count else { return }
                if !found(i - from, Int(units[pos] & 0x7FFF_FFFF)) { return }
            }
        }
    }

    @inline(__always)
    private func appendReplacement(_ at: Int, to out: inout [UInt8]) {
        var k = at
        while k < replacements.count && replacements[k] != 0 {
            out.append(replacements[k])
            k += 1
        }
    }

    /// SentencePiece's own rule: at each position the longest matching key is replaced; otherwise one
    /// character is copied. `emit(replacementBytes, consumed)` receives each step.
    func normalizeSentencePiece(_ bytes: [UInt8], _ emit: (_ piece: ArraySlice<UInt8>, _ consumed: Int) -> Void) {
        var scratch: [UInt8] = []
        bytes.withUnsafeBufferPointer { buf in
            var i = 0
            while i < buf.count {
                var longest = 0, value = 0
                prefixes(buf, i, buf.count) { len, v in
                    if len > longest { longest = len; value = v }
                    return true
                }
                if longest > 0 {
                    scratch.removeAll(keepingCapacity: true)
                    appendReplacement(value, to: &scratch)
                    emit(scratch[...], longest)
                    i += longest
                } else {
                    let n = min(utf8Length(buf[i]), buf.count - i)
                    emit(bytes[i..<(i + n)], n)
                    i += n
                }
            }
        }
    }

    /// Hugging Face's rule (tokenizers' Precompiled normalizer): per grapheme cluster, if the cluster is
    /// under 6 bytes and some key is a prefix of it, the whole cluster becomes the SHORTEST such key's
    /// replacement; otherwise each character is replaced when it is a key, or kept.
    func normalizeHuggingFace(_ text: String) -> String {
        if units.isEmpty { return text }
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count + 8)
        let utf8 = Array(text.utf8)
        utf8.withUnsafeBufferPointer { buf in
            var i = 0
            while i < buf.count {
                // An ASCII character followed by ASCII (or the end) is a grapheme of its own (CR LF aside).
                let b = buf[i]
                if b < 0x80 && b != 0x0D && (i + 1 == buf.count || buf[i + 1] < 0x80) {
                    var value = -1
                    prefixes(buf, i, i + 1) { _, v in value = v; return false }
                    if value >= 0 { appendReplacement(value, to: &out) } else { out.append(b) }
                    i += 1
                    continue
                }
                // Otherwise segment the stretch up to the next certain boundary (between two ASCII
                // characters other than CR LF) into grapheme clusters.
                var j = i + 1
                while j < buf.count && !(buf[j - 1] < 0x80 && buf[j] < 0x80 && buf[j - 1] != 0x0D) { j += 1 }
                normalizeClusters(buf, i, j, &out)
                i = j
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    private func normalizeClusters(_ buf: UnsafeBufferPointer<UInt8>, _ from: Int, _ to: Int, _ out: inout [UInt8]) {
        let text = String(decoding: UnsafeBufferPointer(rebasing: buf[from..<to]), as: UTF8.self)
        do {
            // Grapheme boundaries as byte offsets: walk Characters by index, not by String copies.
            var byteStart = from
            var idx = text.startIndex
            while idx < text.endIndex {
                let next = text.index(after: idx)
                let len = text.utf8.distance(from: idx, to: next)
                let end = byteStart + len
                var done = false
                if len < 6 {
                    var value = -1
                    prefixes(buf, byteStart, end) { _, v in value = v; return false }
                    if value >= 0 {
                        appendReplacement(value, to: &out)
                        done = true
                    }
                }
                if !done {
                    var i = byteStart
                    while i < end {
                        let n = min(utf8Length(buf[i]), end - i)
                        var value = -1
                        prefixes(buf, i, i + n) { l, v in
                            if l == n { value = v; return false }
                            return true
                        }
                        if value >= 0 {
                            appendReplacement(value, to: &out)
                        } else {
                            out.append(contentsOf: buf[i..<(i + n)])
                        }
                        i += n
                    }
                }
                byteStart = end
                idx = next
            }
        }
    }
}
