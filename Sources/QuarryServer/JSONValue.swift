// A parsed JSON document, kept as a tree so that every field of a request can be checked by hand and
// a wrong type reported under its own name ("k: expected an integer, got a string").
import Foundation

enum JSONValue: Decodable, Sendable, Equatable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null }
        else if let b = try? c.decode(Bool.self) { self = .bool(b) }
        else if let d = try? c.decode(Double.self) { self = .number(d) }
        else if let s = try? c.decode(String.self) { self = .string(s) }
        else if let a = try? c.decode([JSONValue].self) { self = .array(a) }
        else { self = .object(try c.decode([String: JSONValue].self)) }
    }

    /// Parses a request body; a syntax error is a `bad request` naming where it is.
    static func parse(_ data: Data) throws -> JSONValue {
        if data.isEmpty { throw APIError.badRequest("request body is empty: expected a JSON object") }
        do {
            return try JSONDecoder().decode(JSONValue.self, from: data)
        } catch {
            // JSONSerialization says where the syntax breaks; the decoder only that it does.
            var detail = "\(error)"
            do { _ = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]) } catch let e as NSError {
                detail = e.userInfo[NSDebugDescriptionErrorKey] as? String ?? e.localizedDescription
            }
            throw APIError.badRequest("request body is not valid JSON: \(detail)")
        }
    }

    /// "a string", "an object", … for error messages.
    var kind: String {
        switch self {
        case .null: return "null"
        case .bool: return "a boolean"
        case .number: return "a number"
        case .string: return "a string"
        case .array: return "an array"
        case .object: return "an object"
        }
    }
}
