// Porter's stemming algorithm exactly as Lucene's PorterStemFilter runs it (org.apache.lucene.analysis.en.
// PorterStemmer, itself Martin Porter's reference implementation). It differs from the Snowball "porter"
// stemmer that Xapian ships: words of one or two characters are left alone ("us", "vs", "s"), step 2 maps
// "bli" to "ble" (not only "abli" to "able"), and "logi" becomes "log" ("technology" → "technolog",
// "possibly" → "possibl"). Like Lucene it works on UTF-16 code units; anything but a–z is a consonant.

struct PorterStemmer {
    private var b: [UInt16] = []
    private var j = 0, k = 0, k0 = 0

    private static let a = UInt16(UInt8(ascii: "a")), e = UInt16(UInt8(ascii: "e")), i = UInt16(UInt8(ascii: "i")), o = UInt16(UInt8(ascii: "o"))
    private static let u = UInt16(UInt8(ascii: "u")), y = UInt16(UInt8(ascii: "y")), s = UInt16(UInt8(ascii: "s")), l = UInt16(UInt8(ascii: "l"))
    private static let z = UInt16(UInt8(ascii: "z")), w = UInt16(UInt8(ascii: "w")), x = UInt16(UInt8(ascii: "x")), t = UInt16(UInt8(ascii: "t"))

    /// The stem of a lowercase word.
    mutating func stem(_ word: String) -> String {
        b = Array(word.utf16)
        guard b.count > 2 else { return word }
        k = b.count - 1
        k0 = 0
        step1(); step2(); step3(); step4(); step5(); step6()
        return String(decoding: b[0...k], as: UTF16.self)
    }

    private func cons(_ i: Int) -> Bool {
        switch b[i] {
        case Self.a, Self.e, Self.i, Self.o, Self.u: return false
        case Self.y: return i == k0 ? true : !cons(i - 1)
        default: return true
        }
    }

    /// The number of consonant–vowel sequences between k0 and j.
    private func m() -> Int {
        var n = 0
        var i = k0
        while true {
            if i > j { return n }
            if !cons(i) { break }
            i += 1
        }
        i += 1
        while true {
            while true {
                if i > j { return n }
                if cons(i) { break }
                i += 1
            }
            i += 1
            n += 1
            while true {
                if i > j { return n }
                if !cons(i) { break }
                i += 1
            }
            i += 1
        }
    }

    private func vowelInStem() -> Bool {
        var i = k0
        while i <= j {
            if !cons(i) { return true }
            i += 1
        }
        return false
    }

    private func doubleC(_ j: Int) -> Bool {
        if j < k0 + 1 { return false }
        if b[j] != b[j - 1] { return false }
        return cons(j)
    }

    private func cvc(_ i: Int) -> Bool {
        if i < k0 + 2 || !cons(i) || cons(i - 1) || !cons(i - 2) { return false }
        let ch = b[i]
        return !(ch == Self.w || ch == Self.x || ch == Self.y)
    }

    private mutating func ends(_ suffix: StaticString) -> Bool {
        let len = suffix.utf8CodeUnitCount
        let o = k - len + 1
        if o < k0 { return false }
        let p = suffix.utf8Start
        for n in 0..<len where b[o + n] != UInt16(p[n]) { return false }
        j = k - len
        return true
    }

    private mutating func setTo(_ replacement: StaticString) {
        let len = replacement.utf8CodeUnitCount
        let p = replacement.utf8Start
        let o = j + 1
        for n in 0..<len {
            if o + n < b.count { b[o + n] = UInt16(p[n]) } else { b.append(UInt16(p[n])) }
        }
        k = j + len
    }

    private mutating func r(_ replacement: StaticString) {
        if m() > 0 { setTo(replacement) }
    }

    /// Plurals, -ed and -ing.
    private mutating func step1() {
        if b[k] == Self.s {
            if ends("sses") { k -= 2 } else if ends("ies") { setTo("i") } else if b[k - 1] != Self.s { k -= 1 }
        }
        if ends("eed") {
            if m() > 0 { k -= 1 }
        } else if (ends("ed") || ends("ing")) && vowelInStem() {
            k = j
            if ends("at") { setTo("ate") } else if ends("bl") { setTo("ble") } else if ends("iz") { setTo("ize") } else if doubleC(k) {
                let ch = b[k]
                k -= 1
                if ch == Self.l || ch == Self.s || ch == Self.z { k += 1 }
            } else if m() == 1 && cvc(k) {
                setTo("e")
            }
        }
    }

