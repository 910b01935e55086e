// Pieces the tokenizers share: a byte trie for vocabulary look-ups without building strings, the
// splitting of raw text on added (special) tokens, and reading tokenizer.json.
import Foundation

/// A trie over UTF-8 bytes, frozen into flat arrays: children of a node are a sorted run of edges.
struct ByteTrie: Sendable {
    private var edgeStart: [Int32] = []   // per node: first edge
    private var edgeCount: [UInt16] = []  // per node: number of edges
    private var labels: [UInt8] = []
    private var targets: [Int32] = []
    private(set) var values: [Int32] = [] // per node: value or -1

    static let root: Int32 = 0

    init(_ entries: [(key: [UInt8], value: Int)]) {
        // Build with per-node dictionaries, then freeze breadth-first.
        var children: [[UInt8: Int32]] = [[:]]
        var vals: [Int32] = [-1]
        for (key, value) in entries {
            var node: Int32 = 0
            for b in key {
                if let next = children[Int(node)][b] {
                    node = next
                } else {
                    let next = Int32(children.count)
                    children.append([:])
                    vals.append(-1)
                    children[Int(node)][b] = next
                    node = next
                }
            }
            // First entry wins, as a vocabulary map built in id order keeps the first id of a duplicate.
            if vals[Int(node)] < 0 { vals[Int(node)] = Int32(value) }
        }
        edgeStart = Array(repeating: 0, count: children.count)
        edgeCount = Array(repeating: 0, count: children.count)
        values = vals
        labels.reserveCapacity(children.count)
        targets.reserveCapacity(children.count)
        for (n, map) in children.enumerated() {
            edgeStart[n] = Int32(labels.count)
            edgeCount[n] = UInt16(map.count)
            for (b, t) in map.sorted(by: { $0.key < $1.key }) {
                labels.append(b)
                targets.append(t)
            }
        }
    }

    /// The child of `node` along `byte`, or -1.
    @inline(__always)
    func child(_ node: Int32, _ byte: UInt8) -> Int32 {
        let start = Int(edgeStart[Int(node)])
        let n = Int(edgeCount[Int(node)])
        if n <= 8 {
            var i = start
            while i < start + n {
                if labels[i] == byte { return targets[i] }
                i += 1
            }
            return -1
        }
        var lo = start, hi = start + n
        while lo < hi {
            let mid = (lo + hi) >> 1
            let l = labels[mid]
            if l == byte { return targets[mid] }
            if l < byte { lo = mid + 1 } else { hi = mid }
        }
        return -1
    }

    @inline(__always)
    func value(_ node: Int32) -> Int { Int(values[Int(node)]) }

    /// The node reached from `node` by `bytes`, or -1.
    func walk(_ node: Int32, _ bytes: [UInt8]) -> Int32 {
        var n = node
        for b in bytes {
            n = child(n, b)
            if n < 0 { return -1 }
        }
        return n
    }
}

/// Literal special tokens matched in the raw text before normalization (Hugging Face's added tokens that
/// are not normalized), leftmost-longest.
struct AddedTokens: Sendable {
    private let trie: ByteTrie
    private let firstBytes: [Bool]
    let isEmpty: Bool

    init(_ tokens: [(String, Int)]) {
        trie = ByteTrie(tokens.filter { !$0.0.isEmpty }.map { (Array($0.0.utf8), $0.1) })
        var first = Array(repeating: false, count: 256)
        for (t, _) in tokens { if let b = t.utf8.first { first[Int(b)] = true } }
        firstBytes = first
        isEmpty = tokens.isEmpty
    }

    enum Segment {
        case text(Range<Int>)
        case token(Int)
    }

