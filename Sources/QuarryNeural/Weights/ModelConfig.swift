// A model's config.json with typed accessors whose errors name the file and the key.
import Foundation

public struct ModelConfig: @unchecked Sendable {
    /// Where it was read from (for messages).
    public let path: String
    /// The parsed JSON object.
    public let values: [String: Any]

    public init(path: String) throws {
        guard FileManager.default.fileExists(atPath: path) else { throw CheckpointError("\(path): missing (a model directory needs config.json)") }
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch { throw CheckpointError("\(path): cannot read (\(error.localizedDescription))") }
        try self.init(data: data, path: path)
    }

    public init(data: Data, path: String) throws {
        self.path = path
        guard let obj = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw CheckpointError("\(path): not a JSON object")
        }
        values = obj
    }

    public func has(_ key: String) -> Bool { values[key] != nil && !(values[key] is NSNull) }

    /// An integer value; `default` when absent, an error when absent without default or not an integer.
    public func int(_ key: String, default def: Int? = nil) throws -> Int {
        guard has(key) else {
            if let def { return def }
            throw CheckpointError("\(path): missing key '\(key)'")
        }
        guard let n = values[key] as? NSNumber, String(cString: n.objCType) != "c", let i = n as? Int else {
            throw CheckpointError("\(path): '\(key)' must be an integer, found \(values[key]!)")
        }
        return i
    }

    /// A number.
    public func double(_ key: String, default def: Double? = nil) throws -> Double {
        guard has(key) else {
            if let def { return def }
            throw CheckpointError("\(path): missing key '\(key)'")
        }
        guard let n = values[key] as? NSNumber, String(cString: n.objCType) != "c" else {
            throw CheckpointError("\(path): '\(key)' must be a number, found \(values[key]!)")
        }
        return n.doubleValue
    }

    /// A string.
    public func string(_ key: String, default def: String? = nil) throws -> String {
        guard has(key) else {
            if let def { return def }
            throw CheckpointError("\(path): missing key '\(key)'")
        }
        guard let s = values[key] as? String else { throw CheckpointError("\(path): '\(key)' must be a string, found \(values[key]!)") }
        return s
    }

    /// A boolean.
    public func bool(_ key: String, default def: Bool? = nil) throws -> Bool {
        guard has(key) else {
            if let def { return def }
            throw CheckpointError("\(path): missing key '\(key)'")
        }
        guard let b = values[key] as? Bool else { throw CheckpointError("\(path): '\(key)' must be true or false, found \(values[key]!)") }
        return b
    }

    /// A list of strings (e.g. "architectures"); empty when absent.
    public func strings(_ key: String) throws -> [String] {
        guard has(key) else { return [] }
        guard let a = values[key] as? [String] else { throw CheckpointError("\(path): '\(key)' must be a list of strings") }
        return a
    }
}
