// Answers as the SQuAD evaluation script compares them: lowercased, punctuation removed, the articles
// a/an/the dropped, whitespace collapsed. Exact match and token F1 take the best over the gold answers;
// a passage "has" an answer when the answer's normalised tokens occur in it as a contiguous run.
import Foundation

public enum AnswerMatching {
    /// SQuAD v1.1's normalize_answer.
    public static func normalize(_ text: String) -> String {
        let lower = text.lowercased()
        var noPunct = String.UnicodeScalarView()
        for s in lower.unicodeScalars where !isPunctuation(s) { noPunct.append(s) }
        let tokens = String(noPunct).split(whereSeparator: { $0.isWhitespace }).filter { !["a", "an", "the"].contains($0) }
        return tokens.joined(separator: " ")
    }

    /// Python's string.punctuation (ASCII), which the SQuAD script removes.
    static func isPunctuation(_ s: Unicode.Scalar) -> Bool {
        s.isASCII && "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~".unicodeScalars.contains(s)
    }

    public static func exactMatch(_ prediction: String, _ answers: [String]) -> Double {
        let p = normalize(prediction)
        return answers.contains { normalize($0) == p } ? 1 : 0
    }

    public static func f1(_ prediction: String, _ answers: [String]) -> Double {
        let p = normalize(prediction).split(separator: " ").map(String.init)
        return answers.map { answer -> Double in
            let g = normalize(answer).split(separator: " ").map(String.init)
            var counts: [String: Int] = [:]
            for t in g { counts[t, default: 0] += 1 }
            var common = 0
            for t in p where (counts[t] ?? 0) > 0 { counts[t]! -= 1; common += 1 }
            guard common > 0 else { return 0 }
            let precision = Double(common) / Double(p.count), recall = Double(common) / Double(g.count)
            return 2 * precision * recall / (precision + recall)
        }.max() ?? 0
    }

    /// Whether `passage` contains one of `answers` (normalised token runs).
    public static func hasAnswer(_ passage: String, _ answers: [String]) -> Bool {
        let tokens = normalize(passage).split(separator: " ")
        return answers.contains { answer in
            let a = normalize(answer).split(separator: " ")
            guard !a.isEmpty, a.count <= tokens.count else { return false }
            return (0...(tokens.count - a.count)).contains { i in tokens[i..<i + a.count].elementsEqual(a) }
        }
    }
}
