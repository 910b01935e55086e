// Word segmentation after Unicode's word-boundary rules (UAX #29), as Lucene's StandardTokenizer
// does: letters and digits join across a single inner '.', '\'', ':' (letters) or ',' ';' (digits),
// '_' joins words, ideographs and hiragana are one token each, and punctuation is dropped.

enum CharClass: UInt8 {
    case other, letter, numeric, extendNumLet, midLetter, midNum, midNumLet, singleQuote, extend, katakana, ideographic
}

struct Tokenizer {
    /// Longest token kept, in bytes (Xapian's term limit is 245 bytes).
    static let maxTokenBytes = 240

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
        return t
    }()

    static func classify(_ s: Unicode.Scalar) -> CharClass {
        let v = s.value
        if v < 128 { return asciiTable[Int(v)] }
        switch v {
        case 0x00B7, 0x0387, 0x05F4, 0x2027, 0xFE13, 0xFE55, 0xFF1A: return .midLetter
        case 0x037E, 0x0589, 0x060C, 0x060D, 0x066C, 0x07F8, 0x2044, 0xFE10, 0xFE14, 0xFE50, 0xFE54, 0xFF0C, 0xFF1B:
            return .midNum
        case 0x2018, 0x2019, 0x2024, 0xFE52, 0xFF07, 0xFF0E: return .midNumLet
        case 0x200D: return .extend
        case 0x3040...0x309F: return .ideographic  // hiragana: one token per character
        case 0x30A0...0x30FF, 0x31F0...0x31FF, 0xFF66...0xFF9F: return .katakana
        default: break
        }
        let p = s.properties
        switch p.generalCategory {
        case .nonspacingMark, .spacingMark, .enclosingMark, .format: return .extend
        case .decimalNumber: return .numeric
        case .connectorPunctuation: return .extendNumLet
        default: break
        }
        if p.isIdeographic { return .ideographic }
        if p.isAlphabetic { return .letter }
        return .other
    }

    /// Splits `text` into tokens (original case).
    static func tokenize(_ text: String, into out: inout [Substring]) {
        let scalars = text.unicodeScalars
        var i = scalars.startIndex
        let end = scalars.endIndex
        while i < end {
            let c = classify(scalars[i])
            switch c {
            case .ideographic:
                let next = scalars.index(after: i)
                out.append(Substring(text.unicodeScalars[i..<next]))
                i = next
            case .letter, .numeric, .extendNumLet, .katakana:
                let start = i
                var last = c
                var j = scalars.index(after: i)
                scan: while j < end {
                    let n = classify(scalars[j])
                    switch n {
                    case .extend:
                        j = scalars.index(after: j)
                    case .letter, .numeric:
                        guard last == .letter || last == .numeric || last == .extendNumLet else { break scan }
                        last = n
                        j = scalars.index(after: j)
                    case .extendNumLet:
                        guard last != .other else { break scan }
                        last = n
                        j = scalars.index(after: j)
                    case .katakana:
                        guard last == .katakana || last == .extendNumLet else { break scan }
                        last = n
                        j = scalars.index(after: j)
                    case .midLetter, .midNum, .midNumLet, .singleQuote:
                        // A middle character joins only between two letters or two digits.
                        var k = scalars.index(after: j)
                        while k < end, classify(scalars[k]) == .extend { k = scalars.index(after: k) }
                        guard k < end else { break scan }
                        let after = classify(scalars[k])
                        let joinsLetters = last == .letter && after == .letter && (n == .midLetter || n == .midNumLet || n == .singleQuote)
                        let joinsDigits = last == .numeric && after == .numeric && (n == .midNum || n == .midNumLet || n == .singleQuote)
                        guard joinsLetters || joinsDigits else { break scan }
                        j = scalars.index(after: k)
                    default:
                        break scan
                    }
                }
                out.append(Substring(text.unicodeScalars[start..<j]))
                i = j
            default:
                i = scalars.index(after: i)
            }
        }
    }
}