    /// Terminal y → i when the stem has another vowel.
    private mutating func step2() {
        if ends("y") && vowelInStem() { b[k] = Self.i }
    }

    /// Double suffixes → single ones.
    private mutating func step3() {
        if k == k0 { return }
        switch b[k - 1] {
        case UInt16(UInt8(ascii: "a")):
            if ends("ational") { r("ate") } else if ends("tional") { r("tion") }
        case UInt16(UInt8(ascii: "c")):
            if ends("enci") { r("ence") } else if ends("anci") { r("ance") }
        case UInt16(UInt8(ascii: "e")):
            if ends("izer") { r("ize") }
        case UInt16(UInt8(ascii: "l")):
            if ends("bli") { r("ble") } else if ends("alli") { r("al") } else if ends("entli") { r("ent") }
            else if ends("eli") { r("e") } else if ends("ousli") { r("ous") }
        case UInt16(UInt8(ascii: "o")):
            if ends("ization") { r("ize") } else if ends("ation") { r("ate") } else if ends("ator") { r("ate") }
        case UInt16(UInt8(ascii: "s")):
            if ends("alism") { r("al") } else if ends("iveness") { r("ive") } else if ends("fulness") { r("ful") }
            else if ends("ousness") { r("ous") }
        case UInt16(UInt8(ascii: "t")):
            if ends("aliti") { r("al") } else if ends("iviti") { r("ive") } else if ends("biliti") { r("ble") }
        case UInt16(UInt8(ascii: "g")):
            if ends("logi") { r("log") }
        default:
            break
        }
    }

    /// -ic-, -full, -ness etc.
    private mutating func step4() {
        switch b[k] {
        case UInt16(UInt8(ascii: "e")):
            if ends("icate") { r("ic") } else if ends("ative") { r("") } else if ends("alize") { r("al") }
        case UInt16(UInt8(ascii: "i")):
            if ends("iciti") { r("ic") }
        case UInt16(UInt8(ascii: "l")):
            if ends("ical") { r("ic") } else if ends("ful") { r("") }
        case UInt16(UInt8(ascii: "s")):
            if ends("ness") { r("") }
        default:
            break
        }
    }

    /// -ant, -ence etc. in context <c>vcvc<v>.
    private mutating func step5() {
        if k == k0 { return }
        let found: Bool
        switch b[k - 1] {
        case UInt16(UInt8(ascii: "a")): found = ends("al")
        case UInt16(UInt8(ascii: "c")): found = ends("ance") || ends("ence")
        case UInt16(UInt8(ascii: "e")): found = ends("er")
        case UInt16(UInt8(ascii: "i")): found = ends("ic")
        case UInt16(UInt8(ascii: "l")): found = ends("able") || ends("ible")
        case UInt16(UInt8(ascii: "n")): found = ends("ant") || ends("ement") || ends("ment") || ends("ent")
        case UInt16(UInt8(ascii: "o")):
            found = (ends("ion") && j >= 0 && (b[j] == Self.s || b[j] == Self.t)) || ends("ou")
        case UInt16(UInt8(ascii: "s")): found = ends("ism")
        case UInt16(UInt8(ascii: "t")): found = ends("ate") || ends("iti")
        case UInt16(UInt8(ascii: "u")): found = ends("ous")
        case UInt16(UInt8(ascii: "v")): found = ends("ive")
        case UInt16(UInt8(ascii: "z")): found = ends("ize")
        default: found = false
        }
        if found && m() > 1 { k = j }
    }

    /// A final -e when m() > 1, and -ll → -l.
    private mutating func step6() {
        j = k
        if b[k] == Self.e {
            let a = m()
            if a > 1 || a == 1 && !cvc(k - 1) { k -= 1 }
        }
        if b[k] == Self.l && doubleC(k) && m() > 1 { k -= 1 }
    }
}
