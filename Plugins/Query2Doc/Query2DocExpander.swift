// `query2doc`: a few-shot prompt asks an LLM to write a passage that answers the query; the
// expanded query is the query repeated a fixed number of times (5, as in the paper) followed by the
// pseudo-document. The examples come from a JSONL file ({"query","passage"} per line); the project's
// own four ship built in and in corpora/prompts/query2doc-examples.jsonl.
import Foundation
import QuarryAPI
import QuarryLLM

public enum Query2DocExpander {
    public static let instruction = "Write a passage that answers the given query:"

    public static let plugin = ExpanderPlugin(
        name: "query2doc",
        summary: "LLM pseudo-document expansion (query2doc): the query repeated 5 times, then a passage the model writes",
        options: LLMPluginOptions.specs(maxTokens: 128, stop: "\nQuery:") + [
            OptionSpec("examplesFile", .string, default: nil, help: "few-shot examples, JSONL {\"query\",\"passage\"} (default: the project's four)", operatorOnly: true),
            OptionSpec("promptFile", .string, default: nil, help: "a whole prompt template with {query}; replaces the instruction and examples", operatorOnly: true),
            OptionSpec("repeats", .int, default: .int(5), help: "how many times the query is repeated"),
        ],
        make: { o in
            let template: PromptTemplate
            if let file = o.string("promptFile"), !file.isEmpty {
                template = try PromptTemplate.load(file)
            } else if let file = o.string("examplesFile"), !file.isEmpty {
                template = try prompt(examples: try loadExamples(file))
            } else {
                template = try prompt(examples: Query2DocExamples.builtin)
            }
            let client = try LLMRuntime.shared.client(try LLMPluginOptions.config(o, plugin: "query2doc"))
            return LLMExpander(client: client, template: template, rule: .fixed(repeats: max(0, o.int("repeats") ?? 5)))
        })

    /// The few-shot prompt: the instruction, each example as a Query/Passage pair, then the query.
    public static func prompt(examples: [Query2DocExample]) throws -> PromptTemplate {
        var text = instruction + "\n\n"
        for e in examples { text += "Query: \(e.query)\nPassage: \(e.passage)\n\n" }
        return try PromptTemplate(text + "Query: {query}\nPassage:")
    }

    /// Reads `{"query","passage"}` JSONL; errors name the file and line.
    public static func loadExamples(_ path: String) throws -> [Query2DocExample] {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw OptionError("\(path): cannot read the query2doc examples file (UTF-8 JSONL)")
        }
        var out: [Query2DocExample] = []
        for (i, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            if line.trimmingCharacters(in: .whitespaces).isEmpty { continue }
            guard let obj = (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any],
                  let q = obj["query"] as? String, let p = obj["passage"] as? String else {
                throw OptionError("\(path):\(i + 1): expected a JSON object with string fields \"query\" and \"passage\"")
            }
            out.append(Query2DocExample(query: q, passage: p))
        }
        if out.isEmpty { throw OptionError("\(path): no examples") }
        return out
    }
}

public struct Query2DocExample: Sendable, Hashable {
    public let query: String
    public let passage: String
    public init(query: String, passage: String) {
        self.query = query
        self.passage = passage
    }
}
