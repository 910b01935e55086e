// BERT's WordPiece tokenizer as the Hugging Face fast tokenizer runs it: BertNormalizer (clean text, spaces
// around CJK ideographs, accent stripping, lowercasing), BertPreTokenizer (whitespace and punctuation),
// then greedy longest-match-first WordPiece with the "##" continuation prefix.
import Foundation

public struct WordPieceTokenizer: SubwordTokenizer {
    /// BertNormalizer's options.
    public struct Normalization: Sendable, Equatable {
        public var cleanText = true
        public var handleChineseChars = true
        public var stripAccents = true
        public var lowercase = true
        public init(cleanText: Bool = true, handleChineseChars: Bool = true, stripAccents: Bool = true, lowercase: Bool = true) {
            self.cleanText = cleanText
            self.handleChineseChars = handleChineseChars
            self.stripAccents = stripAccents
            self.lowercase = lowercase
        }
    }

    public let normalization: Normalization
    public let template: SpecialTemplate
    public let padId: Int
    public let unkId: Int
    public let continuingPrefix: String
    public let maxInputCharsPerWord: Int
    public let specialIds: Set<Int>

    private let vocab: [String]
    private let lookup: [String: Int]
    private let trie: ByteTrie
    private let continuationRoot: Int32
    private let added: AddedTokens

    public var vocabularySize: Int { vocab.count }
    public func token(forId id: Int) -> String? { id >= 0 && id < vocab.count ? vocab[id] : nil }
    public func id(forToken token: String) -> Int? { lookup[token] }

    /// From token strings in id order, as vocab.txt lists them.
    public init(vocabulary: [String], normalization: Normalization = Normalization(), unkToken: String = "[UNK]",
                continuingPrefix: String = "##", maxInputCharsPerWord: Int = 100, template: SpecialTemplate? = nil,
                padToken: String = "[PAD]", addedTokens: [(String, Int)]? = nil, specialIds: Set<Int>? = nil,
                source: String = "vocabulary") throws {
        var map: [String: Int] = [:]
        map.reserveCapacity(vocabulary.count)
        for (i, t) in vocabulary.enumerated() where map[t] == nil { map[t] = i }
        guard let unk = map[unkToken] else { throw TokenizerError("\(source): the unknown token \(unkToken) is not in the vocabulary") }
        let tmpl: SpecialTemplate
        if let template {
            tmpl = template
        } else {
            guard let cls = map["[CLS]"], let sep = map["[SEP]"] else {
                throw TokenizerError("\(source): [CLS] and [SEP] must be in the vocabulary")
            }
            tmpl = .bert(cls: cls, sep: sep)
        }
        let specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"].compactMap { t in map[t].map { (t, $0) } }
        self.vocab = vocabulary
        self.lookup = map
        self.unkId = unk
        self.padId = map[padToken] ?? 0
        self.normalization = normalization
        self.continuingPrefix = continuingPrefix
        self.maxInputCharsPerWord = maxInputCharsPerWord
        self.template = tmpl
        self.added = AddedTokens(addedTokens ?? specials)
        self.specialIds = specialIds ?? Set(specials.map(\.1))
        self.trie = ByteTrie(vocabulary.enumerated().map { (Array($0.element.utf8), $0.offset) })
        self.continuationRoot = continuingPrefix.isEmpty ? ByteTrie.root : trie.walk(ByteTrie.root, Array(continuingPrefix.utf8))
    }

    /// From a BERT `vocab.txt` (one token per line, the line number is the id); uncased BERT normalization
    /// unless told otherwise.
    public init(vocabFile: String, normalization: Normalization = Normalization()) throws {
        let data = try TokenizerFiles.data(vocabFile)
        guard let text = String(data: data, encoding: .utf8) else { throw TokenizerError("\(vocabFile): not UTF-8 text") }
        var lines = text.components(separatedBy: "\n")
        if lines.last == "" { lines.removeLast() }
        lines = lines.map { $0.hasSuffix("\r") ? String($0.dropLast()) : $0 }
        guard !lines.isEmpty else { throw TokenizerError("\(vocabFile): the vocabulary is empty") }
        try self.init(vocabulary: lines, normalization: normalization, source: vocabFile)
    }

