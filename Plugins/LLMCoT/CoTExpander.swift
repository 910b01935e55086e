// `cot`: seed paper 1's zero-shot chain-of-thought expansion. An LLM answers the query with its
// rationale; the expanded query is the query repeated N = max(nc, ⌊|rationale| / |query|⌋) times
// followed by the rationale.
import QuarryAPI
import QuarryLLM

public enum CoTExpander {
    /// The paper's prompt (RADCoT, Table 7).
    public static let defaultPrompt = "Answer the following question: {query} Give the rationale before answering"

    public static let plugin = ExpanderPlugin(
        name: "cot",
        summary: "LLM chain-of-thought expansion: the query repeated, then the model's rationale (RADCoT's teacher)",
        options: LLMPluginOptions.specs(maxTokens: 256) + [
            OptionSpec("promptFile", .string, default: nil, help: "prompt template file with a {query} placeholder (default: the paper's)", operatorOnly: true),
            OptionSpec("nc", .int, default: .int(5), help: "minimum query repeats (Nc)"),
            OptionSpec("lengthUnit", .string, default: .string("words"), help: "words or chars: how |rationale| / |query| is counted"),
        ],
        make: { o in
            guard let unit = ExpansionRule.LengthUnit(rawValue: o.string("lengthUnit") ?? "words") else {
                throw OptionError("cot.lengthUnit must be words or chars, got '\(o.string("lengthUnit") ?? "")'")
            }
            let client = try LLMRuntime.shared.client(try LLMPluginOptions.config(o, plugin: "cot"))
            return LLMExpander(client: client, template: try LLMPluginOptions.template(o, builtin: defaultPrompt),
                               rule: .cot(nc: max(0, o.int("nc") ?? 5), unit: unit))
        })
}
