// Word segmentation exactly as Lucene's StandardTokenizer (Lucene 9.4, as in Anserini 0.21) does it: the rules of
// StandardTokenizerImpl.jflex (UAX #29 word boundaries with Unicode 9.0 properties, plus emoji sequences) over
// the character classes in WordBreakTable.swift, which were read off Lucene itself. In short: letters and digits
// join across a single inner '.', '\'', ':' (letters) or ',' ';' (digits); '_' joins words (and a run of '_' alone
// is no token); ideographs and hiragana are one token each; Thai, Lao, Khmer and Myanmar runs stay whole; emoji
// (and ©, ®, ™) are tokens of their own; other punctuation and symbols are dropped; characters assigned after
// Unicode 9.0 are not letters. A token longer than 255 UTF-16 code units is cut there, and the rest goes on as
// the next token.

/// What a scalar is to StandardTokenizer: its Unicode 9.0 word-break property as the grammar uses it, and the
/// roles the emoji rule adds. Raw values are those of the generated `nonASCIIRanges` table.
enum CharClass: UInt8 {
    case other = 0, letter, hebrewLetter, numeric, extendNumLet, midLetter, midNum, midNumLet, singleQuote, doubleQuote
    /// Extend and Format (they stick to what precedes them).
    case extend
    case zwj, presentationSelector, katakana, han, hiragana
    /// Thai, Lao, Myanmar, Khmer … (Line_Break = Complex_Context): runs are kept whole.
    case complexContext
    /// A Complex_Context mark: Extend to a word, and it can begin a Complex_Context run.
    case complexContextExtend
    case emoji
    /// Skin-tone modifiers: Extend to a word, an emoji on their own.
    case emojiModifier
    case regionalIndicator
    /// ℹ, Ⓜ, 🅰 …: a letter to the word rule and an emoji to the emoji rule.
    case letterEmoji
}

/// Splits text into tokens. An instance keeps its buffers from one text to the next (one per thread).
struct Tokenizer {
    private var scanner = Scanner()

    /// Longest term kept, in bytes (Xapian's term limit is 245 bytes).
    static let maxTokenBytes = 240
    /// Lucene's StandardTokenizer.DEFAULT_MAX_TOKEN_LENGTH, in UTF-16 code units.
    static let maxTokenLength = 255

    private static let asciiTable: [CharClass] = {
        var t = [CharClass](repeating: .other, count: 128)
        for c in UInt8(ascii: "a")...UInt8(ascii: "z") { t[Int(c)] = .letter }
        for c in UInt8(ascii: "A")...UInt8(ascii: "Z") { t[Int(c)] = .letter }
        for c in UInt8(ascii: "0")...UInt8(ascii: "9") { t[Int(c)] = .numeric }
        t[Int(UInt8(ascii: "_"))] = .extendNumLet
        t[Int(UInt8(ascii: ":"))] = .midLetter
        t[Int(UInt8(ascii: ","))] = .midNum
        t[Int(UInt8(ascii: ";"))] = .midNum
        t[Int(UInt8(ascii: "."))] = .midNumLet
        t[Int(UInt8(ascii: "'"))] = .singleQuote
        t[Int(UInt8(ascii: "\""))] = .doubleQuote
        return t
    }()

    /// Classes of U+0080 … U+02FF, looked up directly (Latin text with accents).
    private static let latinTable: [CharClass] = (0x80..<0x300).map { lookUp(UInt32($0)) }

    static func classify(_ v: UInt32) -> CharClass {
        if v < 0x80 { return asciiTable[Int(v)] }
        if v < 0x300 { return latinTable[Int(v) - 0x80] }
        return lookUp(v)
    }