    /// From a Hugging Face `tokenizer.json` whose model is WordPiece.
    public init(tokenizerJSON path: String) throws {
        let json = try TokenizerFiles.json(path)
        guard let model = json["model"] as? [String: Any] else { throw TokenizerError("\(path): model is missing") }
        let type = model["type"] as? String ?? "(none)"
        guard type == "WordPiece" else {
            throw TokenizerError("\(path): model.type is \(type); WordPieceTokenizer reads WordPiece models")
        }
        guard let vocabMap = model["vocab"] as? [String: Any] else { throw TokenizerError("\(path): model.vocab is missing or not an object") }
        var vocabulary = Array(repeating: "", count: vocabMap.count)
        var seen = Array(repeating: false, count: vocabMap.count)
        for (t, v) in vocabMap {
            guard let id = (v as? NSNumber)?.intValue, id >= 0, id < vocabMap.count, !seen[id] else {
                throw TokenizerError("\(path): model.vocab: token \(t) has an id that is not a distinct integer in 0..<\(vocabMap.count)")
            }
            vocabulary[id] = t
            seen[id] = true
        }
        let unk = model["unk_token"] as? String ?? "[UNK]"
        let prefix = model["continuing_subword_prefix"] as? String ?? "##"
        let maxChars = (model["max_input_chars_per_word"] as? NSNumber)?.intValue ?? 100

        var norm = Normalization(cleanText: false, handleChineseChars: false, stripAccents: false, lowercase: false)
        if let n = json["normalizer"] as? [String: Any] {
            guard (n["type"] as? String) == "BertNormalizer" else {
                throw TokenizerError("\(path): normalizer type \(n["type"] as? String ?? "(none)") is not supported (BertNormalizer is)")
            }
            norm.cleanText = n["clean_text"] as? Bool ?? true
            norm.handleChineseChars = n["handle_chinese_chars"] as? Bool ?? true
            norm.lowercase = n["lowercase"] as? Bool ?? true
            // strip_accents null follows lowercase, as in BERT.
            norm.stripAccents = n["strip_accents"] as? Bool ?? norm.lowercase
        } else if !(json["normalizer"] is NSNull) && json["normalizer"] != nil {
            throw TokenizerError("\(path): normalizer is not an object")
        }
        if let p = json["pre_tokenizer"] as? [String: Any], (p["type"] as? String) != "BertPreTokenizer" {
            throw TokenizerError("\(path): pre_tokenizer type \(p["type"] as? String ?? "(none)") is not supported (BertPreTokenizer is)")
        }
        let map = Dictionary(vocabulary.enumerated().map { ($0.element, $0.offset) }, uniquingKeysWith: { a, _ in a })
        let template: SpecialTemplate
        if let pp = json["post_processor"] as? [String: Any] {
            template = try SpecialTemplate.parse(pp, file: path, vocab: { map[$0] })
        } else {
            guard let cls = map["[CLS]"], let sep = map["[SEP]"] else {
                throw TokenizerError("\(path): no post_processor and no [CLS]/[SEP] in the vocabulary")
            }
            template = .bert(cls: cls, sep: sep)
        }
        let added = try TokenizerFiles.addedTokens(json, file: path)
        var padToken = "[PAD]"
        if let padding = json["padding"] as? [String: Any], let t = padding["pad_token"] as? String { padToken = t }
        try self.init(vocabulary: vocabulary, normalization: norm, unkToken: unk, continuingPrefix: prefix,
                      maxInputCharsPerWord: maxChars, template: template, padToken: padToken,
                      addedTokens: added.matchers, specialIds: Set(added.special), source: path)
    }

    /// From a model directory: tokenizer.json when present, else vocab.txt.
    public init(directory: String) throws {
        let json = (directory as NSString).appendingPathComponent("tokenizer.json")
        if FileManager.default.fileExists(atPath: json) {
            try self.init(tokenizerJSON: json)
        } else {
            try self.init(vocabFile: (directory as NSString).appendingPathComponent("vocab.txt"))
        }
    }

    // MARK: - Tokenization

    public func tokenize(_ text: String) -> [Int] {
        let bytes = Array(text.utf8)
        var ids: [Int] = []
        ids.reserveCapacity(bytes.count / 3 + 4)
        var word: [UInt8] = []
        word.reserveCapacity(64)
        for segment in added.split(bytes) {
            switch segment {
            case .token(let id): ids.append(id)
            case .text(let range): tokenizeText(bytes, range, into: &ids, word: &word)
            }
        }
        return ids
    }

