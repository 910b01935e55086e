// A prompt with `{name}` placeholders. Built-in prompts and prompt files go through the same check:
// every placeholder the plugin fills must be present, so a template that lost `{query}` is an error
// at start-up rather than thousands of identical requests.
import Foundation

public struct PromptTemplate: Sendable, Hashable {
    public let text: String
    /// Where the template came from (a file path, or "built-in"), for error messages.
    public let source: String

    public init(_ text: String, source: String = "built-in", requiring placeholders: [String] = ["query"]) throws {
        for name in placeholders where !text.contains("{\(name)}") {
            throw LLMError.configuration("\(source): prompt template has no {\(name)} placeholder")
        }
        self.text = text
        self.source = source
    }

    /// Reads a template file; one trailing newline is dropped (editors add it; prompts rarely want it).
    public static func load(_ path: String, requiring placeholders: [String] = ["query"]) throws -> PromptTemplate {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw LLMError.configuration("\(path): cannot read prompt file")
        }
        guard var text = String(data: data, encoding: .utf8) else { throw LLMError.configuration("\(path): prompt file is not UTF-8") }
        if text.hasSuffix("\n") { text.removeLast() }
        return try PromptTemplate(text, source: path, requiring: placeholders)
    }

    /// The prompt with each `{name}` replaced by its value (in one pass, so a value containing
    /// `{query}` is not substituted again).
    public func fill(_ values: [String: String]) -> String {
        var out = ""
        var rest = Substring(text)
        while let open = rest.firstIndex(of: "{") {
            out += rest[..<open]
            if let close = rest[open...].firstIndex(of: "}"), let v = values[String(rest[rest.index(after: open)..<close])] {
                out += v
                rest = rest[rest.index(after: close)...]
            } else {
                out.append("{")
                rest = rest[rest.index(after: open)...]
            }
        }
        return out + rest
    }
}