    /// Binary search of the generated range table.
    private static func lookUp(_ v: UInt32) -> CharClass {
        let table = nonASCIIRanges
        var lo = 0, hi = table.count - 1  // table[0] starts at U+0080
        while lo < hi {
            let mid = (lo + hi + 1) >> 1
            if table[mid] >> 5 <= v { lo = mid } else { hi = mid - 1 }
        }
        return CharClass(rawValue: UInt8(table[lo] & 31)) ?? .other
    }

    /// Splits `text` into tokens (original case).
    mutating func tokenize(_ text: String, into out: inout [Substring]) {
        scanner.load(text)
        scanner.run(into: &out)
    }

    static func tokenize(_ text: String, into out: inout [Substring]) {
        var tokenizer = Tokenizer()
        tokenizer.tokenize(text, into: &out)
    }
}

/// One pass over a text's scalars that emits, at each position, the longest match of StandardTokenizer's
/// rules (emoji, words and numbers, Complex_Context runs, single ideographs and hiragana) and skips a
/// character where none matches.
private struct Scanner {
    private var text = ""
    private var values: [UInt32] = []
    private var classes: [CharClass] = []
    /// UTF-8 offset where each scalar starts (one more entry: the total).
    private var utf8: [Int32] = []
    /// UTF-16 offset where each scalar starts (one more entry: the total).
    private var utf16: [Int32] = []
    /// The scalars a token starting at the current position may use: those within 255 UTF-16 code units.
    private var bound = 0

    /// How many scalars the text has (the arrays are kept longer, to be reused).
    private var count = 0

    mutating func load(_ text: String) {
        var text = text
        text.makeContiguousUTF8()
        self.text = text
        bound = 0
        let needed = text.utf8.count + 1  // at least one entry per scalar, and the end
        if values.count < needed {
            let more = needed - values.count
            values.append(contentsOf: repeatElement(0, count: more))
            classes.append(contentsOf: repeatElement(.other, count: more))
            utf8.append(contentsOf: repeatElement(0, count: more))
            utf16.append(contentsOf: repeatElement(0, count: more))
        }
        var n = 0
        text.utf8.withContiguousStorageIfAvailable { bytes in
            values.withUnsafeMutableBufferPointer { values in
                classes.withUnsafeMutableBufferPointer { classes in
                    utf8.withUnsafeMutableBufferPointer { utf8 in
                        utf16.withUnsafeMutableBufferPointer { utf16 in
                            // Swift strings hold valid UTF-8.
                            var p = 0, u = 0
                            let end = bytes.count
                            while p < end {
                                let b0 = UInt32(bytes[p])
                                var v = b0, len = 1
                                if b0 >= 0xF0 {
                                    v = (b0 & 0x07) << 18 | UInt32(bytes[p + 1] & 0x3F) << 12
                                        | UInt32(bytes[p + 2] & 0x3F) << 6 | UInt32(bytes[p + 3] & 0x3F)
                                    len = 4
                                } else if b0 >= 0xE0 {
                                    v = (b0 & 0x0F) << 12 | UInt32(bytes[p + 1] & 0x3F) << 6 | UInt32(bytes[p + 2] & 0x3F)
                                    len = 3
                                } else if b0 >= 0x80 {
                                    v = (b0 & 0x1F) << 6 | UInt32(bytes[p + 1] & 0x3F)
                                    len = 2
                                }
                                values[n] = v
                                classes[n] = Tokenizer.classify(v)
                                utf8[n] = Int32(p)
                                utf16[n] = Int32(u)
                                n += 1
                                u += len == 4 ? 2 : 1
                                p += len
                            }
                            utf8[n] = Int32(p)
                            utf16[n] = Int32(u)
                        }
                    }
                }
            }
        }
        count = n
    }

    /// Scalars start..<end of the text.
    private func token(_ start: Int, _ end: Int) -> Substring {
        let u = text.utf8
        let from = u.index(u.startIndex, offsetBy: Int(utf8[start])), to = u.index(u.startIndex, offsetBy: Int(utf8[end]))
        return Substring(text.unicodeScalars[from..<to])
    }