    /// Normalizes and splits a stretch of raw UTF-8 into words, WordPiece-encoding each as it completes.
    private func tokenizeText(_ bytes: [UInt8], _ range: Range<Int>, into ids: inout [Int], word: inout [UInt8]) {
        word.removeAll(keepingCapacity: true)
        var chars = 0
        @inline(__always) func flush() {
            if !word.isEmpty { wordPiece(word, chars: chars, into: &ids) }
            word.removeAll(keepingCapacity: true)
            chars = 0
        }
        var ascii = true
        for i in range where bytes[i] >= 0x80 { ascii = false; break }
        if ascii {
            for i in range {
                var b = bytes[i]
                if normalization.cleanText {
                    if b == 0 || (b < 0x20 && b != 0x09 && b != 0x0A && b != 0x0D) || b == 0x7F { continue }
                }
                if b == 0x20 || (b >= 0x09 && b <= 0x0D) { flush(); continue }
                if normalization.lowercase, b >= 0x41, b <= 0x5A { b += 0x20 }
                if Self.isASCIIPunctuation(b) {
                    flush()
                    word.append(b)
                    chars = 1
                    flush()
                    continue
                }
                word.append(b)
                chars += 1
            }
            flush()
            return
        }
        var s = String(decoding: bytes[range], as: UTF8.self)
        if normalization.stripAccents { s = s.decomposedStringWithCanonicalMapping }
        for scalar in s.unicodeScalars {
            if normalization.cleanText {
                if scalar.value == 0 || scalar.value == 0xFFFD || Self.isControl(scalar) { continue }
            }
            if scalar.isWhiteSpace { flush(); continue }
            if normalization.handleChineseChars && Self.isCJK(scalar.value) {
                flush()
                appendUTF8(scalar, to: &word)
                chars = 1
                flush()
                continue
            }
            if normalization.stripAccents && Self.isNonspacingMark(scalar) { continue }
            if normalization.lowercase && scalar.value >= 0x80 && scalar.properties.changesWhenLowercased {
                for l in scalar.properties.lowercaseMapping.unicodeScalars { appendScalar(l, word: &word, chars: &chars, ids: &ids) }
            } else if normalization.lowercase, scalar.value >= 0x41, scalar.value <= 0x5A {
                appendScalar(Unicode.Scalar(scalar.value + 0x20)!, word: &word, chars: &chars, ids: &ids)
            } else {
                appendScalar(scalar, word: &word, chars: &chars, ids: &ids)
            }
        }
        flush()
    }

    @inline(__always)
    private func appendScalar(_ s: Unicode.Scalar, word: inout [UInt8], chars: inout Int, ids: inout [Int]) {
        if Self.isPunctuation(s) {
            if !word.isEmpty { wordPiece(word, chars: chars, into: &ids) }
            word.removeAll(keepingCapacity: true)
            appendUTF8(s, to: &word)
            wordPiece(word, chars: 1, into: &ids)
            word.removeAll(keepingCapacity: true)
            chars = 0
            return
        }
        appendUTF8(s, to: &word)
        chars += 1
    }

    /// Greedy longest-match-first over the word's UTF-8 bytes; the whole word is [UNK] when a part matches nothing.
    private func wordPiece(_ word: [UInt8], chars: Int, into ids: inout [Int]) {
        if chars > maxInputCharsPerWord {
            ids.append(unkId)
            return
        }
        let mark = ids.count
        var start = 0
        while start < word.count {
            var node = start == 0 ? ByteTrie.root : continuationRoot
            if node < 0 { ids.removeSubrange(mark...); ids.append(unkId); return }
            var best = -1, bestEnd = start
            var i = start
            while i < word.count {
                node = trie.child(node, word[i])
                if node < 0 { break }
                i += 1
                let v = trie.value(node)
                // Vocabulary entries end on character boundaries; a match inside a character cannot occur
                // unless the next byte continues it, so check it.
                if v >= 0 && (i == word.count || word[i] & 0xC0 != 0x80) { best = v; bestEnd = i }
            }
            if best < 0 {
                ids.removeSubrange(mark...)
                ids.append(unkId)
                return
            }
            ids.append(best)
            start = bestEnd
        }
    }

    // MARK: - Decoding

