// What a client asks in POST /search (and in each item of POST /batch), read field by field from the
// JSON so that every mistake is a 400 naming its field. Limits are checked here; plugin names and
// options against the registry in RequestPolicy.
import Foundation
import QuarryAPI

/// One search as the client asked for it.
struct SearchRequest: Sendable {
    /// Echoed back, to match answers to questions in a batch.
    var id: String?
    var query: String
    var k: Int
    /// nil: the operator's choice; "none" (for expander and reranker): no stage.
    var model: String?
    var expander: String?
    var reranker: String?
    /// "plugin.key" → value, as `--set plugin.key=value`.
    var options: [String: OptionValue]
    /// Answer each hit's snippet and the words to highlight (off by default: it reads every hit's text).
    var snippets = false
    /// Where this request sits in the body, for error messages ("" or "queries[3].").
    var field: String

    static let defaultK = 10
}

/// The fields a search may carry, each optional: a request's own, or a batch's defaults.
struct SearchFields: Sendable {
    var id: String?
    var query: String?
    var k: Int?
    var model: String?
    var expander: String?
    var reranker: String?
    var options: [String: OptionValue] = [:]
    var snippets: Bool?

    static let names: Set<String> = ["id", "query", "k", "model", "expander", "reranker", "options", "snippets"]

    /// Reads the search fields of `object`; `field` prefixes names in errors; `ignoring` are other
    /// fields the caller handles (a batch's `queries`); anything else is an unknown field.
    static func parse(_ object: [String: JSONValue], field: String, ignoring: Set<String> = []) throws -> SearchFields {
        var out = SearchFields()
        for (key, value) in object.sorted(by: { $0.key < $1.key }) {
            let name = field + key
            switch key {
            case "id": out.id = try string(value, name)
            case "query": out.query = try string(value, name)
            case "k": out.k = try integer(value, name)
            case "model": out.model = try string(value, name)
            case "expander": out.expander = try value == .null ? "none" : string(value, name)
            case "reranker": out.reranker = try value == .null ? "none" : string(value, name)
            case "snippets":
                guard case .bool(let b) = value else { throw APIError.badRequest("\(name): expected a boolean, got \(value.kind)") }
                out.snippets = b
            case "options":
                guard case .object(let options) = value else { throw APIError.badRequest("\(name): expected an object of \"plugin.option\": value, got \(value.kind)") }
                for (option, v) in options {
                    switch v {
                    case .string(let s): out.options[option] = .string(s)
                    case .bool(let b): out.options[option] = .bool(b)
                    case .number(let d):
                        out.options[option] = d == d.rounded() && abs(d) < 9e15 ? .int(Int(d)) : .double(d)
                    default:
                        throw APIError.badRequest("\(name).\(option): expected a number, boolean or string, got \(v.kind)")
                    }
                }
            default:
                if ignoring.contains(key) { continue }
                throw APIError.badRequest("\(name): unknown field (valid: \((names.union(ignoring)).sorted().joined(separator: ", ")))")
            }
        }
        return out
    }

    /// These fields over `defaults` (options merge key by key).
    func over(_ defaults: SearchFields) -> SearchFields {
        var out = self
        out.id = id ?? defaults.id
        out.query = query ?? defaults.query
        out.k = k ?? defaults.k
        out.model = model ?? defaults.model
        out.expander = expander ?? defaults.expander
        out.reranker = reranker ?? defaults.reranker
        out.snippets = snippets ?? defaults.snippets
        out.options = defaults.options.merging(options) { $1 }
        return out
    }

    /// The complete request, checked against the limits.
    func request(field: String, limits: ServerLimits) throws -> SearchRequest {
        guard let query else { throw APIError.badRequest("\(field)query: required") }
        guard !query.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { throw APIError.badRequest("\(field)query: empty") }
        guard query.count <= limits.maxQueryLength else {
            throw APIError.badRequest("\(field)query: \(query.count) characters, over the limit of \(limits.maxQueryLength) (--max-query-length)")
        }
        let k = self.k ?? SearchRequest.defaultK
        guard (1...limits.maxK).contains(k) else {
            throw APIError.badRequest("\(field)k: must be between 1 and \(limits.maxK) (--max-k), got \(k)")
        }
        return SearchRequest(id: id, query: query, k: k, model: model, expander: expander, reranker: reranker, options: options,
                             snippets: snippets ?? false, field: field)
    }

    private static func string(_ v: JSONValue, _ name: String) throws -> String {
        guard case .string(let s) = v else { throw APIError.badRequest("\(name): expected a string, got \(v.kind)") }
        return s
    }

    private static func integer(_ v: JSONValue, _ name: String) throws -> Int {
        guard case .number(let d) = v else { throw APIError.badRequest("\(name): expected an integer, got \(v.kind)") }
        guard d == d.rounded(), abs(d) < 9e15 else { throw APIError.badRequest("\(name): expected an integer, got \(d)") }
        return Int(d)
    }
}

extension SearchRequest {
    /// The body of POST /search.
    static func parse(_ body: Data, limits: ServerLimits) throws -> SearchRequest {
        guard case .object(let object) = try JSONValue.parse(body) else {
            throw APIError.badRequest("request body: expected a JSON object {\"query\": …}")
        }
        return try SearchFields.parse(object, field: "").request(field: "", limits: limits)
    }

    /// The body of POST /batch: `queries`, an array of search objects, and optionally any search field
    /// (but `query`) at the top as a default for every item.
    static func parseBatch(_ body: Data, limits: ServerLimits) throws -> [SearchRequest] {
        guard case .object(let object) = try JSONValue.parse(body) else {
            throw APIError.badRequest("request body: expected a JSON object {\"queries\": […]}")
        }
        guard let list = object["queries"] else { throw APIError.badRequest("queries: required") }
        guard case .array(let items) = list else { throw APIError.badRequest("queries: expected an array, got \(list.kind)") }
        guard !items.isEmpty else { throw APIError.badRequest("queries: empty") }
        guard items.count <= limits.maxBatch else {
            throw APIError.badRequest("queries: \(items.count) queries, over the limit of \(limits.maxBatch) (--max-batch)")
        }
        if object["query"] != nil { throw APIError.badRequest("query: give each query in queries[]") }
        let defaults = try SearchFields.parse(object, field: "", ignoring: ["queries"])
        return try items.enumerated().map { i, item in
            let field = "queries[\(i)]."
            guard case .object(let o) = item else { throw APIError.badRequest("queries[\(i)]: expected an object, got \(item.kind)") }
            return try SearchFields.parse(o, field: field).over(defaults).request(field: field, limits: limits)
        }
    }
}