    /// Splits UTF-8 `bytes` into text ranges and special-token ids.
    func split(_ bytes: [UInt8]) -> [Segment] {
        if isEmpty { return [.text(0..<bytes.count)] }
        var out: [Segment] = []
        var textStart = 0
        var i = 0
        while i < bytes.count {
            if firstBytes[Int(bytes[i])] {
                var node = ByteTrie.root
                var best = -1, bestId = -1
                var j = i
                while j < bytes.count {
                    node = trie.child(node, bytes[j])
                    if node < 0 { break }
                    j += 1
                    if trie.value(node) >= 0 { best = j; bestId = trie.value(node) }
                }
                if best > 0 {
                    if textStart < i { out.append(.text(textStart..<i)) }
                    out.append(.token(bestId))
                    i = best
                    textStart = i
                    continue
                }
            }
            i += 1
        }
        if textStart < bytes.count || out.isEmpty { out.append(.text(textStart..<bytes.count)) }
        return out
    }
}

/// Reading tokenizer.json and friends with errors that name the file and the field.
enum TokenizerFiles {
    static func data(_ path: String) throws -> Data {
        guard FileManager.default.fileExists(atPath: path) else {
            throw TokenizerError("\(path): no such file")
        }
        do {
            return try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw TokenizerError("\(path): cannot be read (\(error.localizedDescription))")
        }
    }

    static func json(_ path: String) throws -> [String: Any] {
        let d = try data(path)
        let obj: Any
        do {
            obj = try JSONSerialization.jsonObject(with: d)
        } catch {
            throw TokenizerError("\(path): not valid JSON (\(error.localizedDescription))")
        }
        guard let dict = obj as? [String: Any] else { throw TokenizerError("\(path): the top level is not a JSON object") }
        return dict
    }

    /// The special added tokens of a tokenizer.json that match raw text (normalized == false).
    static func addedTokens(_ json: [String: Any], file: String) throws -> (matchers: [(String, Int)], special: [Int]) {
        guard let list = json["added_tokens"] else { return ([], []) }
        guard let entries = list as? [[String: Any]] else { throw TokenizerError("\(file): added_tokens is not a list of objects") }
        var matchers: [(String, Int)] = []
        var special: [Int] = []
        for (k, e) in entries.enumerated() {
            guard let content = e["content"] as? String, let id = (e["id"] as? NSNumber)?.intValue else {
                throw TokenizerError("\(file): added_tokens[\(k)] needs content and id")
            }
            if (e["special"] as? Bool) ?? false { special.append(id) }
            // Tokens to normalize before matching, or with whitespace-stripping flags, are not supported;
            // the special tokens of BERT and T5 have neither.
            if (e["normalized"] as? Bool) ?? false {
                throw TokenizerError("\(file): added_tokens[\(k)] (\(content)): normalized added tokens are not supported")
            }
            matchers.append((content, id))
        }
        return (matchers, special)
    }
}

extension Unicode.Scalar {
    /// Rust's `char::is_whitespace` (the White_Space property).
    @inline(__always)
    var isWhiteSpace: Bool {
        if value < 0x80 { return value == 0x20 || (value >= 0x09 && value <= 0x0D) }
        return properties.isWhitespace
    }
}

@inline(__always)
func appendUTF8(_ s: Unicode.Scalar, to out: inout [UInt8]) {
    let v = s.value
    if v < 0x80 {
        out.append(UInt8(v))
    } else if v < 0x800 {
        out.append(UInt8(0xC0 | (v >> 6)))
        out.append(UInt8(0x80 | (v & 0x3F)))
    } else if v < 0x10000 {
        out.append(UInt8(0xE0 | (v >> 12)))
        out.append(UInt8(0x80 | ((v >> 6) & 0x3F)))
        out.append(UInt8(0x80 | (v & 0x3F)))
    } else {
        out.append(UInt8(0xF0 | (v >> 18)))
        out.append(UInt8(0x80 | ((v >> 12) & 0x3F)))
        out.append(UInt8(0x80 | ((v >> 6) & 0x3F)))
        out.append(UInt8(0x80 | (v & 0x3F)))
    }
}

/// Length of the UTF-8 sequence a lead byte starts (1 for stray continuation bytes).
@inline(__always)
func utf8Length(_ lead: UInt8) -> Int {
    if lead < 0x80 { return 1 }
    if lead >= 0xF0 { return 4 }
    if lead >= 0xE0 { return 3 }
    if lead >= 0xC0 { return 2 }
    return 1
}