    /// Ids back to text as Hugging Face's WordPiece decoder does it ("##" pieces glued to the previous one,
    /// spaces before punctuation cleaned up); special tokens dropped when asked.
    public func decode(_ ids: [Int], skipSpecialTokens: Bool = true) throws -> String {
        let toks = try tokens(ids.filter { !(skipSpecialTokens && specialIds.contains($0)) })
        var out = ""
        for (i, t) in toks.enumerated() {
            if i > 0, !continuingPrefix.isEmpty, t.hasPrefix(continuingPrefix) {
                out += t.dropFirst(continuingPrefix.count)
            } else {
                if i > 0 { out += " " }
                out += t
            }
        }
        for (from, to) in [(" .", "."), (" ?", "?"), (" !", "!"), (" ,", ","), (" ' ", "'"), (" n't", "n't"),
                           (" 'm", "'m"), (" 's", "'s"), (" 've", "'ve"), (" 're", "'re")] {
            out = out.replacingOccurrences(of: from, with: to)
        }
        return out
    }

    // MARK: - Character classes (as the HF tokenizer's tables have them)

    /// The general categories HF consults come from Unicode 8.0 tables: a code point assigned later is,
    /// for them, unassigned (not punctuation, not a control, not a mark).
    @inline(__always)
    static func knownToHF(_ s: Unicode.Scalar) -> Bool {
        guard let age = s.properties.age else { return false }
        return age.major < 8 || (age.major == 8 && age.minor == 0)
    }

    @inline(__always)
    static func isASCIIPunctuation(_ b: UInt8) -> Bool {
        (b >= 33 && b <= 47) || (b >= 58 && b <= 64) || (b >= 91 && b <= 96) || (b >= 123 && b <= 126)
    }

    /// Code points assigned by Unicode 8.0 whose general category has since changed in a way these
    /// classes see (found by the code-point sweep against the HF tokenizer): their 8.0 class.
    enum Unicode8Class { case mark, punctuation, other }
    static let unicode8Changes: [UInt32: Unicode8Class] = [
        0x1734: .mark,         // HANUNOO SIGN PAMUDPOD: Mn in 8.0, Mc since 14.0
        0x1171E: .mark,        // AHOM CONSONANT SIGN MEDIAL RA: Mn in 8.0, Mc since 16.0
        0x1885: .other,        // MONGOLIAN LETTER ALI GALI BALUDA: Lo in 8.0, Mn since 9.0
        0x1886: .other,        // MONGOLIAN LETTER ALI GALI THREE BALUDA: Lo in 8.0, Mn since 9.0
        0xA9BD: .other,        // JAVANESE CONSONANT SIGN KERET: Mc in 8.0, Mn since 12.0
        0x111C9: .punctuation, // SHARADA SANDHI MARK: Po in 8.0, Mn since 11.0
    ]

    static func isPunctuation(_ s: Unicode.Scalar) -> Bool {
        if s.value < 0x80 { return isASCIIPunctuation(UInt8(s.value)) }
        if let c = unicode8Changes[s.value] { return c == .punctuation }
        switch s.properties.generalCategory {
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
             .initialPunctuation, .finalPunctuation, .otherPunctuation:
            return knownToHF(s)
        default:
            return false
        }
    }

    /// Cc, Cf, Co (not tab, newline, carriage return).
    static func isControl(_ s: Unicode.Scalar) -> Bool {
        let v = s.value
        if v == 0x09 || v == 0x0A || v == 0x0D { return false }
        if v < 0x20 || v == 0x7F { return true }
        if v < 0x80 { return false }
        switch s.properties.generalCategory {
        case .control, .format, .privateUse, .surrogate: return knownToHF(s)
        default: return false
        }
    }

    static func isNonspacingMark(_ s: Unicode.Scalar) -> Bool {
        guard s.value >= 0x300 else { return false }
        if let c = unicode8Changes[s.value] { return c == .mark }
        return s.properties.generalCategory == .nonspacingMark && knownToHF(s)
    }

    /// BERT's CJK ideograph blocks.
    @inline(__always)
    static func isCJK(_ v: UInt32) -> Bool {
        (v >= 0x4E00 && v <= 0x9FFF) || (v >= 0x3400 && v <= 0x4DBF) || (v >= 0x20000 && v <= 0x2A6DF)
            || (v >= 0x2A700 && v <= 0x2B73F) || (v >= 0x2B740 && v <= 0x2B81F) || (v >= 0x2B820 && v <= 0x2CEAF)
            || (v >= 0xF900 && v <= 0xFAFF) || (v >= 0x2F800 && v <= 0x2FA1F)
    }
}
