// The SentencePiece unigram tokenizer of T5, two ways, each equal to its reference:
// - from a Hugging Face tokenizer.json, as the `tokenizers` library runs it: added (special) tokens matched
//   in the raw text, the normalizer chain (Precompiled charsmap per grapheme cluster, Replace, Strip, ...),
//   the pre-tokenizers (WhitespaceSplit, Metaspace), then Viterbi per word (scores in double precision);
// - from a raw spiece.model, as the sentencepiece library runs it: its normalizer (longest-prefix charsmap
//   rewrites, extra whitespace removed, a dummy "▁" prefix, spaces escaped to "▁"), then Viterbi over the
//   whole text (scores in single precision), and T5's "</s>" appended.
// Both lattices give an unknown character the minimum score minus 10, and merge runs of unknowns into one.
import Foundation

public struct UnigramTokenizer: SubwordTokenizer {
    final class Regex: @unchecked Sendable {  // NSRegularExpression is immutable and thread-safe
        let re: NSRegularExpression
        init(_ re: NSRegularExpression) { self.re = re }
    }

    enum Normalizer: Sendable {
        case precompiled(PrecompiledCharsmap)
        case replaceLiteral(String, String)
        case replaceRegex(Regex, String)
        case strip(left: Bool, right: Bool)
        case nfc, nfd, nfkc, nfkd, lowercase
    }

    enum PrependScheme: String, Sendable { case always, first, never }

    enum PreTokenizer: Sendable {
        case whitespaceSplit
        case metaspace(replacement: [UInt8], prepend: PrependScheme, split: Bool)
    }

    enum Mode: Sendable {
        case huggingFace(normalizers: [Normalizer], preTokenizers: [PreTokenizer], decodePrepend: PrependScheme, replacement: String)
        case sentencePiece(charsmap: PrecompiledCharsmap, addDummyPrefix: Bool, removeExtraWhitespaces: Bool, escapeWhitespaces: Bool)
    }

    public let template: SpecialTemplate
    public let padId: Int
    public let unkId: Int
    /// The id appended after each sequence ("</s>" for T5).
    public let eosId: Int?
    public let specialIds: Set<Int>

    private let mode: Mode
    private let vocab: [String]
    private let lookup: [String: Int]
    private let scores: [Double]
    private let scoresF: [Float]
    private let trie: ByteTrie
    private let unkScore: Double
    private let added: AddedTokens
    private let controlIds: Set<Int>

    public var vocabularySize: Int { vocab.count }
    public func token(forId id: Int) -> String? { id >= 0 && id < vocab.count ? vocab[id] : nil }
    public func id(forToken token: String) -> Int? { lookup[token] }

    private init(mode: Mode, vocab: [String], scores: [Double], scoresF: [Float], latticeIds: [Int], unkId: Int,
                 minScore: Double, template: SpecialTemplate, padId: Int, eosId: Int?, added: [(String, Int)],
                 specialIds: Set<Int>, controlIds: Set<Int>) {
        self.mode = mode
        self.vocab = vocab
        var map: [String: Int] = [:]
        for (i, t) in vocab.enumerated() where map[t] == nil { map[t] = i }
        self.lookup = map
        self.scores = scores
        self.scoresF = scoresF
        self.trie = ByteTrie(latticeIds.map { (Array(vocab[$0].utf8), $0) })
        self.unkId = unkId
        self.unkScore = minScore - 10
        self.template = template
        self.padId = padId
        self.eosId = eosId
        self.added = AddedTokens(added)
        self.specialIds = specialIds
        self.controlIds = controlIds
    }

    // MARK: - Loading

    /// From a model directory: tokenizer.json when present, else spiece.model.
    public init(directory: String) throws {
        let json = (directory as NSString).appendingPathComponent("tokenizer.json")
        if FileManager.default.fileExists(atPath: json) {
            try self.init(tokenizerJSON: json)
        } else {
            try self.init(sentencePieceModel: (directory as NSString).appendingPathComponent("spiece.model"),
                          extraIds: Self.extraIds(directory))
        }
    }

