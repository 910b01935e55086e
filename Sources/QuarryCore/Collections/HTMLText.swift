// Visible text of an HTML page: tags removed, <script>/<style> dropped, entities decoded.

enum HTMLText {
    /// The text of `html` with markup removed and entities decoded.
    static func text(_ html: String) -> String {
        var s = html
        for tag in ["script", "style", "title"] { s = removeElement(tag, from: s) }
        return decodeEntities(stripTags(s))
    }

    /// The page's <title>, if any.
    static func title(_ html: String) -> String {
        guard let open = html.range(of: "<title", options: .caseInsensitive),
              let openEnd = html.range(of: ">", range: open.upperBound..<html.endIndex),
              let close = html.range(of: "</title>", options: .caseInsensitive, range: openEnd.upperBound..<html.endIndex)
        else { return "" }
        return decodeEntities(String(html[openEnd.upperBound..<close.lowerBound])).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Replaces every tag with a space (so words on either side stay apart). As in HTML's tokenizer, a
    /// '<' opens a tag only before a letter, '/', '!' or '?': "1 <= E[k]" and "a < b" stay text.
    static func stripTags(_ s: String) -> String {
        guard s.contains("<") else { return s }
        var out = String.UnicodeScalarView()
        var inTag = false
        let scalars = Array(s.unicodeScalars)
        for (i, c) in scalars.enumerated() {
            if inTag {
                if c == ">" { inTag = false; out.append(" ") }
            } else if c == "<", i + 1 < scalars.count, opensTag(scalars[i + 1]) {
                inTag = true
            } else {
                out.append(c)
            }
        }
        return String(out)
    }

    private static func opensTag(_ next: Unicode.Scalar) -> Bool {
        (next >= "a" && next <= "z") || (next >= "A" && next <= "Z") || next == "/" || next == "!" || next == "?"
    }

    static func removeElement(_ tag: String, from s: String) -> String {
        var result = s
        var from = result.startIndex
        while let open = result.range(of: "<\(tag)", options: .caseInsensitive, range: from..<result.endIndex) {
            guard let close = result.range(of: "</\(tag)>", options: .caseInsensitive, range: open.upperBound..<result.endIndex) else { break }
            result.replaceSubrange(open.lowerBound..<close.upperBound, with: " ")
            from = result.startIndex
        }
        return result
    }

    private static let named: [String: String] = [
        "amp": "&", "lt": "<", "gt": ">", "quot": "\"", "apos": "'", "nbsp": " ", "ndash": "\u{2013}",
        "mdash": "\u{2014}", "lsquo": "\u{2018}", "rsquo": "\u{2019}", "ldquo": "\u{201C}", "rdquo": "\u{201D}",
        "hellip": "\u{2026}", "copy": "\u{00A9}", "reg": "\u{00AE}", "deg": "\u{00B0}", "eacute": "\u{00E9}",
        "egrave": "\u{00E8}", "aacute": "\u{00E1}", "agrave": "\u{00E0}", "ouml": "\u{00F6}", "uuml": "\u{00FC}",
        "auml": "\u{00E4}", "ccedil": "\u{00E7}", "iacute": "\u{00ED}", "oacute": "\u{00F3}", "uacute": "\u{00FA}",
        "ntilde": "\u{00F1}", "szlig": "\u{00DF}", "times": "\u{00D7}", "middot": "\u{00B7}",
    ]

    /// Decodes `&name;`, `&#NN;` and `&#xHH;`; unknown entities stay as written.
    static func decodeEntities(_ s: String) -> String {
        guard s.contains("&") else { return s }
        var out = ""
        out.reserveCapacity(s.utf8.count)
        var i = s.startIndex
        while i < s.endIndex {
            let c = s[i]
            if c == "&", let semi = s[i...].prefix(12).firstIndex(of: ";") {
                let name = s[s.index(after: i)..<semi]
                var decoded: String? = named[String(name)]
                if decoded == nil, name.hasPrefix("#") {
                    let digits = name.dropFirst()
                    let value = digits.hasPrefix("x") || digits.hasPrefix("X") ? UInt32(digits.dropFirst(), radix: 16) : UInt32(digits)
                    if let value, let scalar = Unicode.Scalar(value), value != 0 { decoded = String(Character(scalar)) }
                }
                if let decoded {
                    out += decoded
                    i = s.index(after: semi)
                    continue
                }
            }
            out.append(c)
            i = s.index(after: i)
        }
        return out
    }
}