    mutating func run(into out: inout [Substring]) {
        var i = 0
        while i < count {
            // Lucene cuts a token at 255 UTF-16 code units: no rule looks past that.
            while bound < count, Int(utf16[bound + 1] - utf16[i]) <= Tokenizer.maxTokenLength { bound += 1 }
            let n = bound
            var end: Int?
            switch classes[i] {
            case .letter, .hebrewLetter, .numeric, .extendNumLet, .katakana:
                end = word(i)
            case .letterEmoji:
                end = max(word(i) ?? i, emojiSequence(i) ?? i)
            case .emoji, .emojiModifier, .zwj:
                end = emojiSequence(i)
            case .regionalIndicator:
                let j = skipExtend(i + 1)
                if j < n, classes[j] == .regionalIndicator { end = skipExtend(j + 1) }
            case .han, .hiragana:
                end = skipExtend(i + 1)
            case .complexContext, .complexContextExtend:
                var j = i
                while j < n, classes[j] == .complexContext || classes[j] == .complexContextExtend { j = skipExtend(j + 1) }
                end = j
            default:
                if values[i] == 0x23 || values[i] == 0x2A { end = keycap(i) }  // '#', '*'
            }
            guard let e = end, e > i else {
                i = classes[i] == .extendNumLet ? pastUnderscores(i) : i + 1
                continue
            }
            out.append(token(i, e))
            i = e
        }
    }

    /// Where to go on after a run of '_' at `i` that makes no token, without rescanning the run from every
    /// position: no start inside it can reach a letter or digit within the length limit. Scalars in the run
    /// that can begin a token of their own (ZWJ, a skin-tone modifier, a Thai mark) are still visited.
    private func pastUnderscores(_ i: Int) -> Int {
        var j = i
        var special: Int?
        scan: while j < count {
            switch classes[j] {
            case .extendNumLet, .extend, .presentationSelector: break
            case .zwj, .complexContextExtend, .emojiModifier: if special == nil && j > i { special = j }
            default: break scan
            }
            j += 1
        }
        var next = j
        switch j < count ? classes[j] : .other {
        case .letter, .letterEmoji, .hebrewLetter, .numeric, .katakana:
            // Out of reach from `i`; the first start that could reach it takes over.
            next = i + 1
            while next < j, Int(utf16[j + 1] - utf16[next]) > Tokenizer.maxTokenLength { next += 1 }
        default:
            break
        }
        return min(next, special ?? next)
    }

    /// After `i`, past any Extend, Format and ZWJ scalars (and the presentation selectors, unless excluded).
    private func skipExtend(_ i: Int, selectors: Bool = true) -> Int {
        var i = i
        while i < bound {
            switch classes[i] {
            case .extend, .zwj, .complexContextExtend, .emojiModifier: i += 1
            case .presentationSelector where selectors: i += 1
            default: return i
            }
        }
        return i
    }

    /// What the word rule last took. `hebrew` is a Hebrew letter that may begin an item of its own (and so take
    /// a quote after it), `hebrewJoined` one reached across a middle character inside a run of letters,
    /// `hebrewAfterDoubleQuote` the second letter of Hebrew_Letter Double_Quote Hebrew_Letter.
    private enum Unit { case none, extendNumLet, letter, hebrew, hebrewJoined, hebrewAfterDoubleQuote, hebrewQuote, numeric, katakana }