    /// T5's sentinel count for a directory with only spiece.model: tokenizer_config.json's `extra_ids`,
    /// else 100 (T5Tokenizer's default) when config.json is a T5's, else none.
    static func extraIds(_ directory: String) -> Int {
        func object(_ name: String) -> [String: Any]? {
            let path = (directory as NSString).appendingPathComponent(name)
            guard let data = FileManager.default.contents(atPath: path) else { return nil }
            return (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
        }
        if let n = object("tokenizer_config.json")?["extra_ids"] as? Int { return max(0, n) }
        return object("config.json")?["model_type"] as? String == "t5" ? 100 : 0
    }

    /// From a raw SentencePiece model, with T5's conventions: "</s>" (the model's eos id) after each
    /// sequence, padding with the model's pad id (0 when it has none). `extraIds` appends T5's sentinel
    /// tokens <extra_id_0> (the last id) ... for decoding; they are not matched in text, as in sentencepiece.
    public init(sentencePieceModel path: String, extraIds: Int = 0) throws {
        let m = try SentencePieceModel(file: path)
        guard m.modelType == 1 else { throw TokenizerError("\(path): trainer_spec.model_type is \(m.modelType), not unigram (1)") }
        guard !m.byteFallback else { throw TokenizerError("\(path): byte_fallback models are not supported") }
        guard !m.treatWhitespaceAsSuffix else { throw TokenizerError("\(path): treat_whitespace_as_suffix is not supported") }
        guard let unk = m.pieces.firstIndex(where: { $0.type == .unknown }) else {
            throw TokenizerError("\(path): no piece of type UNKNOWN")
        }
        var vocab = m.pieces.map(\.piece)
        var scoresF = m.pieces.map(\.score)
        for k in 0..<max(0, extraIds) {
            vocab.append("<extra_id_\(extraIds - 1 - k)>")
            scoresF.append(0)
        }
        let lattice = m.pieces.indices.filter { m.pieces[$0].type == .normal || m.pieces[$0].type == .userDefined }
        let minScore = m.pieces.filter { $0.type == .normal }.map(\.score).min() ?? 0
        let control = Set(m.pieces.indices.filter { m.pieces[$0].type == .control })
        let eos = m.eosId >= 0 && m.eosId < m.pieces.count ? m.eosId : nil
        guard m.padId < vocab.count else {
            throw TokenizerError("\(path): trainer_spec.pad_id \(m.padId) is outside the vocabulary (0..<\(vocab.count))")
        }
        let charsmap = try PrecompiledCharsmap(m.precompiledCharsmap, source: "\(path): normalizer_spec.precompiled_charsmap")
        self.init(mode: .sentencePiece(charsmap: charsmap, addDummyPrefix: m.addDummyPrefix,
                                       removeExtraWhitespaces: m.removeExtraWhitespaces, escapeWhitespaces: m.escapeWhitespaces),
                  vocab: vocab, scores: scoresF.map(Double.init), scoresF: scoresF, latticeIds: lattice, unkId: unk,
                  minScore: Double(minScore),
                  template: eos.map { .appendEOS($0) } ?? SpecialTemplate(single: [.first(typeId: 0)], pair: [.first(typeId: 0), .second(typeId: 0)]),
                  padId: m.padId >= 0 ? m.padId : 0, eosId: eos, added: [],
                  specialIds: control.union([unk]).union(Set(m.pieces.count..<vocab.count)), controlIds: control)
    }

    /// From a Hugging Face tokenizer.json whose model is Unigram.
    public init(tokenizerJSON path: String) throws {
        let json = try TokenizerFiles.json(path)
        guard let model = json["model"] as? [String: Any] else { throw TokenizerError("\(path): model is missing") }
        let type = model["type"] as? String ?? "(none)"
        guard type == "Unigram" else { throw TokenizerError("\(path): model.type is \(type); UnigramTokenizer reads Unigram models") }
        guard let entries = model["vocab"] as? [[Any]] else { throw TokenizerError("\(path): model.vocab is missing or not a list of [piece, score]") }
        var vocab: [String] = []
        var scores: [Double] = []
        vocab.reserveCapacity(entries.count)
        scores.reserveCapacity(entries.count)
        for (i, e) in entries.enumerated() {
            // Foundation reads long decimals as NSDecimalNumber, whose doubleValue can be off by an ulp, and
            // exact scores matter where two segmentations tie: parse the decimal text instead.
            guard e.count == 2, let p = e[0] as? String, let n = e[1] as? NSNumber, let s = Double(n.description) ?? Optional(n.doubleValue) else {
                throw TokenizerError("\(path): model.vocab[\(i)] is not [piece, score]")
            }
            vocab.append(p)
            scores.append(s)
        }
        guard !vocab.isEmpty else { throw TokenizerError("\(path): model.vocab is empty") }
        guard let unk = (model["unk_id"] as? NSNumber)?.intValue, unk >= 0, unk < vocab.count else {
            throw TokenizerError("\(path): model.unk_id is missing or outside the vocabulary")
        }
        if (model["byte_fallback"] as? Bool) ?? false { throw TokenizerError("\(path): model.byte_fallback is not supported") }

        var normalizers: [Normalizer] = []
        func normalizer(_ n: [String: Any]) throws {
            let t = n["type"] as? String ?? "(none)"
            switch t {
            case "Sequence":
                guard let list = n["normalizers"] as? [[String: Any]] else { throw TokenizerError("\(path): normalizer Sequence without normalizers") }
                for x in list { try normalizer(x) }
            case "Precompiled":
                var blob: [UInt8] = []
                if let b64 = n["precompiled_charsmap"] as? String {
                    guard let d = Data(base64Encoded: b64) else { throw TokenizerError("\(path): normalizer.precompiled_charsmap is not base64") }
                    blob = [UInt8](d)
                }
                normalizers.append(.precompiled(try PrecompiledCharsmap(blob, source: "\(path): normalizer.precompiled_charsmap")))
            case "Replace":
                let content = n["content"] as? String ?? ""
                guard let pattern = n["pattern"] as? [String: Any] else { throw TokenizerError("\(path): normalizer Replace without pattern") }
                if let s = pattern["String"] as? String {
                    normalizers.append(.replaceLiteral(s, content))
                } else if let r = pattern["Regex"] as? String {
                    do {
                        normalizers.append(.replaceRegex(Regex(try NSRegularExpression(pattern: r)), content))
                    } catch {
                        throw TokenizerError("\(path): normalizer Replace: bad regex \(r)")
                    }
                } else {
                    throw TokenizerError("\(path): normalizer Replace: pattern must be String or Regex")
                }
            case "Strip":
                normalizers.append(.strip(left: n["strip_left"] as? Bool ?? true, right: n["strip_right"] as? Bool ?? true))
            case "NFC": normalizers.append(.nfc)
            case "NFD": normalizers.append(.nfd)
            case "NFKC": normalizers.append(.nfkc)
            case "NFKD": normalizers.append(.nfkd)
            case "Lowercase": normalizers.append(.lowercase)
            default: throw TokenizerError("\(path): normalizer type \(t) is not supported")
            }
        }
        if let n = json["normalizer"] as? [String: Any] { try normalizer(n) }

        var pre: [PreTokenizer] = []
        var decodePrepend = PrependScheme.always
        var replacement = "\u{2581}"
        func preTokenizer(_ p: [String: Any]) throws {
            let t = p["type"] as? String ?? "(none)"
            switch t {
            case "Sequence":
                guard let list = p["pretokenizers"] as? [[String: Any]] else { throw TokenizerError("\(path): pre_tokenizer Sequence without pretokenizers") }
                for x in list { try preTokenizer(x) }
            case "WhitespaceSplit":
                pre.append(.whitespaceSplit)
            case "Metaspace":
                let r = p["replacement"] as? String ?? "\u{2581}"
                var scheme = PrependScheme.always
                if let s = p["prepend_scheme"] as? String {
                    guard let v = PrependScheme(rawValue: s) else { throw TokenizerError("\(path): pre_tokenizer Metaspace: prepend_scheme \(s) is not supported") }
                    scheme = v
                } else if let add = p["add_prefix_space"] as? Bool {
                    scheme = add ? .always : .never
                }
                pre.append(.metaspace(replacement: Array(r.utf8), prepend: scheme, split: p["split"] as? Bool ?? true))
                decodePrepend = scheme
                replacement = r
            default:
                throw TokenizerError("\(path): pre_tokenizer type \(t) is not supported")
            }
        }
        if let p = json["pre_tokenizer"] as? [String: Any] { try preTokenizer(p) }
        if let d = json["decoder"] as? [String: Any], (d["type"] as? String) == "Metaspace" {
            if let s = d["prepend_scheme"] as? String, let v = PrependScheme(rawValue: s) { decodePrepend = v }
            if let r = d["replacement"] as? String { replacement = r }
        }

        let map = Dictionary(vocab.enumerated().map { ($0.element, $0.offset) }, uniquingKeysWith: { a, _ in a })
        let template: SpecialTemplate
        if let pp = json["post_processor"] as? [String: Any] {
            template = try SpecialTemplate.parse(pp, file: path, vocab: { map[$0] })
        } else {
            template = SpecialTemplate(single: [.first(typeId: 0)], pair: [.first(typeId: 0), .second(typeId: 0)])
        }
        let addedTokens = try TokenizerFiles.addedTokens(json, file: path)
        for (t, id) in addedTokens.matchers where id < 0 || id >= vocab.count {
            throw TokenizerError("\(path): added token \(t) has id \(id) outside the vocabulary (0..<\(vocab.count))")
        }
        var pad = map["<pad>"] ?? 0
        if let padding = json["padding"] as? [String: Any], let p = (padding["pad_id"] as? NSNumber)?.intValue { pad = p }
        guard (0..<vocab.count).contains(pad) else {
            throw TokenizerError("\(path): padding.pad_id \(pad) is outside the vocabulary (0..<\(vocab.count))")
        }
        var eos: Int? = nil
        for item in template.single { if case .special(let ids, _) = item { eos = ids.last } }
        self.init(mode: .huggingFace(normalizers: normalizers, preTokenizers: pre, decodePrepend: decodePrepend, replacement: replacement),
                  vocab: vocab, scores: scores, scoresF: scores.map(Float.init), latticeIds: Array(vocab.indices), unkId: unk,
                  minScore: scores.min() ?? 0, template: template, padId: pad, eosId: eos, added: addedTokens.matchers,
                  specialIds: Set(addedTokens.special), controlIds: [])
    }

    // MARK: - Tokenization

    public func tokenize(_ text: String) -> [Int] {
        var ids: [Int] = []
        ids.reserveCapacity(text.utf8.count / 3 + 4)
        switch mode {
        case .sentencePiece(let charsmap, let dummy, let removeExtra, let escape):
            let normalized = Self.sentencePieceNormalize(Array(text.utf8), charsmap: charsmap, addDummyPrefix: dummy,
                                                         removeExtraWhitespaces: removeExtra, escapeWhitespaces: escape)
            var lattice = Lattice()
            viterbi(normalized, 0, normalized.count, single: true, into: &ids, &lattice)
        case .huggingFace(let normalizers, let pre, _, _):
            let bytes = Array(text.utf8)
            var lattice = Lattice()
            for segment in added.split(bytes) {
                switch segment {
                case .token(let id):
                    ids.append(id)
                case .text(let range):
                    var s = String(decoding: bytes[range], as: UTF8.self)
                    for n in normalizers { s = Self.apply(n, s) }
                    for word in Self.preTokenize(Array(s.utf8), pre, atStart: range.lowerBound == 0) {
                        viterbi(word, 0, word.count, single: false, into: &ids, &lattice)
                    }
                }
            }
        }
        return ids
    }

    static func apply(_ n: Normalizer, _ s: String) -> String {
        switch n {
        case .precompiled(let map): return map.normalizeHuggingFace(s)
        case .replaceLiteral(let from, let to): return from.isEmpty ? s : s.replacingOccurrences(of: from, with: to)
        case .replaceRegex(let re, let to):
            let ns = s as NSString
            return re.re.stringByReplacingMatches(in: s, range: NSRange(location: 0, length: ns.length),
                                                  withTemplate: NSRegularExpression.escapedTemplate(for: to))
        case .strip(let left, let right):
            var scalars = Substring(s).unicodeScalars[...]
            if left { while let f = scalars.first, f.isWhiteSpace { scalars.removeFirst() } }
            if right { while let l = scalars.last, l.isWhiteSpace { scalars.removeLast() } }
            return String(String.UnicodeScalarView(scalars))
        case .nfc: return s.precomposedStringWithCanonicalMapping
        case .nfd: return s.decomposedStringWithCanonicalMapping
        case .nfkc: return s.precomposedStringWithCompatibilityMapping
        case .nfkd: return s.decomposedStringWithCompatibilityMapping
        case .lowercase:
            var out = String.UnicodeScalarView()
            for c in s.unicodeScalars {
                if c.properties.changesWhenLowercased { out.append(contentsOf: c.properties.lowercaseMapping.unicodeScalars) } else { out.append(c) }
            }
            return String(out)
        }
    }

    /// The pre-tokenizers in order over normalized UTF-8: the words to segment.
    static func preTokenize(_ bytes: [UInt8], _ steps: [PreTokenizer], atStart: Bool) -> [[UInt8]] {
        var words: [[UInt8]] = bytes.isEmpty ? [] : [bytes]
        for step in steps {
            var next: [[UInt8]] = []
            next.reserveCapacity(words.count * 2)
            switch step {
            case .whitespaceSplit:
                for w in words {
                    var cur: [UInt8] = []
                    var i = 0
                    while i < w.count {
                        let n = min(utf8Length(w[i]), w.count - i)
                        let isSpace: Bool
                        if n == 1 {
                            let b = w[i]
                            isSpace = b == 0x20 || (b >= 0x09 && b <= 0x0D)
                        } else {
                            let s = String(decoding: w[i..<(i + n)], as: UTF8.self).unicodeScalars.first!
                            isSpace = s.isWhiteSpace
                        }
                        if isSpace {
                            if !cur.isEmpty { next.append(cur); cur.removeAll(keepingCapacity: true) }
                        } else {
                            cur.append(contentsOf: w[i..<(i + n)])
                        }
                        i += n
                    }
                    if !cur.isEmpty { next.append(cur) }
                }
            case .metaspace(let rep, let prepend, let split):
                for (k, w) in words.enumerated() {
                    var m: [UInt8] = []
                    m.reserveCapacity(w.count + rep.count)
                    for b in w { if b == 0x20 { m.append(contentsOf: rep) } else { m.append(b) } }
                    let startsWithRep = m.count >= rep.count && Array(m[0..<rep.count]) == rep
                    if !startsWithRep && (prepend == .always || (prepend == .first && k == 0 && atStart)) {
                        m.insert(contentsOf: rep, at: 0)
                    }
                    if !split || rep.isEmpty {
                        next.append(m)
                        continue
                    }
                    // Split before each replacement character (it starts the next piece).
                    var start = 0
                    var i = 0
                    while i + rep.count <= m.count {
                        if m[i] == rep[0] && Array(m[i..<(i + rep.count)]) == rep {
                            if i > start { next.append(Array(m[start..<i])) }
                            start = i
                            i += rep.count
                        } else {
                            i += 1
                        }
                    }
                    if start < m.count { next.append(Array(m[start...])) }
                }
            }
            words = next
        }
        return words
    }

    /// sentencepiece's Normalizer::Normalize over UTF-8.
    static func sentencePieceNormalize(_ input: [UInt8], charsmap: PrecompiledCharsmap, addDummyPrefix: Bool,
                                       removeExtraWhitespaces: Bool, escapeWhitespaces: Bool) -> [UInt8] {
        let space: [UInt8] = escapeWhitespaces ? [0xE2, 0x96, 0x81] : [0x20]
        var out: [UInt8] = []
        out.reserveCapacity(input.count + 16)
        var leading = removeExtraWhitespaces
        var prevSpace = removeExtraWhitespaces
        var addedPrefix = false
        charsmap.normalizeSentencePiece(input) { piece, _ in
            var p = piece
            if leading {
                // Heading whitespace is dropped: pieces that normalize to exactly " ".
                if p.count == 1 && p.first == 0x20 { return }
                leading = false
            }
            if !addedPrefix {
                addedPrefix = true
                if addDummyPrefix { out.append(contentsOf: space) }
            }
            while prevSpace, p.first == 0x20 { p = p.dropFirst() }
            if p.isEmpty { return }
            for b in p {
                if b == 0x20 { out.append(contentsOf: space) } else { out.append(b) }
            }
            prevSpace = p.last == 0x20 && removeExtraWhitespaces
        }
        if removeExtraWhitespaces {
            while out.count >= space.count && Array(out[(out.count - space.count)...]) == space {
                out.removeLast(space.count)
            }
        }
        return out
    }

    /// Best segmentation of bytes[from..<to] (Viterbi over the unigram lattice), appended to ids; runs of
    /// unknown characters become one unknown id.
    /// Lattice buffers reused across the words of one text.
    struct Lattice {
        var bestF: [Float] = []
        var bestD: [Double] = []
        var startsAt: [Int] = []
        var bestId: [Int] = []
        var path: [Int] = []
    }

    private func viterbi(_ bytes: [UInt8], _ from: Int, _ to: Int, single: Bool, into ids: inout [Int], _ lattice: inout Lattice) {
        // The score buffer is moved out of the lattice for the call (no copy: its storage is swapped).
        if single {
            var best: [Float] = []
            swap(&best, &lattice.bestF)
            viterbi(bytes, from, to, scores: scoresF, unkScore: Float(unkScore), best: &best, into: &ids, &lattice)
            swap(&best, &lattice.bestF)
        } else {
            var best: [Double] = []
            swap(&best, &lattice.bestD)
            viterbi(bytes, from, to, scores: scores, unkScore: unkScore, best: &best, into: &ids, &lattice)
            swap(&best, &lattice.bestD)
        }
    }

    private func viterbi<S: BinaryFloatingPoint>(_ bytes: [UInt8], _ from: Int, _ to: Int, scores: [S], unkScore: S,
                                                 best: inout [S], into ids: inout [Int], _ lattice: inout Lattice) {
        let n = to - from
        guard n > 0 else { return }
        best.removeAll(keepingCapacity: true)
        best.append(contentsOf: repeatElement(0, count: n + 1))
        lattice.startsAt.removeAll(keepingCapacity: true)
        lattice.startsAt.append(contentsOf: repeatElement(-1, count: n + 1))
        lattice.bestId.removeAll(keepingCapacity: true)
        lattice.bestId.append(contentsOf: repeatElement(-1, count: n + 1))
        bytes.withUnsafeBufferPointer { buf in
            best.withUnsafeMutableBufferPointer { best in
                lattice.startsAt.withUnsafeMutableBufferPointer { startsAt in
                    lattice.bestId.withUnsafeMutableBufferPointer { bestId in
                        var pos = 0
                        while pos < n {
                            let base = best[pos]
                            let charLen = min(utf8Length(buf[from + pos]), n - pos)
                            var hasSingle = false
                            var node = ByteTrie.root
                            var i = pos
                            while i < n {
                                node = trie.child(node, buf[from + i])
                                if node < 0 { break }
                                i += 1
                                let id = trie.value(node)
                                if id >= 0 {
                                    let cand = scores[id] + base
                                    if startsAt[i] < 0 || cand > best[i] {
                                        best[i] = cand
                                        startsAt[i] = pos
                                        bestId[i] = id
                                    }
                                    if i - pos == charLen { hasSingle = true }
                                }
                            }
                            if !hasSingle {
                                let end = pos + charLen
                                let cand = unkScore + base
                                if startsAt[end] < 0 || cand > best[end] {
                                    best[end] = cand
                                    startsAt[end] = pos
                                    bestId[end] = unkId
                                }
                            }
                            pos += charLen
                        }
                    }
                }
            }
        }
        lattice.path.removeAll(keepingCapacity: true)
        var end = n
        while end > 0 {
            let id = lattice.bestId[end]
            if !(id == unkId && lattice.path.last == unkId) { lattice.path.append(id) }
            end = lattice.startsAt[end]
        }
        ids.append(contentsOf: lattice.path.reversed())
    }

    // MARK: - Decoding

    /// Ids back to text: pieces joined, "▁" turned into spaces, the leading one dropped. From tokenizer.json
    /// as Hugging Face's Metaspace decoder does it (special tokens skipped when asked); from spiece.model as
    /// sentencepiece does it (control pieces empty, unknowns " ⁇ ").
    public func decode(_ ids: [Int], skipSpecialTokens: Bool = true) throws -> String {
        let toks = try tokens(ids)
        switch mode {
        case .huggingFace(_, _, let prepend, let replacement):
            var out = ""
            var first = true
            for (id, t) in zip(ids, toks) {
                if skipSpecialTokens && specialIds.contains(id) { continue }
                var piece = t.replacingOccurrences(of: replacement, with: " ")
                if first && prepend != .never && piece.hasPrefix(" ") { piece.removeFirst() }
                first = false
                out += piece
            }
            return out
        case .sentencePiece(_, let dummy, _, _):
            var out = ""
            var first = true
            for (id, t) in zip(ids, toks) {
                if controlIds.contains(id) { continue }
                if skipSpecialTokens && specialIds.contains(id) && id != unkId { continue }
                if id == unkId {
                    out += " \u{2047} "
                    first = false
                    continue
                }
                var piece = t
                if first && dummy && piece.hasPrefix("\u{2581}") { piece.removeFirst() }
                first = false
                out += piece.replacingOccurrences(of: "\u{2581}", with: " ")
            }
            return out
        }
    }
}
