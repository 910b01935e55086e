// How the student's encoder inputs are written: one per retrieved passage, from the paper's
// retrieval-augmented prompt. `quarry distill radcot-data` records the passages and tools/radcot/
// builds the same inputs for training (its `sources` mirrors `sources` here; a passage reads as
// QuarryAPI's `Document.passage`), so train and inference see the same text.
import Foundation
import QuarryAPI

public struct RADCoTPrompt: Sendable, Hashable {
    /// RADCoT, Table 7 (../shared/prompts/radcot-retrieval-augmented.txt).
    public static let paper = "Answer the following question {query} based on the given passage {passage} Give the rationale before answering"

    public let template: String

    /// A template must hold both {query} and {passage}.
    public init(template: String, origin: String = "template") throws {
        let t = template.trimmingCharacters(in: .whitespacesAndNewlines)
        for p in ["{query}", "{passage}"] where !t.contains(p) {
            throw OptionError("\(origin): the RADCoT prompt needs a \(p) placeholder")
        }
        self.template = t
    }

    /// One encoder input per passage; with no passages (the paper's "p:0" ablation) one input with an
    /// empty passage. Runs of whitespace become one space.
    public func sources(query: String, passages: [String]) -> [String] {
        (passages.isEmpty ? [""] : passages).map { p in
            let filled = template.replacingOccurrences(of: "{query}", with: query).replacingOccurrences(of: "{passage}", with: p)
            return filled.split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
        }
    }
}