    /// The word rule: ExtendNumLet* then letter runs, digit runs and katakana runs. Letters join across one
    /// MidLetter, MidNumLet or single quote; digits across one MidNum, MidNumLet or single quote; letters and
    /// digits touch; katakana touch only katakana; '_' joins anything. The end of the longest match that fits
    /// in the token length limit, or nil (a run of '_' alone is no token).
    private func word(_ start: Int) -> Int? {
        let n = bound
        var accepted: Int?
        var hasCore = false
        var prev = Unit.none
        var i = start
        scan: while i < n {
            let c = classes[i]
            var end = i + 1  // past the unit's last scalar but its Extend scalars
            switch c {
            case .extendNumLet:
                prev = .extendNumLet
            case .letter, .letterEmoji, .hebrewLetter, .numeric:
                guard prev != .katakana else { break scan }
                prev = c == .numeric ? .numeric : c == .hebrewLetter ? .hebrew : .letter
                hasCore = true
            case .katakana:
                guard prev == .none || prev == .extendNumLet || prev == .katakana else { break scan }
                prev = .katakana
                hasCore = true
            case .midLetter, .midNum, .midNumLet, .singleQuote, .doubleQuote:
                let j = skipExtend(i + 1)
                let after: CharClass = j < n ? classes[j] : .other
                let afterLetter = after == .letter || after == .letterEmoji || after == .hebrewLetter
                if (prev == .letter || prev == .hebrew || prev == .hebrewJoined) && afterLetter
                    && (c == .midLetter || c == .midNumLet || c == .singleQuote) {
                    // Hebrew_Letter Single_Quote ends an item, so a Hebrew letter after it starts a fresh one.
                    if after != .hebrewLetter { prev = .letter } else { prev = prev == .hebrew && c == .singleQuote ? .hebrew : .hebrewJoined }
                    end = j + 1
                } else if prev == .numeric && after == .numeric && (c == .midNum || c == .midNumLet || c == .singleQuote) {
                    end = j + 1
                } else if prev == .hebrew && c == .doubleQuote && after == .hebrewLetter {
                    prev = .hebrewAfterDoubleQuote
                    end = j + 1
                } else if prev == .hebrew && c == .singleQuote {
                    prev = .hebrewQuote  // Hebrew_Letter × Single_Quote
                } else {
                    break scan
                }
            default:
                break scan
            }
            // Every position from `end` through the unit's Extend scalars ends a match (once there is a letter,
            // digit or katakana); stop at the length limit.
            var e = end
            while true {
                if e > n { break scan }  // past the length limit
                if hasCore { accepted = e }
                guard e < n, skipExtend(e) > e else { break }
                e += 1
            }
            i = e
        }
        return accepted
    }

    /// EmojiCharOrPresSeqOrModSeq: ZWJ* then an emoji with the Extend scalars after it (skin-tone modifiers
    /// among them) and an optional U+FE0F, or a modifier alone.
    private func emojiCore(_ start: Int) -> Int? {
        let n = bound
        if classes[start] == .emojiModifier { return skipExtend(start + 1, selectors: false) }
        var j = start
        while j < n, classes[j] == .zwj { j += 1 }
        guard j < n, classes[j] == .emoji || classes[j] == .letterEmoji else { return nil }
        let e = skipExtend(j + 1, selectors: false)
        return e < n && values[e] == 0xFE0F ? e + 1 : e
    }

    /// An emoji, or emoji joined by ZWJ.
    private func emojiSequence(_ start: Int) -> Int? {
        guard var e = emojiCore(start) else { return nil }
        let n = bound
        while e < n {
            // The joining ZWJ was either taken in by the Extend run before, or comes next.
            if classes[e - 1] == .zwj, let next = emojiCore(e) { e = next; continue }
            if classes[e] == .zwj, e + 1 < n, let next = emojiCore(e + 1) { e = next; continue }
            break
        }
        return e
    }

    /// A keycap emoji from '#' or '*': the base, U+FE0F optionally, U+20E3.
    private func keycap(_ start: Int) -> Int? {
        let n = bound
        let k = skipExtend(start + 1, selectors: false)
        if k < n, values[k] == 0xFE0F, k + 1 < n, values[k + 1] == 0x20E3 { return skipExtend(k + 2, selectors: false) }
        if (start + 1..<k).contains(where: { values[$0] == 0x20E3 }) { return k }
        return nil
    }
}
